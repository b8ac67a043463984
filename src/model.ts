/**
 * The MLP: JSON format, validation, and the float32 reference forward pass.
 *
 * Semantics follow the reference code (docs/semantics.md, N1–N4): LeakyReLU after every
 * layer including the output, weights row-major `out x in` (`y = W x + b`), and the
 * summation order of torch's CPU `Linear` (first product, then fused multiply-adds, bias last).
 */
import { ModelFormatError } from './errors.ts';
import { parseJsonText, preview, type JsonProblemKind } from './json-text.ts';

/** The JSON shape of a model file (docs/semantics.md, N7). */
export interface ModelJson {
  layerSizes: number[];
  weights: number[][][];
  biases: number[][];
  activation?: string;
  negativeSlope?: number;
  [extra: string]: unknown;
}

/** A validated model with float32 parameters. */
export interface Model {
  /** Neurons per layer, inputs first, outputs last. */
  readonly layerSizes: readonly number[];
  /** `weights[l]` is row-major `layerSizes[l+1] x layerSizes[l]`. */
  readonly weights: readonly Float32Array[];
  readonly biases: readonly Float32Array[];
  /** LeakyReLU slope, already rounded to float32. */
  readonly negativeSlope: number;
}

const SUPPORTED_ACTIVATIONS = ['leaky_relu'];

/**
 * Parses and validates a model from a JSON string or an already parsed object.
 * Every problem is reported as a {@link ModelFormatError} naming the field,
 * e.g. `weights[1] has 3 rows, layerSizes says 4`.
 */
export function parseModel(input: string | unknown): Model {
  let json: unknown = input;
  if (typeof input === 'string') {
    const parsed = parseJsonText(input);
    if (!parsed.ok) throw new ModelFormatError(`model ${parsed.problem}${MODEL_TEXT_ADVICE[parsed.kind]}`);
    json = parsed.value;
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new ModelFormatError('model must be a JSON object with layerSizes, weights and biases');
  }
  const obj = json as Record<string, unknown>;
  checkFieldNames(obj);
  const sizes = obj.layerSizes;
  if (!Array.isArray(sizes) || sizes.length < 2) {
    throw new ModelFormatError('layerSizes must be an array of at least 2 layer sizes (inputs ... outputs)');
  }
  sizes.forEach((s, i) => {
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 1) {
      throw new ModelFormatError(`layerSizes[${i}] must be a positive integer, got ${preview(s)}`);
    }
  });
  const activation = obj.activation ?? 'leaky_relu';
  if (typeof activation !== 'string' || !SUPPORTED_ACTIVATIONS.includes(activation)) {
    throw new ModelFormatError(
      `activation ${preview(activation)} is not supported (supported: ${SUPPORTED_ACTIVATIONS.join(', ')})`,
    );
  }
  const slope = checkFloat32(obj.negativeSlope ?? 0.01, 'negativeSlope');
  const nLayers = sizes.length - 1;
  const weights = checkArray(obj.weights, 'weights', nLayers, 'weight matrices');
  const biases = checkArray(obj.biases, 'biases', nLayers, 'bias vectors');
  const w: Float32Array[] = [];
  const b: Float32Array[] = [];
  for (let l = 0; l < nLayers; l++) {
    const out = sizes[l + 1] as number;
    const inp = sizes[l] as number;
    const rows = checkArray(weights[l], `weights[${l}]`, out, 'rows');
    // Every row's length first: the matrix is allocated for what the file holds, not what layerSizes claims.
    const cols = rows.map((row, r) => checkArray(row, `weights[${l}][${r}]`, inp, 'columns'));
    const flat = new Float32Array(out * inp);
    cols.forEach((row, r) => row.forEach((v, c) => (flat[r * inp + c] = checkFloat32(v, `weights[${l}][${r}][${c}]`))));
    w.push(flat);
    const bias = checkArray(biases[l], `biases[${l}]`, out, 'entries');
    b.push(Float32Array.from(bias, (v, i) => checkFloat32(v, `biases[${l}][${i}]`)));
  }
  return { layerSizes: [...(sizes as number[])], weights: w, biases: b, negativeSlope: Math.fround(slope) };
}

/** A finite number that stays finite as a float32 (the model's parameters are float32, N8). */
function checkFloat32(v: unknown, field: string): number {
  const n = checkNumber(v, field);
  if (!Number.isFinite(Math.fround(n))) {
    throw new ModelFormatError(`${field} is ${n}, beyond the float32 range (at most ${FLOAT32_MAX} in size): it would be read as ${Math.fround(n)}`);
  }
  return n;
}

/** The largest float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** What to do about model text that is not JSON, by {@link JsonProblemKind}. */
export const MODEL_TEXT_ADVICE: Record<JsonProblemKind, string> = {
  empty: ': choose a model file (JSON, torch.save or safetensors; formats in the README)',
  binary: ': read a torch.save or safetensors file from its bytes, with loadModelFile (README: PyTorch and safetensors files)',
  'non-finite': '; every weight and bias must be a finite number (the model diverged, or its export wrote NaN)',
  syntax: '',
};

const MODEL_FIELDS = ['layerSizes', 'weights', 'biases', 'activation', 'negativeSlope'];

/**
 * Missing required fields, and unknown fields that look like a known one misspelt
 * (`negative_slope`, `weight`): those would otherwise be ignored and their defaults used
 * silently. Other extra fields (e.g. `training`, written by `mi-ident train`) are metadata.
 */
function checkFieldNames(obj: Record<string, unknown>): void {
  const squash = (k: string) => k.toLowerCase().replace(/[^a-z]/g, '');
  const plural = (a: string, b: string) => a === b || a + 's' === b || a + 'es' === b;
  const alike = (a: string, b: string) => plural(squash(a), squash(b)) || plural(squash(b), squash(a));
  const lookalike = (field: string) => Object.keys(obj).find((k) => !MODEL_FIELDS.includes(k) && alike(k, field));
  const has = (field: string) => obj[field] !== undefined; // JSON has no undefined; an object may
  for (const field of MODEL_FIELDS) {
    const near = has(field) ? undefined : lookalike(field);
    if (near !== undefined) {
      throw new ModelFormatError(`model field ${preview(near)} is not recognised: did you mean "${field}"? (field names are camelCase, as in the README)`);
    }
  }
  for (const field of MODEL_FIELDS.slice(0, 3)) {
    if (has(field)) continue;
    // A file of another kind mi-ident writes, picked by mistake.
    const other = 'outputs' in obj && 'schemaVersion' in obj
      ? ': this is an analysis result (mi-ident analyze --json), not a model'
      : 'model' in obj
        ? ': the model seems to be inside the field "model"; save that object as the model file'
        : '';
    throw new ModelFormatError(`model is missing the field "${field}"${other}`);
  }
}

function checkArray(v: unknown, field: string, expected: number, what: string): unknown[] {
  if (!Array.isArray(v)) throw new ModelFormatError(`${field} must be an array, got ${v === null ? 'null' : typeof v}`);
  if (v.length !== expected) {
    throw new ModelFormatError(`${field} has ${v.length} ${what}, layerSizes says ${expected}`);
  }
  return v;
}

function checkNumber(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new ModelFormatError(`${field} must be a finite number, got ${preview(v)}`);
  }
  return v;
}

/** Serialises a model back to the JSON format (float32 values as shortest round-trip doubles). */
export function modelToJson(model: Model): ModelJson {
  const { layerSizes } = model;
  return {
    layerSizes: [...layerSizes],
    activation: 'leaky_relu',
    negativeSlope: model.negativeSlope,
    weights: model.weights.map((w, l) => {
      const inp = layerSizes[l] as number;
      return Array.from({ length: layerSizes[l + 1] as number }, (_, r) => Array.from(w.subarray(r * inp, (r + 1) * inp)));
    }),
    biases: model.biases.map((b) => Array.from(b)),
  };
}

/** LeakyReLU in float32 (torch computes `x * slope` in float32 for negative x). */
export function leaky(v: number, slope: number): number {
  return v >= 0 ? v : Math.fround(v * slope);
}

/**
 * One layer's pre-activation sum in torch's order: the first product rounded to float32,
 * each further product added as a fused multiply-add, the bias added last. A float32 x float32
 * product is exact in a double, so `fround(acc + x*w)` is the fused step.
 */
export function preActivation(w: Float32Array, bias: number, x: ArrayLike<number>, row: number, nIn: number): number {
  const base = row * nIn;
  let acc = Math.fround(x[0]! * w[base]!);
  for (let j = 1; j < nIn; j++) acc = Math.fround(acc + x[j]! * w[base + j]!);
  return Math.fround(acc + bias);
}

/**
 * Forward pass of one sample, returning every layer's activations (`[0]` = the float32 input).
 * `interventions.get(l)` (l >= 1) overwrites neurons of layer l after its activation, as the
 * reference does with post-activation values (N4).
 */
export function forwardActivations(
  model: Model,
  input: ArrayLike<number>,
  interventions?: ReadonlyMap<number, ReadonlyMap<number, number>>,
): Float32Array[] {
  const { layerSizes, weights, biases, negativeSlope } = model;
  let x = Float32Array.from(input as ArrayLike<number>);
  const acts = [x];
  for (let l = 0; l < weights.length; l++) {
    const nIn = layerSizes[l]!;
    const nOut = layerSizes[l + 1]!;
    const y = new Float32Array(nOut);
    for (let r = 0; r < nOut; r++) y[r] = leaky(preActivation(weights[l]!, biases[l]![r]!, x, r, nIn), negativeSlope);
    const iv = interventions?.get(l + 1);
    if (iv) for (const [n, v] of iv) y[n] = v;
    acts.push(y);
    x = y;
  }
  return acts;
}

/** Model output for one sample. */
export function forward(model: Model, input: ArrayLike<number>): Float32Array {
  const acts = forwardActivations(model, input);
  return acts[acts.length - 1]!;
}

/**
 * The single-output model for output `index`: same hidden layers, last layer reduced to row
 * `index` (the reference's `separate_into_k_mlps`, P6). The final LeakyReLU stays.
 */
export function subModel(model: Model, index: number): Model {
  const L = model.weights.length;
  const nOut = model.layerSizes[L]!;
  if (!Number.isInteger(index) || index < 0 || index >= nOut) {
    throw new ModelFormatError(`output ${index} does not exist: the model has ${nOut} output(s)`);
  }
  const nIn = model.layerSizes[L - 1]!;
  return {
    layerSizes: [...model.layerSizes.slice(0, L), 1],
    weights: [...model.weights.slice(0, L - 1), model.weights[L - 1]!.slice(index * nIn, (index + 1) * nIn)],
    biases: [...model.biases.slice(0, L - 1), model.biases[L - 1]!.slice(index, index + 1)],
    negativeSlope: model.negativeSlope,
  };
}
