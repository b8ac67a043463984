/**
 * The reference trainer: `MLP.do_train`'s step as torch 1.13 executes it on the CPU, operation for
 * operation in float32 (docs/semantics.md, N11): fused multiply-adds in the linear layers and
 * their gradients, torch's sum orders for the loss and the bias gradients, and
 * `_single_tensor_adamw`. Same inputs, same permutations: the same bits as
 * the original code.
 */
import { roundHalfEven } from '../data.ts';
import { InputError } from '../errors.ts';
import type { TrainingSet } from './data.ts';
import type { AdamWOptions } from './engine.ts';
import { fma32 } from './fma.ts';
import { crPowInt } from './reference-rng/cr-pow.ts';
import { columnSums, contiguousSum } from './torch-sum.ts';

const f = Math.fround;

/** What the reference trainer starts from. */
export interface TorchEngineSetup {
  readonly layerSizes: readonly number[];
  /** Parameters in torch's order: per layer the weight (row-major `out x in`), then the bias. */
  readonly parameters: Float32Array;
  readonly data: TrainingSet;
  readonly batchSize: number;
  readonly adamw: AdamWOptions;
  /** LeakyReLU slope (rounded to float32, as torch stores it). */
  readonly slope: number;
}

/** A reference trainer (TypeScript or Wasm): owns the parameters and AdamW's state. */
export interface TorchEngine {
  readonly name: 'ts' | 'wasm';
  /** The Wasm engine's kernel (`fma`, `fused` or `classic`, see TorchKernel); absent for TS. */
  readonly kernel?: string;
  /**
   * Runs batches `first .. first + count - 1` of an epoch in `perm` order (batch b holds samples
   * `perm[b * batchSize ...]`, the last one possibly shorter); writes each batch's float32 loss to
   * `losses[b]`. The calls of one epoch pass the same `perm`, unchanged; an engine may read it
   * only when a call starts at batch 0.
   */
  batches(perm: Int32Array, first: number, count: number, losses: Float32Array): void;
  /**
   * Optional: `torch.randperm(n)` of the training set from a generator seeded with `seed` (what
   * `new TorchGenerator(seed).randperm(n)` gives, see `TorchGenerator.epochSeed`), computed
   * by the engine into its own memory. The array is the engine's and valid until the next call of
   * any method; {@link batches} reads it without copying.
   */
  permutation?(seed: number): Int32Array;
  /** The current parameters (a copy, torch's order). */
  parameters(): Float32Array;
  /** `do_eval`'s count: samples whose `torch.round(model(x))` equals y in every output. */
  countCorrect(set: TrainingSet): number;
  /** Frees the engine, which is not used after (a Wasm engine's instance goes to the next engine). */
  dispose(): void;
}

/** AdamW's per-step scalars as torch 1.13 derives them from `step` (Python floats, then float32). */
export interface AdamWScalars {
  /** fl32(1 - lr * weight_decay). */
  decay: number;
  beta1: number;
  oneMinusBeta1: number;
  beta2: number;
  oneMinusBeta2: number;
  eps: number;
  /** fl32(-lr / (1 - beta1^t)). */
  negStepSize: number;
  /** fl32(sqrt(1 - beta2^t)). */
  bc2Sqrt: number;
}

/** `1 - b^t` in double, as Python computes `1 - beta ** step` (pow correctly rounded). */
function oneMinusPow(b: number, t: number): number {
  if (t * Math.log2(b) < -60) return 1; // b^t below 2^-60: 1 - b^t rounds to 1
  return 1 - crPowInt(b, t);
}

/** Per AdamW setting, the step scalars of steps 1, 2, ... computed so far (one training after another share them). */
type StepCache = { negStepSize: number[]; bc2Sqrt: number[] };
const stepCache = new Map<string, StepCache>();
const stepCacheOf = new WeakMap<AdamWOptions, AdamWOptions & { cache: StepCache }>();
/** Steps whose scalars are kept (2 x 64 Ki numbers per setting); later steps are computed each time. */
const STEP_CACHE_MAX = 65536;

/**
 * The two per-step scalars of {@link adamwScalars} for step `t`, `negStepSize` and `bc2Sqrt`,
 * remembered per setting for the first {@link STEP_CACHE_MAX} steps: every training of an
 * experiment needs the same ones, and each costs two correctly rounded powers.
 */
export function adamwStepScalars(o: AdamWOptions, t: number): { negStepSize: number; bc2Sqrt: number } {
  if (!(Number.isInteger(t) && t >= 1 && t <= STEP_CACHE_MAX)) {
    const a = adamwScalars(o, t);
    return { negStepSize: a.negStepSize, bc2Sqrt: a.bc2Sqrt };
  }
  // By the options object first (an engine asks with the same one at every step), checked against
  // its current values, since the object is the caller's.
  const seen = stepCacheOf.get(o);
  let c: StepCache;
  if (seen && seen.learningRate === o.learningRate && seen.beta1 === o.beta1 && seen.beta2 === o.beta2 && seen.eps === o.eps && seen.weightDecay === o.weightDecay) {
    c = seen.cache;
  } else {
    const key = `${o.learningRate} ${o.beta1} ${o.beta2} ${o.eps} ${o.weightDecay}`;
    const found = stepCache.get(key);
    c = found ?? { negStepSize: [], bc2Sqrt: [] };
    if (!found) stepCache.set(key, c);
    stepCacheOf.set(o, { ...o, cache: c });
  }
  for (let s = c.negStepSize.length + 1; s <= t; s++) {
    const a = adamwScalars(o, s);
    c.negStepSize.push(a.negStepSize);
    c.bc2Sqrt.push(a.bc2Sqrt);
  }
  return { negStepSize: c.negStepSize[t - 1]!, bc2Sqrt: c.bc2Sqrt[t - 1]! };
}

/** The step's AdamW scalars for step count `t` (float32 step_t, as torch keeps it). */
export function adamwScalars(o: AdamWOptions, t: number): AdamWScalars {
  const bc1 = oneMinusPow(o.beta1, t);
  const bc2 = oneMinusPow(o.beta2, t);
  return {
    decay: f(1 - o.learningRate * o.weightDecay),
    beta1: f(o.beta1),
    oneMinusBeta1: f(1 - o.beta1),
    beta2: f(o.beta2),
    oneMinusBeta2: f(1 - o.beta2),
    eps: f(o.eps),
    negStepSize: f(-(o.learningRate / bc1)),
    bc2Sqrt: f(Math.sqrt(bc2)),
  };
}

/** Checks what the engines need of a setup; the sizes of the parameter vector and the data. */
export function checkTorchSetup(setup: TorchEngineSetup): void {
  const sizes = setup.layerSizes;
  let n = 0;
  for (let l = 0; l + 1 < sizes.length; l++) n += sizes[l + 1]! * (sizes[l]! + 1);
  if (setup.parameters.length < n) throw new InputError(`the reference trainer needs ${n} parameters for ${sizes.join('-')}, got ${setup.parameters.length}`);
  if (setup.data.nInputs !== sizes[0] || setup.data.nOutputs !== sizes[sizes.length - 1]) throw new InputError('the data does not fit the layer sizes');
}

/** Creates the TypeScript reference trainer. */
export function createTorchEngine(setup: TorchEngineSetup): TorchEngine {
  checkTorchSetup(setup);
  const sizes = setup.layerSizes;
  const L = sizes.length - 1;
  const B = setup.batchSize;
  const slope = f(setup.slope);
  const { data } = setup;
  // Per layer: weight and bias views into one parameter vector (torch's order), and state.
  const nParams = sizes.reduce((n, s, l) => (l < L ? n + sizes[l + 1]! * (s + 1) : n), 0);
  const params = setup.parameters.slice(0, nParams);
  const grads = new Float32Array(nParams);
  const m = new Float32Array(nParams);
  const v = new Float32Array(nParams);
  const wAt: number[] = [];
  const bAt: number[] = [];
  for (let l = 0, at = 0; l < L; l++) {
    wAt.push(at);
    at += sizes[l + 1]! * sizes[l]!;
    bAt.push(at);
    at += sizes[l + 1]!;
  }
  // Batch tensors, row-major [rows, size]: activations a[l], pre-activations z[l] (l >= 1).
  const act = sizes.map((s) => new Float32Array(B * s));
  const pre = sizes.map((s) => new Float32Array(B * s));
  const maxSize = Math.max(...sizes);
  let gz = new Float32Array(B * maxSize);
  let gzPrev = new Float32Array(B * maxSize);
  const sq = new Float32Array(B * sizes[L]!);
  let stepT = 0; // torch keeps `step` as a float32 tensor

  /** The forward pass on `rows` rows already in act[0]. */
  function forward(rows: number, a: Float32Array[], z: Float32Array[]) {
    for (let l = 0; l < L; l++) {
      const nIn = sizes[l]!;
      const nOut = sizes[l + 1]!;
      const x = a[l]!;
      const y = a[l + 1]!;
      const zz = z[l + 1]!;
      const w = wAt[l]!;
      const bias = bAt[l]!;
      for (let r = 0; r < rows; r++) {
        const xr = r * nIn;
        for (let o = 0; o < nOut; o++) {
          const wr = w + o * nIn;
          let s = f(x[xr]! * params[wr]!);
          for (let k = 1; k < nIn; k++) s = fma32(x[xr + k]!, params[wr + k]!, s);
          const zv = f(s + params[bias + o]!);
          zz[r * nOut + o] = zv;
          y[r * nOut + o] = zv > 0 ? zv : f(zv * slope);
        }
      }
    }
  }

  function step(perm: Int32Array, start: number, rows: number): number {
    const nIn0 = sizes[0]!;
    const x0 = act[0]!;
    for (let r = 0; r < rows; r++) {
      const s = perm[start + r]!;
      for (let k = 0; k < nIn0; k++) x0[r * nIn0 + k] = data.x[s * nIn0 + k]!;
    }
    forward(rows, act, pre);
    // MSE loss over all rows x outputs, and its gradient 2 (o - t) / N through the output's LeakyReLU.
    const nOut = sizes[L]!;
    const N = rows * nOut;
    const out = act[L]!;
    const zOut = pre[L]!;
    const g2 = f(2 / N);
    for (let r = 0; r < rows; r++) {
      const t = perm[start + r]! * nOut;
      for (let o = 0; o < nOut; o++) {
        const i = r * nOut + o;
        const e = f(out[i]! - data.y[t + o]!);
        sq[i] = f(e * e);
        const g = f(e * g2);
        gz[i] = zOut[i]! > 0 ? g : f(g * slope);
      }
    }
    const loss = f(contiguousSum(sq, 0, N) / N);
    // Backward, last layer first: dW = gz^T a, db = sum over rows, da = gz W (pre-step W).
    for (let l = L - 1; l >= 0; l--) {
      const nI = sizes[l]!;
      const nO = sizes[l + 1]!;
      const a = act[l]!;
      const w = wAt[l]!;
      for (let o = 0; o < nO; o++) {
        for (let k = 0; k < nI; k++) {
          let s = f(gz[o]! * a[k]!);
          for (let r = 1; r < rows; r++) s = fma32(gz[r * nO + o]!, a[r * nI + k]!, s);
          grads[w + o * nI + k] = s;
        }
      }
      columnSums(gz, 0, rows, nO, grads, bAt[l]!);
      if (l === 0) break;
      const zPrev = pre[l]!;
      for (let r = 0; r < rows; r++) {
        for (let k = 0; k < nI; k++) {
          let s = f(gz[r * nO]! * params[w + k]!);
          for (let o = 1; o < nO; o++) s = fma32(gz[r * nO + o]!, params[w + o * nI + k]!, s);
          gzPrev[r * nI + k] = zPrev[r * nI + k]! > 0 ? s : f(s * slope);
        }
      }
      [gz, gzPrev] = [gzPrev, gz];
    }
    // AdamW (_single_tensor_adamw): decay, moments (fused), bias-corrected step.
    stepT = f(stepT + 1);
    const c = adamwScalars(setup.adamw, stepT);
    for (let i = 0; i < nParams; i++) {
      const g = grads[i]!;
      const p = f(params[i]! * c.decay);
      const mi = fma32(c.oneMinusBeta1, g, f(m[i]! * c.beta1));
      const vi = fma32(f(c.oneMinusBeta2 * g), g, f(v[i]! * c.beta2));
      const d = f(f(f(Math.sqrt(vi)) / c.bc2Sqrt) + c.eps);
      params[i] = f(p + f(f(c.negStepSize * mi) / d));
      m[i] = mi;
      v[i] = vi;
    }
    return loss;
  }

  return {
    name: 'ts',
    batches(perm, first, count, losses) {
      for (let b = first; b < first + count; b++) {
        const start = b * B;
        losses[b] = step(perm, start, Math.min(B, data.n - start));
      }
    },
    parameters: () => params.slice(),
    countCorrect(set) {
      // do_eval runs the whole set as one batch; each row's outputs depend on that row alone.
      const a = sizes.map((s) => new Float32Array(set.n * s));
      const z = sizes.map((s) => new Float32Array(set.n * s));
      a[0]!.set(set.x.subarray(0, set.n * sizes[0]!));
      forward(set.n, a, z);
      const nOut = sizes[L]!;
      let correct = 0;
      for (let r = 0; r < set.n; r++) {
        let ok = true;
        for (let o = 0; o < nOut; o++) if (roundHalfEven(a[L]![r * nOut + o]!) !== set.y[r * nOut + o]) ok = false;
        if (ok) correct++;
      }
      return correct;
    },
    dispose() {},
  };
}
