/**
 * The Wasm search kernel's branch and bound (assembly/forward.ts, prepareProductBounds): bounds on
 * what each live input can add to the output's sum reject whole blocks of a tail pass unevaluated.
 * It must change nothing but the time: the same circuits in the same order, the same exact redos,
 * as with the bound off and as the TS reference.
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { CircuitSpace } from '../src/circuits/space.ts';
import { evaluateCircuitsTs } from '../src/backends/ts.ts';
import { evaluateCircuitsWasm, lastExactRedos, lastPrunedCircuits, setTailPruning } from '../src/backends/wasm-circuits.ts';
import { instantiateWasmModule, type WasmModule } from '../src/backends/wasm-module.ts';
import { truthTableDataset, weightRows, type Dataset } from '../src/data.ts';
import { getGate } from '../src/gates.ts';
import { parseModel } from '../src/model.ts';
import type { CircuitRequest } from '../src/backends/types.ts';

type Request = Omit<CircuitRequest, 'signal' | 'onProgress'>;

/** The circuits, exact redos and pruned circuits of one search, with the bound on or off. */
function search(module: WasmModule, request: Request, pruning: boolean): { found: number[]; redos: number; pruned: number } {
  setTailPruning(module, pruning);
  try {
    const found = Array.from(evaluateCircuitsWasm(module, request, true));
    return { found, redos: lastExactRedos(module), pruned: lastPrunedCircuits(module) };
  } finally {
    setTailPruning(module, true);
  }
}

// Weights on a grid of exact binary fractions put many sums exactly on the rounding edges and on
// the bounds; the output bias shifts move outputs onto label +- 1/2 and +- 1 + margin.
const gridWeight = fc.constantFrom(-1.5, -1, -0.5, -0.25, 0, 0.25, 0.5, 1, 1.5);
const anyWeight = fc.float({ min: -3, max: 3, noNaN: true, noDefaultInfinity: true });
const truthTable = fc
  .array(fc.integer({ min: 0, max: 1 }), { minLength: 4, maxLength: 4 })
  .map((y): Dataset => ({ x: [[0, 0], [0, 1], [1, 0], [1, 1]], y: y.map((v) => [v]) }));

test('property: with the bound on, the circuits, their order and the exact redos are those with it off and the TS reference\'s', async () => {
  const module = await instantiateWasmModule();
  let pruned = 0;
  let redos = 0;
  // [layout, min sparsity, circuits searched from a random start]
  const layouts: [number[], number, number][] = [[[2, 3, 3, 1], 0, 3000], [[2, 4, 4, 1], 0.2, 6000], [[2, 4, 5, 1], 0.3, 6000], [[2, 5, 5, 1], 0.3, 6000], [[2, 3, 2, 3, 1], 0, 3000]];
  for (const [sizes, minSparsity, span] of layouts) {
    const space = new CircuitSpace(sizes, { minSparsity });
    const weight = fc.oneof(gridWeight, anyWeight);
    const layers = fc.tuple(...sizes.slice(1).map((out, l) => fc.array(fc.array(weight, { minLength: sizes[l]!, maxLength: sizes[l]! }), { minLength: out, maxLength: out })));
    const hidden = fc.tuple(...sizes.slice(1, -1).map((out) => fc.array(weight, { minLength: out, maxLength: out })));
    await fc.assert(
      fc.asyncProperty(
        layers, hidden, fc.constantFrom(0.5, -0.5, 1.5, 0.25, 0, -1), fc.constantFrom(0.01, 0, 1.5, -0.2), truthTable,
        fc.constantFrom(0.99, 1, 0.5), fc.integer({ min: 0, max: space.count - 1 }),
        async (weights, biases, shift, negativeSlope, data, threshold, start) => {
          const model = parseModel({ layerSizes: sizes, weights, biases: [...biases, [shift]], negativeSlope });
          const request = { model, space, start, end: Math.min(space.count, start + span), rows: weightRows(data), accuracyThreshold: threshold };
          const on = search(module, request, true);
          const off = search(module, request, false);
          assert.equal(on.found, off.found);
          assert.is(on.redos, off.redos);
          assert.is(off.pruned, 0);
          assert.equal(on.found, Array.from(evaluateCircuitsTs(request)));
          pruned += on.pruned;
          redos += on.redos;
        },
      ),
      { numRuns: 20 },
    );
  }
  assert.ok(pruned > 0, 'the bound rejected some circuits');
  assert.ok(redos > 0, 'some circuits went to exact mode, with the bound on as off');
});

test('an output that no circuit can bring near a label: the bound rejects the whole space, as evaluating it would', async () => {
  // Output bias -8: the hidden rows are at most |w| * (|x0| + |x1| + 1) = 3 each, times output
  // weights of 0.5, so the sum of five is at most 7.5 and every output is below -0.5 on every
  // row: no row is right, and the bound sees it before evaluating any circuit.
  const module = await instantiateWasmModule();
  const sizes = [2, 5, 5, 1];
  const hiddenWeights = (n: number, m: number) => Array.from({ length: n }, (_, r) => Array.from({ length: m }, (_, j) => ((r + j) % 2 ? 1 : -1)));
  const model = parseModel({
    layerSizes: sizes,
    weights: [hiddenWeights(5, 2), hiddenWeights(5, 5).map((row) => row.map((w) => w * 0.5)), [[0.5, 0.5, 0.5, 0.5, 0.5]]],
    biases: [[1, 1, 1, 1, 1], [0.5, 0.5, 0.5, 0.5, 0.5], [-8]],
  });
  const space = new CircuitSpace(sizes, { minSparsity: 0.5 });
  const request = { model, space, start: 0, end: space.count, rows: weightRows(truthTableDataset(getGate('XOR'))), accuracyThreshold: 0.99 };
  const on = search(module, request, true);
  assert.equal(on.found, []);
  assert.is(on.pruned, space.count, 'every circuit rejected by the bound alone');
  assert.equal(search(module, request, false).found, []);
});

test('the trained 2-5-5-1 XOR at min sparsity 0.3: the same 6,062 circuits and exact redos, most of the space rejected by the bound', async () => {
  const module = await instantiateWasmModule();
  const model = parseModel(JSON.parse(readFileSync(new URL('./fixtures/XOR_w5_trained.json', import.meta.url), 'utf8')));
  const space = new CircuitSpace(model.layerSizes, { minSparsity: 0.3 });
  const rows = weightRows(truthTableDataset(getGate('XOR')));
  const on = { found: [] as number[], redos: 0, pruned: 0 };
  const off = { found: [] as number[], redos: 0, pruned: 0 };
  // In the pieces a search is cut into, so that every piece starts mid-tail somewhere.
  for (let start = 0; start < space.count; start += 100_003) {
    const request = { model, space, start, end: Math.min(space.count, start + 100_003), rows, accuracyThreshold: 0.99 };
    for (const [side, pruning] of [[on, true], [off, false]] as const) {
      const r = search(module, request, pruning);
      side.found.push(...r.found);
      side.redos += r.redos;
      side.pruned += r.pruned;
    }
  }
  assert.is(on.found.length, 6062);
  assert.equal(on.found, off.found);
  assert.is(on.redos, off.redos);
  assert.ok(on.pruned > space.count / 2, `pruned ${on.pruned} of ${space.count}`);
});

test('wide layouts (the trained 2-6-6-1 at 0.5, 2-8-8-1 at 0.65): the same circuits and exact redos with the bound on and off, and the TS reference\'s on a slice', async () => {
  const module = await instantiateWasmModule();
  const rows = weightRows(truthTableDataset(getGate('XOR')));
  for (const [file, minSparsity] of [['XOR_w6_trained.json', 0.5], ['XOR_w8_trained.json', 0.65]] as const) {
    const model = parseModel(JSON.parse(readFileSync(new URL(`./fixtures/${file}`, import.meta.url), 'utf8')));
    const space = new CircuitSpace(model.layerSizes, { minSparsity });
    const request = { model, space, start: 0, end: space.count, rows, accuracyThreshold: 0.99 };
    const on = search(module, request, true);
    const off = search(module, request, false);
    assert.ok(on.found.length > 0, file);
    assert.equal(on.found, off.found);
    assert.is(on.redos, off.redos);
    assert.ok(on.pruned > space.count / 2, `${file}: pruned ${on.pruned} of ${space.count}`);
    const slice = { ...request, start: Math.floor(space.count / 3), end: Math.floor(space.count / 3) + 20_000 };
    assert.equal(search(module, slice, true).found, Array.from(evaluateCircuitsTs(slice)));
  }
});

test.run();
