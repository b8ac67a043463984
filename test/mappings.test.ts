// src/mappings.ts against the oracle: minimal mappings of every formula for the pretrained model
// and every case, under both sample-pair orders, in the reference's list and key order.
//
// The oracle's JSON stores every neuron list sorted ascending (all ~300 multi-neuron lists in the
// fixtures are sorted), whereas the reference library returns them in CPython set order, which
// findMinimalMappings reproduces (e.g. `{"2": [1, 0]}`, see the pinned test below). Mapping lists
// are therefore compared exactly (list order, node-key order, contents) after sorting our neuron
// lists with sortNeuronLists, the oracle's export form.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formulasForGate, samplePairs, type Formula, type PairOrder } from '../src/formulas.ts';
import { getGate } from '../src/gates.ts';
import {
  candidateMasks,
  findMinimalMappings,
  formulasWithMapping,
  hiddenNeurons,
  highLevelTable,
  mappingProblem,
  mappingSearch,
  mappingsPerFormula,
  pairInputs,
  sortNeuronLists,
  validityTable,
  type FormulaMappings,
  type Mapping,
} from '../src/mappings.ts';
import { forwardActivations, parseModel, subModel, type Model } from '../src/model.ts';
import { PRETRAINED_XOR } from '../src/pretrained-xor.ts';
import { relevantNodes } from '../src/formulas.ts';
import { caseNames, fixture } from './helpers.ts';

const ORDERS = ['BA', 'AB'] as const;

/** Compares one formula's result with the fixture: list order, key order and contents. */
function checkFormula(got: Mapping[], expected: Mapping[], what: string): void {
  const oracleForm = got.map(sortNeuronLists);
  assert.equal(oracleForm, expected, what);
  // deepEqual ignores key order; check the node-key insertion order explicitly.
  oracleForm.forEach((m, i) => assert.equal(Object.keys(m), Object.keys(expected[i]!), `${what}: key order of mapping ${i}`));
}

function checkSearch(results: FormulaMappings[], perFormula: { formula: string; [k: string]: unknown }[], order: PairOrder, what: string): void {
  assert.is(results.length, perFormula.length, `${what}: number of formulas`);
  results.forEach((r, j) => {
    const e = perFormula[j]!;
    assert.is(r.formula, e.formula, `${what}: formula ${j}`);
    assert.is(r.formulaEntry.str, e.formula);
    checkFormula(r.minimalMappings, e[`minimal_mappings_order${order}`] as Mapping[], `${what} ${order} ${e.formula}`);
  });
}

const pretrained = parseModel(PRETRAINED_XOR);
const pretrainedExpected = fixture('xor_mlp_pretrained.expected.json');

for (const order of ORDERS) {
  test(`pretrained model, pair order ${order}: every formula's minimal mappings (7 formulas, 42 mappings)`, async () => {
    const results = await mappingSearch(pretrained, getGate('XOR'), 3, { pairOrder: order });
    checkSearch(results, pretrainedExpected.mappings, order, 'pretrained');
    assert.is(formulasWithMapping(results), pretrainedExpected[`n_formulas_with_mapping_order${order}`]);
    assert.is(mappingsPerFormula(results).reduce((a, b) => a + b, 0), pretrainedExpected[`n_mappings_total_order${order}`]);
  });
}

test('the library order of neurons is CPython set order, not sorted', () => {
  // set(reversed([(1,0),(1,1),(1,2),(2,0),(2,1),(2,2)])) iterates (1,2),(2,1),(1,1),(2,0),(2,2),(1,0)
  // in CPython 3.11, so combinations() yields ((2,1),(2,0)) and subset_dict is {2: [1, 0]}.
  const f = formulasForGate(getGate('XOR'), 3).find((x) => x.str === '¬(((A*B)+¬(A+B))+¬(¬(A*B)+B))')!;
  const got = findMinimalMappings(pretrained, f, { pairOrder: 'BA' });
  assert.equal(got[0]!['(A*B)+¬(A+B) 1'], { '2': [1, 0] });
  assert.equal(sortNeuronLists(got[0]!)['(A*B)+¬(A+B) 1'], { '2': [0, 1] });
});

for (const name of caseNames()) {
  test(`case ${name}: minimal mappings per formula, formulas with a mapping, mappings per formula (BA and AB)`, async () => {
    const c = fixture(`cases/${name}.json`);
    const model = parseModel(c.model);
    for (const [i, o] of (c.expected.outputs as any[]).entries()) {
      const sub = subModel(model, i);
      for (const order of ORDERS) {
        const results = await mappingSearch(sub, getGate(o.gate), 3, { pairOrder: order });
        checkSearch(results, o.per_formula, order, `${name} output ${i} (${o.gate})`);
        assert.is(formulasWithMapping(results), o[`n_formulas_with_mapping_order${order}`], `${name} ${order} formulas with a mapping`);
        assert.equal(mappingsPerFormula(results), o[`mappings_per_formula_order${order}`], `${name} ${order} mappings per formula`);
      }
    }
  });
}

test('the fixtures keep the reference key order (not sorted by id or by name)', () => {
  // Some fixture mappings list their nodes out of id order, e.g. "A*B 8" before "(A*B)*(A+B) 1":
  // that is CPython set order, which the tests above match key for key.
  let outOfIdOrder = 0;
  for (const name of caseNames()) {
    for (const o of fixture(`cases/${name}.json`).expected.outputs) {
      for (const r of o.per_formula) {
        for (const m of r.minimal_mappings_orderBA as Mapping[]) {
          const ids = Object.keys(m).map((k) => Number(k.split(' ').pop()));
          if (ids.some((id, j) => j > 0 && id < ids[j - 1]!)) outOfIdOrder++;
        }
      }
    }
  }
  assert.ok(outOfIdOrder > 0);
});

test('M6: a formula without relevant nodes has exactly one empty mapping', () => {
  const and = formulasForGate(getGate('AND'), 3)[0]!;
  assert.is(and.str, 'A*B');
  assert.equal(relevantNodes(and.tree), []);
  assert.equal(findMinimalMappings(pretrained, and, { pairOrder: 'BA' }), [{}]);
});

/** The interchange test written out directly, to check validityTable against. */
function naiveValid(model: Model, formula: Formula, order: PairOrder, node: number, neurons: [number, number][]): boolean {
  const problem = mappingProblem(model, formula, { pairOrder: order });
  const n = problem.nodes.indexOf(node);
  const table = highLevelTable(formula, problem.nodes, problem.pairs);
  return problem.pairs.every((pair, p) => {
    const source = forwardActivations(model, pair.source.input);
    const iv = new Map<number, Map<number, number>>();
    for (const [l, y] of neurons) iv.set(l, (iv.get(l) ?? new Map()).set(y, source[l]![y]!));
    const out = forwardActivations(model, pair.base.input, iv);
    return table.expected[n * problem.pairs.length + p] === (out[out.length - 1]![0]! > 0.5 ? 1 : 0);
  });
}

test('validityTable agrees with a direct interchange test (w4 case, several formulas)', () => {
  const model = parseModel(fixture('cases/XOR_w4_d2_seed0.json').model);
  const neurons = hiddenNeurons(model);
  const formulas = formulasForGate(getGate('XOR'), 3);
  for (const f of [formulas[0]!, formulas[10]!, formulas[40]!]) {
    const problem = mappingProblem(model, f, { pairOrder: 'BA' });
    problem.nodes.forEach((node, n) => {
      problem.candidates.forEach((mask, c) => {
        if (c % 3) return; // a third of the candidates keeps this quick
        const set = neurons.filter((_, i) => (mask >>> i) & 1);
        assert.is(problem.valid[n * problem.candidates.length + c] === 1, naiveValid(model, f, 'BA', node, set));
      });
    });
  }
});

test("pair order 'all': every valid set is valid under AB and BA", () => {
  let validAll = 0;
  for (const model of [pretrained, parseModel(fixture('cases/XOR_w3_d2_seed6.json').model)]) {
    for (const f of formulasForGate(getGate('XOR'), 3)) {
      const [all, ab, ba] = (['all', 'AB', 'BA'] as const).map((o) => mappingProblem(model, f, { pairOrder: o }).valid);
      all!.forEach((v, i) => {
        if (!v) return;
        validAll++;
        assert.is(ab![i], 1);
        assert.is(ba![i], 1);
      });
    }
  }
  assert.ok(validAll > 0);
  // 12 pairs for two inputs, both orientations of each unordered pair.
  assert.is(samplePairs(formulasForGate(getGate('XOR'), 3)[0]!, 'all').length, 12);
});

test('candidate sets: single layers by default, contiguous layers with distribLayers', () => {
  const model = parseModel(fixture('cases/XOR_w4_d2_seed0.json').model);
  assert.is(candidateMasks(model, false).length, 2 * 15);
  assert.is(candidateMasks(model, true).length, 255);
  const deep = { ...model, layerSizes: [2, 1, 1, 1, 1] };
  assert.equal(Array.from(candidateMasks(deep as Model, true)), [1, 2, 3, 4, 6, 7]); // {1,3} is not contiguous
  // The data-only signature: typed arrays in, one byte per (node, candidate) out.
  const f = formulasForGate(getGate('XOR'), 3)[0]!;
  const pairs = samplePairs(f, 'BA');
  const hl = highLevelTable(f, relevantNodes(f.tree), pairs);
  const valid = validityTable(model, hl, pairInputs(pairs), candidateMasks(model, false));
  assert.instance(valid, Uint8Array);
  assert.is(valid.length, hl.nNodes * 30);
});

test('distribLayers: every single-layer minimal mapping contains a minimal distributed one', () => {
  const pairsOf = (m: Mapping) =>
    new Map(Object.entries(m).map(([node, layers]) => [node, new Set(Object.entries(layers).flatMap(([l, ns]) => ns.map((y) => `${l},${y}`)))]));
  const contains = (big: Mapping, small: Mapping) => {
    const b = pairsOf(big);
    return [...pairsOf(small)].every(([node, set]) => [...set].every((x) => b.get(node)?.has(x)));
  };
  for (const f of formulasForGate(getGate('XOR'), 3)) {
    const single = findMinimalMappings(pretrained, f, { pairOrder: 'BA' });
    if (!single.length) continue;
    const distrib = findMinimalMappings(pretrained, f, { pairOrder: 'BA', distribLayers: true });
    for (const m of single) assert.ok(distrib.some((d) => contains(m, d)), f.str);
  }
});

test.run();
