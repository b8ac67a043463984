/**
 * The WebGPU kernels' inputs as u32 arrays (float32 values as their bit patterns), the limits the
 * kernels accept, and the accuracy threshold turned into a count. Layouts are documented next to
 * the buffers in shaders/mlp.wgsl and shaders/forward.wgsl.
 */
import type { CircuitSpace } from '../circuits/space.ts';
import type { WeightedRows } from '../data.ts';
import type { Model } from '../model.ts';
import { GPU_LIMITS } from '../generated/gpu-limits.ts';

/** The kernels' fixed sizes, from shaders/limits.json (the WGSL constants come from the same table). */
export const GPU_MAX_LAYERS: number = GPU_LIMITS.MLP_MAX_LAYERS;
export const GPU_MAX_NEURONS: number = GPU_LIMITS.MLP_MAX_NEURONS;
/** Candidate neuron sets (and a neuron's inputs) are u32 bitmasks. */
export const GPU_MAX_MASK_BITS: number = GPU_LIMITS.MASK_BITS;
/** Edge masks are two u32 words. */
export const GPU_MAX_EDGE_BITS: number = GPU_LIMITS.EDGE_BITS;

/** float32 values as u32 bit patterns. */
export function f32Bits(values: ArrayLike<number>): Uint32Array {
  return new Uint32Array(Float32Array.from(values).buffer);
}

function nonFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return true;
  return false;
}

/** Why the kernels cannot evaluate `model` (null when they can). */
export function modelProblem(model: Model): string | null {
  const { layerSizes } = model;
  if (layerSizes.length - 1 > GPU_MAX_LAYERS) return `the WebGPU kernels take at most ${GPU_MAX_LAYERS} layers, the model has ${layerSizes.length - 1}`;
  const neurons = layerSizes.reduce((a, b) => a + b, 0);
  if (neurons > GPU_MAX_NEURONS) return `the WebGPU kernels take at most ${GPU_MAX_NEURONS} neurons in all, the model has ${neurons}`;
  if (layerSizes.slice(0, -1).some((n) => n > GPU_MAX_MASK_BITS)) return `the WebGPU kernels take at most ${GPU_MAX_MASK_BITS} inputs per neuron`;
  // parseModel accepts any finite double; a few round to float32 infinity.
  if (model.weights.some(nonFinite) || model.biases.some(nonFinite) || !Number.isFinite(model.negativeSlope)) {
    return 'the model has parameters that are infinite in float32';
  }
  return null;
}

/** Why the circuit kernel cannot evaluate `model` on `rows` (null when it can). */
export function circuitProblem(model: Model, rows: WeightedRows): string | null {
  const general = modelProblem(model);
  if (general) return general;
  const { layerSizes } = model;
  const wide = layerSizes.slice(1).findIndex((out, l) => out * layerSizes[l]! > GPU_MAX_EDGE_BITS);
  if (wide >= 0) return `layer ${wide} has more than ${GPU_MAX_EDGE_BITS} edges (edge masks are two u32 words)`;
  if (nonFinite(rows.x)) return 'the data has inputs that are infinite in float32';
  if (rows.total > 0xffffffff) return 'the data has 2^32 samples or more (row weights are summed in u32)';
  return null;
}

/** The fast path's bound (shaders/mlp.wgsl) assumes every parameter and input is at most 2^20 in magnitude. */
const FAST_LIMIT = 2 ** 20;
/** Smallest normal float32: below it (and above 0) a value is subnormal, and WGSL may flush it to zero. */
const F32_MIN_NORMAL = 2 ** -126;

/**
 * Whether the kernels' certified fast path may be used for `model` on `inputs`.
 *
 * Besides the 2^20 limit, no weight may be subnormal: weights multiply hidden activations, which
 * the shader caps only at 2^64 (not at 2^20), and WGSL may flush a subnormal factor to zero,
 * losing up to 2^-126 times the activation (2^-127 * 2^61 flushed loses 2^-66), beyond the
 * bound's flush allowance; later layers amplify that into wrong decisions. With every weight zero
 * or normal, each flush loses at most 2^-126 * 2^20 (a subnormal activation times a weight),
 * whatever the activations (the proof is in shaders/mlp.wgsl). The slope meets uncapped values
 * too; its flush happens to be covered by the slack of LeakyReLU's Lipschitz term, but refusing a
 * subnormal slope keeps the argument short and costs nothing real. Subnormal biases (only ever
 * added) and inputs (multiplied by weights of at most 2^20) stay on the fast path. Replacement
 * values of an ablated search (`replacement`) enter the sums as inputs do, exactly, so they are
 * held to the same 2^20.
 */
export function fastPathHolds(model: Model, inputs: ArrayLike<number>, replacement?: ArrayLike<number>): boolean {
  const small = (values: ArrayLike<number>) => {
    for (let i = 0; i < values.length; i++) if (!(Math.abs(values[i]!) <= FAST_LIMIT)) return false;
    return true;
  };
  const noSubnormal = (values: ArrayLike<number>) => {
    for (let i = 0; i < values.length; i++) if (values[i] !== 0 && Math.abs(values[i]!) < F32_MIN_NORMAL) return false;
    return true;
  };
  const factors = (values: ArrayLike<number>) => small(values) && noSubnormal(values);
  return factors([model.negativeSlope]) && model.weights.every(factors) && model.biases.every(small) && small(inputs) && (!replacement || small(replacement));
}

/** Model buffer: header of sizes and offsets, then weights and biases (shaders/mlp.wgsl). */
export function encodeModel(model: Model): Uint32Array {
  const { layerSizes, weights, biases } = model;
  const L = weights.length;
  const header = 4 + 4 * L;
  const size = header + weights.reduce((a, w) => a + w.length, 0) + biases.reduce((a, b) => a + b.length, 0);
  const out = new Uint32Array(size);
  out[0] = L;
  out[1] = f32Bits([model.negativeSlope])[0]!;
  layerSizes.forEach((n, l) => (out[2 + l] = n));
  let at = header;
  for (let l = 0; l < L; l++) {
    out[3 + L + l] = at;
    out.set(f32Bits(weights[l]!), at);
    at += weights[l]!.length;
    out[3 + 2 * L + l] = at;
    out.set(f32Bits(biases[l]!), at);
    at += biases[l]!.length;
  }
  let act = 0;
  for (let l = 0; l <= L; l++) {
    out[3 + 3 * L + l] = act;
    act += layerSizes[l]!;
  }
  return out;
}

/** A NaN label: no rounded output equals it (the reference's `===` fails the same way). */
const NEVER_EQUAL = 0x7fc00000;

/**
 * Rows buffer: per row the input bits, the label bits, the weight. A rounded output is an integer
 * with zero as +0, so labels are stored that way, and labels that are not integers as NaN.
 */
export function encodeRows(rows: WeightedRows): Uint32Array {
  const { nInputs, nOutputs } = rows;
  const stride = nInputs + nOutputs + 1;
  const n = rows.weight.length;
  const out = new Uint32Array(n * stride);
  const x = f32Bits(rows.x);
  for (let r = 0; r < n; r++) {
    out.set(x.subarray(r * nInputs, (r + 1) * nInputs), r * stride);
    for (let o = 0; o < nOutputs; o++) {
      const y = rows.y[r * nOutputs + o]!;
      out[r * stride + nInputs + o] = Number.isInteger(y) ? f32Bits([y === 0 ? 0 : y])[0]! : NEVER_EQUAL;
    }
    out[r * stride + stride - 1] = rows.weight[r]!;
  }
  return out;
}

/** The combination tables of the circuits `[start, end)` (shaders/forward.wgsl). */
export interface CombinationTables {
  /** Per combination: first circuit (relative to the first combination's), counts[L], table offsets[L]. */
  readonly combos: Uint32Array;
  readonly choices: Uint32Array;
  readonly nCombos: number;
  /** `start` counted from the first combination's first circuit. */
  readonly first: number;
}

/** Encodes the combinations overlapping `[start, end)` of `space`. */
export function encodeCombinations(space: CircuitSpace, start: number, end: number): CombinationTables {
  const L = space.layerSizes.length - 1;
  const picked = space.combinations.filter((c) => c.offset < end && c.offset + c.count > start);
  const base = picked[0]!.offset;
  const stride = 1 + 2 * L;
  const combos = new Uint32Array(picked.length * stride);
  const tables: Uint32Array[] = [];
  let at = 0;
  picked.forEach((combo, k) => {
    combos[k * stride] = combo.offset - base;
    combo.edgeWords.forEach((words, l) => {
      combos[k * stride + 1 + l] = words.length / 2;
      combos[k * stride + 1 + L + l] = at / 2; // in masks of two words
      tables.push(words);
      at += words.length;
    });
  });
  const choices = new Uint32Array(at);
  let o = 0;
  for (const t of tables) {
    choices.set(t, o);
    o += t.length;
  }
  return { combos, choices, nCombos: picked.length, first: start - base };
}
