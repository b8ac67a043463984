/**
 * The masked forward pass with pruned parts replaced by given values instead of zero (the
 * `mean-ablation` and `resample-ablation` criteria, docs/criteria.md, K2), and with one hidden
 * neuron overwritten (the `grounding-causal` interchange). With no replacement and no
 * intervention it is {@link circuitActivations} bit for bit (N2, N3, N6).
 */
import { leaky, type Model } from '../model.ts';
import type { Circuit } from './circuit.ts';

/**
 * The units a replacement vector covers: every layer but the output (inputs, then the hidden
 * layers), layer-major. `offsets[l]` is layer l's first unit; `count` their number.
 */
export function ablationUnits(layerSizes: readonly number[]): { offsets: number[]; count: number } {
  const offsets: number[] = [];
  let count = 0;
  for (let l = 0; l < layerSizes.length - 1; l++) {
    offsets.push(count);
    count += layerSizes[l]!;
  }
  return { offsets, count };
}

/** A post-activation overwrite of one neuron (N4): layer (>= 1), neuron, value. */
export interface NeuronIntervention {
  readonly layer: number;
  readonly neuron: number;
  readonly value: number;
}

/**
 * Every layer's activations of `circuit` on one input.
 *
 * - `replacement === null`: zero ablation, exactly {@link circuitActivations} (a pruned edge adds
 *   `x * 0`, a masked hidden node reads 0).
 * - otherwise `replacement[offsets[l] + j]` (offsets as `ablationUnits` lays them out) is what unit j of layer l
 *   passes where it is pruned: a pruned edge j -> i adds `w_ij * replacement_j`, a pruned node
 *   reads (and passes downstream) its replacement value. Kept parts compute as usual, in torch's
 *   summation order (N6).
 * - `intervention` overwrites one neuron after its activation, before the next layer reads it.
 */
export function ablatedActivations(
  model: Model,
  circuit: Circuit,
  input: ArrayLike<number>,
  replacement: ArrayLike<number> | null,
  intervention?: NeuronIntervention,
): Float32Array[] {
  const { layerSizes, weights, biases, negativeSlope } = model;
  const L = weights.length;
  const { offsets } = ablationUnits(layerSizes);
  const acts: Float32Array[] = [];
  let x = Float32Array.from(input as ArrayLike<number>);
  for (let l = 0; l < L; l++) {
    const nIn = layerSizes[l]!;
    const nOut = layerSizes[l + 1]!;
    const nodeMask = circuit.nodeMasks[l]!;
    const at = offsets[l]!;
    if (replacement) {
      for (let j = 0; j < nIn; j++) if (!nodeMask[j]) x[j] = replacement[at + j]!;
    } else {
      for (let j = 0; j < nIn; j++) x[j] = x[j]! * nodeMask[j]!;
    }
    acts.push(x);
    const w = weights[l]!;
    const edges = circuit.edgeMasks[l]!;
    const y = new Float32Array(nOut);
    for (let r = 0; r < nOut; r++) {
      const row = edges[r]!;
      const base = r * nIn;
      // A kept edge reads the unit's value; a pruned one its replacement (zero ablation: the value
      // times a zeroed weight, as circuitActivations does, so that even the sign of a zero agrees).
      let acc = 0;
      for (let j = 0; j < nIn; j++) {
        const term = row[j] ? x[j]! * w[base + j]! : replacement ? replacement[at + j]! * w[base + j]! : x[j]! * 0;
        acc = j === 0 ? Math.fround(term) : Math.fround(acc + term);
      }
      y[r] = leaky(Math.fround(acc + biases[l]![r]!), negativeSlope);
    }
    if (intervention && intervention.layer === l + 1) y[intervention.neuron] = intervention.value;
    x = y;
  }
  acts.push(x);
  return acts;
}

/** The output of {@link ablatedActivations}. */
export function ablatedOutput(model: Model, circuit: Circuit, input: ArrayLike<number>, replacement: ArrayLike<number> | null): Float32Array {
  const acts = ablatedActivations(model, circuit, input, replacement);
  return acts[acts.length - 1]!;
}
