/**
 * safetensors files (docs/semantics.md, N10): an 8-byte little-endian header length N, N bytes of
 * JSON (`name -> {dtype, shape, data_offsets}`, and an optional `__metadata__` of strings), then
 * the data, little-endian, each tensor contiguous. Read strictly, as the format's specification
 * asks: offsets inside the data, sizes matching shapes, no overlaps and no holes. Written for
 * `mi-ident convert --to safetensors`. Browser-safe.
 */
import { ModelFormatError } from '../errors.ts';
import { preview } from '../json-text.ts';
import type { Model } from '../model.ts';
import type { HyperParameters } from './layers.ts';
import { shownName, shownSizes } from './names.ts';
import { contiguousStrides, DTYPE_BYTES, numelOf, type DType, type Tensor } from './tensors.ts';

/** safetensors dtype codes and their element types (the others are known and refused by name). */
const DTYPES: Record<string, DType> = { F32: 'float32', F64: 'float64', F16: 'float16', BF16: 'bfloat16', I64: 'int64', I32: 'int32', I16: 'int16', I8: 'int8', U8: 'uint8', BOOL: 'bool' };
const OTHER_DTYPES = ['U16', 'U32', 'U64', 'F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F6_E2M3', 'F6_E3M2', 'F4', 'C64'];

/** True when `bytes` looks like safetensors: a header length below 2^40, then `{`. */
export function isSafetensors(bytes: Uint8Array): boolean {
  // JSON text never has zero bytes, so bytes 5-7 (the length's high bytes) tell it apart
  return bytes.length >= 9 && bytes[5] === 0 && bytes[6] === 0 && bytes[7] === 0 && bytes[8] === 0x7b;
}

/** The tensors of a safetensors file, in header order, and its metadata's hyper-parameters. */
export interface SafetensorsContents {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
  hyperParameters: HyperParameters;
}

/** Reads a safetensors file; `where` names it in messages. */
export function readSafetensors(bytes: Uint8Array, where: string): SafetensorsContents {
  const fail = (what: string): never => {
    throw new ModelFormatError(`${where}: ${what}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (8 + n > bytes.length) fail(`the header length ${n} is larger than the file (${bytes.length} bytes): truncated, or not a safetensors file`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    fail(`the safetensors header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('the safetensors header is not a JSON object');
  const data = bytes.subarray(8 + n);
  const entries = Object.entries(header as Record<string, unknown>);
  const metadata: Record<string, string> = {};
  const spans: { name: string; begin: number; end: number }[] = [];
  const tensors = new Map<string, Tensor>();
  for (const [name, entry] of entries) {
    if (name === '__metadata__') {
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry) || Object.values(entry).some((v) => typeof v !== 'string')) {
        fail('__metadata__ must map strings to strings');
      }
      Object.assign(metadata, entry);
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const shown = shownName(name);
    if (e === null || typeof e !== 'object' || Array.isArray(e)) fail(`${shown}: its header entry is not an object`);
    // a field a corrupt header lacks is named as missing, not shown as "undefined"
    for (const field of ['dtype', 'shape', 'data_offsets'] as const) if (e[field] === undefined) fail(`${shown}: its header entry has no ${field} (a corrupt file?)`);
    const code = e.dtype;
    if (typeof code !== 'string' || (!Object.hasOwn(DTYPES, code) && !OTHER_DTYPES.includes(code))) fail(`${shown} has dtype ${preview(code)}, which is not a safetensors dtype`);
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((s) => Number.isInteger(s) && s >= 0)) fail(`${shown}: shape ${preview(shape)} is not a list of sizes`);
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
      fail(`${shown}: data_offsets ${preview(offsets)} are not [begin, end]`);
    }
    const [begin, end] = offsets as [number, number];
    if (end > data.length) fail(`${shown}: data_offsets [${begin}, ${end}] run past the end of the ${data.length}-byte data section (a truncated file?)`);
    const dtype = DTYPES[code as string];
    const numel = numelOf(shape as number[]);
    const perElement = dtype ? DTYPE_BYTES[dtype] : null;
    if (perElement !== null && numel * perElement !== end - begin) {
      fail(`${shown}: shape ${shownSizes(shape as number[], '[]')} needs ${numel * perElement} bytes of ${code}, but data_offsets [${begin}, ${end}] span ${end - begin}`);
    }
    spans.push({ name, begin, end });
    const label = code as string;
    const storage = { dtype: dtype ?? 'uint8', numel: dtype ? numel : 0, bytes: data.subarray(begin, end), littleEndian: true };
    tensors.set(name, {
      storage,
      offset: 0,
      shape: shape as number[],
      strides: contiguousStrides(shape as number[]),
      // a dtype mi-ident has no reader for is refused by name when it is used
      label: dtype ? label : `${label} (not read by mi-ident)`,
      describe: () => 'a tensor',
    });
  }
  // The specification: the tensors tile the data section, without overlaps or holes.
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let last: (typeof spans)[number] | null = null;
  for (const s of spans) {
    if (s.begin < covered) fail(`${shownName(s.name)}: data_offsets [${s.begin}, ${s.end}] overlap ${shownName(last!.name)} [${last!.begin}, ${last!.end}]`);
    if (s.begin > covered) fail(`${shownName(s.name)}: data_offsets [${s.begin}, ${s.end}] leave bytes ${covered} to ${s.begin} of the data section unused (a corrupt file?)`);
    covered = s.end;
    last = s;
  }
  if (covered !== data.length) fail(`the data section has ${data.length - covered} bytes after the last tensor (a corrupt file?)`);
  const hp: HyperParameters = {};
  const from = 'the safetensors metadata';
  if (metadata.activation !== undefined) hp.activation = { value: metadata.activation, from };
  if (metadata.negative_slope !== undefined) hp.negativeSlope = { value: Number(metadata.negative_slope), from };
  if (metadata.layer_sizes !== undefined) {
    const sizes = metadata.layer_sizes.split(/[,-]/).map(Number);
    if (!sizes.every((s) => Number.isInteger(s) && s > 0)) fail(`__metadata__.layer_sizes ${preview(metadata.layer_sizes)} is not a list of sizes like "2,3,3,1"`);
    hp.layerSizes = { value: sizes, from };
  }
  return { tensors, metadata, hyperParameters: hp };
}

/**
 * A model as a safetensors file: `layers.{l}.weight` (out x in) and `layers.{l}.bias`, float32, and
 * metadata `activation`, `negative_slope` and `layer_sizes`, which `readSafetensors` checks
 * when it reads the file back. `negativeSlope` is the slope to record (the model's is float32).
 */
export function modelToSafetensors(model: Model, negativeSlope: number = model.negativeSlope): Uint8Array {
  const tensors: { name: string; shape: number[]; values: Float32Array }[] = [];
  model.weights.forEach((w, l) => {
    tensors.push({ name: `layers.${l}.weight`, shape: [model.layerSizes[l + 1]!, model.layerSizes[l]!], values: w });
    tensors.push({ name: `layers.${l}.bias`, shape: [model.layerSizes[l + 1]!], values: model.biases[l]! });
  });
  const header: Record<string, unknown> = {
    __metadata__: { format: 'pt', activation: 'leaky_relu', negative_slope: String(negativeSlope), layer_sizes: model.layerSizes.join(',') },
  };
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * t.values.length] };
    offset += 4 * t.values.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((json.length + 8) % 8)) % 8); // the data starts 8-aligned, as the safetensors library writes
  const text = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + text.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  let at = 8 + text.length;
  for (const t of tensors) {
    for (const v of t.values) {
      view.setFloat32(at, v, true);
      at += 4;
    }
  }
  return out;
}
