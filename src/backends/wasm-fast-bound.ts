/**
 * The static error bound behind the Wasm kernel's fast mode (assembly/forward.ts).
 *
 * Fast mode computes every circuit in plain float32 (products and sums rounded separately);
 * the reference (src/model.ts) rounds each fused multiply-add once. For one neuron with inputs
 * x_j (reference) and x^_j (fast), |x^_j - x_j| <= e_j, |x_j|, |x^_j| <= a_j, and N = inputs + 1
 * terms, the usual bound for recursive summation (each term passes through at most N roundings
 * of relative error u' in either computation) gives for the pre-activations
 *
 *   |F - R| <= sum_j |w_j| e_j + 2 gamma(N) (sum_j |w_j| a_j + |b|) + subnormal terms,
 *   gamma(N) = N u' / (1 - N u'),   u' = 2^-24 (1 + 2^-28)  (a float32 rounding, or the
 *                                  reference's rounding to f64 then to float32),
 *
 * and LeakyReLU (max(1, |slope|)-Lipschitz, its product rounded once on either side) adds
 * 2 u' |slope| times the pre-activation magnitude. Masking only turns terms into exact zeros in
 * both computations, so the bounds of the full model hold for every circuit. Bounds are computed
 * in f64 and inflated for their own rounding.
 *
 * An output row is decided by the fast value F alone when |F - round(F)| < 0.5 - E: the
 * reference value is then strictly inside the same rounding interval.
 */
import type { Model } from '../model.ts';
import type { WeightedRows } from '../data.ts';

/** One rounding's relative error, covering the reference's double rounding (f64, then float32). */
const ROUNDING = 2 ** -24 * (1 + 2 ** -28);
/** A generous absolute error per rounding into float32's subnormal range. */
const SUBNORMAL = 2 ** -148;
/** Inflation for the bound's own f64 arithmetic. */
const SELF = 1 + 2 ** -40;
/** Largest magnitude the bound is used for (keeps every fast value far from overflow). */
const MAX_MAGNITUDE = 2 ** 20;
/** Smallest margin worth a fast pass (below it, most rows would go the exact way anyway). */
const MIN_MARGIN = 0.25;

/**
 * A bound on |fast - reference| per output, for one input row, that holds for every circuit of
 * the model; null when some magnitude bound exceeds 2^20 (fast mode is then not used).
 */
export function fastErrorBound(model: Model, input: ArrayLike<number>): number[] | null {
  const widest = Math.max(...model.layerSizes);
  const error = new Float64Array(widest);
  return errorBoundInto(model, input, new Float64Array(widest), error, new Float64Array(widest), new Float64Array(widest)) ? Array.from(error.subarray(0, model.layerSizes[model.layerSizes.length - 1]!)) : null;
}

/**
 * {@link fastErrorBound} into `error` (the last layer's bounds in its first entries), in four
 * caller's buffers as wide as the widest layer; false where it would return null.
 */
function errorBoundInto(model: Model, input: ArrayLike<number>, magnitude: Float64Array, error: Float64Array, nextMagnitude: Float64Array, nextError: Float64Array): boolean {
  const slope = Math.abs(model.negativeSlope);
  const lipschitz = Math.max(1, slope);
  let width = input.length;
  for (let j = 0; j < width; j++) {
    magnitude[j] = Math.abs(input[j]!);
    error[j] = 0;
  }
  let mag = magnitude;
  let err = error;
  let nextMag = nextMagnitude;
  let nextErr = nextError;
  for (let l = 0; l < model.weights.length; l++) {
    for (let j = 0; j < width; j++) if (!(mag[j]! <= MAX_MAGNITUDE)) return false;
    const w = model.weights[l]!;
    const b = model.biases[l]!;
    const nIn = model.layerSizes[l]!;
    const terms = nIn + 1;
    const gamma = (terms * ROUNDING) / (1 - terms * ROUNDING);
    for (let r = 0; r < b.length; r++) {
      let sumAbs = Math.abs(b[r]!);
      let propagated = 0;
      for (let j = 0; j < nIn; j++) {
        const wj = Math.abs(w[r * nIn + j]!);
        sumAbs += wj * mag[j]!;
        propagated += wj * err[j]!;
      }
      const preError = propagated + 2 * gamma * sumAbs + 2 * terms * SUBNORMAL;
      const preMagnitude = sumAbs * (1 + gamma) + terms * SUBNORMAL;
      nextErr[r] = (lipschitz * preError + 2 * ROUNDING * slope * preMagnitude + 2 * SUBNORMAL) * SELF;
      nextMag[r] = (lipschitz * preMagnitude * (1 + ROUNDING) + SUBNORMAL) * SELF;
    }
    [mag, nextMag] = [nextMag, mag];
    [err, nextErr] = [nextErr, err];
    width = b.length;
  }
  for (let j = 0; j < width; j++) if (!(mag[j]! <= MAX_MAGNITUDE)) return false;
  if (err !== error) error.set(err.subarray(0, width));
  return true;
}

/**
 * Per row and output (row-major `rows x nOutputs`), the largest float32 m such that a fast
 * output F with |F - round(F)| < m rounds like the reference output; null when the model or data
 * are outside the range where fast mode pays off (huge weights or inputs, or a margin under
 * 0.25), so only exact mode runs.
 */
export function fastDecisionMargins(model: Model, rows: WeightedRows): Float32Array | null {
  // Callers send one (model, rows) pair in many range requests (the criteria's covering ranges): computed once per pair.
  let byModel = marginCache.get(rows);
  if (!byModel) marginCache.set(rows, (byModel = new WeakMap()));
  const hit = byModel.get(model);
  if (hit !== undefined) return hit;
  const margins = decisionMargins(model, rows);
  byModel.set(model, margins);
  return margins;
}
const marginCache = new WeakMap<WeightedRows, WeakMap<Model, Float32Array | null>>();

function decisionMargins(model: Model, rows: WeightedRows): Float32Array | null {
  const nRows = rows.weight.length;
  const margins = new Float32Array(nRows * rows.nOutputs);
  const widest = Math.max(...model.layerSizes);
  const [magnitude, error, nextMagnitude, nextError] = [0, 1, 2, 3].map(() => new Float64Array(widest)) as [Float64Array, Float64Array, Float64Array, Float64Array];
  for (let s = 0; s < nRows; s++) {
    if (!errorBoundInto(model, rows.x.subarray(s * rows.nInputs, (s + 1) * rows.nInputs), magnitude, error, nextMagnitude, nextError)) return null;
    for (let o = 0; o < rows.nOutputs; o++) {
      const exact = 0.5 - error[o]! * SELF - 2 ** -40;
      let m = Math.fround(exact);
      if (m > exact) m = nextFloat32Below(m);
      if (!(m >= MIN_MARGIN)) return null;
      margins[s * rows.nOutputs + o] = m;
    }
  }
  return margins;
}

/** The largest float32 below a positive float32 `x`. */
function nextFloat32Below(x: number): number {
  f32[0] = x;
  u32[0]!--;
  return f32[0]!;
}
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
