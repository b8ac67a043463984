/**
 * The Wasm circuit search's screen (src/backends/wasm-circuits.ts, circuitScreen): with thousands
 * of distinct rows, circuits are first tested on a subset, and only those that can still pass are
 * evaluated on every row. The result must be the TS reference's, circuit for circuit (seeded
 * fast-check): labels are the full model's own rounded outputs with some flipped, so that many
 * circuits sit near every threshold.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { CircuitSpace } from '../src/circuits/space.ts';
import { circuitOutput, fullCircuit } from '../src/circuits/circuit.ts';
import { evaluateCircuitsTs } from '../src/backends/ts.ts';
import { circuitScreen, evaluateCircuitsWasm } from '../src/backends/wasm-circuits.ts';
import { instantiateWasmModule } from '../src/backends/wasm-module.ts';
import { parseModel, type Model } from '../src/model.ts';
import { roundHalfEven, type WeightedRows } from '../src/data.ts';

/** `n` noisy rows near the 0/1 corners, labelled by the model, a share `flip` of them flipped. */
function modelRows(model: Model, n: number, flip: number, seed: number): WeightedRows {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const nIn = model.layerSizes[0]!;
  const x = new Float32Array(n * nIn);
  const y = new Float32Array(n);
  const full = fullCircuit(model.layerSizes);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < nIn; j++) x[r * nIn + j] = (next() < 0.5 ? 0 : 1) + (next() - 0.5) * 0.4;
    const label = roundHalfEven(circuitOutput(model, full, x.subarray(r * nIn, (r + 1) * nIn))[0]!);
    y[r] = next() < flip ? 1 - label : label;
  }
  return { nInputs: nIn, nOutputs: 1, x, y, weight: new Uint32Array(n).fill(1), total: n };
}

const weight = fc.float({ min: -3, max: 3, noNaN: true, noDefaultInfinity: true });
const modelArb = (sizes: number[]) =>
  fc
    .tuple(
      fc.tuple(...sizes.slice(1).map((out, l) => fc.array(fc.array(weight, { minLength: sizes[l]!, maxLength: sizes[l]! }), { minLength: out, maxLength: out }))),
      fc.tuple(...sizes.slice(1).map((out) => fc.array(weight, { minLength: out, maxLength: out }))),
    )
    .map(([weights, biases]) => parseModel({ layerSizes: sizes, weights, biases, negativeSlope: 0.01 }));

test('property: with a screen (4,096 rows and more), the Wasm search finds the TS reference\'s circuits', async () => {
  const kernels = await instantiateWasmModule();
  let screenedAndFound = 0;
  for (const sizes of [[2, 2, 1], [2, 3, 1], [2, 2, 2, 1]]) {
    const space = new CircuitSpace(sizes);
    await fc.assert(
      fc.asyncProperty(
        modelArb(sizes),
        fc.integer({ min: 4096, max: 6000 }),
        fc.constantFrom(0, 0.002, 0.01, 0.05),
        fc.constantFrom(0.99, 0.999, 0.95, 0.9, 0.5),
        fc.integer({ min: 0, max: 2 ** 31 }),
        async (model, n, flip, threshold, seed) => {
          const rows = modelRows(model, n, flip, seed);
          const request = { model, space, start: 0, end: space.count, rows, accuracyThreshold: threshold };
          const wasm = Array.from(evaluateCircuitsWasm(kernels, request));
          if (circuitScreen(rows, threshold) && wasm.length > 0) screenedAndFound++;
          assert.equal(wasm, Array.from(evaluateCircuitsTs(request)));
        },
      ),
      { seed: 4096, numRuns: 6 },
    );
  }
  assert.ok(screenedAndFound > 0, 'no screened run found a circuit');
});

test('the screen needs exactly the right weight the whole set allows to miss', () => {
  const n = 5000;
  const rows: WeightedRows = { nInputs: 1, nOutputs: 1, x: new Float32Array(n), y: new Float32Array(n), weight: new Uint32Array(n).fill(1), total: n };
  // 0.99 of 5,000: more than 4,950 right, so at most 49 wrong; the subset of 1,024 needs 975.
  const screen = circuitScreen(rows, 0.99)!;
  assert.is(screen.rows.weight.length, 1024);
  assert.ok(975 / 1024 > screen.threshold && !(974 / 1024 > screen.threshold));
  // No screen under 4,096 rows, or when the subset could be all wrong.
  assert.is(circuitScreen({ ...rows, weight: rows.weight.subarray(0, 4095), total: 4095 }, 0.99), null);
  assert.is(circuitScreen(rows, 0.5), null);
});

test.run();
