// The criteria on planted networks (test/fixtures/planted/*.json): MLPs built by hand whose
// mechanism is known, so that what each criterion must return can be derived by hand. Each test
// states the derivation, then checks every criterion against it (docs/criteria.md).
//
// Notation: inputs A, B; s = A + B. Every network below has layers 2-3-3-1 (2-3-3-2), leaky
// slope 0.01. The formulas are those of depth <= 2 (formulaDepth 2), small enough to derive:
//   XOR: φ1 = ¬(A*B)*(A+B), relevant nodes A+B (OR) and ¬(A*B) (NAND);
//        φ2 = ¬((A*B)+¬(A+B)), relevant nodes A*B (AND) and ¬(A+B) (NOR).
// The paper's interchange test (pair order BA) takes (source, base) in the sample order 00, 10,
// 01, 11 with the source first: 00 is never a base and 11 never a source.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { analyzeModel, type OutputAnalysis } from '../src/analyze.ts';
import { oodProbeSet } from '../src/criteria/circuits.ts';
import { causalProblem, holdsCausally } from '../src/criteria/grounding-causal.ts';
import { distinctGroundingRows, iterateGroundings } from '../src/grounding.ts';
import { inputRows } from '../src/gates.ts';
import { parseModel, subModel } from '../src/model.ts';
import { FIXTURES } from './helpers.ts';

const planted = (name: string) => parseModel(readFileSync(join(FIXTURES, 'planted', `${name}.json`), 'utf8'));

/**
 * Rows for noisy-iia with small bounded noise: every clean input with each value moved by -0.05
 * and +0.05 (4 rows each), so s moves by at most 0.1.
 */
const smallNoise = { x: inputRows(2).flatMap((row) => [[-0.05, -0.05], [-0.05, 0.05], [0.05, -0.05], [0.05, 0.05]].map(([a, b]) => [row[0]! + a!, row[1]! + b!])) };

async function analyse(name: string, gates: string[], extra: object = {}): Promise<OutputAnalysis[]> {
  const r = await analyzeModel(planted(name), { gates, formulaDepth: 2, criteria: 'all', backend: 'ts', ...extra });
  return r.outputs;
}

/** The listed perfect circuit with these node masks and edge masks. */
const circuitWith = (o: OutputAnalysis, nodeMasks: number[][], edgeMasks: number[][][]) =>
  o.perfectCircuits.find((c) => JSON.stringify(c.nodeMasks) === JSON.stringify(nodeMasks) && JSON.stringify(c.edgeMasks) === JSON.stringify(edgeMasks));

const minimalOf = (o: OutputAnalysis) => o.perfectCircuits.filter((c) => c.passes!.includes('minimal'));
const mappingsOf = (o: OutputAnalysis) => Object.fromEntries(o.formulas.filter((f) => f.minimalMappings.length).map((f) => [f.formula, f.minimalMappings]));

/** The planted XOR circuit: h0, h1 from both inputs, g0 from h0 and h1, the output from g0. */
const XOR_NODES = [[1, 1], [1, 1, 0], [1, 0, 0], [1]];
const XOR_EDGES = [[[1, 1], [1, 1], [0, 0]], [[1, 1, 0], [0, 0, 0], [0, 0, 0]], [[1, 0, 0]]];

test('planted XOR on two live neurons: minimal and the causal grounding leave one where-then-what explanation', async () => {
  // The network (xor.json): h0 = leaky(1 - 2s) is 1, -0.01, -0.01, -0.03 on 00, 01, 10, 11;
  // h1 = leaky(2s - 3) is -0.03, -0.01, -0.01, 1; h2, g1, g2 are dead (value 0, zero out-weights);
  // g0 = leaky(1 - 2 h0 - 2 h1) is -0.0094, 1.04, 1.04, -0.0094; the output is leaky(g0).
  //
  // Perfect circuits. Dropping any of the 7 live edges breaks XOR (e.g. without A -> h0, h0 = 1 on
  // 10, so g0 < 0 there), so every perfect circuit holds the planted one; dead parts add exact
  // zeros. Counting the ways to add dead parts (h2, g1, g2 on or off, not all three: C2): h2 needs
  // a non-empty set of input edges (3 ways) and an out-edge; g1 and g2 any non-empty set of
  // in-edges (3 ways from h0, h1; 7 with h2) and their edge to the output:
  //   none 1, g1 3, g2 3, g1+g2 9, h2 3, h2+g1 3 x 11, h2+g2 3 x 11  ->  85 perfect circuits.
  // Groundings. Each live neuron has 2 thresholds on its 3 values: h0 NAND (between -0.03 and
  // -0.01) or NOR (-0.01 and 1); h1 OR or AND; g0 one (the XOR table); the output IDENTITY of g0.
  // g0's local table over (h0, h1) is consistent for (NOR, AND) -> NOR and (NAND, OR) -> AND only
  // (the other completions are XNOR, dropped, G4). So every perfect circuit has the same 2
  // groundings: {NOR, AND, NOR, IDENTITY} and {NAND, OR, AND, IDENTITY}: 170 in all.
  const [o] = await analyse('xor', ['XOR'], { noisyIiaData: smallNoise });
  assert.is(o!.perfectCircuitCount, 85);
  assert.is(o!.totalGroundings, 170);
  assert.ok(o!.groundingsPerCircuit.every((n) => n === 2));
  const c = o!.criteria!;

  // minimal: only the planted circuit has no perfect proper sub-circuit.
  assert.equal(minimalOf(o!).map((x) => x.index), [circuitWith(o!, XOR_NODES, XOR_EDGES)!.index]);
  assert.equal([c.minimal!.circuits, c.minimal!.groundings], [1, 2]);
  // mean-ablation, resample-ablation, ood-<σ>: every perfect circuit holds all 7 live edges, so
  // its pruned edges all have weight 0 and it computes the full model whatever replaces them: all
  // 85 pass.
  for (const id of ['mean-ablation', 'resample-ablation', 'ood-0.05', 'ood-0.1', 'ood-0.2'] as const) assert.equal([c[id]!.circuits, c[id]!.groundings], [85, 170], id);
  // grounding-causal: {NAND, OR, AND} fails (set h0 on base 00 from source 01: the NAND bit of
  // h0 stays 1, the OR bit of h1 is 0, so AND predicts g0 = 0, but g0 = 1 + 0.02 + 0.06 > 0.5);
  // {NOR, AND, NOR} holds in every scenario: g0 > 0.5 exactly when neither h0 nor h1 is high,
  // whichever clean values they carry. One causal grounding per circuit.
  assert.equal([c['grounding-causal']!.circuits, c['grounding-causal']!.groundings], [85, 85]);
  assert.ok(o!.perfectCircuits.every((x) => x.criterionGroundings!['grounding-causal'] === 1));
  // grounding-distinct: the two groundings state different gates: 2 per circuit.
  assert.equal([c['grounding-distinct']!.circuits, c['grounding-distinct']!.groundings], [85, 170]);
  // all: the planted circuit with its causal grounding, one explanation.
  assert.equal([c.all!.circuits, c.all!.groundings], [1, 1]);
  assert.ok(c.all!.unique.whereThenWhat);
  assert.not.ok(c.minimal!.unique.whereThenWhat);

  // What-then-where. φ1: patching h0 from the source gives g0 = NOR(NOR(source), AND(base)) =
  // OR(source) AND NAND(base), exactly φ1 with A+B forced to its source value, on every pair:
  // {h0} is valid for A+B, and likewise {h1} for ¬(A*B); {h0, h1}, g0 and the dead neurons alone
  // are not (e.g. (source 00, base 10)). With h2 added the sets stay valid but not minimal. φ2 the
  // same with the negated readings: A*B -> {h1}, ¬(A+B) -> {h0}. One minimal mapping each.
  assert.equal(mappingsOf(o!), {
    '¬(A*B)*(A+B)': [{ 'A+B 4': { 1: [0] }, '¬(A*B) 7': { 1: [1] } }],
    '¬((A*B)+¬(A+B))': [{ 'A*B 1': { 1: [1] }, '¬(A+B) 8': { 1: [0] } }],
  });
  // The network side and φ1 are the same function of (source, base) for every pair: symmetric
  // and joint (both variables patched from any sources) pass; the unmapped neuron of layer 1 is
  // dead, so unmapped and full-state pass; under noise of at most 0.1 on s every neuron keeps its
  // high/low level (h0 in [0.8, 1.2] or below -0.008, ...), so noisy-iia passes. The two formulas
  // map variables with different truth tables (OR, NAND vs AND, NOR): two explanations even up
  // to isomorphism, under every criterion.
  for (const id of ['symmetric', 'joint', 'unmapped', 'full-state', 'noisy-iia', 'all'] as const) {
    assert.equal([c[id]!.formulas, c[id]!.mappings, c[id]!.upToIsomorphism, c[id]!.vacuous], [2, 2, undefined, 0], id);
    assert.not.ok(c[id]!.unique.whatThenWhere, id);
  }
  assert.ok(o!.formulas.filter((f) => f.minimalMappings.length).every((f) => f.passes![0]!.includes('all')));
});

test('planted XOR: the causal grounding is NOR(NOR(A,B), AND(A,B)), by the definition itself', () => {
  const model = planted('xor');
  const circuit = { nodeMasks: XOR_NODES, edgeMasks: XOR_EDGES };
  const cp = causalProblem(model, circuit, distinctGroundingRows(inputRows(2), 2));
  const holding = [...iterateGroundings(cp.problem)].filter((g) => holdsCausally(cp, circuit, g)).map((g) => g.gates);
  assert.equal(holding, [{ '(1,0)': 'NOR', '(1,1)': 'AND', '(2,0)': 'NOR', '(3,0)': 'IDENTITY' }]);
});

test('planted XOR with a duplicated neuron: criteria disagree, and all of them together leave nothing', async () => {
  // The network (xor-duplicated.json): h2 is a copy of h0, and g0 = leaky(1 - h0 - 2 h1 - h2),
  // the same function as before. With one copy zero-ablated, g0 = 1 - h0 - 2 h1 is still
  // 0.06, 1.03, 1.03, -0.97 on 00, 01, 10, 11: XOR. So there are two minimal circuits, one with h0
  // and the circuit with h2 (each with the 2 groundings of the planted XOR).
  const [o] = await analyse('xor-duplicated', ['XOR']);
  const c = o!.criteria!;
  const m0 = circuitWith(o!, [[1, 1], [1, 1, 0], [1, 0, 0], [1]], [[[1, 1], [1, 1], [0, 0]], [[1, 1, 0], [0, 0, 0], [0, 0, 0]], [[1, 0, 0]]])!;
  const m2 = circuitWith(o!, [[1, 1], [0, 1, 1], [1, 0, 0], [1]], [[[0, 0], [1, 1], [1, 1]], [[0, 1, 1], [0, 0, 0], [0, 0, 0]], [[1, 0, 0]]])!;
  assert.equal(minimalOf(o!).map((x) => x.index).sort((a, b) => a - b), [m2.index, m0.index].sort((a, b) => a - b));
  assert.equal([c.minimal!.circuits, c.minimal!.groundings], [2, 4]);
  for (const m of [m0, m2]) {
    // mean-ablation: the missing copy passes -μ = -(1 - 0.01 - 0.01 - 0.03)/4 = -0.2375 into g0:
    // 00: 0.06 - 0.2375 < 0.5, 01: 1.03 - 0.2375 = 0.79 > 0.5, 11 < 0: still XOR, passes.
    assert.ok(m.passes!.includes('mean-ablation'));
    // resample-ablation: on (base 01, source 00) the missing copy carries its value 1 on 00:
    // g0 = 1 + 0.01 + 0.02 - 1 = 0.03, wrong. Fails.
    assert.not.ok(m.passes!.includes('resample-ablation'));
    // grounding-causal: the one causal grounding of the planted XOR.
    assert.is(m.criterionGroundings!['grounding-causal'], 1);
  }
  // resample-ablation keeps the circuits with both copies and all their input edges into g0 (their
  // pruned edges have weight 0): layer 1 all kept, so not both g1 and g2 (C2); g0 from all three;
  // g1 or g2 from any non-empty set of the three: 1 + 7 + 7 = 15.
  assert.is(c['resample-ablation']!.circuits, 15);
  assert.ok(o!.perfectCircuits.filter((x) => x.passes!.includes('resample-ablation')).every((x) => x.nodeMasks[1]!.join() === '1,1,1' && x.edgeMasks[1]![0]!.join() === '1,1,1'));
  // ood-<σ>: on a noisy 00 row (s = ε), the h0 circuit computes g0 = 0.06 + 2ε where the full model computes
  // -0.94 + 4ε: they round differently for 0.22 < ε < 0.36. Read off the probe sets: at σ = 0.05
  // no 00 row has ε > 0.22 (and the other inputs keep a margin of 0.47), so both pass; at
  // σ = 0.2 more than 1 % of the 1,000 rows fall in that band, so they fail.
  const eps = (sigma: number) => {
    const p = oodProbeSet(2, sigma);
    return p.x.filter((_, i) => p.clean[i] === 0).map((x) => x[0]! + x[1]!);
  };
  assert.ok(eps(0.05).every((e) => e < 0.22));
  assert.ok(eps(0.2).filter((e) => e > 0.22 && e < 0.36).length > 10);
  for (const m of [m0, m2]) {
    assert.ok(m.passes!.includes('ood-0.05'));
    assert.not.ok(m.passes!.includes('ood-0.2'));
  }
  // all: resample removes both minimal circuits, and minimal removes every other one.
  assert.equal([c.all!.circuits, c.all!.groundings], [0, 0]);

  // What-then-where: under BA, base 00 never occurs, and patching one copy is enough on the
  // pairs that do occur (source 00, base 10: g0 = 1 - 1 + 0.02 + 0.01 = 0.03, as φ1 says 0), so
  // OR (NOR) maps to {h0} or to {h2}: 2 minimal mappings per formula, 4 in all.
  assert.equal(mappingsOf(o!), {
    '¬(A*B)*(A+B)': [{ 'A+B 4': { 1: [2] }, '¬(A*B) 7': { 1: [1] } }, { 'A+B 4': { 1: [0] }, '¬(A*B) 7': { 1: [1] } }],
    '¬((A*B)+¬(A+B))': [{ 'A*B 1': { 1: [1] }, '¬(A+B) 8': { 1: [2] } }, { 'A*B 1': { 1: [1] }, '¬(A+B) 8': { 1: [0] } }],
  });
  // symmetric adds (source 01, base 00): one copy patched gives g0 = 1 + 0.01 + 0.06 - 1 = 0.07,
  // while φ1 says OR(01) AND NAND(00) = 1. joint fails on the same base with both variables
  // patched; unmapped and full-state fail because the other copy, unmapped, changes the decision
  // when patched alone. All four remove every mapping.
  for (const id of ['symmetric', 'joint', 'unmapped', 'full-state'] as const) assert.equal([c[id]!.formulas, c[id]!.mappings], [0, 0], id);
  // noisy-iia (the ood-0.1 probe set): on (source 00, base 10), g0 = 0.03 + 2ε of the source row,
  // wrong once ε > 0.235; the probe set has such 00 rows, and the zipped pairs use every one.
  assert.ok(eps(0.1).some((e) => e > 0.235));
  assert.equal([c['noisy-iia']!.formulas, c['noisy-iia']!.mappings], [0, 0]);
});

test('a 2-output model with disjoint mechanisms: each output keeps its own explanation', async () => {
  // two-outputs.json: output 0 is the planted XOR (h0, h1, g0); output 1 is AND through
  // h2 = leaky(2s - 3) (-0.03, -0.01, -0.01, 1), g1 = leaky(h2), the output leaky(g1). No weight
  // joins the two, so each output's submodel (P6) has the other mechanism with no path to it.
  const [xor, and] = await analyse('two-outputs', ['XOR', 'AND']);
  // Output 0: as the planted XOR. h2 now lives (it is not dead), so circuits that keep it have more
  // groundings, but the minimal circuit is the planted one, and all leaves it with its causal
  // grounding; the two formulas and their mappings are the planted XOR's.
  assert.equal(minimalOf(xor!).map((x) => x.index), [circuitWith(xor!, XOR_NODES, XOR_EDGES)!.index]);
  assert.equal([xor!.criteria!.minimal!.circuits, xor!.criteria!.minimal!.groundings], [1, 2]);
  assert.equal([xor!.criteria!.all!.circuits, xor!.criteria!.all!.groundings, xor!.criteria!.all!.mappings], [1, 1, 2]);

  // Output 1: the minimal circuit is A, B -> h2 -> g1 -> output (every edge needed: without
  // A -> h2, h2 = leaky(2B - 3) < 0 on 11). Its groundings: h2 OR (sep -0.02) or AND (sep
  // 0.495); g1 over h2 and the output over g1 must be IDENTITY, which only h2 = AND, g1 = AND
  // allows (with h2 = OR, g1's table would map bit 1 to both 0 and 1). One grounding: the
  // where-then-what side is already unique under minimal.
  const m = circuitWith(and!, [[1, 1], [0, 0, 1], [0, 1, 0], [1]], [[[0, 0], [0, 0], [1, 1]], [[0, 0, 0], [0, 0, 1], [0, 0, 0]], [[0, 1, 0]]])!;
  assert.equal(minimalOf(and!).map((x) => x.index), [m.index]);
  assert.equal([and!.criteria!.minimal!.circuits, and!.criteria!.minimal!.groundings], [1, 1]);
  assert.ok(and!.criteria!.minimal!.unique.whereThenWhat);
  assert.equal([and!.criteria!.all!.circuits, and!.criteria!.all!.groundings], [1, 1]);

  // What-then-where, AND at depth 2: A*B has no relevant node, hence one empty mapping (M6).
  // (A*B)*B maps its node A*B: with sources 00, 10, 01 only (BA), the formula is 0 on every pair,
  // and patching h2 or g1 from such a source makes the output 0: {h2} and {g1} are both minimal.
  // The other six formulas need a neuron carrying A or B alone, which this network has not.
  assert.equal(mappingsOf(and!), { 'A*B': [{}], '(A*B)*B': [{ 'A*B 1': { 1: [2] } }, { 'A*B 1': { 2: [1] } }] });
  const c = and!.criteria!;
  // symmetric adds (source 11, base 00): the formula stays 0 (B = 0 on the base), patching h2 or
  // g1 from 11 gives 1: both mappings of (A*B)*B fail, and the empty mapping (vacuous) remains:
  // one explanation.
  assert.equal([c.symmetric!.formulas, c.symmetric!.mappings, c.symmetric!.vacuous], [1, 1, 1]);
  assert.ok(c.symmetric!.unique.whatThenWhere);
  // joint tests subsets of two or more variables: none here, all 3 pass vacuously.
  assert.equal([c.joint!.mappings, c.joint!.vacuous], [3, 3]);
  // unmapped and full-state: the other neurons of layer 1 (h0, h1) and of layer 2 (g0, g2) have
  // no path to output 1, so patching them never changes its decision: all 3 pass (1 vacuously).
  for (const id of ['unmapped', 'full-state'] as const) assert.equal([c[id]!.mappings, c[id]!.vacuous], [3, 1], id);
  // all: one circuit with one grounding, and the single (empty) mapping of A*B.
  assert.equal([c.all!.formulas, c.all!.mappings, c.all!.vacuous], [1, 1, 1]);
  assert.ok(c.all!.unique.whereThenWhat && c.all!.unique.whatThenWhere);
  // The submodels really are disjoint: output 1's submodel reads g1 alone.
  assert.equal(Array.from(subModel(planted('two-outputs'), 1).weights[2]!), [0, 1, 0]);
});


test('planted networks: the Wasm backend (causal groundings in its kernel) gives every criterion exactly as the TS reference', async () => {
  for (const [name, gates, extra] of [['xor', ['XOR'], { noisyIiaData: smallNoise }], ['xor-duplicated', ['XOR'], {}], ['two-outputs', ['XOR', 'AND'], {}]] as const) {
    const model = planted(name);
    const ts = await analyzeModel(model, { gates: [...gates], formulaDepth: 2, criteria: 'all', backend: 'ts', ...extra });
    const wasm = await analyzeModel(model, { gates: [...gates], formulaDepth: 2, criteria: 'all', backend: 'wasm', ...extra });
    assert.is(wasm.backend.criteria, 'wasm', name);
    assert.equal(wasm.backend.fallbacks, [], name);
    wasm.outputs.forEach((o, i) => {
      const t = ts.outputs[i]!;
      assert.equal(o.criteria, t.criteria, `${name} output ${i}: counts`);
      assert.equal(o.perfectCircuits.map((c) => [c.passes, c.criterionGroundings]), t.perfectCircuits.map((c) => [c.passes, c.criterionGroundings]), `${name} output ${i}: circuits`);
      assert.equal(o.formulas.map((f) => [f.passes, f.vacuous]), t.formulas.map((f) => [f.passes, f.vacuous]), `${name} output ${i}: mappings`);
    });
  }
});

test.run();
