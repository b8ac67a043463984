/**
 * The Wasm backend: circuit search with the AssemblyScript SIMD kernel (`assembly/forward.ts`).
 * Decisions are bit-identical to the TS reference (same float32 rounding points).
 */
import { MAX_PACKED_EDGES } from '../circuits/space.ts';
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

/** Evaluates a circuit range with the Wasm kernel, one node combination at a time. */
export function evaluateCircuitsWasm(kernels: Kernels, request: CircuitEvaluationRequest): Uint32Array {
  const { model, space, start, end, rows, accuracyThreshold } = request;
  if (!wasmSupportsModel(model)) return evaluateCircuitsTs(request);
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
    const found: number[] = [];
    for (const combo of space.combinations) {
      if (combo.offset + combo.count <= start) continue;
      if (combo.offset >= end) break;
      const from = Math.max(start, combo.offset) - combo.offset;
      const to = Math.min(end, combo.offset + combo.count) - combo.offset;
      const mark = kernels.mark();
      const c = writeCombination(kernels, combo);
      const out = kernels.alloc((to - from) * 4);
      const n = kernels.exports.evaluateCircuitRange(
        m.L, m.sizes, m.weights, m.biases, m.slope, c.nodeMasks, c.counts, c.choices,
        nPairs, act, y, rowWeight, from, to, rows.total, accuracyThreshold, out,
      );
      for (const local of new Uint32Array(kernels.memory().buffer, out, n)) found.push(combo.offset + local);
      kernels.release(mark);
    }
    return Uint32Array.from(found);
  } finally {
    scope.close();
  }
}
