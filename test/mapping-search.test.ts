// The minimal-mapping assembly (minimalMappingsFromTable, src/mappings.ts) against the reference's
// own search (minimalMappingsReference, src/mappings-reference.ts): the same list, in the same
// order, with the same node-key order and the same neuron order inside each list. Compared as
// JSON text, which sees all three orders (deep equality ignores key order).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { formulasForGate, type PairOrder } from '../src/formulas.ts';
import { getGate, TWO_INPUT_GATES } from '../src/gates.ts';
import {
  candidateMasks,
  hiddenNeurons,
  mappingProblem,
  mappingSearch,
  mappingsPerFormula,
  minimalMappingsFromTable,
  sortNeuronLists,
  type Mapping,
  type MappingTable,
} from '../src/mappings.ts';
import { minimalMappingsReference } from '../src/mappings-reference.ts';
import { parseModel, subModel, type Model } from '../src/model.ts';
import { PRETRAINED_XOR } from '../src/pretrained-xor.ts';
import { caseNames, fixture } from './helpers.ts';
import { modelArb } from './webgpu-shared.ts';

function sameList(got: Mapping[], expected: Mapping[], what: string): void {
  if (JSON.stringify(got) !== JSON.stringify(expected)) {
    assert.equal(got, expected, what); // the readable diff, when the contents differ
    assert.is(JSON.stringify(got), JSON.stringify(expected), `${what}: same contents, another key or neuron order`);
  }
}

/**
 * Every formula of a gate (depth 3), the assembly against the reference search, on one model and
 * options. With `maxTuples`, a formula is skipped when the product of its nodes' valid-set counts
 * (a bound on the tuples the reference enumerates) exceeds it: on a model whose output ignores
 * the interventions every set is valid, and the reference runs for minutes.
 */
function checkModel(model: Model, gate: string, pairOrder: PairOrder, distribLayers: boolean, maxTuples = Infinity): { checked: number; skipped: number; mappings: number } {
  const n = { checked: 0, skipped: 0, mappings: 0 };
  for (const f of formulasForGate(getGate(gate), 3)) {
    const p = mappingProblem(model, f, { pairOrder, distribLayers });
    const table: MappingTable = { layerSizes: model.layerSizes, names: p.names, candidates: p.candidates, valid: p.valid };
    const got = minimalMappingsFromTable(table);
    n.mappings += got.length;
    if (tupleBound(table) > maxTuples) {
      n.skipped++;
      continue;
    }
    sameList(got, minimalMappingsReference(table), `${model.layerSizes.join('-')} ${gate} ${pairOrder} distrib ${distribLayers}: ${f.str}`);
    n.checked++;
  }
  return n;
}

/** The product over nodes of the number of valid candidates. */
function tupleBound(t: MappingTable): number {
  let product = 1;
  t.names.forEach((_, node) => {
    let v = 0;
    for (let c = 0; c < t.candidates.length; c++) v += t.valid[node * t.candidates.length + c]!;
    product *= v;
  });
  return product;
}

// ---------------------------------------------------------------------------------------------
// Random validity tables: the strongest check, since any table can reach the assembly.

/** A layout with at most `maxHidden` hidden neurons (the reference enumerates every valid tuple). */
const layoutArb = (maxHidden: number) =>
  fc
    .tuple(fc.integer({ min: 1, max: 3 }), fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 3 }), fc.integer({ min: 1, max: 2 }))
    .filter(([, hidden]) => hidden.reduce((a, b) => a + b, 0) <= maxHidden)
    .map(([nIn, hidden, nOut]) => [nIn, ...hidden, nOut]);

/**
 * One node's validity over `nCand` candidates: independent bits at some density, or (like real
 * tables, where supersets of a valid set tend to be valid) every candidate containing one of a few
 * generators, with some bits flipped.
 */
function nodeValidArb(candidates: Uint32Array): fc.Arbitrary<Uint8Array> {
  const n = candidates.length;
  if (n === 0) return fc.constant(new Uint8Array(0));
  const bits = fc
    .constantFrom(0.05, 0.3, 0.7, 1)
    .chain((density) => fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: n, maxLength: n }).map((u) => Uint8Array.from(u, (x) => (x < density ? 1 : 0))));
  const upward = fc
    .tuple(fc.uniqueArray(fc.nat({ max: n - 1 }), { minLength: 1, maxLength: 4 }), fc.uniqueArray(fc.nat({ max: n - 1 }), { maxLength: 4 }))
    .map(([gens, flips]) => {
      const v = Uint8Array.from(candidates, (m) => (gens.some((g) => (candidates[g]! & ~m) === 0) ? 1 : 0));
      for (const f of flips) v[f] ^= 1;
      return v;
    });
  return fc.oneof(bits, upward);
}

const tableArb = (maxHidden: number, maxNodes: number): fc.Arbitrary<MappingTable> =>
  fc.tuple(layoutArb(maxHidden), fc.boolean()).chain(([layerSizes, distrib]) => {
    const candidates = candidateMasks({ layerSizes }, distrib);
    return fc.array(nodeValidArb(candidates), { maxLength: maxNodes }).map((nodes): MappingTable => {
      const valid = new Uint8Array(nodes.length * candidates.length);
      nodes.forEach((v, i) => valid.set(v, i * candidates.length));
      return { layerSizes, names: nodes.map((_, i) => `n${i} ${17 - i}`), candidates, valid };
    });
  });

test('random validity tables: the same minimal mappings in the same order as the reference search', () => {
  fc.assert(
    fc.property(tableArb(7, 4), (table) => {
      sameList(minimalMappingsFromTable(table), minimalMappingsReference(table), JSON.stringify(table.layerSizes));
    }),
    { numRuns: 400 },
  );
});

test('random validity tables, more nodes on fewer neurons', () => {
  fc.assert(
    fc.property(tableArb(5, 6), (table) => {
      sameList(minimalMappingsFromTable(table), minimalMappingsReference(table), JSON.stringify(table.layerSizes));
    }),
    { numRuns: 300 },
  );
});

test('a table without nodes has one empty mapping, a node without a valid set none (M6)', () => {
  const layerSizes = [2, 3, 3, 1];
  const candidates = candidateMasks({ layerSizes }, false);
  assert.equal(minimalMappingsFromTable({ layerSizes, names: [], candidates, valid: new Uint8Array(0) }), [{}]);
  const table = { layerSizes, names: ['a 1', 'b 2'], candidates, valid: new Uint8Array(2 * candidates.length).fill(1, 0, candidates.length) };
  assert.equal(minimalMappingsFromTable(table), []);
  assert.equal(minimalMappingsReference(table), []);
});

test('a hand-checked table: minimal sets only, in combinations order over CPython set order', () => {
  // 2-3-3-1: set(reversed(...)) iterates (1,2),(2,1),(1,1),(2,0),(2,2),(1,0) (see mappings.test.ts).
  const layerSizes = [2, 3, 3, 1];
  const candidates = candidateMasks({ layerSizes }, false);
  const bit = (l: number, y: number) => 1 << ((l - 1) * 3 + y);
  // Node a: every set containing (2,1) or (1,0); node b: every set containing (2,0).
  const valid = new Uint8Array(2 * candidates.length);
  candidates.forEach((m, c) => {
    valid[c] = m & (bit(2, 1) | bit(1, 0)) ? 1 : 0;
    valid[candidates.length + c] = m & bit(2, 0) ? 1 : 0;
  });
  const table = { layerSizes, names: ['a 1', 'b 2'], candidates, valid };
  const expected = [
    { 'a 1': { '2': [1] }, 'b 2': { '2': [0] } }, // (2,1) comes before (1,0) in set order
    { 'a 1': { '1': [0] }, 'b 2': { '2': [0] } },
  ];
  assert.equal(minimalMappingsFromTable(table), expected);
  assert.equal(minimalMappingsReference(table), expected);
});

// ---------------------------------------------------------------------------------------------
// Real validity tables: oracle models, random models, trained wide models.

test('every oracle case and the pretrained model: the reference search and the assembly agree (BA, AB)', () => {
  const models = [parseModel(PRETRAINED_XOR)];
  const gates = ['XOR'];
  for (const name of caseNames()) {
    const c = fixture(`cases/${name}.json`);
    const model = parseModel(c.model);
    (c.expected.outputs as { gate: string }[]).forEach((o, i) => {
      models.push(subModel(model, i));
      gates.push(o.gate);
    });
  }
  let mappings = 0;
  models.forEach((m, i) => {
    for (const order of ['BA', 'AB'] as const) mappings += checkModel(m, gates[i]!, order, false).mappings;
  });
  assert.ok(mappings > 0);
});

for (const [sizes, runs] of [[[2, 3, 3, 1], 2], [[2, 4, 4, 1], 2], [[2, 3, 2, 1], 8], [[2, 2, 2, 2, 1], 6]] as const) {
  test(`random ${sizes.join('-')} models: every 2-input gate, pair orders BA/AB/all, distribLayers on and off`, () => {
    let checked = 0;
    let skipped = 0;
    fc.assert(
      fc.property(modelArb(sizes), (model) => {
        for (const gate of TWO_INPUT_GATES) {
          for (const order of ['BA', 'AB', 'all'] as const) {
            for (const distrib of [false, true]) {
              const n = checkModel(model, gate, order, distrib, 5000);
              checked += n.checked;
              skipped += n.skipped;
            }
          }
        }
      }),
      { numRuns: runs },
    );
    assert.ok(checked > 4 * skipped, `${checked} formulas checked, ${skipped} skipped`);
  });
}

/** Trained XOR models: `mi-ident train --gates XOR --noise-std 0 --size K --seed S` (the file's `training` record). */
const trained = (k: number) => parseModel(fixture(`XOR_w${k}_trained.json`));

test('trained 2-8-8-1 XOR: every formula against the reference (the slow one against its stored result)', async () => {
  const model = trained(8);
  const stored = fixture('XOR_w8_trained.reference-mappings.json') as { formula: string; minimalMappings: Mapping[] }[];
  const results = await mappingSearch(model, getGate('XOR'), 3, { pairOrder: 'BA' });
  let live = 0;
  results.forEach((r, i) => {
    const s = stored.find((x) => x.formula === r.formula);
    if (s) {
      // minimalMappingsReference's result on this formula (about a minute), written by scripts/reference-mappings.ts.
      sameList(r.minimalMappings, s.minimalMappings, `stored reference: ${r.formula}`);
      return;
    }
    const p = mappingProblem(model, r.formulaEntry, { pairOrder: 'BA' });
    sameList(r.minimalMappings, minimalMappingsReference({ layerSizes: model.layerSizes, ...p }), `${i}: ${r.formula}`);
    live++;
  });
  assert.is(live, results.length - stored.length);
  const counts = results.filter((r) => r.minimalMappings.length).map((r) => r.minimalMappings.length);
  assert.equal(counts, [5, 5, 414]);
});


/**
 * An independent check of contents (not order) where the reference takes hours: every listed
 * mapping is a tuple of pairwise disjoint inclusion-minimal valid sets, none twice, and the list
 * has as many as there are such tuples (counted by brute force over the minimal sets).
 */
function checkContents(model: Model, table: MappingTable, got: Mapping[], what: string): void {
  const bitOf = new Map(hiddenNeurons(model).map(([l, y], i) => [`${l},${y}`, i]));
  const nCand = table.candidates.length;
  const minimal = table.names.map((_, n) => {
    const valid: number[] = [];
    table.candidates.forEach((m, c) => table.valid[n * nCand + c] && valid.push(m));
    return new Set(valid.filter((m) => !valid.some((o) => o !== m && (o & ~m) === 0)));
  });
  const seen = new Set<string>();
  for (const mapping of got) {
    assert.equal(Object.keys(mapping), [...table.names], `${what}: keys in node order`);
    let used = 0;
    table.names.forEach((name, n) => {
      let mask = 0;
      for (const [l, ys] of Object.entries(mapping[name]!)) for (const y of ys) mask |= 1 << bitOf.get(`${l},${y}`)!;
      assert.ok(minimal[n]!.has(mask), `${what}: ${name} gets a minimal valid set`);
      assert.is(used & mask, 0, `${what}: disjoint sets`);
      used |= mask;
    });
    const key = JSON.stringify(sortNeuronLists(mapping));
    assert.not.ok(seen.has(key), `${what}: listed once`);
    seen.add(key);
  }
  const count = (k: number, used: number): number =>
    k === minimal.length ? 1 : [...minimal[k]!].reduce((a, m) => a + ((m & used) === 0 ? count(k + 1, used | m) : 0), 0);
  assert.is(got.length, count(0, 0), `${what}: every disjoint tuple of minimal valid sets`);
}

for (const [k, expected] of [
  [10, [6, 6, 50, 50, 2208, 22704, 24, 180, 180, 2728, 50, 4, 4]],
  [12, [19, 19, 28, 28, 596, 596, 19, 19, 2964, 52668, 456, 456, 2, 2, 9564, 19, 1, 1]],
] as const) {
  test(`trained 2-${k}-${k}-1 XOR: tuples of disjoint minimal valid sets, each once, all of them`, async () => {
    const model = trained(k);
    const results = await mappingSearch(model, getGate('XOR'), 3, { pairOrder: 'BA' });
    for (const r of results) {
      const p = mappingProblem(model, r.formulaEntry, { pairOrder: 'BA' });
      checkContents(model, { layerSizes: model.layerSizes, names: p.names, candidates: p.candidates, valid: p.valid }, r.minimalMappings, r.formula);
    }
    assert.equal(mappingsPerFormula(results), [...expected]);
  });
}

test.run();
