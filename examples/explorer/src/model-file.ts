/**
 * The explorer's model-file loader: the bytes of a file the user picks, in any format the
 * library reads (model JSON, torch.save .pt, safetensors), checked by `readModelFile`. Kept apart
 * from the page so that test/explorer-logic.test.ts and the bad-input catalogue run it in Node.
 */
import { modelToJson, readModelFile } from './lib.ts';

/** A picked model file, ready for a run. */
export interface PickedModel {
  /** The model as model JSON text (what a run and the link carry). */
  modelJson: string;
  /** The gates a model from `mi-ident train` says it learned, else null. */
  gates: string[] | null;
}

/** Reads a picked file; throws the library's ModelFormatError, naming the file and the problem. */
export function readPickedModel(bytes: Uint8Array, name: string): PickedModel {
  const file = readModelFile(bytes, name);
  let gates: string[] | null = null;
  if (file.format === 'json') {
    // A model from `mi-ident train` says which gates it learned.
    const training = (JSON.parse(new TextDecoder().decode(bytes).replace(/^\ufeff/, '')) as { training?: { gates?: unknown } }).training;
    const g = training?.gates;
    if (Array.isArray(g) && g.every((x) => typeof x === 'string')) gates = g;
  }
  return { modelJson: JSON.stringify({ ...modelToJson(file.model), negativeSlope: file.negativeSlope }), gates };
}

/** The page's message for a file it cannot use (the library's message names the file where it is about the whole file). */
export function pickedModelProblem(name: string, e: unknown): string {
  const message = (e as Error).message;
  return message.startsWith(name) ? message : `${name} is not a usable model: ${message}`;
}
