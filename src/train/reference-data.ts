/**
 * main.py's data generation with numpy's own random numbers (docs/semantics.md, P2, R5):
 * `LogicGate.generate_noisy_data` / `generate_noisy_multi_gate_data` on the emulated global
 * `np.random` state, draw for draw.
 */
import { InputError } from '../errors.ts';
import { inputRows, type Gate } from '../gates.ts';
import type { TrainingSet } from './data.ts';
import { pairwiseSum, type NumpyRandomState } from './reference-rng/numpy-random.ts';

/** Options of {@link referenceGateData}. */
export interface ReferenceDataOptions {
  /** main.py's `n_repeats`: `nRepeats * 2^n` rows are drawn. */
  nRepeats: number;
  /** `noise_std`: 0 gives the drawn rows; more repeats each row `nRepeats` times and adds noise. */
  noiseStd: number;
  /** The raw skew weights (`random.random()` each), or null for uniform rows. */
  weights?: readonly number[] | null;
  /** Adds the noise in place (default {@link addNumpyNoise}; src/train/wasm-noise.ts gives the same draws faster). */
  noise?: NoiseKernel;
}

/**
 * `x += np.random.normal(0, std, x.shape)` in float32, the Gaussians drawn from `np` in C order;
 * leaves `np` as numpy would (its cached second Gaussian included).
 */
export type NoiseKernel = (np: NumpyRandomState, x: Float32Array, std: number) => void;

/** {@link NoiseKernel} in plain TypeScript: float64 draws, cast to float32, added in float32. */
export function addNumpyNoise(np: NumpyRandomState, x: Float32Array, std: number): void {
  for (let i = 0; i < x.length; i++) x[i] = Math.fround(x[i]! + Math.fround(0 + std * np.standardGauss()));
}

/**
 * `get_inputs`' probabilities: uniform is float32 ones over their float32 sum (exactly 2^-n);
 * skewed weights (a Python list) become a float64 array divided by `np.sum` of it.
 */
export function rowProbabilities(nInputs: number, weights?: readonly number[] | null): number[] {
  const k = 1 << nInputs;
  if (!weights) return new Array<number>(k).fill(1 / k);
  if (weights.length !== k) throw new InputError(`skew weights must be ${k} numbers, got ${weights.length}`);
  const sum = pairwiseSum(weights);
  return weights.map((w) => w / sum);
}

/**
 * The data of `gates` (one label column each, all with the same inputs) as main.py draws it from
 * `np`: `np.random.choice` of the truth-table rows, labels from the clean rows, and with noise each
 * row repeated `nRepeats` times in a row, plus `np.random.normal(0, std, shape)` cast to float32.
 */
export function referenceGateData(np: NumpyRandomState, gates: readonly Gate[], options: ReferenceDataOptions): TrainingSet {
  const nInputs = gates[0]?.nInputs ?? 0;
  if (gates.length === 0 || gates.some((g) => g.nInputs !== nInputs)) throw new InputError('gates trained together must have the same number of inputs');
  if (!(options.noiseStd >= 0) || !Number.isFinite(options.noiseStd)) throw new InputError(`the noise standard deviation must be a finite number >= 0, got ${options.noiseStd}`);
  const table = inputRows(nInputs);
  const k = table.length;
  const drawn = np.choice(k, options.nRepeats * k, rowProbabilities(nInputs, options.weights));
  const repeat = options.noiseStd === 0 ? 1 : options.nRepeats;
  const n = drawn.length * repeat;
  const nOutputs = gates.length;
  const x = new Float32Array(n * nInputs);
  const y = new Float32Array(n * nOutputs);
  // Each drawn row fills `repeat` rows in a row: copied from a block per truth-table row (with
  // noise, 1000 rows per draw make millions of rows; a copy beats an element loop).
  const blocks = table.map((inputs, row) => {
    const bx = new Float32Array(repeat * nInputs);
    const by = new Float32Array(repeat * nOutputs);
    for (let r = 0; r < repeat; r++) {
      for (let j = 0; j < nInputs; j++) bx[r * nInputs + j] = inputs[j]!;
      for (let o = 0; o < nOutputs; o++) by[r * nOutputs + o] = gates[o]!.truthTable[row]!;
    }
    return { bx, by };
  });
  for (let d = 0; d < drawn.length; d++) {
    const { bx, by } = blocks[drawn[d]!]!;
    x.set(bx, d * bx.length);
    y.set(by, d * by.length);
  }
  if (options.noiseStd > 0) {
    // One normal(0, std, x.shape) call in C order.
    (options.noise ?? addNumpyNoise)(np, x, options.noiseStd);
  }
  return { nInputs, nOutputs, n, x, y };
}
