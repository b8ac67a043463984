/**
 * The reference backend: plain TypeScript in float32, always available, the definition the
 * faster backends are checked against. Each kernel is the reference function of its concept
 * module: circuitOutput (src/circuits/circuit.ts), countGroundings (src/grounding.ts),
 * validityTable (src/mappings.ts).
 */
import { ablatedOutput, ablationUnits } from '../circuits/ablation.ts';
import { circuitOutput } from '../circuits/circuit.ts';
import { roundHalfEven } from '../data.ts';
import { validityTable } from '../mappings.ts';
import { countRequest, inChunks } from './requests.ts';
import type { Backend, CircuitRequest } from './types.ts';

/** Creates the TypeScript reference backend. */
export function createTsBackend(): Backend {
  return {
    name: 'ts',
    label: 'ts (reference)',
    kernelExtensions: { ablation: true },
    async evaluateCircuits(request) {
      return { perfect: await inChunks(request, (start, end) => evaluateCircuitsTs({ ...request, start, end })), ranOn: 'ts' };
    },
    async countGroundings(request) {
      return { ...countRequest(null, request), ranOn: 'ts' };
    },
    async validityTables({ model, tables, pairs, candidates }) {
      return { tables: tables.map((t) => validityTable(model, t, pairs, candidates)), ranOn: 'ts' };
    },
    dispose() {},
  };
}

/**
 * The perfect circuits of `[start, end)`, one masked forward pass per circuit and row (C5); with
 * `request.ablation`, pruned parts pass each row's replacement values (docs/criteria.md).
 */
export function evaluateCircuitsTs(request: Omit<CircuitRequest, 'signal' | 'onProgress'>): Float64Array {
  const { model, space, start, end, rows, accuracyThreshold, ablation } = request;
  const inputs = Array.from(rows.weight, (_, s) => rows.x.subarray(s * rows.nInputs, (s + 1) * rows.nInputs));
  const nUnits = ablationUnits(model.layerSizes).count;
  const replacement = (s: number) => ablation!.values.subarray(s * nUnits, (s + 1) * nUnits);
  const found: number[] = [];
  let index = start;
  for (const circuit of space.circuits(start, end)) {
    let correct = 0;
    inputs.forEach((x, s) => {
      const out = ablation ? ablatedOutput(model, circuit, x, replacement(s)) : circuitOutput(model, circuit, x);
      for (let o = 0; o < rows.nOutputs; o++) if (roundHalfEven(out[o]!) !== rows.y[s * rows.nOutputs + o]) return;
      correct += rows.weight[s]!;
    });
    if (correct / rows.total > accuracyThreshold) found.push(index);
    index++;
  }
  return Float64Array.from(found);
}
