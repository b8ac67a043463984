// Grounding counts past 64 bits on real circuits: the trained 2-6-6-1 XOR model
// (test/fixtures/XOR_w6_trained.json, `mi-ident train --gates XOR --size 6 --noise-std 0`) has
// circuits with up to ~2^132 groundings. The batched Wasm kernel counts them in 256 bits; they
// must equal the TS reference's BigInt counts, circuit by circuit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { countRequest } from '../src/backends/requests.ts';
import { createWasmBackend } from '../src/backends/wasm.ts';
import { CircuitSpace } from '../src/circuits/space.ts';
import { truthTableDataset, weightRows } from '../src/data.ts';
import { getGate } from '../src/gates.ts';
import { distinctGroundingRows } from '../src/grounding.ts';
import { parseModel } from '../src/model.ts';
import { fixture } from './helpers.ts';

test('2-6-6-1 at 0.3: batched Wasm counts past 2^64 (256-bit) equal the TS reference', async () => {
  const model = parseModel(fixture('XOR_w6_trained.json'));
  const space = new CircuitSpace(model.layerSizes, { minSparsity: 0.3 });
  const xor = truthTableDataset(getGate('XOR'));
  const wasm = await createWasmBackend();
  // A range where a few percent of the perfect circuits have more than 2^64 groundings.
  const start = Math.floor(space.count / 2);
  const found = await wasm.evaluateCircuits({ model, space, start, end: start + 2_000_000, rows: weightRows(xor), accuracyThreshold: 0.99 });
  const indices = Array.from(found.perfect).slice(0, 1500);
  const request = { model, space, indices, inputs: distinctGroundingRows(xor.x, 2) };
  const got = (await wasm.countGroundings(request)).counts;
  const expected = countRequest(null, request).counts;
  assert.equal(got, expected);
  const wide = got.filter((c) => c > 2n ** 64n - 1n).length;
  assert.ok(wide > 0, `some counts are past 2^64 (${wide} of ${got.length})`);
});

test('2-6-6-1 at 0.3: where many counts are past 2^64 (the kernel then counts wide first), counts still equal the TS reference', async () => {
  const model = parseModel(fixture('XOR_w6_trained.json'));
  const space = new CircuitSpace(model.layerSizes, { minSparsity: 0.3 });
  const xor = truthTableDataset(getGate('XOR'));
  const wasm = await createWasmBackend();
  const start = space.count - 6_000_000;
  const found = await wasm.evaluateCircuits({ model, space, start, end: start + 2_000_000, rows: weightRows(xor), accuracyThreshold: 0.99 });
  const indices = Array.from(found.perfect).filter((_, i) => i % 7 === 0).slice(0, 600);
  const request = { model, space, indices, inputs: distinctGroundingRows(xor.x, 2) };
  const got = (await wasm.countGroundings(request)).counts;
  assert.equal(got, countRequest(null, request).counts);
  const wide = got.filter((c) => c > 2n ** 64n - 1n).length;
  // About a quarter: the kernel switches between u64-first and wide-first many times.
  assert.ok(wide > got.length / 10 && wide < got.length, `many but not all counts are past 2^64 (${wide} of ${got.length})`);
});

test.run();
