import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CircuitSpace, validEdgeMasks, hiddenSparsity } from '../src/circuits/space.ts';
import { circuitOutput } from '../src/circuits/circuit.ts';
import { circuitMetrics, analyzeCircuitSet, isIncluded } from '../src/circuits/metrics.ts';
import { findPerfectCircuits } from '../src/circuits/search.ts';
import { createTsBackend } from '../src/backends/ts.ts';
import { parseModel, subModel } from '../src/model.ts';
import { PRETRAINED_XOR } from '../src/pretrained-xor.ts';
import { truthTableDataset, weightRows, roundHalfEven } from '../src/data.ts';
import { getGate } from '../src/gates.ts';
import { LimitError } from '../src/errors.ts';
import { caseNames, fixture, caseValidationData } from './helpers.ts';

const key = (c: { nodeMasks: number[][]; edgeMasks: number[][][] }) =>
  c.nodeMasks.map((m) => m.join('')).join('|') + '#' + c.edgeMasks.map((m) => m.map((r) => r.join('')).join('')).join('|');
const masks = (c: { nodeMasks: number[][]; edgeMasks: number[][][] }) => ({ node_masks: c.nodeMasks, edge_masks: c.edgeMasks });

test('pretrained model: all 3000 circuits in reference order with their accuracy on the truth table', () => {
  const model = parseModel(PRETRAINED_XOR);
  const expected = fixture('xor_mlp_pretrained.all_circuits.json').circuits as [string, number][];
  const space = new CircuitSpace(model.layerSizes);
  assert.is(space.count, 3000);
  const data = truthTableDataset(getGate('XOR'));
  let i = 0;
  for (const c of space.circuits()) {
    assert.is(key(c), expected[i]![0], `circuit ${i}`);
    const correct = data.x.filter((x, s) => roundHalfEven(circuitOutput(model, c, x)[0]!) === data.y[s]![0]).length;
    assert.is(correct, expected[i]![1], `accuracy of circuit ${i}`);
    assert.equal(key(space.decode(i)), expected[i]![0]);
    i++;
  }
});

test('pretrained model: the 32 perfect circuits', async () => {
  const model = parseModel(PRETRAINED_XOR);
  const exp = fixture('xor_mlp_pretrained.expected.json');
  const space = new CircuitSpace(model.layerSizes);
  const found = await findPerfectCircuits(createTsBackend(), model, space, weightRows(truthTableDataset(getGate('XOR'))));
  assert.equal(
    found.map((i) => masks(space.decode(i))),
    exp.perfect_circuits.map((c: any) => ({ node_masks: c.node_masks, edge_masks: c.edge_masks })),
  );
  exp.perfect_circuits.forEach((c: any, k: number) => {
    const m = circuitMetrics(model, space.decode(found[k]!), truthTableDataset(getGate('XOR')));
    assert.is(m.accuracy, 1);
    assert.equal([m.nodeSparsity, m.edgeSparsity, m.combinedSparsity], c.sparsity);
  });
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
    }
  });
}

test('circuit counts of larger layouts and the cap', () => {
  assert.is(new CircuitSpace([2, 4, 4, 1], { minSparsity: 0.2 }).count, 168_672);
  assert.is(new CircuitSpace([2, 5, 5, 1], { minSparsity: 0.3 }).count, 1_092_035);
  assert.is(new CircuitSpace([2, 2, 2, 1]).count, 20);
  const space = new CircuitSpace([2, 4, 4, 1], { minSparsity: 0.2 });
  assert.throws(() => space.assertWithin(1000), (e: Error) => e instanceof LimitError && /168,672 circuits/.test(e.message) && /--max-circuits/.test(e.message));
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
