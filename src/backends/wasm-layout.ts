/**
 * How the model, data rows and node combinations are laid out in Wasm memory for the kernels of
 * assembly/forward.ts and assembly/ground-circuits.ts (documented there).
 */
import { packedEdgeChoices, type NodeCombination } from '../circuits/space.ts';
import type { Model } from '../model.ts';

/** Something that hands out Wasm memory: a bump allocator over an instance's memory. */
export interface WasmWriter {
  alloc(bytes: number): number;
  memory(): WebAssembly.Memory;
}

/** Copies values into fresh Wasm memory as f64 / i32 / u32 and returns the address. */
export function writeF64(w: WasmWriter, values: ArrayLike<number>): number {
  const at = w.alloc(values.length * 8);
  new Float64Array(w.memory().buffer, at, values.length).set(values);
  return at;
}
export function writeI32(w: WasmWriter, values: ArrayLike<number>): number {
  const at = w.alloc(values.length * 4);
  new Int32Array(w.memory().buffer, at, values.length).set(values);
  return at;
}
export function writeU32(w: WasmWriter, values: ArrayLike<number>): number {
  const at = w.alloc(values.length * 4);
  new Uint32Array(w.memory().buffer, at, values.length).set(values);
  return at;
}

/** The model's sizes, weights and biases (f64 copies of the float32 values). */
export interface ModelLayout {
  readonly L: number;
  readonly sizes: number;
  readonly weights: number;
  readonly biases: number;
  readonly slope: number;
}

export function writeModel(w: WasmWriter, model: Model): ModelLayout {
  return {
    L: model.weights.length,
    sizes: writeI32(w, model.layerSizes),
    weights: writeF64(w, model.weights.flatMap((m) => Array.from(m))),
    biases: writeF64(w, model.biases.flatMap((b) => Array.from(b))),
    slope: model.negativeSlope,
  };
}

/**
 * The activation scratch: every layer's rows for `nRows` samples, two samples per f64x2 vector
 * (sample index fastest), with the inputs (`x`, row-major `nRows x nInputs`) in layer 0's rows.
 */
export function writeActivations(w: WasmWriter, model: Model, x: ArrayLike<number>, nRows: number): { act: number; nPairs: number } {
  const nPairs = Math.ceil(nRows / 2);
  const padded = nPairs * 2;
  const nIn = model.layerSizes[0]!;
  const total = model.layerSizes.reduce((a, b) => a + b, 0);
  const act = w.alloc(total * padded * 8);
  const view = new Float64Array(w.memory().buffer, act, total * padded);
  view.fill(0);
  for (let s = 0; s < nRows; s++) for (let j = 0; j < nIn; j++) view[j * padded + s] = x[s * nIn + j]!;
  return { act, nPairs };
}

/** One node combination: node masks (f64 0/1, layers concatenated) and packed edge choices. */
export interface CombinationLayout {
  readonly nodeMasks: number;
  readonly counts: number;
  readonly choices: number;
}

export function writeCombination(w: WasmWriter, combo: NodeCombination): CombinationLayout {
  const packed = packedEdgeChoices(combo);
  return { nodeMasks: writeF64(w, combo.nodeMasks.flat()), counts: writeI32(w, packed.counts), choices: writeU32(w, packed.bits) };
}
