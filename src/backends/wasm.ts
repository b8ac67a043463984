/**
 * The Wasm backend: circuit search with the AssemblyScript SIMD kernel (`assembly/forward.ts`).
 * Decisions are bit-identical to the TS reference (same float32 rounding points).
 */
import { MAX_PACKED_EDGES, type CircuitSpace } from '../circuits/space.ts';
import type { Model } from '../model.ts';
import { evaluateCircuitsTs } from './ts.ts';
import type { Backend, CircuitEvaluationRequest } from './types.ts';
import { loadKernels, type Kernels } from './wasm-kernels.ts';
import { writeActivations, writeCombination, writeF64, writeModel } from './wasm-layout.ts';

/** Creates the Wasm backend (instantiates the kernels once, shared by every backend object). */
export async function createWasmBackend(): Promise<Backend> {
  const kernels = await loadKernels();
  return {
    name: 'wasm',
    async evaluateCircuits(request) {
      return evaluateCircuitsWasm(kernels, request);
    },
    dispose() {},
  };
}

/** Whether a model's layers fit the kernels' limits (16 layers, 32 edges per layer). */
export function wasmSupportsModel(model: Model): boolean {
  const { layerSizes } = model;
  return layerSizes.length - 1 <= 16 && layerSizes.slice(1).every((out, l) => out * layerSizes[l]! <= MAX_PACKED_EDGES);
}

/** Evaluates a circuit range with the Wasm kernel: one call for every node combination it spans. */
export function evaluateCircuitsWasm(kernels: Kernels, request: CircuitEvaluationRequest): Uint32Array {
  const { model, space, start, end, rows, accuracyThreshold } = request;
  if (!wasmSupportsModel(model)) return evaluateCircuitsTs(request);
  if (end <= start) return new Uint32Array(0);
  const table = spaceTable(kernels, space); // permanent: allocated before the scope below
  const scope = kernels.scope();
  try {
    const m = writeModel(kernels, model);
    const nRows = rows.weight.length;
    const { act, nPairs } = writeActivations(kernels, model, rows.x, nRows);
    const padded = nPairs * 2;
    const labels = new Float64Array(rows.nOutputs * padded);
    for (let s = 0; s < nRows; s++) for (let o = 0; o < rows.nOutputs; o++) labels[o * padded + s] = rows.y[s * rows.nOutputs + o]!;
    const y = writeF64(kernels, labels);
    const rowWeight = writeF64(kernels, Float64Array.from({ length: padded }, (_, s) => rows.weight[s] ?? 0));
    const c0 = space.combinationIndex(start);
    const c1 = space.combinationIndex(end - 1) + 1;
    const first = space.combinations[c0]!;
    const last = space.combinations[c1 - 1]!;
    const out = kernels.alloc((end - start) * 8);
    const n = kernels.exports.evaluateCombinations(
      m.L, m.sizes, m.weights, m.biases, m.slope, table, c0, c1, start - first.offset, end - last.offset,
      nPairs, act, y, rowWeight, rows.total, accuracyThreshold, out,
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
