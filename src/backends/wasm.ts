/**
 * The Wasm backend: circuit search with the AssemblyScript SIMD kernel (`assembly/forward.ts`).
 * Decisions are bit-identical to the TS reference (same float32 rounding points).
 */
import { MAX_PACKED_EDGES, type CircuitSpace } from '../circuits/space.ts';
import type { Model } from '../model.ts';
import { evaluateCircuitsTs } from './ts.ts';
import type { Backend, CircuitEvaluationRequest } from './types.ts';
import { loadKernels, type Kernels } from './wasm-kernels.ts';
import { fastDecisionMargins } from './wasm-fast-bound.ts';
import { writeCombination, writeExactRows, writeFastRows, writeModel } from './wasm-layout.ts';

/** Options of {@link createWasmBackend}. */
export interface WasmBackendOptions {
  /**
   * Evaluate circuits in fast mode (float32x4, four rows per vector) and redo only the circuits
   * it cannot decide exactly; `false` runs exact mode throughout. Results are identical either
   * way (default true).
   */
  readonly fastMode?: boolean;
}

/** Creates the Wasm backend (instantiates the kernels once, shared by every backend object). */
export async function createWasmBackend(options: WasmBackendOptions = {}): Promise<Backend> {
  const kernels = await loadKernels();
  const fastMode = options.fastMode ?? true;
  return {
    name: 'wasm',
    async evaluateCircuits(request) {
      return evaluateCircuitsWasm(kernels, request, fastMode);
    },
    dispose() {},
  };
}

/** Whether a model's layers fit the kernels' limits (16 layers, 32 edges per layer). */
export function wasmSupportsModel(model: Model): boolean {
  const { layerSizes } = model;
  return layerSizes.length - 1 <= 16 && layerSizes.slice(1).every((out, l) => out * layerSizes[l]! <= MAX_PACKED_EDGES);
}

/**
 * Evaluates a circuit range with the Wasm kernel: one call for every node combination it spans,
 * in fast mode where the model's static error bound allows it (src/backends/wasm-fast-bound.ts).
 */
export function evaluateCircuitsWasm(kernels: Kernels, request: CircuitEvaluationRequest, fastMode = true): Uint32Array {
  const { model, space, start, end, rows, accuracyThreshold } = request;
  if (!wasmSupportsModel(model)) return evaluateCircuitsTs(request);
  if (end <= start) return new Uint32Array(0);
  const table = spaceTable(kernels, space); // permanent: allocated before the scope below
  const scope = kernels.scope();
  try {
    const m = writeModel(kernels, model);
    const exact = writeExactRows(kernels, model, rows);
    // Fast mode sums row weights in i32 lanes.
    const margins = fastMode && rows.total < 2 ** 31 ? fastDecisionMargins(model, rows) : null;
    const fast = margins ? writeFastRows(kernels, model, rows, margins) : null;
    const c0 = space.combinationIndex(start);
    const c1 = space.combinationIndex(end - 1) + 1;
    const first = space.combinations[c0]!;
    const last = space.combinations[c1 - 1]!;
    const out = kernels.alloc((end - start) * 8);
    const n = kernels.exports.evaluateCombinations(
      m.L, m.sizes, m.weights, m.biases, m.slope, table, c0, c1, start - first.offset, end - last.offset,
      exact.nPairs, exact.act, exact.y, exact.rowWeight,
      fast?.nQuads ?? 0, fast?.act ?? 0, fast?.y ?? 0, fast?.rowWeight ?? 0, fast?.margins ?? 0,
      rows.total, accuracyThreshold, out,
    );
    return Uint32Array.from(new Float64Array(kernels.memory().buffer, out, n));
  } finally {
    scope.close();
  }
}

const spaceTables = new WeakMap<Kernels, WeakMap<CircuitSpace, number>>();

/**
 * The space's combination table in the kernels' memory (assembly/forward.ts, COMBO_BYTES per
 * combination), written once per kernel instance and space and kept: repeated searches over the
 * same layer sizes (experiment grids, benchmarks) skip it.
 */
function spaceTable(kernels: Kernels, space: CircuitSpace): number {
  let bySpace = spaceTables.get(kernels);
  if (!bySpace) spaceTables.set(kernels, (bySpace = new WeakMap()));
  let table = bySpace.get(space);
  if (table !== undefined) return table;
  const entries = space.combinations.map((combo) => ({ combo, layout: writeCombination(kernels, combo) }));
  table = kernels.alloc(entries.length * COMBO_BYTES);
  const view = new DataView(kernels.memory().buffer);
  entries.forEach(({ combo, layout }, i) => {
    const at = table! + i * COMBO_BYTES;
    view.setInt32(at, layout.nodeMasks, true);
    view.setInt32(at + 4, layout.counts, true);
    view.setInt32(at + 8, layout.choices, true);
    view.setInt32(at + 12, combo.count, true);
    view.setFloat64(at + 16, combo.offset, true);
  });
  bySpace.set(space, table);
  return table;
}

/** Bytes per combination-table entry (COMBO_BYTES in assembly/forward.ts). */
const COMBO_BYTES = 32;
