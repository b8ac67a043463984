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
  const table = spaceTable(module, space); // long-lived: allocated before the scope below
  const scope = module.scope();
  try {
    const m = writeModel(module, model);
    const exact = writeExactRows(module, model, rows);
    // Ablated requests run in exact mode: the fast mode's error bound assumes zero ablation.
    const rep = ablation ? writeReplacementRows(module, model, rows.weight.length, ablation.values) : 0;
    // Fast mode sums row weights in i32 lanes.
    const margins = fastMode && !ablation && rows.total < 2 ** 31 ? fastDecisionMargins(model, rows) : null;
    const fast = margins ? writeFastRows(module, model, rows, margins) : null;
    const c0 = space.combinationIndex(start);
    const c1 = space.combinationIndex(end - 1) + 1;
    const first = space.combinations[c0]!;
    const last = space.combinations[c1 - 1]!;
    const out = module.alloc((end - start) * 8);
    const n = module.exports.evaluateCombinations(
      m.L, m.sizes, m.weights, m.biases, m.slope, table, c0, c1, start - first.offset, end - last.offset,
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

interface RetainedSpace {
  /** The combination table (layout.combo per combination). */
  table: number;
  /** Where each combination's node masks, counts and edge words are. */
  layouts: Map<NodeCombination, CombinationLayout>;
}

/**
 * The space's combination table in the module's memory (layout.combo per combination), written
 * once per module and space and kept across heap resets ({@link WasmModule.retained}): the calls
 * of one search, the grounding calls between them and repeated searches over the same space skip it.
 */
function spaceTable(module: WasmModule, space: CircuitSpace): number {
  return retainedSpace(module, space).table;
}

const lastRetained = new WeakMap<WasmModule, { space: CircuitSpace; value: RetainedSpace }>();

function retainedSpace(module: WasmModule, space: CircuitSpace): RetainedSpace {
  const value = module.retained(space, () => {
    const { combo } = module.layout;
    const layouts = new Map<NodeCombination, CombinationLayout>();
    for (const c of space.combinations) layouts.set(c, writeCombination(module, c));
    const table = module.alloc(space.combinations.length * combo.bytes);
    const view = new DataView(module.memory().buffer);
    space.combinations.forEach((c, i) => {
      const layout = layouts.get(c)!;
      const at = table + i * combo.bytes;
      view.setInt32(at + combo.nodeMasks, layout.nodeMasks, true);
      view.setInt32(at + combo.counts, layout.counts, true);
      view.setInt32(at + combo.choices, layout.choices, true);
      view.setInt32(at + combo.count, c.count, true);
      view.setFloat64(at + combo.offset, c.offset, true);
    });
    return { table, layouts };
  });
  lastRetained.set(module, { space, value });
  return value;
}

/**
 * Where `combo` is in the module's memory if it belongs to the retained space (a circuit search
 * on this module wrote it), else null: grounding calls then write it themselves.
 */
export function retainedCombination(module: WasmModule, combo: NodeCombination): CombinationLayout | null {
  const kept = lastRetained.get(module);
  return kept && module.retainedKey === kept.space ? (kept.value.layouts.get(combo) ?? null) : null;
}
