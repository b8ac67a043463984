// src/formulas.ts against the oracle's get_formula_dataset(max_depth=3) for all seven 2-input gates.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  baseFormulas,
  evaluate,
  findNode,
  formulasForGate,
  formulaString,
  intervenedTrees,
  nodeName,
  relevantNodes,
  samplePairs,
  samples,
  variableNames,
  type LogicTree,
} from '../src/formulas.ts';
import { getGate, GATES, inputRows, TWO_INPUT_GATES, type Gate } from '../src/gates.ts';
import { fixture } from './helpers.ts';

interface FixtureTree {
  id: number;
  op: string;
  children?: FixtureTree[];
}
const dataset = fixture('formula_dataset_depth3.json');

/** The fixture's tree shape: leaves have no `children` key. */
const toFixture = (t: LogicTree): FixtureTree =>
  t.children.length ? { id: t.id, op: String(t.op), children: t.children.map(toFixture) } : { id: t.id, op: String(t.op) };

test('base formulas: counts per depth and strings in reference order', () => {
  const levels = baseFormulas(3, ['A', 'B']);
  assert.equal(levels.map((l) => l.length), [0, 1, 2, 3].map((d) => dataset.n_base_formulas_by_depth[String(d)]));
  assert.equal(levels.flat().map(formulaString), dataset.base_formulas);
  // Deeper levels keep growing; depth 4 has 78 * (2+2+6+78) * 2 candidates before the str filter.
  assert.ok(baseFormulas(4, ['A', 'B'])[4]!.length > 78);
});

for (const name of TWO_INPUT_GATES) {
  test(`${name}: formulas, trees, relevant nodes and intervention keys match the reference`, () => {
    const exp = dataset.gates[name];
    const formulas = formulasForGate(getGate(name), 3);
    assert.is(formulas.length, exp.n_formulas);
    assert.equal(getGate(name).truthTable, exp.truth_table_00_01_10_11);
    formulas.forEach((f, i) => {
      const e = exp.formulas[i];
      assert.is(f.str, e.formula, `formula ${i}`);
      assert.equal(toFixture(f.tree), e.tree, `tree of ${e.formula}`);
      // The fixture lists relevant nodes in the reference's set order; compare order too.
      assert.equal(relevantNodes(f.tree).map((id) => nodeName(findNode(f.tree, id)!)), e.relevant_nodes, `relevant nodes of ${e.formula}`);
      assert.is(samplePairs(f, 'BA').length, e.n_sample_pairs);
      // The fixture's intervention keys are sorted by (id, value), not in dict order: compare as sets.
      const keys = intervenedTrees(f.tree).map((t) => [t.nodeId, t.value]);
      const sorted = [...keys].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
      assert.equal(sorted, e.intervention_keys, `intervention keys of ${e.formula}`);
      // Every formula computes its gate.
      inputRows(2).forEach((row, r) => assert.is(evaluate(f.tree, { A: row[0]!, B: row[1]! }), exp.truth_table_00_01_10_11[r]));
    });
  });
}

test('intervention keys come in dict order: non-leaf nodes in preorder, then leaves by variable', () => {
  const f = formulasForGate(getGate('XOR'), 3)[0]!; // ¬(A*B)*(A+B)
  assert.is(f.str, '¬(A*B)*(A+B)');
  const keys = intervenedTrees(f.tree).map((t) => `${t.nodeId}=${t.value}`);
  assert.equal(keys, ['0=0', '0=1', '7=0', '7=1', '1=0', '1=1', '4=0', '4=1', '2=0', '2=1', '5=0', '5=1', '3=0', '3=1', '6=0', '6=1']);
  // Setting ¬(A*B) (id 7) to 0 leaves 0*(A+B) = 0; setting leaf A (id 2) sets every A.
  const by = (id: number, v: number) => intervenedTrees(f.tree).find((t) => t.nodeId === id && t.value === v)!.tree;
  assert.is(formulaString(by(7, 0)), '0*(A+B)');
  assert.is(formulaString(by(2, 1)), '¬(1*B)*(1+B)');
  assert.is(evaluate(by(2, 1), { A: 0, B: 0 }), 1);
});

test('samples and pairs per order (M1)', () => {
  const f = formulasForGate(getGate('XOR'), 3)[0]!;
  const bits = (o: 'AB' | 'BA') => samples(f, o).map((s) => s.input.join(''));
  assert.equal(bits('BA'), ['00', '10', '01', '11']);
  assert.equal(bits('AB'), ['00', '01', '10', '11']);
  const pairs = (o: 'AB' | 'BA' | 'all') => samplePairs(f, o).map((p) => `${p.source.input.join('')}>${p.base.input.join('')}`);
  assert.equal(pairs('BA'), ['00>10', '00>01', '00>11', '10>01', '10>11', '01>11']);
  assert.equal(pairs('AB'), ['00>01', '00>10', '00>11', '01>10', '01>11', '10>11']);
  const all = pairs('all');
  assert.is(all.length, 12);
  assert.is(new Set(all).size, 12);
  assert.ok([...pairs('AB'), ...pairs('BA')].every((p) => all.includes(p)));
  // Node values: ¬(A*B) (id 7) on input 11 is 0, the root is XOR.
  const s11 = samples(f, 'BA')[3]!;
  assert.is(s11.nodeValues.get(7), 0);
  assert.is(s11.nodeValues.get(0), 0);
});

test('3-input gates: variables A, B, C; BA order reverses the variables', () => {
  assert.equal(variableNames(3), ['A', 'B', 'C']);
  // A 3-input gate reachable at depth 2: A AND B AND NOT C.
  const gate: Gate = { name: 'AND_AND_NOT', nInputs: 3, truthTable: inputRows(3).map(([a, b, c]) => a! & b! & (1 - c!)) };
  const formulas = formulasForGate(gate, 2);
  assert.ok(formulas.length > 0);
  assert.is(formulas[0]!.str, '(A*B)*¬C');
  for (const f of formulas) {
    inputRows(3).forEach((row, r) => assert.is(evaluate(f.tree, { A: row[0]!, B: row[1]!, C: row[2]! }), gate.truthTable[r]));
  }
  const f = formulas[0]!;
  assert.equal(samples(f, 'BA').map((s) => s.input.join('')), ['000', '100', '010', '110', '001', '101', '011', '111']);
  assert.equal(samples(f, 'AB').map((s) => s.input.join('')), inputRows(3).map((r) => r.join('')));
  assert.is(samplePairs(f, 'BA').length, 28);
  assert.is(samplePairs(f, 'all').length, 56);
  // Majority needs depth 3 and parity cannot be built from AND/OR/NOT trees of depth <= 2.
  assert.is(formulasForGate(GATES.MAJORITY!, 2).length, 0);
  assert.is(formulasForGate(GATES.PARITY!, 2).length, 0);
});

test('formula lists are cached and depth 0..2 lists are prefixes in reference order', () => {
  const xor = getGate('XOR');
  assert.is(formulasForGate(xor, 3), formulasForGate(xor, 3));
  const d2 = formulasForGate(getGate('AND'), 2).map((f) => f.str);
  assert.equal(formulasForGate(getGate('AND'), 3).slice(0, d2.length).map((f) => f.str), d2);
});

test.run();
