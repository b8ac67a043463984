/**
 * The Wasm backend: circuit search with the AssemblyScript SIMD kernel (`assembly/forward.ts`).
 * Decisions are bit-identical to the TS reference (same float32 rounding points).
 */
import type { NodeCombination } from '../circuits/space.ts';
import type { WeightedRows } from '../data.ts';
import type { Model } from '../model.ts';
import { evaluateCircuitsTs } from './ts.ts';
import type { Backend, CircuitEvaluationRequest } from './types.ts';
import { loadKernels, type Kernels } from './wasm-kernels.ts';

/** Edge masks are passed as 32-bit masks: layers with more edges use the TS reference path. */
const MAX_EDGES_PER_LAYER = 32;

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

/** Whether a model's layers fit the kernel's limits. */
export function wasmSupportsModel(model: Model): boolean {
  const { layerSizes } = model;
  return layerSizes.length - 1 <= 16 && layerSizes.slice(1).every((out, l) => out * layerSizes[l]! <= MAX_EDGES_PER_LAYER);
}

/** Evaluates a circuit range with the Wasm kernel, one node combination at a time. */
export function evaluateCircuitsWasm(kernels: Kernels, request: CircuitEvaluationRequest): Uint32Array {
  const { model, space, start, end, rows, accuracyThreshold } = request;
  if (!wasmSupportsModel(model)) return evaluateCircuitsTs(request);
  const scope = kernels.scope();
  try {
    const modelBuffers = writeModel(kernels, model, rows);
    const found: number[] = [];
    for (const combo of space.combinations) {
      if (combo.offset + combo.count <= start) continue;
      if (combo.offset >= end) break;
      const from = Math.max(start, combo.offset) - combo.offset;
      const to = Math.min(end, combo.offset + combo.count) - combo.offset;
      const comboBuffers = writeCombination(kernels, model, combo);
      const outPtr = kernels.alloc((to - from) * 4);
      const n = kernels.exports.evaluateCircuitRange(
        model.weights.length, modelBuffers.sizes, modelBuffers.weights, modelBuffers.biases, model.negativeSlope,
        comboBuffers.nodeMasks, comboBuffers.counts, comboBuffers.choices,
        modelBuffers.nPairs, modelBuffers.act, modelBuffers.y, modelBuffers.rowWeight,
        from, to, rows.total, accuracyThreshold, outPtr,
      );
      const out = new Uint32Array(kernels.memory().buffer, outPtr, n);
      for (const local of out) found.push(combo.offset + local);
      kernels.release(comboBuffers.mark);
    }
    return Uint32Array.from(found);
  } finally {
    scope.close();
  }
}

interface ModelBuffers {
  sizes: number;
  weights: number;
  biases: number;
  act: number;
  y: number;
  rowWeight: number;
  nPairs: number;
}

/** Writes the model and the data rows (two rows per f64x2 vector, sample index fastest). */
function writeModel(kernels: Kernels, model: Model, rows: WeightedRows): ModelBuffers {
  const { layerSizes } = model;
  const nRows = rows.weight.length;
  const nPairs = Math.ceil(nRows / 2);
  const padded = nPairs * 2;
  const sizes = kernels.writeI32(layerSizes);
  const weights = kernels.writeF64(model.weights.flatMap((w) => Array.from(w)));
  const biases = kernels.writeF64(model.biases.flatMap((b) => Array.from(b)));
  const totalNeurons = layerSizes.reduce((a, b) => a + b, 0);
  const act = kernels.alloc(totalNeurons * padded * 8);
  const inputs = new Float64Array(kernels.memory().buffer, act, rows.nInputs * padded);
  for (let s = 0; s < nRows; s++) for (let j = 0; j < rows.nInputs; j++) inputs[j * padded + s] = rows.x[s * rows.nInputs + j]!;
  const labels = new Float64Array(rows.nOutputs * padded);
  for (let s = 0; s < nRows; s++) for (let o = 0; o < rows.nOutputs; o++) labels[o * padded + s] = rows.y[s * rows.nOutputs + o]!;
  const weightsOfRows = new Float64Array(padded);
  weightsOfRows.set(rows.weight);
  return { sizes, weights, biases, act, y: kernels.writeF64(labels), rowWeight: kernels.writeF64(weightsOfRows), nPairs };
}

/** Writes one node combination: node masks, edge-choice counts and 32-bit edge masks. */
function writeCombination(kernels: Kernels, model: Model, combo: NodeCombination) {
  const mark = kernels.mark();
  const nodeMasks = kernels.writeF64(combo.nodeMasks.flat());
  const counts = kernels.writeI32(combo.edgeChoices.map((c) => c.length));
  const bits: number[] = [];
  combo.edgeChoices.forEach((choices, l) => {
    const nIn = model.layerSizes[l]!;
    for (const mask of choices) {
      let m = 0;
      mask.forEach((row, r) => row.forEach((v, j) => (m |= v << (r * nIn + j))));
      bits.push(m >>> 0);
    }
  });
  const choices = kernels.writeU32(bits);
  return { mark, nodeMasks, counts, choices };
}
