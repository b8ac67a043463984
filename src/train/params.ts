/**
 * The flat parameter vector the trainers work on, and PyTorch's default initialisation.
 * Layout: per layer, the weights (row-major `out x in`, as `nn.Linear.weight`) then the biases;
 * the total is padded with zeros to a multiple of 4 (one SIMD vector).
 */
import { InputError } from '../errors.ts';
import type { Model } from '../model.ts';
import { linearInitBounds, type TorchGenerator } from './reference-rng/torch-random.ts';
import { uniform, type Rng } from './rng.ts';

/** LeakyReLU slope of the paper's MLPs (nn.LeakyReLU's default), as float32. */
export const DEFAULT_SLOPE = Math.fround(0.01);

/** Number of parameters (weights and biases) of an MLP with these layer sizes. */
export function parameterCount(layerSizes: readonly number[]): number {
  let n = 0;
  for (let l = 0; l + 1 < layerSizes.length; l++) n += layerSizes[l + 1]! * (layerSizes[l]! + 1);
  return n;
}

/** {@link parameterCount} rounded up to a multiple of 4. */
export function paddedParameterCount(layerSizes: readonly number[]): number {
  return (parameterCount(layerSizes) + 3) & ~3;
}

/** Checks layer sizes: at least an input and an output layer, positive integers. */
export function checkLayerSizes(layerSizes: readonly number[]): void {
  if (layerSizes.length < 2 || layerSizes.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new InputError(`layer sizes must be at least two positive integers (inputs ... outputs), got [${layerSizes.join(', ')}]`);
  }
}

/** Packs a model's parameters into the flat, padded layout. */
export function packParameters(model: Model): Float32Array {
  const flat = new Float32Array(paddedParameterCount(model.layerSizes));
  let at = 0;
  model.weights.forEach((w, l) => {
    flat.set(w, at);
    at += w.length;
    flat.set(model.biases[l]!, at);
    at += model.biases[l]!.length;
  });
  return flat;
}

/** Unpacks the flat layout into a model (copies). */
export function unpackParameters(layerSizes: readonly number[], flat: Float32Array, negativeSlope = DEFAULT_SLOPE): Model {
  const weights: Float32Array[] = [];
  const biases: Float32Array[] = [];
  let at = 0;
  for (let l = 0; l + 1 < layerSizes.length; l++) {
    const nIn = layerSizes[l]!;
    const nOut = layerSizes[l + 1]!;
    weights.push(flat.slice(at, at + nOut * nIn));
    at += nOut * nIn;
    biases.push(flat.slice(at, at + nOut));
    at += nOut;
  }
  return { layerSizes: [...layerSizes], weights, biases, negativeSlope: Math.fround(negativeSlope) };
}

/**
 * A freshly initialised MLP, as PyTorch's `nn.Linear` default: per layer, first every weight
 * then every bias, uniform in `±1/sqrt(fan_in)` (kaiming_uniform with a = sqrt(5) gives exactly
 * that bound), rounded to float32.
 */
export function initModel(rng: Rng, layerSizes: readonly number[], negativeSlope = DEFAULT_SLOPE): Model {
  checkLayerSizes(layerSizes);
  const draw = (n: number, bound: number) => Float32Array.from({ length: n }, () => Math.fround((2 * uniform(rng) - 1) * bound));
  const weights: Float32Array[] = [];
  const biases: Float32Array[] = [];
  for (let l = 0; l + 1 < layerSizes.length; l++) {
    const bound = 1 / Math.sqrt(layerSizes[l]!); // sqrt is correctly rounded: portable
    weights.push(draw(layerSizes[l + 1]! * layerSizes[l]!, bound));
    biases.push(draw(layerSizes[l + 1]!, bound));
  }
  return { layerSizes: [...layerSizes], weights, biases, negativeSlope: Math.fround(negativeSlope) };
}

/**
 * A freshly initialised MLP as torch 1.13 builds it from its global generator `gen`
 * (docs/semantics.md, R6): layer by layer, `kaiming_uniform_(a=sqrt(5))` for the weight (row-major),
 * then `uniform_(±1/sqrt(fan_in))` for the bias, one 32-bit output per element.
 */
export function initModelTorch(gen: TorchGenerator, layerSizes: readonly number[], negativeSlope = DEFAULT_SLOPE): Model {
  checkLayerSizes(layerSizes);
  const weights: Float32Array[] = [];
  const biases: Float32Array[] = [];
  for (let l = 0; l + 1 < layerSizes.length; l++) {
    const bounds = linearInitBounds(layerSizes[l]!);
    weights.push(gen.uniform(new Float32Array(layerSizes[l + 1]! * layerSizes[l]!), -bounds.weight, bounds.weight));
    biases.push(gen.uniform(new Float32Array(layerSizes[l + 1]!), -bounds.bias, bounds.bias));
  }
  return { layerSizes: [...layerSizes], weights, biases, negativeSlope: Math.fround(negativeSlope) };
}
