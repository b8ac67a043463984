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
  const { layerSizes, weights } = model;
  const L = weights.length;
  const acts: Float32Array[] = [];
  let x = Float32Array.from(input as ArrayLike<number>);
  for (let l = 0; l < L; l++) {
    const nodeMask = circuit.nodeMasks[l]!;
    for (let j = 0; j < layerSizes[l]!; j++) x[j] = x[j]! * nodeMask[j]!;
    acts.push(x);
    const y = new Float32Array(layerSizes[l + 1]!);
    maskedLayer(model, l, circuit.edgeMasks[l]!, x, y);
    x = y;
  }
  acts.push(x);
  return acts;
}

/**
 * Layer l of the masked forward pass: `out` = its activations from `x`, the layer's input with the
 * node mask already applied; weights masked by `edges` (`out x in`), the bias never.
 */
export function maskedLayer(model: Model, l: number, edges: readonly (readonly number[])[], x: Float32Array, out: Float32Array): void {
  const nIn = model.layerSizes[l]!;
  const w = model.weights[l]!;
  const b = model.biases[l]!;
  for (let r = 0; r < out.length; r++) {
    const row = edges[r]!;
    const base = r * nIn;
    let acc = Math.fround(x[0]! * (row[0] ? w[base]! : 0));
    for (let j = 1; j < nIn; j++) acc = Math.fround(acc + x[j]! * (row[j] ? w[base + j]! : 0));
    out[r] = leaky(Math.fround(acc + b[r]!), model.negativeSlope);
  }
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
