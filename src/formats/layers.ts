/**
 * A state_dict (parameter name -> tensor) becomes a {@link Model}: the layers and their order
 * come from the parameter names (docs/semantics.md, N9), the shapes are checked to chain, and the
 * hyper-parameters a file carries (activation, layer sizes) are checked against the tensors.
 * Browser-safe.
 */
import { ModelFormatError } from '../errors.ts';
import type { Model } from '../model.ts';
import { shownName, shownNames, shownSizes, shownValue } from './names.ts';
import { float32Values, type Tensor } from './tensors.ts';

/** Hyper-parameters a file states, each with where it says so (for messages). */
export interface HyperParameters {
  /** `activation` of the authors' checkpoint dict or of safetensors metadata. */
  activation?: { value: unknown; from: string };
  /** LeakyReLU slope, where a file states it. */
  negativeSlope?: { value: unknown; from: string };
  /** Layer sizes as stated (e.g. `input_size`, `hidden_sizes`, `output_size`). */
  layerSizes?: { value: number[]; from: string };
}

/** The parameter names of one layer. */
export interface LayerKeys {
  /** The layer's name: the key without `.weight` / `.bias` (empty for a bare `weight`). */
  name: string;
  weight: string;
  /** null: the layer has no bias (`nn.Linear(bias=False)`), read as zeros. */
  bias: string | null;
}

/** The default slope: the authors' `nn.LeakyReLU()`, torch's default. */
export const DEFAULT_NEGATIVE_SLOPE = 0.01;

/** Shows at most 12 keys. */
const keyList = (keys: readonly string[]) => shownNames(keys, 12);
/** Names in quotes, at most 6. */
const quotedNames = (names: readonly string[]) =>
  names.slice(0, 6).map((n) => `"${shownName(n)}"`).join(', ') + (names.length > 6 ? `, ... (${names.length} in all)` : '');

/** A layer name cut into words and numbers: `layers.2.0` -> pattern `layers.#.#`, numbers [2, 0]. */
function nameParts(name: string): { pattern: string; numbers: number[] } {
  const numbers: number[] = [];
  const pattern = name
    .split('.')
    .map((segment) => {
      const m = /^(.*?)(\d+)$/.exec(segment);
      if (!m) return segment;
      numbers.push(Number(m[2]));
      return `${m[1]}#`;
    })
    .join('.');
  return { pattern, numbers };
}

/**
 * The layers of a state_dict in forward order (N9): every key is `NAME.weight` or `NAME.bias`;
 * all layer names follow one pattern of words and numbers and are ordered by their numbers.
 */
export function orderLayers(keys: readonly string[], where: string): LayerKeys[] {
  const fail = (what: string): never => {
    throw new ModelFormatError(`${where}: ${what}`);
  };
  if (keys.length === 0) fail('holds no tensors: an empty state_dict');
  const layers = new Map<string, { weight?: string; bias?: string }>();
  const other: string[] = [];
  for (const key of keys) {
    const m = /^(?:(.*)\.)?(weight|bias)$/.exec(key);
    if (!m) {
      other.push(key);
      continue;
    }
    const name = m[1] ?? '';
    const layer = layers.get(name) ?? {};
    layer[m[2] as 'weight' | 'bias'] = key;
    layers.set(name, layer);
  }
  if (other.length) {
    fail(`${quotedNames(other)} ${other.length > 1 ? 'are' : 'is'} not the weight or bias of a layer: mi-ident reads MLPs of nn.Linear layers only ` +
      `(keys NAME.weight and NAME.bias; docs/semantics.md N9). Keys: ${keyList(keys)}`);
  }
  for (const [name, l] of layers) if (!l.weight) fail(`"${shownName(l.bias!)}" has no weight beside it ("${shownName(name ? `${name}.` : '')}weight" is missing). Keys: ${keyList(keys)}`);
  const named = [...layers].map(([name, l]) => ({ name, weight: l.weight!, bias: l.bias ?? null, ...nameParts(name) }));
  if (named.length > 1) {
    const patterns = [...new Set(named.map((l) => l.pattern))];
    const noNumbers = named[0]!.numbers.length === 0;
    if (patterns.length > 1 || noNumbers) {
      fail(`cannot tell the order of the layers ${quotedNames(named.map((l) => l.name))} from their names: ` +
        `${noNumbers && patterns.length === 1 ? 'they have no numbers' : 'they do not follow one pattern of words and numbers'} ` +
        `(names like layers.0, layers.1 or fc1, fc2 are ordered by their numbers; docs/semantics.md N9). ` +
        `Rename the keys, e.g. to layers.0.weight, layers.0.bias, layers.1.weight, ... in forward order. Keys: ${keyList(keys)}`);
    }
    named.sort((a, b) => {
      for (let i = 0; i < a.numbers.length; i++) if (a.numbers[i] !== b.numbers[i]) return a.numbers[i]! - b.numbers[i]!;
      return 0;
    });
    for (let i = 1; i < named.length; i++) {
      if (named[i]!.numbers.every((n, k) => n === named[i - 1]!.numbers[k])) {
        fail(`cannot tell the order of the layers "${shownName(named[i - 1]!.name)}" and "${shownName(named[i]!.name)}": their numbers are equal (docs/semantics.md N9). Keys: ${keyList(keys)}`);
      }
    }
  }
  return named.map(({ name, weight, bias }) => ({ name, weight, bias }));
}

/** What {@link modelFromStateDict} read. */
export interface ReadModel {
  model: Model;
  layers: LayerKeys[];
  /** The slope as the file states it, or the default, before rounding to float32. */
  negativeSlope: number;
}

/**
 * The model of a state_dict: layers ordered by {@link orderLayers}, shapes checked (weight
 * `out x in`, bias `out`, each layer's inputs the previous layer's outputs), hyper-parameters
 * checked against the tensors. LeakyReLU after every layer (N1), with the stated or default slope.
 */
export function modelFromStateDict(tensors: ReadonlyMap<string, Tensor>, hp: HyperParameters, where: string): ReadModel {
  const fail = (what: string): never => {
    throw new ModelFormatError(`${where}: ${what}`);
  };
  if (hp.activation !== undefined && hp.activation.value !== 'leaky_relu') {
    fail(`${hp.activation.from} says activation ${shownValue(hp.activation.value)}; mi-ident analyses LeakyReLU networks only (activation 'leaky_relu'), as the paper's MLPs are`);
  }
  let slope = DEFAULT_NEGATIVE_SLOPE;
  if (hp.negativeSlope !== undefined) {
    const v = hp.negativeSlope.value;
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${hp.negativeSlope.from} gives the negative slope ${shownValue(v)}, not a finite number`);
    slope = v as number;
  }
  const layers = orderLayers([...tensors.keys()], where);
  const sizes: number[] = [];
  const weights: Float32Array[] = [];
  const biases: Float32Array[] = [];
  const shapeText = (t: Tensor) => shownSizes(t.shape);
  layers.forEach((l, i) => {
    const w = tensors.get(l.weight)!;
    if (w.shape.length !== 2) fail(`${shownName(l.weight)} has shape ${shapeText(w)}; a Linear layer's weight is 2-D (out, in)`);
    const [out, inp] = w.shape as [number, number];
    if (out < 1 || inp < 1) fail(`${shownName(l.weight)} has shape ${shapeText(w)}: a layer needs at least one input and one output`);
    if (i === 0) sizes.push(inp);
    else if (inp !== sizes[i]) {
      fail(`${shownName(l.weight)} has shape ${shapeText(w)}: it takes ${inp} inputs, but the layer before it in name order (${shownName(layers[i - 1]!.name) || 'weight'}) has ${sizes[i]} outputs (docs/semantics.md N9)`);
    }
    sizes.push(out);
    weights.push(float32Values(w, l.weight, where));
    if (l.bias === null) {
      biases.push(new Float32Array(out)); // nn.Linear(bias=False) adds nothing: a zero bias is exact
    } else {
      const b = tensors.get(l.bias)!;
      if (b.shape.length !== 1 || b.shape[0] !== out) fail(`${shownName(l.bias)} has shape ${shapeText(b)}; the layer has ${out} outputs, so its bias is (${out})`);
      biases.push(float32Values(b, l.bias, where));
    }
  });
  if (hp.layerSizes && hp.layerSizes.value.join('-') !== sizes.join('-')) {
    fail(`${hp.layerSizes.from} gives layer sizes ${shownName(hp.layerSizes.value.join('-'))}, but its tensors give ${sizes.join('-')}`);
  }
  return { model: { layerSizes: sizes, weights, biases, negativeSlope: Math.fround(slope) }, layers, negativeSlope: slope };
}
