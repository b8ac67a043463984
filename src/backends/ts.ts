/**
 * The reference backend: plain TypeScript in float32, always available, the definition the
 * faster backends are checked against.
 */
import { circuitOutput } from '../circuits/circuit.ts';
import { roundHalfEven } from '../data.ts';
import type { Backend, CircuitEvaluationRequest } from './types.ts';

/** Creates the TypeScript reference backend. */
export function createTsBackend(): Backend {
  return {
    name: 'ts',
    async evaluateCircuits(request) {
      return evaluateCircuitsTs(request);
    },
    dispose() {},
  };
}

/** Synchronous core of the TS backend's circuit evaluation. */
export function evaluateCircuitsTs(request: CircuitEvaluationRequest): Uint32Array {
  const { model, space, start, end, rows, accuracyThreshold } = request;
  const inputs = Array.from(rows.weight, (_, s) => rows.x.subarray(s * rows.nInputs, (s + 1) * rows.nInputs));
  const found: number[] = [];
  let index = start;
  for (const circuit of space.circuits(start, end)) {
    let correct = 0;
    inputs.forEach((x, s) => {
      const out = circuitOutput(model, circuit, x);
      for (let o = 0; o < rows.nOutputs; o++) if (roundHalfEven(out[o]!) !== rows.y[s * rows.nOutputs + o]) return;
      correct += rows.weight[s]!;
    });
    if (correct / rows.total > accuracyThreshold) found.push(index);
    index++;
  }
  return Uint32Array.from(found);
}
