// The explorer's logic in Node, without a browser: the URL state round trip and damaged links,
// training equal to `mi-ident train` (trainUnitModel) bit for bit, a trained run's analysis equal
// to `mi-ident run`'s (runUnit), grounding pages equal to the reference enumeration, the heat map,
// circuit sorting/filtering and mapping parsing, and the model-file loader on .pt and .safetensors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { runJob } from '../examples/explorer/src/analyze-job.ts';
import { filterCircuits, minimalCircuits, sortCircuits } from '../examples/explorer/src/circuits.ts';
import { canonicalCriteria, circuitPasses, EXPLORER_CRITERIA, groundingsUnderToggles, mappingPasses } from '../examples/explorer/src/criteria-view.ts';
import { groupDigits } from '../examples/explorer/src/format.ts';
import { groundingsPage, MAX_SKIP } from '../examples/explorer/src/groundings-job.ts';
import { circuitHeat, heatColor, heatTextColor } from '../examples/explorer/src/heat.ts';
import { mappedNodes, neuronLabels } from '../examples/explorer/src/mapping.ts';
import { pickedModelProblem, readPickedModel } from '../examples/explorer/src/model-file.ts';
import type { GroundingsRequest, RunResponse } from '../examples/explorer/src/protocol.ts';
import {
  decodeState,
  defaultState,
  encodeState,
  fromBase64Url,
  MAX_LINK_MODEL_CHARS,
  toBase64Url,
  type ExplorerState,
} from '../examples/explorer/src/state.ts';
import { pageConfig, trainInPage } from '../examples/explorer/src/train-job.ts';
import { CircuitSpace } from '../src/circuits/space.ts';
import { isIncluded } from '../src/circuits/metrics.ts';
import { modelToJson, parseModel } from '../src/model.ts';
import { PRETRAINED_XOR } from '../src/pretrained-xor.ts';
import { groundingProblem, iterateGroundings } from '../src/grounding.ts';
import { getGate, inputRows } from '../src/gates.ts';
import { runUnit, trainUnitModel, unitInputs } from '../src/experiment/unit.ts';
import { fixture } from './model-file-helpers.ts';

const sum = (a: readonly number[]) => a.reduce((x, y) => x + y, 0);

let pretrained: RunResponse;
test.before(async () => {
  pretrained = await runJob({ ...defaultState().run, backend: 'wasm' }, () => {});
});

test('state: every setting and view choice survives the URL', () => {
  const s: ExplorerState = defaultState();
  s.run = {
    source: 'train', gates: ['XOR', 'NAND'], backend: 'webgpu', pairOrder: 'all', model: null,
    train: { width: 4, depth: 3, seed: 1234, noise: 0.25, lossTarget: 0.005, learningRate: 0.01, engine: 'ts', rng: 'fast' },
  };
  s.view = { output: 1, network: 'mapping', sort: 'index', filter: 'containing', circuit: 1749, groundingPage: 3, grounding: 31, formula: 4, mapping: 2, allFormulas: true, criteria: ['minimal', 'ood-0.1', 'grounding-causal', 'symmetric'] };
  const { state, problems } = decodeState(`#${encodeState(s)}`);
  assert.equal(problems, []);
  assert.equal(state, s);
  // the defaults give a short link that still names every run setting
  assert.is(encodeState(defaultState()), 'src=pretrained&gates=XOR&backend=auto&order=BA');
});

test('criteria toggles: the page computes every criterion; toggles filter as the pass flags say', () => {
  const o = pretrained.result.outputs[0]!;
  assert.ok(o.criteria, 'the page analyses with criteria: all');
  assert.equal(Object.keys(o.criteria!).sort(), [...EXPLORER_CRITERIA].sort());
  assert.equal(canonicalCriteria(['symmetric', 'minimal', 'nope', 'minimal']), ['minimal', 'symmetric']);
  // no toggle: everything listed
  assert.ok(o.perfectCircuits.every((c) => circuitPasses(c, [])));
  // one where-then-what toggle: exactly the criterion's circuit count; what-then-where toggles leave circuits alone
  for (const id of ['minimal', 'ood-0.2', 'grounding-causal', 'all']) {
    assert.is(o.perfectCircuits.filter((c) => circuitPasses(c, [id])).length, o.criteria![id as 'minimal']!.circuits, id);
  }
  assert.is(o.perfectCircuits.filter((c) => circuitPasses(c, ['symmetric'])).length, o.perfectCircuits.length);
  // one what-then-where toggle: exactly the criterion's mapping count; where-then-what toggles leave mappings alone
  const mappings = (active: string[]) => o.formulas.reduce((n, f) => n + f.minimalMappings.filter((_, j) => mappingPasses(f, j, active)).length, 0);
  for (const id of ['symmetric', 'joint', 'unmapped', 'full-state', 'noisy-iia', 'all']) assert.is(mappings([id]), o.criteria![id as 'joint']!.mappings, id);
  assert.is(mappings(['minimal']), sum(o.mappingsPerFormula));
  // conjunctions only remove
  assert.ok(o.perfectCircuits.filter((c) => circuitPasses(c, ['minimal', 'grounding-causal'])).length <= o.criteria!.minimal!.circuits);
  // grounding counts under the grounding toggles sum to the criterion's groundings
  const total = o.perfectCircuits.reduce((n, c) => n + BigInt(groundingsUnderToggles(c, ['grounding-causal'])[0]?.[1] ?? 0), 0n);
  assert.is(String(total), String(o.criteria!['grounding-causal']!.groundings));
});

test('state: a file model travels in the link (UTF-8 safe), up to a size', () => {
  const s = defaultState();
  s.run.source = 'file';
  s.run.model = JSON.stringify({ ...modelToJson(parseModel(PRETRAINED_XOR)), note: '¬(A*B) → ünïcode' });
  const { state, problems } = decodeState(encodeState(s));
  assert.equal(problems, []);
  assert.is(state.run.model, s.run.model);
  fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (text) => fromBase64Url(toBase64Url(text)) === text));
  s.run.model = JSON.stringify({ pad: 'x'.repeat(MAX_LINK_MODEL_CHARS) });
  const big = decodeState(encodeState(s));
  assert.is(big.state.run.source, 'pretrained'); // not carried: the link says so and opens the pretrained model
  assert.ok(big.problems.some((p) => p.includes('does not carry')));
});

test('state: a damaged link opens with defaults and says what it ignored', () => {
  const { state, problems } = decodeState('#src=magic&gates=XOR,FOO&width=99&seed=-1&noise=abc&backend=cuda&order=BA&c=-3&gpage=0&model=%%%&crit=joint,magic,minimal,joint');
  assert.equal(state.run, { ...defaultState().run });
  assert.is(state.view.circuit, null);
  assert.is(state.view.groundingPage, 0);
  assert.equal(state.view.criteria, ['minimal', 'joint']); // known ids kept, in table order, once each
  for (const bit of ['src=magic', 'FOO', 'width=99', 'seed=-1', 'noise=abc', 'backend=cuda', 'c=-3', 'gpage=0', 'model in the link is damaged', 'unknown criteria "magic"']) {
    assert.ok(problems.some((p) => p.includes(bit)), `${bit}: ${problems.join(' | ')}`);
  }
  assert.equal(decodeState('').problems, []);
});

test('training in the page is `mi-ident train`, bit for bit', async () => {
  for (const [gates, t] of [
    [['XOR'], { width: 3, depth: 2, seed: 1 }],
    [['XOR', 'AND'], { width: 2, depth: 1, seed: 5 }],
  ] as const) {
    const settings = { ...defaultState().run.train, ...t };
    const epochs: number[] = [];
    const page = await trainInPage(gates, settings, { onEpoch: (e) => epochs.push(e) });
    const config = pageConfig(gates, settings);
    const g = gates.map(getGate);
    const unit = { nGates: g.length, seedOffset: 0, size: t.width, depth: t.depth, lossTarget: settings.lossTarget, learningRate: settings.learningRate };
    const { gates: drawn, data } = unitInputs(config, g.length, 0);
    const cli = await trainUnitModel(config, unit, drawn, data);
    assert.equal(page.gates, drawn.map((d) => d.name));
    assert.equal(modelToJson(page.model), modelToJson(cli.model), gates.join());
    assert.is(page.info.epochs, cli.epochs);
    assert.is(page.info.finalLoss, cli.finalLoss);
    assert.equal(epochs, Array.from({ length: cli.epochs }, (_, i) => i + 1));
  }
});

test("a trained run's analysis is what `mi-ident run` records for the unit", async () => {
  const settings = { ...defaultState().run, source: 'train' as const, backend: 'wasm' as const };
  settings.train = { ...settings.train, seed: 1 };
  const stages = new Set<string>();
  const r = await runJob(settings, (stage) => stages.add(stage));
  assert.ok(stages.has('training') && stages.has('XOR circuits'), [...stages].join());
  const config = pageConfig(settings.gates, settings.train);
  const record = await runUnit(config, { index: 0, nGates: 1, seedOffset: 0, size: 3, depth: 2, lossTarget: 0.01, learningRate: 0.001 }, { backend: 'wasm' });
  const row = record.rows[0]!;
  const o = r.result.outputs[0]!;
  assert.ok(r.training!.converged);
  assert.equal(r.model, record.model);
  assert.is(o.perfectCircuits.length, row.perfect_circuits);
  assert.equal(o.groundingsPerCircuit, row.interpretations_per_circuit);
  assert.is(o.formulasWithMapping, row.formulas);
  assert.equal(o.mappingsPerFormula, row.mappings_per_formula);
  assert.equal(r.session.groundInputs?.length, 40); // main.py's x_tt: 10 repeats of 4 rows
});

test('pretrained run: the paper counts, circuit-set facts, session', () => {
  const o = pretrained.result.outputs[0]!;
  assert.is(o.perfectCircuits.length, 32);
  assert.is(o.totalGroundings, 234_700);
  assert.is(o.formulasWithMapping, 7);
  assert.is(sum(o.mappingsPerFormula), 42);
  assert.equal(pretrained.backend, { requested: 'wasm', circuits: 'wasm', groundings: 'wasm', adapter: null, warnings: [] });
  const sets = pretrained.circuitSets[0]!;
  const minimal = o.perfectCircuits.filter((c) => !o.perfectCircuits.some((d) => d !== c && isIncluded(d, c))).map((c) => c.index);
  assert.equal(sets.minimal, minimal);
  assert.ok(sets.nestedPairFraction > 0 && sets.nestedPairFraction < 1);
  assert.equal(pretrained.session, { model: modelToJson(parseModel(PRETRAINED_XOR)), gates: ['XOR'], minSparsity: 0, groundInputs: null });
});

test('the file input: a .pt, a .safetensors and model JSON give one model and one run; bad files name themselves', async () => {
  const xor = parseModel(PRETRAINED_XOR);
  for (const f of ['authors_xor_mlp.pt', 'authors_xor_mlp_cuda_tagged.pt', 'with_metadata.safetensors', 'authors_xor_mlp.model.json']) {
    const picked = readPickedModel(fixture(f), f);
    assert.equal(parseModel(picked.modelJson), xor, f);
    assert.is(picked.gates, null);
  }
  const fromPt = readPickedModel(fixture('authors_xor_mlp.pt'), 'authors_xor_mlp.pt');
  const run = await runJob({ ...defaultState().run, source: 'file', model: fromPt.modelJson, backend: 'wasm' }, () => {});
  assert.equal(run.result.outputs.map((o) => [o.perfectCircuits.length, o.totalGroundings]), pretrained.result.outputs.map((o) => [o.perfectCircuits.length, o.totalGroundings]));
  const trained = readPickedModel(new TextEncoder().encode(JSON.stringify({ ...PRETRAINED_XOR, training: { gates: ['XOR'] } })), 'xor.json');
  assert.equal(trained.gates, ['XOR'], 'a model from mi-ident train says its gates');
  const problem = (bytes: Uint8Array, name: string) => {
    try {
      readPickedModel(bytes, name);
    } catch (e) {
      return pickedModelProblem(name, e);
    }
    throw new Error(`${name} loaded`);
  };
  assert.match(problem(fixture('malicious.pt'), 'malicious.pt'), /^malicious\.pt names os\.system in its pickle, which mi-ident refuses without running anything/);
  assert.match(problem(fixture('whole_module.pt'), 'whole_module.pt'), /^whole_module\.pt is a whole pickled nn\.Module .*Save model\.state_dict\(\) instead/);
  const short = new TextEncoder().encode(JSON.stringify({ ...PRETRAINED_XOR, weights: PRETRAINED_XOR.weights.slice(0, 2) }));
  assert.match(problem(short, 'short.json'), /^short\.json is not a usable model: weights has 2 weight matrices, layerSizes says 3/);
});

test('grounding pages concatenate to the reference enumeration, in any paging order', () => {
  const o = pretrained.result.outputs[0]!;
  const model = parseModel(PRETRAINED_XOR);
  const space = new CircuitSpace(model.layerSizes);
  for (const [k, c] of o.perfectCircuits.entries()) {
    if (Number(o.groundingsPerCircuit[k]) > 2000) continue; // the big ones: checked by count below
    const expected = [...iterateGroundings(groundingProblem(model, space.decode(c.index), inputRows(2)))].map((g) => g.detail.map((s) => ({ gate: s.gate, separator: s.separator })));
    const request = (page: number): GroundingsRequest => ({ type: 'groundings', session: pretrained.session, output: 0, circuit: c.index, page, pageSize: 7 });
    const pages = Math.ceil(expected.length / 7);
    const order = [...Array(pages).keys()];
    if (k % 2) order.reverse(); // backwards: each page restarts the walk
    const got: unknown[] = [];
    for (const p of order) {
      const r = groundingsPage(request(p));
      assert.is(r.total, expected.length);
      assert.equal(r.rows.map((row) => row.index), [...Array(Math.min(7, expected.length - p * 7)).keys()].map((i) => p * 7 + i));
      got[p] = r.rows.map((row) => row.cells);
    }
    assert.equal(got.flat(), expected);
    assert.equal(groundingsPage(request(pages)).rows, []); // past the end: an empty page
  }
  const biggest = o.perfectCircuits[o.groundingsPerCircuit.indexOf(94_720)]!;
  const far = (page: number) => groundingsPage({ type: 'groundings', session: pretrained.session, output: 0, circuit: biggest.index, page, pageSize: 10 });
  assert.is(far(9471).rows.length, 10);
  assert.is(far(9471).rows.at(-1)!.index, 94_719);
  assert.throws(() => far(MAX_SKIP), /not walked here/);
  assert.throws(() => groundingsPage({ type: 'groundings', session: pretrained.session, output: 0, circuit: 10 ** 6, page: 0, pageSize: 10 }), /not in this model's enumeration/);
});

test('heat map: node and edge counts over the perfect circuits', () => {
  const o = pretrained.result.outputs[0]!;
  const heat = circuitHeat([2, 3, 3, 1], o.perfectCircuits);
  assert.is(heat.total, 32);
  assert.equal(heat.nodes[0], [32, 32]);
  assert.equal(heat.nodes[3], [32]);
  for (const [l, layer] of heat.nodes.entries()) {
    layer.forEach((n, k) => assert.is(n, o.perfectCircuits.filter((c) => c.nodeMasks[l]![k] === 1).length));
  }
  heat.edges.forEach((m, l) => m.forEach((row, out) => row.forEach((n, i) => assert.is(n, o.perfectCircuits.filter((c) => c.edgeMasks[l]![out]![i] === 1).length))));
  assert.is(heatColor(0), 'rgb(240, 244, 248)');
  assert.is(heatColor(1), 'rgb(37, 22, 94)');
  assert.is(heatColor(NaN), heatColor(0));
  // node labels stay readable on every shade (WCAG AA: contrast at least 4.5)
  const luminance = (css: string) => {
    const [r, g, b] = (css.startsWith('#') ? [css.slice(1, 2).repeat(2), css.slice(2, 3).repeat(2), css.slice(3, 4).repeat(2)].map((h) => parseInt(h, 16)) : css.match(/\d+/g)!.map(Number))
      .map((v) => ((v /= 255) <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  for (let t = 0; t <= 1; t += 0.01) {
    const [a, b] = [luminance(heatColor(t)), luminance(heatTextColor(t))].sort((x, y) => y - x);
    assert.ok((a! + 0.05) / (b! + 0.05) >= 4.5, `t = ${t}`);
  }
});

test('circuits: sparsest first, inclusion filters', () => {
  const o = pretrained.result.outputs[0]!;
  const sorted = sortCircuits(o.perfectCircuits, 'sparsity');
  for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i - 1]!.nodeSparsity >= sorted[i]!.nodeSparsity);
  assert.equal(sortCircuits(sorted, 'index').map((c) => c.index), o.perfectCircuits.map((c) => c.index));
  const minimal = new Set(minimalCircuits(o.perfectCircuits));
  const sel = sorted.at(-1)!; // the densest
  const within = filterCircuits(o.perfectCircuits, 'within', sel, minimal);
  assert.ok(within.length > 1 && within.every((c) => isIncluded(c, sel)));
  assert.equal(filterCircuits(o.perfectCircuits, 'containing', sel, minimal).map((c) => c.index), o.perfectCircuits.filter((c) => isIncluded(sel, c)).map((c) => c.index));
  assert.equal(filterCircuits(o.perfectCircuits, 'minimal', null, minimal).map((c) => c.index), [...minimal]);
  assert.is(filterCircuits(o.perfectCircuits, 'within', null, minimal).length, 32);
});

test('mappings: formula nodes and their neurons', () => {
  const mapping = { '¬(A*B) 7': { '1': [0, 2] }, 'A+B 4': { '2': [1] } };
  assert.equal(mappedNodes(mapping), [
    { node: '¬(A*B)', id: 7, neurons: [[1, 0], [1, 2]] },
    { node: 'A+B', id: 4, neurons: [[2, 1]] },
  ]);
  assert.equal([...neuronLabels(mapping)], [['1,0', ['¬(A*B)']], ['1,2', ['¬(A*B)']], ['2,1', ['A+B']]]);
  for (const f of pretrained.result.outputs[0]!.formulas) {
    for (const m of f.minimalMappings) assert.ok(mappedNodes(m).every((n) => n.id >= 0 && n.neurons.length > 0));
  }
});

test('counts are grouped by thousands, also past 2^53', () => {
  assert.is(groupDigits(234_700), '234,700');
  assert.is(groupDigits(42), '42');
  assert.is(groupDigits('140737488355328123'), '140,737,488,355,328,123');
  assert.is(groupDigits(12n ** 20n), '3,833,759,992,447,475,122,176');
});

test.run();
