/**
 * Model files of every format mi-ident reads, from their bytes: model JSON, `torch.save` files
 * (zip and legacy) and safetensors (docs/semantics.md, N9 and N10). The format is told by the
 * content, never by the name; the name is used in messages, and its extension only to word the
 * refusal of a file that is none of them. Browser-safe: no Node built-ins.
 */
import { ModelFormatError } from './errors.ts';
import { DEFAULT_NEGATIVE_SLOPE, modelFromStateDict, type HyperParameters, type LayerKeys } from './formats/layers.ts';
import { isSafetensors, readSafetensors } from './formats/safetensors.ts';
import { isLegacyTorch, readTorchLegacy, readTorchZip, torchStateDict } from './formats/torch.ts';
import { parseJsonText, type JsonProblemKind } from './json-text.ts';
import { MODEL_TEXT_ADVICE, parseModel, type Model } from './model.ts';

/** Advice for a file that is not JSON text, read from its bytes (so not torch.save or safetensors either). */
const TEXT_ADVICE: Record<JsonProblemKind, string> = {
  ...MODEL_TEXT_ADVICE,
  binary: ': mi-ident reads model JSON, torch.save files (.pt) and safetensors, and this is none of them (formats in the README)',
};

/** The formats {@link readModelFile} reads. */
export type ModelFileFormat = 'json' | 'torch-zip' | 'torch-legacy' | 'safetensors';

/** What a model file held, and how it was read. */
export interface ModelFile {
  model: Model;
  format: ModelFileFormat;
  /** Binary formats: the parameter names of each layer, in layer order. */
  layers: LayerKeys[];
  /** The LeakyReLU slope as the file gives it (or the default 0.01), before rounding to float32. */
  negativeSlope: number;
  /** torch.save files: where the state_dict was (null: the file is one). */
  stateDictKey: string | null;
  /** Where the activation and layer sizes were read from, when the file states them. */
  stated: string[];
}

const TORCH_EXTENSIONS = /\.(pt|pth|bin|ckpt|pkl|tar)$/i;

/**
 * The format of a model file's bytes, or null for binary data of none of them (which, under a
 * `.pt` or `.safetensors` name, is refused as such; under another name it is read as JSON text,
 * whose parser says what is wrong with it).
 */
export function modelFileFormat(bytes: Uint8Array): ModelFileFormat | null {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 3 && bytes[3] === 4) return 'torch-zip';
  if (isLegacyTorch(bytes)) return 'torch-legacy';
  if (isSafetensors(bytes)) return 'safetensors';
  return bytes.length > 0 && bytes[0]! >= 0x80 && bytes[0] !== 0xef ? null : 'json'; // 0xef: a UTF-8 byte-order mark
}

/**
 * Reads a model file's bytes: model JSON (as {@link parseModel}), a `torch.save` file of a
 * state_dict or of a checkpoint dict holding one (under `state_dict` or `model_state_dict`), or
 * safetensors. Layers are ordered by their parameter names (docs/semantics.md, N9); float64 and
 * float16 weights are converted where exact, and refused naming the tensor where not (N10).
 * A pickle is never run: globals other than torch's tensor and storage types are refused by name,
 * and a whole pickled `nn.Module` is asked to be saved as `model.state_dict()`.
 *
 * @param bytes the file's content
 * @param name the file's name or path, used in messages (default `model file`)
 * @throws {ModelFormatError} with a one-line message naming the file, and the tensor or field
 */
export function readModelFile(bytes: Uint8Array, name?: string): ModelFile {
  const where = name ?? 'model file';
  const format = modelFileFormat(bytes);
  const binaryName = name !== undefined && (TORCH_EXTENSIONS.test(name) || /\.safetensors$/i.test(name));
  if (bytes.length === 0 && binaryName) throw new ModelFormatError(`${where} is empty (0 bytes)`);
  if (format === 'torch-zip' || format === 'torch-legacy') {
    const contents = format === 'torch-zip' ? readTorchZip(bytes, where) : readTorchLegacy(bytes, where);
    const sd = torchStateDict(contents.value, where);
    const read = modelFromStateDict(sd.tensors, sd.hyperParameters, where);
    return { ...read, format, stateDictKey: sd.key, stated: stated(sd.hyperParameters) };
  }
  if (format === 'safetensors') {
    const st = readSafetensors(bytes, where);
    const read = modelFromStateDict(st.tensors, st.hyperParameters, where);
    return { ...read, format, stateDictKey: null, stated: stated(st.hyperParameters) };
  }
  if (format !== 'json' && bytes[0] === 0x80 && bytes[1]! <= 5) {
    throw new ModelFormatError(`${where} is a Python pickle but not a torch.save file (pickle.dump?): save the state_dict with torch.save(model.state_dict(), path)`);
  }
  if (binaryName && (format === null || !looksLikeJson(bytes))) {
    const first = `its first byte is 0x${bytes[0]!.toString(16).padStart(2, '0')}`;
    throw new ModelFormatError(/\.safetensors$/i.test(name!)
      ? `${where} is not a safetensors file: it does not start with an 8-byte header length and a JSON header (${first})`
      : `${where} is not a PyTorch file: neither a zip archive (torch.save since PyTorch 1.6) nor a legacy torch.save pickle (${first})`);
  }
  const parsed = parseJsonText(new TextDecoder('utf-8').decode(bytes));
  if (!parsed.ok) throw new ModelFormatError(`${name ?? 'model'} ${parsed.problem}${TEXT_ADVICE[parsed.kind]}`);
  const model = parseModel(parsed.value);
  const slope = (parsed.value as { negativeSlope?: number }).negativeSlope ?? DEFAULT_NEGATIVE_SLOPE;
  return { model, format: 'json', layers: [], negativeSlope: slope, stateDictKey: null, stated: [] };
}

/** True when the first character after white space (and a byte-order mark) opens a JSON object. */
function looksLikeJson(bytes: Uint8Array): boolean {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && [0x20, 0x09, 0x0a, 0x0d].includes(bytes[i]!)) i++;
  return bytes[i] === 0x7b;
}

/** Where the hyper-parameters were stated, for `convert`'s report. */
function stated(hp: HyperParameters): string[] {
  return [hp.activation && `activation from ${hp.activation.from}`, hp.layerSizes && `layer sizes from ${hp.layerSizes.from}`].filter((s): s is string => !!s);
}

/**
 * The model in a model file's bytes: {@link readModelFile}'s model. Browser-safe, so that a page
 * can read a file the user picks (`new Uint8Array(await file.arrayBuffer())`).
 *
 * @example
 * ```ts
 * const model = loadModelFile(new Uint8Array(await file.arrayBuffer()), file.name);
 * const result = await analyzeModel(model, { gates: ['XOR'] });
 * ```
 */
export function loadModelFile(bytes: Uint8Array, name?: string): Model {
  return readModelFile(bytes, name).model;
}
