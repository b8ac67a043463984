/**
 * The where-then-what criteria that keep or drop whole perfect circuits (docs/criteria.md):
 * `minimal`, `mean-ablation`, `resample-ablation` (K2) and `ood-<σ>` (K3). Each one is exact and
 * exhaustive; the three data tests are circuit-search kernel requests, so they run on every
 * backend (the ablated ones through `evaluateCircuitsAblated`).
 */
import { evaluateCircuitsAblated } from '../backends/ablation.ts';
import type { Backend, CircuitResult, KernelRun } from '../backends/types.ts';
import { ablationUnits } from '../circuits/ablation.ts';
import type { Circuit } from '../circuits/circuit.ts';
import type { CircuitSpace } from '../circuits/space.ts';
import { roundHalfEven, weightRows, type WeightedRows } from '../data.ts';
import { inputRows, type Gate } from '../gates.ts';
import { forwardActivations, leaky, type Model } from '../model.ts';
import { checkAborted } from '../progress.ts';
import { NormalSampler, streamRng } from '../train/rng.ts';

// ---------------------------------------------------------------------------------------------
// minimal

/** A circuit's hidden nodes and edges as one bit vector (inputs and output are always kept). */
function circuitBits(c: Circuit): Uint32Array {
  const bits: number[] = [];
  for (const mask of c.nodeMasks.slice(1, -1)) bits.push(...mask);
  for (const layer of c.edgeMasks) for (const row of layer) bits.push(...row);
  const words = new Uint32Array(Math.ceil(bits.length / 32));
  bits.forEach((b, i) => {
    if (b) words[i >>> 5]! |= 1 << (i & 31);
  });
  return words;
}

function popcount(words: Uint32Array): number {
  let n = 0;
  for (let w of words) {
    for (; w; w &= w - 1) n++;
  }
  return n;
}

/** `a ⊆ b` as bit vectors. */
function within(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if ((a[i]! & ~b[i]!) !== 0) return false;
  return true;
}

/**
 * `minimal`: which perfect circuits have no perfect proper sub-circuit (node masks and edge masks
 * each included, not equal). `perfect` are indices of `space`; the answer is aligned with it.
 * Pairwise on bit vectors, comparing each circuit only with those of fewer kept parts (a proper
 * sub-circuit has strictly fewer).
 */
export function minimalCircuits(space: CircuitSpace, perfect: ArrayLike<number>, signal?: AbortSignal): boolean[] {
  const bits = Array.from(perfect, (index) => circuitBits(space.decode(index)));
  const size = bits.map(popcount);
  const order = bits.map((_, i) => i).sort((a, b) => size[a]! - size[b]!);
  const minimal = new Array<boolean>(bits.length).fill(true);
  for (let k = 0; k < order.length; k++) {
    if (k % 256 === 0) checkAborted(signal);
    const i = order[k]!;
    for (let m = 0; m < k && size[order[m]!]! < size[i]!; m++) {
      if (within(bits[order[m]!]!, bits[i]!)) {
        minimal[i] = false;
        break;
      }
    }
  }
  return minimal;
}

// ---------------------------------------------------------------------------------------------
// Data for the kernel requests

/** The full model's activations of the ablatable units (every hidden neuron, in layer order), on one input. */
export function unitValues(model: Model, input: readonly number[]): Float32Array {
  const acts = forwardActivations(model, input);
  const out = new Float32Array(ablationUnits(model.layerSizes).count);
  let at = 0;
  for (let l = 0; l < model.layerSizes.length - 1; l++) {
    out.set(acts[l]!, at);
    at += model.layerSizes[l]!;
  }
  return out;
}

/**
 * μ of every unit: the full model's mean activation over the clean truth-table inputs (an input's
 * mean for an input unit), summed in float64 and rounded to float32 once (docs/criteria.md).
 */
export function meanValues(model: Model): Float32Array {
  const rows = inputRows(model.layerSizes[0]!);
  const sums = new Float64Array(ablationUnits(model.layerSizes).count);
  for (const row of rows) unitValues(model, row).forEach((v, u) => (sums[u]! += v));
  return Float32Array.from(sums, (s) => s / rows.length);
}

/** The same replacement values on every row of `rows`. */
function repeatValues(values: Float32Array, nRows: number): Float32Array {
  const out = new Float32Array(values.length * nRows);
  for (let r = 0; r < nRows; r++) out.set(values, r * values.length);
  return out;
}

/**
 * `resample-ablation`'s rows: every ordered (base, source) pair of clean inputs, source = base
 * included (base-major, truth-table order): the base's input and label, and as replacement values
 * the full model's activations on the source.
 */
export function resampleRows(model: Model, gate: Gate): { rows: WeightedRows; values: Float32Array } {
  const inputs = inputRows(gate.nInputs);
  const n = inputs.length;
  const nUnits = ablationUnits(model.layerSizes).count;
  const sources = inputs.map((x) => unitValues(model, x));
  const x = new Float32Array(n * n * gate.nInputs);
  const y = new Float32Array(n * n);
  const values = new Float32Array(n * n * nUnits);
  for (let b = 0; b < n; b++) {
    for (let s = 0; s < n; s++) {
      const r = b * n + s;
      x.set(inputs[b]!, r * gate.nInputs);
      y[r] = gate.truthTable[b]!;
      values.set(sources[s]!, r * nUnits);
    }
  }
  return { rows: { nInputs: gate.nInputs, nOutputs: 1, x, y, weight: new Uint32Array(n * n).fill(1), total: n * n }, values };
}

/** The threshold at which `correct / total > threshold` means every one of `total` rows is correct. */
export function everyRowThreshold(total: number): number {
  return (total - 1) / total;
}

/** Rows of each clean input in an `ood-<σ>` probe set. */
export const OOD_REPEATS = 250;
/** An `ood-<σ>` circuit must agree with the full model on more than this share of the probe rows. */
export const OOD_AGREEMENT = 0.99;

/** A probe set: noisy inputs, each with the truth-table row it was drawn around. */
export interface ProbeSet {
  /** `rows x nInputs`, float32 values. */
  readonly x: readonly (readonly number[])[];
  /** Truth-table row index of each row's clean input (first input most significant). */
  readonly clean: readonly number[];
}

const probeCache = new Map<string, ProbeSet>();

/**
 * The fixed, seeded probe set of `ood-<σ>`: each clean input repeated {@link OOD_REPEATS} times
 * (row-major: all repeats of input 0 first), with float32 Gaussian noise N(0, σ²) added to each
 * value. The standard normals come from one stream (`'ood-probe'`, the input count), the same for
 * every σ, so the probe sets of two noise levels differ by the scale of their noise only.
 */
export function oodProbeSet(nInputs: number, sigma: number): ProbeSet {
  const key = `${nInputs}:${sigma}`;
  const hit = probeCache.get(key);
  if (hit) return hit;
  const normal = new NormalSampler(streamRng('ood-probe', nInputs));
  const x: number[][] = [];
  const clean: number[] = [];
  inputRows(nInputs).forEach((row, r) => {
    for (let k = 0; k < OOD_REPEATS; k++) {
      // As the training noise (P2): a float64 normal scaled, cast to float32, added in float32.
      x.push(row.map((v) => Math.fround(v + Math.fround(sigma * normal.next()))));
      clean.push(r);
    }
  });
  const set = { x, clean };
  probeCache.set(key, set);
  return set;
}

/** The probe set's distinct inputs with their multiplicities, in first-occurrence order (the labels come per model). */
interface DistinctProbe {
  readonly x: Float32Array;
  readonly weight: Uint32Array;
  readonly total: number;
}
const distinctProbeCache = new Map<string, DistinctProbe>();

function distinctProbe(nInputs: number, sigma: number): DistinctProbe {
  const key = `${nInputs}:${sigma}`;
  const hit = distinctProbeCache.get(key);
  if (hit) return hit;
  // The labels are a function of the input, so grouping by input groups as weightRows groups by (input, label).
  const g = weightRows({ x: oodProbeSet(nInputs, sigma).x, y: [] });
  const d = { x: g.x, weight: g.weight, total: g.total };
  distinctProbeCache.set(key, d);
  return d;
}

/**
 * `ood-<σ>`'s rows: the probe inputs labelled with the full model's rounded output. Equal to
 * `weightRows` of the labelled probe set (the test checks it), with the grouping of the inputs
 * cached per (width, σ) and the labels from {@link roundedOutputs}, as they are needed per model.
 */
export function oodRows(model: Model, sigma: number): WeightedRows {
  const nInputs = model.layerSizes[0]!;
  const d = distinctProbe(nInputs, sigma);
  return { nInputs, nOutputs: 1, x: d.x, y: roundedOutputs(model, d.x), weight: d.weight, total: d.total };
}

/**
 * The rounded first output of `model` on each row of `x` (row-major float32): `forward`'s
 * arithmetic (preActivation, leaky) in two reused buffers, without a per-row allocation.
 */
export function roundedOutputs(model: Model, x: Float32Array): Float32Array {
  const { layerSizes, weights, biases, negativeSlope } = model;
  const nIn = layerSizes[0]!;
  const nRows = x.length / nIn;
  const widest = Math.max(...layerSizes);
  let a = new Float32Array(widest);
  let b = new Float32Array(widest);
  const out = new Float32Array(nRows);
  for (let r = 0; r < nRows; r++) {
    for (let j = 0; j < nIn; j++) a[j] = x[r * nIn + j]!;
    for (let l = 0; l < weights.length; l++) {
      const w = weights[l]!;
      const bias = biases[l]!;
      const width = layerSizes[l]!;
      for (let j = 0; j < layerSizes[l + 1]!; j++) {
        // preActivation, inlined (a monomorphic Float32Array loop): first product rounded, then fused adds, bias last.
        const base = j * width;
        let acc = Math.fround(a[0]! * w[base]!);
        for (let k = 1; k < width; k++) acc = Math.fround(acc + a[k]! * w[base + k]!);
        b[j] = leaky(Math.fround(acc + bias[j]!), negativeSlope);
      }
      const t = a;
      a = b;
      b = t;
    }
    out[r] = roundHalfEven(a[0]!);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The kernel requests

/** Which perfect circuits pass a test, and how many circuits of the whole space pass it alone. */
export interface CircuitTest {
  /** Aligned with the perfect indices. */
  readonly passes: boolean[];
  /** With `wholeSpace`: circuits of the whole space that pass the test, perfect or not. */
  readonly ownSearch?: number;
  readonly runs: KernelRun[];
}

/** What the circuit tests need of an output. */
export interface CircuitTestContext {
  readonly backend: Backend;
  readonly model: Model;
  readonly gate: Gate;
  readonly space: CircuitSpace;
  /** The circuit search's rows and threshold (the paper's accuracy rule). */
  readonly rows: WeightedRows;
  readonly accuracyThreshold: number;
  /** The perfect circuits, ascending. */
  readonly perfect: Float64Array;
  readonly signal?: AbortSignal;
}

const run = (r: CircuitResult): KernelRun => ({ ranOn: r.ranOn, ...(r.fallback ? { fallback: r.fallback } : {}) });

/** Marks the perfect circuits found among `found` (both ascending). */
function alignedWith(perfect: Float64Array, found: ArrayLike<number>): boolean[] {
  const set = new Set(Array.from(found));
  return Array.from(perfect, (index) => set.has(index));
}

/**
 * Gaps of at most this many circuits between perfect ones are evaluated rather than split into
 * more requests: each request costs the kernels a setup (writing the rows; the fast mode's error
 * bounds are computed once per model and rows) worth about that many circuits (measured with
 * `reproduce basic --criteria all` on the Wasm kernels, the 1,000 probe rows of ood: 32 against 4 and 256).
 */
const MERGED_GAP = 32;

/** Ranges `[start, end)` that cover the ascending indices, neighbours closer than `gap` merged. */
export function coveringRanges(indices: ArrayLike<number>, gap = MERGED_GAP): [number, number][] {
  const ranges: [number, number][] = [];
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i]!;
    const last = ranges[ranges.length - 1];
    if (last && index - last[1] <= gap) last[1] = index + 1;
    else ranges.push([index, index + 1]);
  }
  return ranges;
}

/**
 * One circuit-search kernel request per range: over ranges covering the perfect circuits (a
 * filter needs no more, K1), or with `wholeSpace` over the whole space, whose count of passing
 * circuits is then `ownSearch`.
 */
async function searchAgain(
  ctx: CircuitTestContext,
  wholeSpace: boolean,
  evaluate: (start: number, end: number) => Promise<CircuitResult>,
  gap = MERGED_GAP,
): Promise<CircuitTest> {
  const found: number[] = [];
  const runs: KernelRun[] = [];
  for (const [start, end] of wholeSpace ? [[0, ctx.space.count] as [number, number]] : coveringRanges(ctx.perfect, gap)) {
    checkAborted(ctx.signal);
    const r = await evaluate(start, end);
    found.push(...r.perfect);
    runs.push(run(r));
  }
  return { passes: alignedWith(ctx.perfect, found), ...(wholeSpace ? { ownSearch: found.length } : {}), runs };
}

/**
 * `mean-ablation`: the circuit search again, each pruned part passing μ ({@link meanValues}), on
 * the circuit search's rows with the paper's accuracy rule; a perfect circuit passes when it is
 * found again.
 */
export function meanAblationTest(ctx: CircuitTestContext, wholeSpace = false): Promise<CircuitTest> {
  const { backend, model, space, rows, accuracyThreshold, signal } = ctx;
  const values = repeatValues(meanValues(model), rows.weight.length);
  return searchAgain(ctx, wholeSpace, (start, end) => evaluateCircuitsAblated(backend, { model, space, start, end, rows, accuracyThreshold, ablation: { values }, signal }));
}

/**
 * `resample-ablation`: the circuit search again on every (base, source) pair of clean inputs
 * ({@link resampleRows}); a circuit passes when every pair is right.
 */
export function resampleAblationTest(ctx: CircuitTestContext, wholeSpace = false): Promise<CircuitTest> {
  const { backend, model, gate, space, signal } = ctx;
  const { rows, values } = resampleRows(model, gate);
  const accuracyThreshold = everyRowThreshold(rows.total);
  return searchAgain(ctx, wholeSpace, (start, end) => evaluateCircuitsAblated(backend, { model, space, start, end, rows, accuracyThreshold, ablation: { values }, signal }));
}

/**
 * `ood-<σ>`: on the probe set ({@link oodRows}), a perfect circuit passes when its rounded output
 * equals the full model's on more than {@link OOD_AGREEMENT} of the rows. A plain circuit request
 * (labels are the model's own outputs), so every backend's kernels run it.
 */
export function oodTest(ctx: CircuitTestContext, sigma: number, wholeSpace = false): Promise<CircuitTest> {
  const { backend, model, space, signal } = ctx;
  const rows = oodRows(model, sigma);
  return searchAgain(ctx, wholeSpace, (start, end) => backend.evaluateCircuits({ model, space, start, end, rows, accuracyThreshold: OOD_AGREEMENT, signal }));
}
