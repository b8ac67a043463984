/**
 * Training data for Boolean gates as main.py makes it (docs/semantics.md, P2, `logic_gates.py`):
 * inputs drawn from the 2^n truth-table rows (uniformly or with skewed probabilities), labels
 * from the gates, and, with noise, every draw repeated and perturbed by Gaussian noise.
 */
import { inputRows, type Gate } from '../gates.ts';
import { InputError } from '../errors.ts';
import { NormalSampler, uniform, type Rng } from './rng.ts';

/** A float32 dataset, sample-major: what the trainer consumes. */
export interface TrainingSet {
  readonly nInputs: number;
  readonly nOutputs: number;
  /** Number of samples. */
  readonly n: number;
  /** `n x nInputs`, row-major. */
  readonly x: Float32Array;
  /** `n x nOutputs`, row-major. */
  readonly y: Float32Array;
}

/** Options of {@link gateData}. */
export interface GateDataOptions {
  /** main.py's `n_repeats`: `nRepeats * 2^n` rows are drawn. */
  nRepeats: number;
  /** Standard deviation of the input noise; 0 = clean inputs, no repetition. */
  noiseStd: number;
  /** Relative probability of each truth-table row (default: uniform). */
  weights?: readonly number[] | null;
}

/**
 * Draws `nRepeats * 2^n` truth-table rows with the given (unnormalised) weights, as
 * `numpy.random.choice(p=weights / sum)`: one uniform per draw, looked up in the cumulative
 * distribution (the row whose cumulative probability first exceeds it). Returns row indices.
 */
export function drawRows(rng: Rng, nInputs: number, nRepeats: number, weights?: readonly number[] | null): Int32Array {
  const k = 1 << nInputs;
  const w = weights ?? new Array<number>(k).fill(1);
  if (w.length !== k || w.some((v) => !(v >= 0) || !Number.isFinite(v))) {
    throw new InputError(`row weights must be ${k} finite numbers >= 0`);
  }
  const cdf = new Float64Array(k);
  let acc = 0;
  w.forEach((v, i) => (cdf[i] = acc += v));
  if (!(acc > 0)) throw new InputError('row weights must not all be 0');
  for (let i = 0; i < k; i++) cdf[i]! /= acc;
  const rows = new Int32Array(nRepeats * k);
  for (let s = 0; s < rows.length; s++) {
    const u = uniform(rng);
    let r = 0;
    while (r < k - 1 && cdf[r]! <= u) r++;
    rows[s] = r;
  }
  return rows;
}

/**
 * Data for one or more gates with the same number of inputs (one label column per gate), as
 * `generate_noisy_data` / `generate_noisy_multi_gate_data`. With noise, each drawn row is
 * repeated `nRepeats` times in a row and every input gets float32 Gaussian noise, so there are
 * `nRepeats^2 * 2^n` samples (P2); without noise there are `nRepeats * 2^n`.
 */
export function gateData(rng: Rng, gates: readonly Gate[], options: GateDataOptions): TrainingSet {
  const nInputs = gates[0]?.nInputs ?? 0;
  if (gates.length === 0 || gates.some((g) => g.nInputs !== nInputs)) {
    throw new InputError(`gates trained together must have the same number of inputs (got ${gates.map((g) => `${g.name}: ${g.nInputs}`).join(', ')})`);
  }
  if (!(options.noiseStd >= 0) || !Number.isFinite(options.noiseStd)) {
    throw new InputError(`the noise standard deviation must be a finite number >= 0, got ${options.noiseStd}`);
  }
  const table = inputRows(nInputs);
  const drawn = drawRows(rng, nInputs, options.nRepeats, options.weights);
  const repeat = options.noiseStd === 0 ? 1 : options.nRepeats;
  const n = drawn.length * repeat;
  const nOutputs = gates.length;
  const x = new Float32Array(n * nInputs);
  const y = new Float32Array(n * nOutputs);
  for (let s = 0; s < n; s++) {
    const row = drawn[Math.floor(s / repeat)]!;
    for (let j = 0; j < nInputs; j++) x[s * nInputs + j] = table[row]![j]!;
    gates.forEach((g, o) => (y[s * nOutputs + o] = g.truthTable[row]!));
  }
  if (options.noiseStd > 0) {
    // numpy draws float64 normals, casts them to float32, then adds in float32.
    const normal = new NormalSampler(rng);
    for (let i = 0; i < x.length; i++) x[i] = Math.fround(x[i]! + Math.fround(options.noiseStd * normal.next()));
  }
  return { nInputs, nOutputs, n, x, y };
}

/** A dataset's rows as nested arrays (the `{x, y}` shape the analysis takes). */
export function toRows(set: TrainingSet): { x: number[][]; y: number[][] } {
  const x = Array.from({ length: set.n }, (_, s) => Array.from(set.x.subarray(s * set.nInputs, (s + 1) * set.nInputs)));
  const y = Array.from({ length: set.n }, (_, s) => Array.from(set.y.subarray(s * set.nOutputs, (s + 1) * set.nOutputs)));
  return { x, y };
}
