import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CircuitSpace, SHARED_ROWS_KEPT, validEdgeMasks, hiddenSparsity } from '../src/circuits/space.ts';
import { circuitOutput } from '../src/circuits/circuit.ts';
import { circuitMetrics, analyzeCircuitSet, isIncluded } from '../src/circuits/metrics.ts';
import { findPerfectCircuits } from '../src/circuits/search.ts';
import { createTsBackend } from '../src/backends/ts.ts';
import type { Backend } from '../src/backends/types.ts';
import { createWasmBackend } from '../src/backends/wasm.ts';
import { parseModel, subModel, type Model } from '../src/model.ts';
import { PRETRAINED_XOR } from '../src/pretrained-xor.ts';
import { truthTableDataset, weightRows, roundHalfEven } from '../src/data.ts';
import { evaluateGate, getGate } from '../src/gates.ts';
import { LimitError } from '../src/errors.ts';
import { caseNames, fixture, caseValidationData } from './helpers.ts';

const key = (c: { nodeMasks: number[][]; edgeMasks: number[][][] }) =>
  c.nodeMasks.map((m) => m.join('')).join('|') + '#' + c.edgeMasks.map((m) => m.map((r) => r.join('')).join('')).join('|');
const masks = (c: { nodeMasks: number[][]; edgeMasks: number[][][] }) => ({ node_masks: c.nodeMasks, edge_masks: c.edgeMasks });

test('pretrained model: all 3000 circuits in reference order with their accuracy on the truth table', () => {
  const model = parseModel(PRETRAINED_XOR);
  const exp = fixture('xor_mlp_pretrained.expected.json');
  const expected = fixture('xor_mlp_pretrained.all_circuits.json').circuits as [string, number][];
  const space = new CircuitSpace(model.layerSizes);
  assert.is(exp.n_circuits_enumerated, 3000);
  assert.is(expected.length, 3000);
  assert.is(space.count, 3000);
  const data = truthTableDataset(getGate('XOR'));
  const histogram = new Map<string, number>();
  let i = 0;
  for (const c of space.circuits()) {
    assert.is(key(c), expected[i]![0], `circuit ${i}`);
    const correct = data.x.filter((x, s) => roundHalfEven(circuitOutput(model, c, x)[0]!) === data.y[s]![0]).length;
    assert.is(correct, expected[i]![1], `accuracy of circuit ${i}`);
    assert.equal(key(space.decode(i)), expected[i]![0]);
    const bin = accuracyKey(correct / 4);
    histogram.set(bin, (histogram.get(bin) ?? 0) + 1);
    i++;
  }
  // The count the enumeration yields, not only the one it announces (a short walk would pass the loop).
  assert.is(i, 3000, 'circuits enumerated');
  assert.equal(Object.fromEntries(histogram), exp.accuracy_histogram);
});

/** An accuracy as the oracle's histogram keys write it (Python's str of a float: 0.0, 0.25, 1.0). */
const accuracyKey = (a: number) => (Number.isInteger(a) ? a.toFixed(1) : String(a));

/**
 * How many circuits of `space` have each accuracy k/4 on the gate's 4 clean inputs, from the
 * circuit search itself: the circuits beating (k - 1/2)/4 are those with k or more rows right.
 */
async function accuracyHistogram(backend: Backend, model: Model, space: CircuitSpace, gate: string): Promise<Record<string, number>> {
  const rows = weightRows(truthTableDataset(getGate(gate)));
  const atLeast: number[] = [];
  for (let k = 0; k <= 5; k++) atLeast.push(k === 0 ? space.count : (await findPerfectCircuits(backend, model, space, rows, { accuracyThreshold: (k - 0.5) / 4 })).length);
  const histogram: Record<string, number> = {};
  for (let k = 0; k <= 4; k++) if (atLeast[k]! > atLeast[k + 1]!) histogram[accuracyKey(k / 4)] = atLeast[k]! - atLeast[k + 1]!;
  return histogram;
}

test('pretrained model: the 32 perfect circuits', async () => {
  const model = parseModel(PRETRAINED_XOR);
  const exp = fixture('xor_mlp_pretrained.expected.json');
  const space = new CircuitSpace(model.layerSizes);
  const found = await findPerfectCircuits(createTsBackend(), model, space, weightRows(truthTableDataset(getGate('XOR'))));
  assert.is(found.length, exp.n_perfect_circuits);
  assert.equal(
    found.map((i) => masks(space.decode(i))),
    exp.perfect_circuits.map((c: any) => ({ node_masks: c.node_masks, edge_masks: c.edge_masks })),
  );
  exp.perfect_circuits.forEach((c: any, k: number) => {
    const m = circuitMetrics(model, space.decode(found[k]!), truthTableDataset(getGate('XOR')));
    assert.is(m.accuracy, 1);
    assert.equal([m.nodeSparsity, m.edgeSparsity, m.combinedSparsity], c.sparsity);
    // node_sparsity is what analyze --json reports as nodeSparsity (hiddenSparsity of the masks).
    assert.is(hiddenSparsity(space.decode(found[k]!).nodeMasks), c.node_sparsity, `node sparsity of circuit ${k}`);
  });

  // The reference found the same circuits, in the same order, with the 4 inputs repeated 50 times.
  const x50 = Array.from({ length: 50 }, () => exp.inputs as number[][]).flat();
  const repeated = await findPerfectCircuits(createTsBackend(), model, space, weightRows({ x: x50, y: x50.map((x) => [evaluateGate(getGate('XOR'), x)]) }));
  assert.is(x50.length, 200);
  assert.is(repeated.length, exp.n_perfect_circuits_with_50x_repeated_inputs);
  assert.equal(repeated, found);
});

for (const name of caseNames()) {
  test(`case ${name}: circuits enumerated and perfect circuits on the validation set`, async () => {
    const c = fixture(`cases/${name}.json`);
    const model = parseModel(c.model);
    for (const [o, out] of (c.expected.outputs as any[]).entries()) {
      const sub = subModel(model, o);
      const gate = getGate(out.gate);
      const space = new CircuitSpace(sub.layerSizes, { minSparsity: c.config.min_sparsity_used });
      assert.is(space.count, out.n_circuits_enumerated);
      const data = caseValidationData(c, [gate.name]);
      const found = await findPerfectCircuits(createTsBackend(), sub, space, weightRows(data));
      assert.is(found.length, out.n_perfect_circuits);
      assert.equal(found.map((i) => masks(space.decode(i))), out.perfect_circuits.map((p: any) => ({ node_masks: p.node_masks, edge_masks: p.edge_masks })));
      assert.equal(found.map((i) => hiddenSparsity(space.decode(i).nodeMasks)), out.perfect_circuits.map((p: any) => p.node_sparsity), 'node sparsity');
      // Every enumerated circuit's accuracy on the 4 clean inputs (Wasm: 6 searches of 168,672 circuits for w4).
      assert.equal(await accuracyHistogram(await wasm(), sub, space, gate.name), out.accuracy_histogram_4_inputs, `output ${o}: accuracy histogram on the 4 clean inputs`);
    }
  });
}

let wasmBackend: Promise<Backend> | undefined;
const wasm = () => (wasmBackend ??= createWasmBackend());

test('circuit counts of larger layouts and the cap', () => {
  assert.is(new CircuitSpace([2, 4, 4, 1], { minSparsity: 0.2 }).count, 168_672);
  assert.is(new CircuitSpace([2, 5, 5, 1], { minSparsity: 0.3 }).count, 1_092_035);
  assert.is(new CircuitSpace([2, 2, 2, 1]).count, 20);
  const space = new CircuitSpace([2, 4, 4, 1], { minSparsity: 0.2 });
  assert.throws(() => space.assertWithin(1000), (e: Error) => e instanceof LimitError && /168,672 circuits/.test(e.message) && /--max-circuits/.test(e.message));
});

test('the shared decoder gives decode\'s circuits, sharing the rows of an edge choice', () => {
  for (const [sizes, minSparsity] of [[[2, 3, 3, 1], 0], [[2, 5, 5, 1], 0.3], [[3, 3, 2, 2], 0], [[2, 2, 2, 2, 1], 0]] as const) {
    const space = new CircuitSpace(sizes, { minSparsity });
    const shared = space.sharedDecoder();
    // every circuit of the small spaces; 3,000 spread over the 1,092,035 of 2-5-5-1, each twice
    const step = Math.max(1, Math.floor(space.count / 3000));
    const seen = new Map<string, number[][]>();
    for (const pass of [0, 1]) {
      for (let i = pass; i < space.count; i += step) {
        const c = shared(i);
        assert.equal(c, space.decode(i), `circuit ${i} of ${sizes.join('-')}`);
        c.edgeMasks.forEach((rows, l) => {
          const key = `${l}:${JSON.stringify(rows)}:${JSON.stringify(c.nodeMasks)}`;
          if (!seen.has(key)) seen.set(key, rows);
          assert.ok(seen.get(key) === rows, 'one array per edge choice of a combination');
        });
      }
    }
  }
  assert.throws(() => new CircuitSpace([2, 2, 2, 1]).sharedDecoder()(20), RangeError);
});

test('shared decoders: any order of indices; a later decoder of the space reuses its rows; past the kept budget, rows are the decoder\'s own', () => {
  const space = new CircuitSpace([2, 4, 4, 1], { minSparsity: 0.2 });
  const first = space.sharedDecoder();
  // descending, then scattered: the ascending fast path must not be relied on
  const order = [space.count - 1, 5, 120_000, 4, 77, space.count - 2, 99_999, 0];
  const firstRows = order.map((i) => first(i));
  order.forEach((i, k) => assert.equal(firstRows[k], space.decode(i), `circuit ${i}`));
  const second = space.sharedDecoder();
  order.forEach((i, k) => assert.ok(second(i).edgeMasks.every((rows, l) => rows === firstRows[k]!.edgeMasks[l]), 'kept by the space'));
  // A space whose budget is spent: every decoder unpacks its own rows, still shared within it.
  const spent = new CircuitSpace([2, 4, 4, 1], { minSparsity: 0.2 });
  (spent as unknown as { unpackedCount: number }).unpackedCount = SHARED_ROWS_KEPT;
  const a = spent.sharedDecoder();
  const b = spent.sharedDecoder();
  const i = 123_456;
  assert.equal(a(i), spent.decode(i));
  assert.ok(a(i).edgeMasks[1] === a(i).edgeMasks[1], 'shared within a decoder');
  assert.ok(a(i).edgeMasks[1] !== b(i).edgeMasks[1], 'not across decoders past the budget');
});

test('edge masks: every active row and column covered, first entry slowest', () => {
  const masks2 = validEdgeMasks([1, 1], [1, 0, 1]);
  assert.is(masks2.length, 7); // 2x2 binary matrices without zero rows or columns
  assert.equal(masks2[0], [[0, 1], [0, 0], [1, 0]]);
  assert.is(hiddenSparsity([[1, 1], [1, 0, 1], [0, 0, 1], [1]]), 0.5);
});

test('circuit set analysis: nested pairs and Jaccard', () => {
  const a = { nodeMasks: [[1, 1], [1, 0], [1]], edgeMasks: [[[1, 1], [0, 0]], [[1, 0]]] };
  const b = { nodeMasks: [[1, 1], [1, 1], [1]], edgeMasks: [[[1, 1], [1, 0]], [[1, 1]]] };
  assert.ok(isIncluded(a, b));
  assert.not.ok(isIncluded(b, a));
  const r = analyzeCircuitSet([a, b]);
  assert.is(r.nestedPairFraction, 1);
  assert.is(r.meanJaccard, 4 / 7);
});

test.run();
