/**
 * How the model, data rows and node combinations are laid out in Wasm memory for the kernels of
 * assembly/forward.ts and assembly/ground-circuits.ts (documented there).
 */
import type { NodeCombination } from '../circuits/space.ts';
import type { WeightedRows } from '../data.ts';
import type { Model } from '../model.ts';

/** Something that hands out Wasm memory: a bump allocator over an instance's memory. */
export interface WasmWriter {
  alloc(bytes: number): number;
  memory(): WebAssembly.Memory;
}

/** Typed views over a whole Wasm memory buffer, made once per buffer (growing memory replaces it). */
interface MemoryViews {
  readonly f64: Float64Array;
  readonly f32: Float32Array;
  readonly i32: Int32Array;
  readonly u32: Uint32Array;
}
const viewsByBuffer = new WeakMap<ArrayBufferLike, MemoryViews>();

/** The current views of `w`'s memory (creating views per write costs more than small writes). */
function memoryViews(w: WasmWriter): MemoryViews {
  const buffer = w.memory().buffer;
  let views = viewsByBuffer.get(buffer);
  if (!views) {
    views = { f64: new Float64Array(buffer), f32: new Float32Array(buffer), i32: new Int32Array(buffer), u32: new Uint32Array(buffer) };
    viewsByBuffer.set(buffer, views);
  }
  return views;
}

/** Copies values into fresh Wasm memory as elements of one of the views; returns the address. */
function writeArray(w: WasmWriter, view: keyof MemoryViews, values: ArrayLike<number>): number {
  const bytes = memoryViews(w)[view].BYTES_PER_ELEMENT;
  const at = w.alloc(values.length * bytes);
  memoryViews(w)[view].set(values, at / bytes); // views taken after alloc: it may grow memory
  return at;
}

/** Copies values into fresh Wasm memory as f64 / i32 / u32 and returns the address. */
export const writeF64 = (w: WasmWriter, values: ArrayLike<number>): number => writeArray(w, 'f64', values);
export const writeI32 = (w: WasmWriter, values: ArrayLike<number>): number => writeArray(w, 'i32', values);
export const writeU32 = (w: WasmWriter, values: ArrayLike<number>): number => writeArray(w, 'u32', values);

/** Copies a list of arrays one after another as f64 and returns the address of the first. */
function writeF64Concat(w: WasmWriter, parts: readonly ArrayLike<number>[]): number {
  const at = w.alloc(parts.reduce((n, p) => n + p.length, 0) * 8);
  const f64 = memoryViews(w).f64;
  let i = at >> 3;
  for (const part of parts) {
    f64.set(part, i);
    i += part.length;
  }
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
    weights: writeF64Concat(w, model.weights),
    biases: writeF64Concat(w, model.biases),
    slope: model.negativeSlope,
  };
}

/**
 * Writes rows `x` (row-major `nRows x nIn`) transposed into `view` at element `at`: input j's
 * values are the row of `padded` elements at `at + j * padded` (sample index fastest), padding 0.
 */
function writeTransposed(view: Float64Array | Float32Array | Int32Array, at: number, x: ArrayLike<number>, nRows: number, nIn: number, padded: number): void {
  view.fill(0, at, at + nIn * padded);
  for (let s = 0; s < nRows; s++) for (let j = 0; j < nIn; j++) view[at + j * padded + s] = x[s * nIn + j]!;
}

/**
 * The activation scratch: every layer's rows for `nRows` samples, two samples per f64x2 vector
 * (sample index fastest), with the inputs (`x`, row-major `nRows x nInputs`) in layer 0's rows.
 */
export function writeActivations(w: WasmWriter, model: Model, x: ArrayLike<number>, nRows: number): { act: number; nPairs: number } {
  const nPairs = Math.ceil(nRows / 2);
  const neurons = model.layerSizes.reduce((a, b) => a + b, 0);
  const act = w.alloc(neurons * nPairs * 16);
  writeTransposed(memoryViews(w).f64, act >> 3, x, nRows, model.layerSizes[0]!, nPairs * 2);
  return { act, nPairs };
}

/** The data rows as exact mode reads them: two rows per f64x2 vector (assembly/forward.ts). */
export interface ExactRowsLayout {
  readonly nPairs: number;
  readonly act: number;
  readonly y: number;
  readonly rowWeight: number;
}

export function writeExactRows(w: WasmWriter, model: Model, rows: WeightedRows): ExactRowsLayout {
  const nRows = rows.weight.length;
  const { act, nPairs } = writeActivations(w, model, rows.x, nRows);
  const padded = nPairs * 2;
  const y = w.alloc(rows.nOutputs * padded * 8);
  const rowWeight = w.alloc(padded * 8);
  const f64 = memoryViews(w).f64;
  writeTransposed(f64, y >> 3, rows.y, nRows, rows.nOutputs, padded);
  writeTransposed(f64, rowWeight >> 3, rows.weight, nRows, 1, padded);
  return { nPairs, act, y, rowWeight };
}

/**
 * Replacement values of pruned parts (`CircuitAblation.values`: row-major rows x units, units as
 * `ablationUnits` orders them) as the kernel's ablated mode reads them: one row of two samples per
 * f64x2 vector per unit, laid out as the activations. Returns the address.
 */
export function writeReplacementRows(w: WasmWriter, model: Model, nRows: number, values: Float32Array): number {
  const nPairs = Math.ceil(nRows / 2);
  const nUnits = model.layerSizes.slice(0, -1).reduce((a, b) => a + b, 0);
  const at = w.alloc(Math.max(1, nUnits * nPairs) * 16);
  writeTransposed(memoryViews(w).f64, at >> 3, values, nRows, nUnits, nPairs * 2);
  return at;
}

/**
 * The data rows as fast mode reads them: four rows per f32x4 vector (sample index fastest);
 * activation scratch for every layer (inputs in layer 0's rows), f32 labels, i32 row weights
 * (0 for padding), and f32 decision margins (`margins`: row-major rows x outputs), laid out as
 * the labels.
 */
export interface FastRowsLayout {
  readonly nQuads: number;
  readonly act: number;
  readonly y: number;
  readonly rowWeight: number;
  readonly margins: number;
}

export function writeFastRows(w: WasmWriter, model: Model, rows: WeightedRows, margins: Float32Array): FastRowsLayout {
  const nRows = rows.weight.length;
  const nQuads = Math.ceil(nRows / 4);
  const padded = nQuads * 4;
  const neurons = model.layerSizes.reduce((a, b) => a + b, 0);
  const act = w.alloc(neurons * padded * 4);
  const y = w.alloc(rows.nOutputs * padded * 4);
  const rowWeight = w.alloc(padded * 4);
  const marginRows = w.alloc(rows.nOutputs * padded * 4);
  const views = memoryViews(w); // after every alloc: growing memory replaces the buffer
  writeTransposed(views.f32, act >> 2, rows.x, nRows, rows.nInputs, padded);
  writeTransposed(views.f32, y >> 2, rows.y, nRows, rows.nOutputs, padded);
  writeTransposed(views.i32, rowWeight >> 2, rows.weight, nRows, 1, padded);
  writeTransposed(views.f32, marginRows >> 2, margins, nRows, rows.nOutputs, padded);
  return { nQuads, act, y, rowWeight, margins: marginRows };
}

/** One node combination: node masks (f64 0/1, layers concatenated) and packed edge choices. */
export interface CombinationLayout {
  readonly nodeMasks: number;
  readonly counts: number;
  readonly choices: number;
}

/**
 * Node combinations in one allocation (a space's table: thousands of small writes would cost more
 * in calls than in copying): every node-mask block (f64 0/1, layers concatenated), then every
 * edge-word block (the layers' masks one after another, two u32 words each, low first, copied
 * straight from the space's lists: a packed JS copy would double a wide space's memory), then
 * every count block (i32 per layer).
 */
export function writeCombinations(w: WasmWriter, combos: readonly NodeCombination[]): CombinationLayout[] {
  let masks = 0;
  let counts = 0;
  let words = 0;
  for (const c of combos) {
    for (const m of c.nodeMasks) masks += m.length;
    counts += c.edgeWords.length;
    for (const e of c.edgeWords) words += e.length;
  }
  const base = w.alloc(masks * 8 + words * 4 + counts * 4);
  const { f64, i32, u32 } = memoryViews(w); // after the alloc: it may grow memory
  let m = base >> 3;
  // Edge words before the counts: each block is whole u64s, so every one stays 8-byte aligned.
  let e = (base + masks * 8) >> 2;
  let k = e + words;
  return combos.map((c) => {
    const layout = { nodeMasks: m * 8, counts: k * 4, choices: e * 4 };
    for (const mask of c.nodeMasks) {
      f64.set(mask, m);
      m += mask.length;
    }
    for (const edges of c.edgeWords) {
      i32[k++] = edges.length / 2;
      u32.set(edges, e);
      e += edges.length;
    }
    return layout;
  });
}

/** One node combination's node masks, edge-choice counts and edge words (see writeCombinations). */
export function writeCombination(w: WasmWriter, combo: NodeCombination): CombinationLayout {
  return writeCombinations(w, [combo])[0]!;
}
