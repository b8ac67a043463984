/**
 * The tail of a deep MLP as a model of its own: the layers after a given hidden layer, whose
 * inputs are that layer's activations. The paper searches circuits exhaustively in the last
 * layers of its MNIST model (3-3-3-1); the first layers are far too wide for enumeration.
 */
import { InputError } from '../errors.ts';
import { forwardActivations, type Model } from '../model.ts';

/** Layers `start`.. of `model` (start = 3: the inputs are the third hidden layer's activations). */
export function tailModel(model: Model, start: number): Model {
  checkStart(model, start);
  return {
    layerSizes: model.layerSizes.slice(start),
    weights: model.weights.slice(start),
    biases: model.biases.slice(start),
    negativeSlope: model.negativeSlope,
  };
}

/** Layers ..`end` of `model`: its output is layer `end`'s activations. */
export function headModel(model: Model, end: number): Model {
  checkStart(model, end);
  return {
    layerSizes: model.layerSizes.slice(0, end + 1),
    weights: model.weights.slice(0, end),
    biases: model.biases.slice(0, end),
    negativeSlope: model.negativeSlope,
  };
}

function checkStart(model: Model, layer: number): void {
  const L = model.weights.length;
  if (!Number.isInteger(layer) || layer < 1 || layer >= L) {
    throw new InputError(`the tail must start at a hidden layer (1..${L - 1}) of the ${model.layerSizes.join('-')} model, got ${layer}`);
  }
}

/**
 * Activations of layer `layer` for `n` samples (`x`: `n x inputs`, row-major), as float32
 * `n x size`. Uses the project's reference forward pass, so the tail sees exactly the values the
 * analysis of the whole model would.
 */
export function layerActivations(model: Model, x: Float32Array, n: number, layer: number): Float32Array {
  const head = headModel(model, layer);
  const nIn = model.layerSizes[0]!;
  if (x.length !== n * nIn) throw new InputError(`expected ${n} x ${nIn} inputs, got ${x.length} values`);
  const size = model.layerSizes[layer]!;
  const out = new Float32Array(n * size);
  for (let s = 0; s < n; s++) {
    const acts = forwardActivations(head, x.subarray(s * nIn, (s + 1) * nIn));
    out.set(acts[layer]!, s * size);
  }
  return out;
}
