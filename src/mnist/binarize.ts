/**
 * Boolean inputs for a tail sub-MLP. Groundings and formulas speak of Boolean variables, and the
 * paper's argument grounds a circuit on the inputs of its task's truth table. A tail's inputs are
 * real activations, so each one is binarised:
 *
 * - **threshold**: the midpoint between the input's mean on the samples of label 0 and its mean
 *   on the samples of label 1 (bit = value > threshold: "closer to the typical 1 than to the
 *   typical 0");
 * - **prototypes**: bit b of input k is presented to the tail as the mean of input k over the
 *   samples on that side of its threshold (float32), so every Boolean pattern, observed or not,
 *   has a real input: the tail's "clean truth table". A side no sample reaches stands at the
 *   threshold itself.
 *
 * Patterns are numbered as truth-table rows (`inputRows`): the first input is the most significant bit.
 */
import { InputError } from '../errors.ts';
import { inputRows, type Gate } from '../gates.ts';
import { forward, type Model } from '../model.ts';
import { lastRowByKey } from '../grounding.ts';

/** The binarisation of a tail's inputs. */
export interface Binarization {
  /** Per input: bit = value > threshold (float64). */
  readonly thresholds: number[];
  /** Per input: the mean over samples of label 0 and of label 1. */
  readonly classMeans: [number, number][];
  /** Per input: the real value presented for bit 0 and for bit 1 (float32). */
  readonly prototypes: [number, number][];
}

/** How often a Boolean pattern occurs in the data, and with which labels. */
export interface PatternCount {
  /** Pattern index (first input most significant). */
  readonly pattern: number;
  readonly samples: number;
  /** Samples of this pattern with label 1. */
  readonly label1: number;
}

/** Fits the binarisation of `nInputs`-wide rows `x` (row-major) with 0/1 `labels`. */
export function fitBinarization(x: Float32Array, nInputs: number, labels: ArrayLike<number>): Binarization {
  const n = labels.length;
  if (x.length !== n * nInputs) throw new InputError(`expected ${n} x ${nInputs} tail inputs, got ${x.length} values`);
  const thresholds: number[] = [];
  const classMeans: [number, number][] = [];
  const prototypes: [number, number][] = [];
  for (let k = 0; k < nInputs; k++) {
    const byLabel = meansBy(n, (s) => x[s * nInputs + k]!, (s) => labels[s]!);
    if (byLabel.count[0] === 0 || byLabel.count[1] === 0) throw new InputError('binarising the tail inputs needs samples of both labels (0 and 1)');
    const threshold = (byLabel.mean[0] + byLabel.mean[1]) / 2;
    const bySide = meansBy(n, (s) => x[s * nInputs + k]!, (s) => (x[s * nInputs + k]! > threshold ? 1 : 0));
    thresholds.push(threshold);
    classMeans.push([byLabel.mean[0], byLabel.mean[1]]);
    prototypes.push([0, 1].map((b) => Math.fround(bySide.count[b]! > 0 ? bySide.mean[b]! : threshold)) as [number, number]);
  }
  return { thresholds, classMeans, prototypes };
}

/** Means of `value` over the samples of each group 0 / 1 (float64 sums in sample order). */
function meansBy(n: number, value: (s: number) => number, group: (s: number) => number): { mean: [number, number]; count: [number, number] } {
  const sum: [number, number] = [0, 0];
  const count: [number, number] = [0, 0];
  for (let s = 0; s < n; s++) {
    const g = group(s);
    if (g !== 0 && g !== 1) throw new InputError(`tail labels must be 0 or 1, got ${g}`);
    sum[g] += value(s);
    count[g]++;
  }
  return { mean: [sum[0] / count[0], sum[1] / count[1]], count };
}

/** The pattern index of one row. */
export function patternOf(row: ArrayLike<number>, b: Binarization): number {
  let p = 0;
  for (let k = 0; k < b.thresholds.length; k++) p = p * 2 + (row[k]! > b.thresholds[k]! ? 1 : 0);
  return p;
}

/** The prototype input of every pattern, in truth-table order. */
export function prototypeRows(b: Binarization): number[][] {
  return inputRows(b.thresholds.length).map((bits) => bits.map((bit, k) => b.prototypes[k]![bit]!));
}

/** Pattern counts and labels over the data (`x` row-major), for patterns that occur, ascending. */
export function patternCounts(x: Float32Array, labels: ArrayLike<number>, b: Binarization): PatternCount[] {
  const width = b.thresholds.length;
  const counts = new Map<number, { samples: number; label1: number }>();
  for (let s = 0; s < labels.length; s++) {
    const p = patternOf(x.subarray(s * width, (s + 1) * width), b);
    const c = counts.get(p) ?? { samples: 0, label1: 0 };
    c.samples++;
    c.label1 += labels[s]! === 1 ? 1 : 0;
    counts.set(p, c);
  }
  return [...counts].sort((a, b2) => a[0] - b2[0]).map(([pattern, c]) => ({ pattern, ...c }));
}

/**
 * The observed patterns' real rows, as the reference keys grounding inputs (G1, with binarisation
 * in place of truncation): patterns in first-occurrence order, each with its last sample's row.
 */
export function observedRows(x: Float32Array, b: Binarization): { patterns: number[]; rows: number[][] } {
  const width = b.thresholds.length;
  const samples = Array.from({ length: Math.ceil(x.length / width) }, (_, s) => Array.from(x.subarray(s * width, (s + 1) * width)));
  const { keys: patterns, rows } = lastRowByKey(samples, (row) => patternOf(row, b));
  return { patterns, rows };
}

/**
 * The Boolean function the tail computes on its prototype inputs: bit p = output > 0.5 on
 * pattern p's prototype (the interchange test's reading of an output, M4). This is the gate whose
 * formulas the what-then-where search tries to map onto the tail.
 */
export function tailGate(tail: Model, b: Binarization): Gate {
  const truthTable = prototypeRows(b).map((row) => (forward(tail, row)[0]! > 0.5 ? 1 : 0));
  return { name: `TAIL_${truthTable.join('')}`, nInputs: b.thresholds.length, truthTable };
}
