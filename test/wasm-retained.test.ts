// The Wasm module's retained block: a circuit space's combination table is written once and kept
// across the heap resets of grounding calls, and searches and counts around them stay exact.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { countRequest } from '../src/backends/requests.ts';
import { createTsBackend } from '../src/backends/ts.ts';
import { createWasmBackend } from '../src/backends/wasm.ts';
import { retainedCombination } from '../src/backends/wasm-circuits.ts';
import { CircuitSpace } from '../src/circuits/space.ts';
import { truthTableDataset, weightRows } from '../src/data.ts';
import { getGate } from '../src/gates.ts';
import { distinctGroundingRows } from '../src/grounding.ts';
import { parseModel } from '../src/model.ts';
import { fixture } from './helpers.ts';

/** The space whose combination table the backend's module keeps. */
const retainedSpaceOf = (wasm: { module: { retainedKey: object | null } }) => (wasm.module.retainedKey as { space?: CircuitSpace } | null)?.space;

test('a space stays retained through grounding calls; a new space replaces it; results equal the TS reference', async () => {
  const model = parseModel(fixture('XOR_w5_trained.json'));
  const xor = truthTableDataset(getGate('XOR'));
  const rows = weightRows(xor);
  const inputs = distinctGroundingRows(xor.x, 2);
  const wasm = await createWasmBackend();
  const ts = createTsBackend();
  const space = new CircuitSpace(model.layerSizes, { minSparsity: 0.3 });
  const request = { model, space, start: 0, end: 300_000, rows, accuracyThreshold: 0.99 };
  const first = await wasm.evaluateCircuits(request);
  assert.is(retainedSpaceOf(wasm), space);
  const generation = wasm.module.generation;
  const indices = Array.from(first.perfect).slice(0, 400);
  const combo = space.combinationOf(indices[0]!);
  assert.ok(retainedCombination(wasm.module, combo), 'the combination is found in the retained table');
  const counts = await wasm.countGroundings({ model, space, indices, inputs });
  assert.equal(counts.counts, countRequest(null, { model, space, indices, inputs }).counts);
  assert.is(retainedSpaceOf(wasm), space, 'grounding resets keep the retained space');
  assert.ok(wasm.module.generation > generation, 'grounding resets still bump the generation');
  const again = await wasm.evaluateCircuits({ ...request, start: 300_000, end: space.count });
  const expected = await ts.evaluateCircuits({ ...request, start: 300_000, end: space.count });
  assert.equal(Array.from(again.perfect), Array.from(expected.perfect));
  // Another space takes the retained block over; the old one's combinations are no longer there.
  const other = new CircuitSpace(model.layerSizes, { minSparsity: 0.5 });
  const small = await wasm.evaluateCircuits({ ...request, space: other, end: other.count });
  assert.equal(Array.from(small.perfect), Array.from((await ts.evaluateCircuits({ ...request, space: other, end: other.count })).perfect));
  assert.is(retainedSpaceOf(wasm), other);
  assert.is(retainedCombination(wasm.module, combo), null);
});

test('a wide space keeps only the combinations of the current call; searches and counts stay exact', async () => {
  const model = parseModel(fixture('XOR_w6_trained.json'));
  const xor = truthTableDataset(getGate('XOR'));
  const rows = weightRows(xor);
  const wasm = await createWasmBackend();
  const ts = createTsBackend();
  const space = new CircuitSpace(model.layerSizes, { minSparsity: 0.3 }); // 112 MiB of edge words
  const start = space.count - 3_000_000;
  const request = { model, space, start, end: start + 400_000, rows, accuracyThreshold: 0.99 };
  const found = await wasm.evaluateCircuits(request);
  const key = wasm.module.retainedKey as { space: CircuitSpace; first: number; end: number };
  assert.is(key.space, space);
  assert.ok(key.end - key.first < space.combinations.length / 10, `kept ${key.end - key.first} of ${space.combinations.length} combinations`);
  assert.equal(Array.from(found.perfect), Array.from((await ts.evaluateCircuits(request)).perfect));
  const indices = Array.from(found.perfect).slice(0, 200);
  const inputs = distinctGroundingRows(xor.x, 2);
  assert.equal((await wasm.countGroundings({ model, space, indices, inputs })).counts, countRequest(null, { model, space, indices, inputs }).counts);
  // A later range outside the kept combinations gets its own table.
  const early = { ...request, start: 5_000_000, end: 5_300_000 };
  assert.equal(Array.from((await wasm.evaluateCircuits(early)).perfect), Array.from((await ts.evaluateCircuits(early)).perfect));
});

test('a disposed backend hands its instance to the next one (heap reset, the retained space kept); the disposed one refuses work; live backends never share one', async () => {
  const model = parseModel(fixture('XOR_w5_trained.json'));
  const rows = weightRows(truthTableDataset(getGate('XOR')));
  const ts = createTsBackend();
  const space = new CircuitSpace(model.layerSizes, { minSparsity: 0.3 });
  const request = { model, space, start: 0, end: 200_000, rows, accuracyThreshold: 0.99 };
  const expected = Array.from((await ts.evaluateCircuits(request)).perfect);
  const first = await createWasmBackend();
  assert.equal(Array.from((await first.evaluateCircuits(request)).perfect), expected);
  first.dispose();
  const refused = await first.evaluateCircuits(request).then(() => null, (e: Error) => e.message);
  assert.match(refused ?? 'it ran', /disposed/);
  const second = await createWasmBackend();
  assert.is(second.module, first.module, 'the instance was handed on');
  assert.is(retainedSpaceOf(second), space, 'with its retained space');
  const third = await createWasmBackend();
  assert.is.not(third.module, second.module, 'a second live backend gets an instance of its own');
  // Another model on the kept space table, and the same model on the handed-on instance.
  const other = parseModel({ ...(fixture('XOR_w5_trained.json') as object), biases: model.biases.map((b) => Array.from(b, (v) => v + 0.01)) });
  for (const m of [other, model]) {
    const r = { ...request, model: m };
    assert.equal(Array.from((await second.evaluateCircuits(r)).perfect), Array.from((await ts.evaluateCircuits(r)).perfect));
  }
  const indices = expected.slice(0, 100);
  const inputs = distinctGroundingRows(truthTableDataset(getGate('XOR')).x, 2);
  assert.equal((await second.countGroundings({ model, space, indices, inputs })).counts, countRequest(null, { model, space, indices, inputs }).counts);
  second.dispose();
  third.dispose(); // the idle place is taken: this instance is dropped
  second.dispose(); // twice: no effect
  const fourth = await createWasmBackend();
  assert.is(fourth.module, second.module);
  assert.is.not((await createWasmBackend()).module, second.module);
});

test.run();
