/**
 * Fuzz cases of `--data` and `--ground-data` files (docs/fuzzing.md): valid datasets edited as
 * values, as text and as bytes, written to a file and read as the CLI reads them
 * (`readJsonFile`, then `parseDataset`); datasets that pass go on to the circuit search, on the
 * TS reference and on Wasm, which must agree. Each ends in an InputError (LimitError where the
 * analysis refuses) or a valid result, and writes nothing.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { analyzeModel } from '../../src/analyze.ts';
import { createWasmBackend } from '../../src/backends/wasm.ts';
import { parseDataset, weightRows, type Dataset } from '../../src/data.ts';
import { InputError, LimitError } from '../../src/errors.ts';
import { parseModel } from '../../src/model.ts';
import { readJsonFile } from '../../src/node/files.ts';
import { PRETRAINED_XOR } from '../../src/pretrained-xor.ts';
import { sandboxOf } from './harness.ts';
import { checkMessage } from './model-json.cases.ts';
import { applyByteEdits, applyTextEdits, applyValueEdits, byteEdit, jsonText, textEdit, valueEdit } from './mutate.ts';
import { RUNS } from './budget.ts';
import { expect, outcome, property, type FuzzProperty } from './property.ts';

/** The suite's sandbox (FUZZ_SANDBOX, from data-file.test.ts): the data files go here, and nothing else may appear. */
const DIR = sandboxOf('data-file');
const XOR = parseModel(PRETRAINED_XOR);
const wasm = await createWasmBackend();

const rows2 = [[0, 0], [0, 1], [1, 0], [1, 1]];
/** Valid datasets of 2 inputs and 1 label column: the truth table, noisy and repeated rows, one row. */
const BASES: readonly unknown[] = [
  { x: rows2, y: [[0], [1], [1], [0]] },
  { x: [[0.1, -0.05], [0.02, 0.97], [1.1, 0.01], [0.9, 1.2], [0, 0], [0, 0]], y: [[0], [1], [1], [0], [0], [0]] },
  { x: [[1, 0]], y: [[1]] },
  { x: [...rows2, ...rows2, ...rows2], y: [[0], [1], [1], [0], [0], [1], [1], [0], [0], [1], [1], [1]], note: 'a wrong label' },
];

let written = 0;
/** Writes a data file into the sandbox; returns its path. */
function dataFile(bytes: Uint8Array): string {
  const path = join(DIR, `data-${written++ % 4}.json`);
  writeFileSync(path, bytes);
  return path;
}

/** A dataset that passed is valid: widths, finite values that stay finite as float32, and the row weights add up. */
function checkDataset(d: Dataset, nOutputs: number | null): void {
  expect(d.x.length >= 1 && d.x.every((r) => r.length === 2 && r.every((v) => Number.isFinite(v) && Number.isFinite(Math.fround(v)))), `x ${JSON.stringify(d.x).slice(0, 200)}`);
  if (nOutputs === null) return;
  expect(d.y.length === d.x.length && d.y.every((r) => r.length === nOutputs && r.every(Number.isFinite)), 'y');
  const w = weightRows(d);
  expect(w.total === d.x.length && w.weight.reduce((a, b) => a + b, 0) === d.x.length, 'the row weights do not add up to the rows');
}

/** A corrupted data file: a base, edited as a value, then as text, then as bytes. */
const corruptedData = fc.record({
  base: fc.nat({ max: BASES.length - 1 }),
  values: fc.array(valueEdit, { maxLength: 4 }),
  layout: fc.nat({ max: 13 }),
  texts: fc.array(textEdit, { maxLength: 2 }),
  bytes: fc.array(byteEdit, { maxLength: 2 }),
  ground: fc.boolean(),
}).map((c) => {
  const text = applyTextEdits(jsonText(applyValueEdits(BASES[c.base], c.values), c.layout), c.texts);
  return { bytes: applyByteEdits(new TextEncoder().encode(text), c.bytes), ground: c.ground };
});

/** Small value edits only, so that most datasets stay valid and reach the search. */
const nearlyValid = fc.record({ base: fc.nat({ max: BASES.length - 1 }), values: fc.array(valueEdit, { maxLength: 2 }), keep: fc.nat({ max: 2 }) })
  .map((c) => (c.keep === 0 ? applyValueEdits(BASES[c.base], c.values) : BASES[c.base]))
  .chain((v) => fc.constant(v));

const numbers = fc.oneof(fc.constantFrom(0, 1, 0.5, -1, 1e-40, 3.4e38, 1e39, -1e39, 1e308), fc.double({ noNaN: true, noDefaultInfinity: true }));
/** Generated rows of any values (finite): far inputs, float32 overflows, subnormals. */
const generatedData = fc.array(fc.tuple(numbers, numbers, fc.constantFrom(0, 1, 0.5, 2)), { minLength: 1, maxLength: 12 })
  .map((rows) => ({ x: rows.map((r) => [r[0], r[1]]), y: rows.map((r) => [r[2]]) }));

/** Reads a file as `analyze --data` / `--ground-data` does. */
function readData(path: string, ground: boolean) {
  const flag = ground ? '--ground-data' : '--data';
  return parseDataset(readJsonFile(path, flag), 2, ground ? null : 1, flag);
}

/** The circuit search on `data`: the TS reference and Wasm agree, or both refuse alike. */
async function search(data: Dataset) {
  const options = { gates: ['XOR'], data, stages: { circuits: true, groundings: false, mappings: false } };
  const ts = await outcome(() => analyzeModel(XOR, { ...options, backend: 'ts' }), [InputError, LimitError]);
  const fast = await outcome(() => analyzeModel(XOR, { ...options, backend: wasm }), [InputError, LimitError]);
  expect(ts.ok === fast.ok, `the TS reference ${ts.ok ? 'accepts' : 'refuses'} what Wasm ${fast.ok ? 'accepts' : 'refuses'}`);
  if (!ts.ok || !fast.ok) {
    if (!ts.ok) checkMessage(ts.error);
    return 'refused' as const;
  }
  const circuits = (r: typeof ts.value) => JSON.stringify(r.outputs.map((o) => [o.circuitsEnumerated, o.perfectCircuitCount, o.perfectCircuits]));
  expect(circuits(ts.value) === circuits(fast.value), 'the TS reference and Wasm find different circuits');
  return 'valid' as const;
}

const before = () => readdirSync(DIR).filter((f) => !/^data-\d\.json$/.test(f)).sort().join(',');
const SANDBOX = before();

export const PROPERTIES: Record<string, FuzzProperty<any>> = {
  'data-file': property(RUNS['data-file']['data-file'], corruptedData, async ({ bytes, ground }) => {
    const r = await outcome(() => readData(dataFile(bytes), ground), [InputError]);
    expect(before() === SANDBOX, `reading a data file wrote ${before()}`);
    if (!r.ok) {
      checkMessage(r.error);
      return 'refused';
    }
    checkDataset(r.value, ground ? null : 1);
    return 'valid';
  }),
  'data-search': property(RUNS['data-file']['data-search'], fc.oneof(nearlyValid, generatedData), async (value) => {
    const r = await outcome(() => readData(dataFile(new TextEncoder().encode(JSON.stringify(value) ?? '')), false), [InputError]);
    if (!r.ok) {
      checkMessage(r.error);
      return 'refused';
    }
    checkDataset(r.value, 1);
    return search(r.value);
  }),
};
