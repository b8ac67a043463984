/**
 * Fuzz cases of model JSON (docs/fuzzing.md): valid models edited as values, as text and as
 * bytes, read by `readModelFile` (the CLI's and the explorer's reader), `parseModel` (the API on
 * text) and the explorer's loader `readPickedModel`. Each ends in a ModelFormatError with a short
 * one-line message, or in a valid model that survives its own JSON round trip.
 */
import fc from 'fast-check';
import { ModelFormatError } from '../../src/errors.ts';
import { readModelFile } from '../../src/model-file.ts';
import { modelToJson, parseModel, type Model } from '../../src/model.ts';
import { PRETRAINED_XOR } from '../../src/pretrained-xor.ts';
import { readPickedModel } from '../../examples/explorer/src/model-file.ts';
import { applyByteEdits, applyTextEdits, applyValueEdits, byteEdit, jsonText, textEdit, valueEdit } from './mutate.ts';
import { RUNS } from './budget.ts';
import { expect, outcome, property, type FuzzProperty } from './property.ts';

/** Valid models to start from: the pretrained XOR, and others of other shapes and fields. */
const BASES: readonly unknown[] = [
  PRETRAINED_XOR,
  { layerSizes: [2, 2, 1], weights: [[[1, -1], [0.5, 2]], [[1, 1]]], biases: [[0, 0.25], [-1]] },
  { layerSizes: [3, 2, 2], activation: 'leaky_relu', negativeSlope: 0.2, weights: [[[1, 0, -1], [0.5, 0.5, 0.5]], [[1, -1], [2, 0]]], biases: [[0, 0], [0, 1]], training: { gates: ['AND', 'OR'], seed: 3 } },
  { layerSizes: [1, 1], weights: [[[1]]], biases: [[0]], description: 'NOT' },
];

/** Names a file may come under: the extension words some refusals, never which reader runs. */
const NAMES = ['model.json', 'model.pt', 'model.safetensors', 'MODEL.PTH', 'weights.bin', 'x', '<img src=x onerror=alert(1)>.json'];

/** Messages must stay short: a refused value is quoted in part, not whole. */
export const MAX_MESSAGE = 1500;

/** Checks a ModelFormatError's message: short, and about something. */
export function checkMessage(e: Error): void {
  expect(e.message.length <= MAX_MESSAGE, `a ${e.message.length}-character message: ${e.message.slice(0, 300)}...`);
  expect(!/\[object Object\]|undefined is not|Cannot read prop/.test(e.message), `a message that leaks internals: ${e.message}`);
}

/** A refusal, its message checked. */
export function refused(e: Error): 'refused' {
  checkMessage(e);
  return 'refused';
}

/** A model is valid: its sizes, its parameters' lengths, finite float32 values; and its JSON reads back the same. */
export function checkModel(m: Model): void {
  expect(m.layerSizes.length >= 2 && m.layerSizes.every((s) => Number.isInteger(s) && s >= 1), `layer sizes ${m.layerSizes}`);
  expect(m.weights.length === m.layerSizes.length - 1 && m.biases.length === m.weights.length, 'one weight matrix and bias per layer');
  m.weights.forEach((w, l) => {
    expect(w.length === m.layerSizes[l]! * m.layerSizes[l + 1]!, `weights[${l}] has ${w.length} values`);
    expect(m.biases[l]!.length === m.layerSizes[l + 1]!, `biases[${l}] has ${m.biases[l]!.length} values`);
    expect([...w, ...m.biases[l]!].every(Number.isFinite), `non-finite parameters in layer ${l}`);
  });
  expect(Number.isFinite(m.negativeSlope) && Math.fround(m.negativeSlope) === m.negativeSlope, `slope ${m.negativeSlope}`);
  const again = parseModel(JSON.stringify(modelToJson(m)));
  expect(JSON.stringify(modelToJson(again)) === JSON.stringify(modelToJson(m)), 'the model JSON round trip changes the model');
}

/** A corrupted model file: a base, edited as a value, then as text, then as bytes. */
const corruptedFile = fc.record({
  base: fc.nat({ max: BASES.length - 1 }),
  values: fc.array(valueEdit, { maxLength: 4 }),
  layout: fc.nat({ max: 13 }),
  texts: fc.array(textEdit, { maxLength: 3 }),
  bytes: fc.array(byteEdit, { maxLength: 2 }),
  name: fc.constantFrom(...NAMES),
}).map((c) => {
  const value = applyValueEdits(BASES[c.base], c.values);
  const text = applyTextEdits(jsonText(value, c.layout), c.texts);
  return { name: c.name, bytes: applyByteEdits(new TextEncoder().encode(text), c.bytes) };
});

/** Mostly small edits, so that most cases get past the JSON syntax to the model's checks. */
const valueOnly = fc.record({ base: fc.nat({ max: BASES.length - 1 }), values: fc.array(valueEdit, { minLength: 1, maxLength: 3 }) })
  .map((c) => JSON.stringify(applyValueEdits(BASES[c.base], c.values)) ?? '');

export const PROPERTIES: Record<string, FuzzProperty<any>> = {
  // The CLI (readModelPath) and the explorer read files through readModelFile.
  'read-model-file': property(RUNS['model-json']['read-model-file'], corruptedFile, async ({ bytes, name }) => {
    const r = await outcome(() => readModelFile(bytes, name), [ModelFormatError]);
    if (!r.ok) return refused(r.error);
    checkModel(r.value.model);
    return 'valid';
  }),
  // The API on text: the same verdict as the file reader on the same text.
  'parse-model-text': property(RUNS['model-json']['parse-model-text'], valueOnly, async (text) => {
    const r = await outcome(() => parseModel(text), [ModelFormatError]);
    if (r.ok) checkModel(r.value);
    else checkMessage(r.error);
    const file = await outcome(() => readModelFile(new TextEncoder().encode(text), 'model.json'), [ModelFormatError]);
    expect(file.ok === r.ok, `parseModel ${r.ok ? 'accepts' : 'refuses'} what readModelFile ${file.ok ? 'accepts' : 'refuses'}`);
    return r.ok ? 'valid' : 'refused';
  }),
  // The explorer's loader: a model it accepts runs in the page, from the JSON text it keeps.
  'explorer-loader': property(RUNS['model-json']['explorer-loader'], corruptedFile, async ({ bytes, name }) => {
    const r = await outcome(() => readPickedModel(bytes, name), [ModelFormatError]);
    if (!r.ok) return refused(r.error);
    checkModel(parseModel(r.value.modelJson));
    expect(r.value.gates === null || r.value.gates.every((g) => typeof g === 'string'), 'gates');
    return 'valid';
  }),
};
