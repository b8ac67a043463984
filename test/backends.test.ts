import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { CircuitSpace } from '../src/circuits/space.ts';
import { evaluateCircuitsTs } from '../src/backends/ts.ts';
import { createWasmBackend } from '../src/backends/wasm.ts';
import { selectBackend } from '../src/backends/select.ts';
import { parseModel } from '../src/model.ts';
import { weightRows } from '../src/data.ts';
import { InputError } from '../src/errors.ts';

const f32 = fc.float({ min: -3, max: 3, noNaN: true, noDefaultInfinity: true });

/** A random model of the given layout with float32 weights in [-3, 3]. */
const modelArb = (sizes: number[]) =>
  fc
    .tuple(
      fc.tuple(...sizes.slice(1).map((out, l) => fc.array(fc.array(f32, { minLength: sizes[l]!, maxLength: sizes[l]! }), { minLength: out, maxLength: out }))),
      fc.tuple(...sizes.slice(1).map((out) => fc.array(f32, { minLength: out, maxLength: out }))),
    )
    .map(([weights, biases]) => parseModel({ layerSizes: sizes, weights, biases }));

/** Random data: 0/1 inputs, optionally noisy, labels 0/1 (repeated rows allowed). */
const dataArb = (nIn: number, nOut: number) =>
  fc.array(
    fc.tuple(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.float({ min: Math.fround(-0.3), max: Math.fround(0.3), noNaN: true })), { minLength: nIn, maxLength: nIn }),
      fc.array(fc.integer({ min: 0, max: 1 }), { minLength: nOut, maxLength: nOut }),
      fc.boolean(),
    ),
    { minLength: 1, maxLength: 9 },
  ).map((rows) => ({
    x: rows.map(([x, , noisy]) => x.map(([b, n]) => (noisy ? b + n : b))),
    y: rows.map(([, y]) => y),
  }));

const layouts = [[2, 2, 2, 1], [2, 3, 3, 1], [3, 2, 2, 1], [2, 3, 2, 2], [2, 2, 1], [2, 2, 2, 2, 1], [2, 4, 3, 1]];

test('property: the Wasm backend (fast and exact modes) finds exactly the circuits the TS reference finds', async () => {
  const wasm = await createWasmBackend();
  const exact = await createWasmBackend({ fastMode: false });
  for (const sizes of layouts) {
    const space = new CircuitSpace(sizes);
    await fc.assert(
      fc.asyncProperty(
        modelArb(sizes),
        dataArb(sizes[0]!, sizes[sizes.length - 1]!),
        fc.constantFrom(0, 0.5, 0.74, 0.99),
        fc.integer({ min: 0, max: space.count - 1 }),
        async (model, data, threshold, start) => {
          const request = { model, space, start, end: Math.min(space.count, start + 700), rows: weightRows(data), accuracyThreshold: threshold };
          const expected = Array.from(evaluateCircuitsTs(request));
          assert.equal(Array.from(await wasm.evaluateCircuits(request)), expected);
          assert.equal(Array.from(await exact.evaluateCircuits(request)), expected);
        },
      ),
      { numRuns: sizes[1] === 3 ? 15 : 40 },
    );
  }
});

test('backend selection: ts and wasm by name; auto is Wasm unless a real GPU adapter exists', async () => {
  // WebGPU selection (auto on a real adapter, the webgpu fallback) is tested in webgpu-node.test.ts.
  assert.ok(['wasm', 'webgpu'].includes((await selectBackend('auto')).name));
  assert.is((await selectBackend('ts')).name, 'ts');
  assert.is((await selectBackend('wasm')).name, 'wasm');
  try {
    await selectBackend('cuda' as never);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, InputError);
    assert.match((e as Error).message, /unknown backend "cuda"/);
  }
});

test.run();
