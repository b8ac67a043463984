/**
 * Circuit search on the Wasm kernel (assembly/forward.ts): one kernel call per chunk of a range,
 * in fast mode where the model's static error bound allows it (src/backends/wasm-fast-bound.ts),
 * exact mode otherwise; requests with ablation values (`CircuitRequest.ablation`) in the kernel's
 * ablated mode, exact arithmetic. Decisions are bit-identical to the TS reference either way.
 */
import type { CircuitSpace, NodeCombination } from '../circuits/space.ts';
import type { Model } from '../model.ts';
import { fastDecisionMargins } from './wasm-fast-bound.ts';
import { writeCombination, writeExactRows, writeFastRows, writeModel, writeReplacementRows, type CombinationLayout } from './wasm-layout.ts';
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
 * memory), in enumeration order: one kernel call for every node combination the range spans.
 */
export function evaluateCircuitsWasm(module: WasmModule, request: Omit<CircuitRequest, 'signal' | 'onProgress'>, fastMode = true): Float64Array {
  const { model, space, start, end, rows, accuracyThreshold, ablation } = request;
  if (end <= start) return new Float64Array(0);
  const c0 = space.combinationIndex(start);
  const c1 = space.combinationIndex(end - 1) + 1;
  const kept = retainedTable(module, space, c0, c1); // long-lived: allocated before the scope below
  const scope = module.scope();
  try {
    const m = writeModel(module, model);
    const exact = writeExactRows(module, model, rows);
    // Ablated requests run in exact mode: the fast mode's error bound assumes zero ablation.
    const rep = ablation ? writeReplacementRows(module, model, rows.weight.length, ablation.values) : 0;
    // Fast mode sums row weights in i32 lanes.
    const margins = fastMode && !ablation && rows.total < 2 ** 31 ? fastDecisionMargins(model, rows) : null;
    const fast = margins ? writeFastRows(module, model, rows, margins) : null;
    const first = space.combinations[c0]!;
    const last = space.combinations[c1 - 1]!;
    const out = module.alloc((end - start) * 8);
    const n = module.exports.evaluateCombinations(
      m.L, m.sizes, m.weights, m.biases, m.slope, kept.table, c0 - kept.first, c1 - kept.first, start - first.offset, end - last.offset,
      exact.nPairs, exact.act, exact.y, exact.rowWeight,
      fast?.nQuads ?? 0, fast?.act ?? 0, fast?.y ?? 0, fast?.rowWeight ?? 0, fast?.margins ?? 0,
      rows.total, accuracyThreshold, out, rep,
    );
    return new Float64Array(module.memory().buffer, out, n).slice();
  } finally {
    scope.close();
  }
}

/** How many circuits the last {@link evaluateCircuitsWasm} call evaluated again in exact mode. */
export function lastExactRedos(module: WasmModule): number {
  return module.exports.lastExactRedos();
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
    for (const c of combos) layouts.set(c, writeCombination(module, c));
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
