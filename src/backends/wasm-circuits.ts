/**
 * Circuit search on the Wasm kernel (assembly/forward.ts): one kernel call per chunk of a range,
 * in fast mode where the model's static error bound allows it (src/backends/wasm-fast-bound.ts),
 * exact mode otherwise; requests with ablation values (`CircuitRequest.ablation`) in the kernel's
 * ablated mode, exact arithmetic. Decisions are bit-identical to the TS reference either way.
 */
import type { CircuitSpace, NodeCombination } from '../circuits/space.ts';
import { requiredCount, type WeightedRows } from '../data.ts';
import type { Model } from '../model.ts';
import { fastDecisionMargins } from './wasm-fast-bound.ts';
import { writeCombination, writeCombinations, writeExactRows, writeFastRows, writeModel, writeReplacementRows, type CombinationLayout } from './wasm-layout.ts';
import type { WasmModule } from './wasm-module.ts';
import type { CircuitRequest } from './types.ts';

/** Whether the kernels take this model: their layer count and packed-edge limits (assembly/layout.ts). */
export function wasmSupportsModel(module: WasmModule, model: Model): boolean {
  const { layerSizes } = model;
  const { maxLayers, maxPackedEdges, maxWidth } = module.layout;
  return (
    layerSizes.length - 1 <= maxLayers &&
    layerSizes.every((n) => n <= maxWidth) &&
    layerSizes.slice(1).every((out, l) => out * layerSizes[l]! <= maxPackedEdges)
  );
}

/**
 * The perfect circuits of `[start, end)` (which the caller keeps to a size whose output fits
 * memory), in enumeration order: one kernel call for every node combination the range spans. With
 * many rows, a screen on a subset of them comes first (see {@link circuitScreen}); only the
 * circuits it keeps are evaluated on every row.
 */
export function evaluateCircuitsWasm(module: WasmModule, request: Omit<CircuitRequest, 'signal' | 'onProgress'>, fastMode = true): Float64Array {
  const { start, end, rows, accuracyThreshold, ablation } = request;
  if (end <= start) return new Float64Array(0);
  const screen = ablation ? null : circuitScreen(rows, accuracyThreshold);
  if (screen) {
    const kept = evaluateRuns(module, { ...request, rows: screen.rows, accuracyThreshold: screen.threshold }, [[start, end]], fastMode);
    // Survivors cost a start from scratch each (a run of them, one): worth it while they are few.
    if (kept.length <= (end - start) / 8) return evaluateRuns(module, request, survivorRuns(kept), fastMode);
  }
  return evaluateRuns(module, request, [[start, end]], fastMode);
}

/** Rows a screen takes, and the fewest distinct rows for which one is made. */
const SCREEN_ROWS = 1024;
const SCREEN_MIN_ROWS = 4 * SCREEN_ROWS;

/**
 * A necessary condition for a circuit to pass on `rows`, checked on a subset of them: a circuit
 * passes when the weight of its wrong rows is at most `budget = W - need` (W: the rows' weight,
 * need: the least passing weight of right rows), so on the subset (weight S) it must have at
 * least S - budget right. The subset is every k-th row (SCREEN_ROWS of them), with the threshold
 * at which the kernels' test `count / S > threshold` needs exactly S - budget. Null where no
 * screen applies: few rows, or a budget that lets every circuit through the subset.
 */
export function circuitScreen(rows: WeightedRows, accuracyThreshold: number): { rows: WeightedRows; threshold: number } | null {
  const n = rows.weight.length;
  if (n < SCREEN_MIN_ROWS) return null;
  // The wrong weight a passing circuit may have: what its rows weigh beyond the least passing count.
  let weightSum = 0;
  for (const w of rows.weight) weightSum += w;
  const budget = weightSum - requiredCount(rows.total, accuracyThreshold);
  if (budget < 0) return null;
  const step = Math.floor(n / SCREEN_ROWS);
  const picked = Array.from({ length: SCREEN_ROWS }, (_, i) => i * step);
  const weight = Uint32Array.from(picked, (r) => rows.weight[r]!);
  const total = weight.reduce((a, w) => a + w, 0);
  const need = total - budget;
  if (need <= 0) return null;
  const threshold = (need - 0.5) / total;
  if (requiredCount(total, threshold) !== need) return null;
  const x = new Float32Array(SCREEN_ROWS * rows.nInputs);
  const y = new Float32Array(SCREEN_ROWS * rows.nOutputs);
  picked.forEach((r, i) => {
    x.set(rows.x.subarray(r * rows.nInputs, (r + 1) * rows.nInputs), i * rows.nInputs);
    y.set(rows.y.subarray(r * rows.nOutputs, (r + 1) * rows.nOutputs), i * rows.nOutputs);
  });
  return { rows: { nInputs: rows.nInputs, nOutputs: rows.nOutputs, x, y, weight, total }, threshold };
}

/** Survivors nearer than this share a run: evaluating the circuits between is cheaper than a new start. */
const RUN_GAP = 32;

/** The screen's survivors (ascending) as ranges [from, to) to evaluate on every row. */
function survivorRuns(kept: Float64Array): [number, number][] {
  const runs: [number, number][] = [];
  for (const index of kept) {
    const last = runs[runs.length - 1];
    if (last && index - last[1] < RUN_GAP) last[1] = index + 1;
    else runs.push([index, index + 1]);
  }
  return runs;
}

/** The perfect circuits of the ranges (ascending, within `[request.start, request.end)`), in order. */
function evaluateRuns(module: WasmModule, request: Omit<CircuitRequest, 'signal' | 'onProgress'>, runs: [number, number][], fastMode: boolean): Float64Array {
  const { model, space, start, end, rows, accuracyThreshold, ablation } = request;
  if (runs.length === 0) return new Float64Array(0);
  const kept = retainedTable(module, space, space.combinationIndex(start), space.combinationIndex(end - 1) + 1); // long-lived: allocated before the scope below
  const scope = module.scope();
  try {
    const m = writeModel(module, model);
    const exact = writeExactRows(module, model, rows);
    // Ablated requests run in exact mode: the fast mode's error bound assumes zero ablation.
    const rep = ablation ? writeReplacementRows(module, model, rows.weight.length, ablation.values) : 0;
    // Fast mode sums row weights in i32 lanes.
    const margins = fastMode && !ablation && rows.total < 2 ** 31 ? fastDecisionMargins(model, rows) : null;
    const fast = margins ? writeFastRows(module, model, rows, margins) : null;
    const out = module.alloc(runs.reduce((n, [from, to]) => n + (to - from), 0) * 8);
    let found = 0;
    for (const [from, to] of runs) {
      const c0 = space.combinationIndex(from);
      const c1 = space.combinationIndex(to - 1) + 1;
      const first = space.combinations[c0]!;
      const last = space.combinations[c1 - 1]!;
      found += module.exports.evaluateCombinations(
        m.L, m.sizes, m.weights, m.biases, m.slope, kept.table, c0 - kept.first, c1 - kept.first, from - first.offset, to - last.offset,
        exact.nPairs, exact.act, exact.y, exact.rowWeight,
        fast?.nQuads ?? 0, fast?.act ?? 0, fast?.y ?? 0, fast?.rowWeight ?? 0, fast?.margins ?? 0,
        rows.total, accuracyThreshold, out + found * 8, rep,
      );
    }
    return new Float64Array(module.memory().buffer, out, found).slice();
  } finally {
    scope.close();
  }
}

/** How many circuits the last {@link evaluateCircuitsWasm} call evaluated again in exact mode. */
export function lastExactRedos(module: WasmModule): number {
  return module.exports.lastExactRedos();
}

/**
 * How many circuits the last {@link evaluateCircuitsWasm} call rejected by the kernel's branch and
 * bound alone, unevaluated (assembly/forward.ts, prepareProductBounds).
 */
export function lastPrunedCircuits(module: WasmModule): number {
  return module.exports.lastPrunedCircuits();
}

/**
 * Turns the kernel's branch and bound off or on again (on by default) in `module`: the circuits
 * found, their order and the exact redos are the same either way. For tests and benchmarks.
 */
export function setTailPruning(module: WasmModule, on: boolean): void {
  module.exports.setTailPruning(on);
}

/** Spaces whose combinations' edge words take at most this much are kept whole in a module. */
const WHOLE_SPACE_BYTES = 32 * 2 ** 20;

interface RetainedTable {
  readonly space: CircuitSpace;
  /** The combinations [first, end) of the space that the table holds. */
  readonly first: number;
  readonly end: number;
  /** The combination table (layout.combo per combination, from `first`). */
  readonly table: number;
  /** Where each combination's node masks, counts and edge words are. */
  readonly layouts: Map<NodeCombination, CombinationLayout>;
}

const lastRetained = new WeakMap<WasmModule, RetainedTable>();
const spaceBytes = new WeakMap<CircuitSpace, number>();

/**
 * A combination table in the module's memory that holds combinations [c0, c1) of the space, kept
 * across heap resets ({@link WasmModule.retained}), so that the grounding calls between a search's
 * pieces do not make the next piece write it again. A small space is kept whole (repeated
 * searches over it skip the write); a wide one only for the combinations of the current call
 * (2-6-6-1's would take 112 MiB in every worker).
 */
function retainedTable(module: WasmModule, space: CircuitSpace, c0: number, c1: number): RetainedTable {
  const kept = lastRetained.get(module);
  if (kept && module.retainedKey === kept && kept.space === space && kept.first <= c0 && c1 <= kept.end) return kept;
  const whole = bytesOf(space) <= WHOLE_SPACE_BYTES;
  const first = whole ? 0 : c0;
  const end = whole ? space.combinations.length : c1;
  let value!: RetainedTable;
  const key = { space, first, end };
  module.retained(key, () => {
    const { combo } = module.layout;
    const combos = space.combinations.slice(first, end);
    const layouts = new Map<NodeCombination, CombinationLayout>();
    writeCombinations(module, combos).forEach((layout, i) => layouts.set(combos[i]!, layout));
    const table = module.alloc(combos.length * combo.bytes);
    const view = new DataView(module.memory().buffer);
    combos.forEach((c, i) => {
      const layout = layouts.get(c)!;
      const at = table + i * combo.bytes;
      view.setInt32(at + combo.nodeMasks, layout.nodeMasks, true);
      view.setInt32(at + combo.counts, layout.counts, true);
      view.setInt32(at + combo.choices, layout.choices, true);
      view.setInt32(at + combo.count, c.count, true);
      view.setFloat64(at + combo.offset, c.offset, true);
    });
    value = Object.assign(key, { table, layouts });
    return value;
  });
  lastRetained.set(module, value);
  return value;
}

/** Bytes of edge words the combinations of `space` take in a kernel's memory. */
function bytesOf(space: CircuitSpace): number {
  let bytes = spaceBytes.get(space);
  if (bytes === undefined) {
    bytes = 0;
    for (const c of space.combinations) for (const words of c.edgeWords) bytes += words.byteLength;
    spaceBytes.set(space, bytes);
  }
  return bytes;
}

/**
 * Where `combo` is in the module's memory if it belongs to the retained space (a circuit search
 * on this module wrote it), else null: grounding calls then write it themselves.
 */
export function retainedCombination(module: WasmModule, combo: NodeCombination): CombinationLayout | null {
  const kept = lastRetained.get(module);
  return kept && module.retainedKey === kept ? (kept.layouts.get(combo) ?? null) : null;
}

/**
 * Where `combo` is in the module's memory for a batch kernel call: in the retained table when a
 * circuit search on this module kept it, else written now (above the retained block, freed by the
 * next heap reset).
 */
export function combinationInModule(module: WasmModule, combo: NodeCombination): CombinationLayout {
  return retainedCombination(module, combo) ?? writeCombination(module, combo);
}
