/**
 * A circuit: node and edge masks over a model, and the masked forward pass (docs/semantics.md, N2, N3).
 */
import { leaky, type Model } from '../model.ts';

/** Node masks per layer (inputs and output included) and edge masks per layer (`out x in`), as 0/1. */
export interface Circuit {
  readonly nodeMasks: number[][];
  readonly edgeMasks: number[][][];
}

/**
 * Masked forward pass of one sample, returning every layer's activations.
 * For layer i: the input is multiplied by `nodeMasks[i]`, weights by `edgeMasks[i]`; biases are
 * never masked and the output mask is never applied (N2). As in the reference (N3), the returned
 * activations of masked hidden nodes are 0.
 */
export function circuitActivations(model: Model, circuit: Circuit, input: ArrayLike<number>): Float32Array[] {
  const { layerSizes, weights, biases, negativeSlope } = model;
  const L = weights.length;
  const acts: Float32Array[] = [];
  let x = Float32Array.from(input as ArrayLike<number>);
  for (let l = 0; l < L; l++) {
    const nIn = layerSizes[l]!;
    const nOut = layerSizes[l + 1]!;
    const nodeMask = circuit.nodeMasks[l]!;
    for (let j = 0; j < nIn; j++) x[j] = x[j]! * nodeMask[j]!;
    acts.push(x);
    const w = weights[l]!;
    const edges = circuit.edgeMasks[l]!;
    const y = new Float32Array(nOut);
    for (let r = 0; r < nOut; r++) {
      const row = edges[r]!;
      const base = r * nIn;
      let acc = Math.fround(x[0]! * (row[0] ? w[base]! : 0));
      for (let j = 1; j < nIn; j++) acc = Math.fround(acc + x[j]! * (row[j] ? w[base + j]! : 0));
      y[r] = leaky(Math.fround(acc + biases[l]![r]!), negativeSlope);
    }
    x = y;
  }
  acts.push(x);
  return acts;
}

/** The circuit's output for one sample. */
export function circuitOutput(model: Model, circuit: Circuit, input: ArrayLike<number>): Float32Array {
  const acts = circuitActivations(model, circuit, input);
  return acts[acts.length - 1]!;
}

/** The full circuit (every node and edge kept). */
export function fullCircuit(layerSizes: readonly number[]): Circuit {
  return {
    nodeMasks: layerSizes.map((n) => new Array<number>(n).fill(1)),
    edgeMasks: layerSizes.slice(1).map((out, l) => Array.from({ length: out }, () => new Array<number>(layerSizes[l]!).fill(1))),
  };
}
