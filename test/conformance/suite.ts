/**
 * The conformance suite, defined once: every oracle fixture and every fast-check property against
 * the TS reference, for one target (a backend in an environment: Node or Chromium, with or without
 * workers). The targets are listed in test/conformance-node.test.ts and
 * test/conformance-chromium.test.ts; a target only needs to answer the harness's plain calls.
 */
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { evaluateCircuitsTs } from '../../src/backends/ts.ts';
import { countRequest } from '../../src/backends/requests.ts';
import { CircuitSpace } from '../../src/circuits/space.ts';
import { weightRows, type Dataset } from '../../src/data.ts';
import { formulasForGate, relevantNodes, samplePairs, type PairOrder } from '../../src/formulas.ts';
import { getGate, inputRows } from '../../src/gates.ts';
import { ablationUnits } from '../../src/circuits/ablation.ts';
import { meanValues, unitValues } from '../../src/criteria/circuits.ts';
import { causalProblem, countCausalGroundings, distinctGateDictsOf } from '../../src/criteria/grounding-causal.ts';
import { distinctGroundingRows } from '../../src/grounding.ts';
import { candidateMasks, highLevelTable, pairInputs, validityTable } from '../../src/mappings.ts';
import { modelToJson, parseModel, type Model } from '../../src/model.ts';
import { PRETRAINED_XOR } from '../../src/pretrained-xor.ts';
import { caseNames, caseValidationData, fixture } from '../helpers.ts';
import { dataArb, f32Value, modelArb } from '../webgpu-shared.ts';
import { unmergedRows, type Harness } from './harness.ts';

/** A backend in an environment, as the suite sees it. */
export interface Target extends Harness {
  /** E.g. `node wasm + workers`. */
  readonly label: string;
  /**
   * Which backend must answer each stage of the oracle analyses (no unplanned fallback), and each
   * criteria kernel: the ablated circuit search, the causal grounding counts.
   */
  readonly ranOn: { circuits: string; groundings: string; mappings: string; ablation: string; causal: string };
  /** fast-check runs for a property that the fastest targets run `n` times (slow targets run fewer). */
  runs(n: number): number;
}

/** Registers a test; the environment decides how (uvu `test`, or skip/fail when the target is missing). */
export type Register = (name: string, fn: () => Promise<void>) => void;

const masks = (c: { nodeMasks: number[][]; edgeMasks: number[][][] }) => ({ nodeMasks: c.nodeMasks, edgeMasks: c.edgeMasks });
const oracleMasks = (c: any) => ({ nodeMasks: c.node_masks, edgeMasks: c.edge_masks });

/** Circuit layouts of the properties: one and two hidden layers, 2 and 3 inputs, two outputs, uneven widths. */
export const CONFORMANCE_LAYOUTS: readonly number[][] = [[2, 2, 2, 1], [2, 3, 3, 1], [3, 2, 2, 1], [2, 2, 1], [2, 3, 2, 2], [2, 2, 2, 2, 1], [2, 4, 3, 1]];

/** Layouts past 32 edges per layer (64-bit edge masks), with a min sparsity that keeps their spaces small. */
export const WIDE_LAYOUTS: readonly [sizes: number[], minSparsity: number][] = [[[2, 6, 6, 1], 0.5], [[2, 8, 8, 1], 0.65], [[3, 6, 6, 1], 0.55]];

const spaces = new Map<string, CircuitSpace>();
/** One space per layout for the whole run (a wide one takes a second to build). */
function spaceOf(sizes: readonly number[], minSparsity = 0): CircuitSpace {
  const key = `${sizes.join('-')}|${minSparsity}`;
  let space = spaces.get(key);
  if (!space) spaces.set(key, (space = new CircuitSpace(sizes, { minSparsity })));
  return space;
}

/** Registers the whole suite for `target`. */
export function conformanceSuite(target: Target, register: Register): void {
  const name = (what: string) => `${target.label}: ${what}`;
  const checkRanOn = (backend: { circuits: string | null; groundings: string | null; mappings: string | null; fallbacks: unknown[] }, what: string) => {
    for (const stage of ['circuits', 'groundings', 'mappings'] as const) {
      if (backend[stage] !== null) assert.is(backend[stage], target.ranOn[stage], `${what}: ${stage} ran on ${backend[stage]}`);
    }
    assert.equal(backend.fallbacks, [], `${what}: no fallback`);
  };

  // --- Oracle fixtures ------------------------------------------------------------------------

  register(name("the pretrained model's expected file, both pair orders (3,000 / 32 / 234,700 / 56 / 7 / 42)"), async () => {
    const exp = fixture('xor_mlp_pretrained.expected.json');
    for (const order of ['BA', 'AB'] as const) {
      const r = await target.analyze({ model: PRETRAINED_XOR, gates: ['XOR'], pairOrder: order, distinctGateDicts: true });
      checkRanOn(r.backend, `pretrained ${order}`);
      const o = r.outputs[0]!;
      assert.is(o.circuitsEnumerated, exp.n_circuits_enumerated);
      assert.equal(o.perfectCircuits.map(masks), exp.perfect_circuits.map(oracleMasks));
      assert.equal(o.groundingsPerCircuit, exp.groundings_per_circuit.map((g: any) => g.n_groundings));
      assert.equal(o.distinctGateDictsPerCircuit, exp.groundings_per_circuit.map((g: any) => g.n_distinct_gate_dicts));
      assert.is(o.totalGroundings, exp.n_groundings_total);
      assert.equal(o.formulas.map((f) => f.formula), exp.formulas);
      assert.equal(o.formulas.map((f) => f.minimalMappings), exp.mappings.map((m: any) => m[`minimal_mappings_order${order}`]));
      assert.is(o.formulasWithMapping, exp[`n_formulas_with_mapping_order${order}`]);
      assert.is(o.mappingsPerFormula.reduce((a, b) => a + b, 0), exp[`n_mappings_total_order${order}`]);
    }
  });

  register(name('every oracle case: perfect circuits on its validation set, groundings, minimal mappings (BA and AB), main.py row'), async () => {
    for (const caseName of caseNames()) {
      const c = fixture(`cases/${caseName}.json`);
      const outputs = c.expected.outputs as any[];
      const gates = outputs.map((o) => o.gate);
      const data = caseValidationData(c, gates);
      for (const order of ['BA', 'AB'] as const) {
        const r = await target.analyze({ model: c.model, gates, data, pairOrder: order, minSparsity: c.config.min_sparsity_used });
        checkRanOn(r.backend, `${caseName} ${order}`);
        r.outputs.forEach((o, i) => {
          const e = outputs[i];
          const what = `${caseName} output ${i} ${order}`;
          assert.is(o.gate, e.gate, what);
          assert.is(o.circuitsEnumerated, e.n_circuits_enumerated, what);
          assert.equal(o.perfectCircuits.map(masks), e.perfect_circuits.map(oracleMasks), what);
          e.groundings_per_circuit.forEach((n: number | null, k: number) => {
            if (n !== null) assert.is(o.groundingsPerCircuit[k], n, `${what}: groundings of circuit ${k}`);
          });
          assert.equal(o.formulas.map((f) => f.formula), e.per_formula.map((f: any) => f.formula), what);
          assert.equal(o.formulas.map((f) => f.minimalMappings), e.per_formula.map((f: any) => f[`minimal_mappings_order${order}`]), what);
          assert.is(o.formulasWithMapping, e[`n_formulas_with_mapping_order${order}`], what);
          assert.equal(o.mappingsPerFormula, e[`mappings_per_formula_order${order}`], what);
          if (order === 'BA') {
            const row = c.expected.main_py_row; // main.py's CSV row: one list per output
            assert.is(o.perfectCircuits.length, row.perfect_circuits[i], what);
            assert.is(o.formulasWithMapping, row.formulas[i], what);
            assert.equal(o.mappingsPerFormula, row.mappings_per_formula[i], what);
          }
        });
      }
    }
  });

  register(name('the w4 case: 168,672 circuits, 6,301 perfect, every grounding the reference could not finish (12,508,504,018)'), async () => {
    const c = fixture('cases/XOR_w4_d2_seed0.json');
    const full = fixture('XOR_w4_d2_seed0.full_groundings.json');
    const r = await target.analyze({ model: c.model, gates: ['XOR'], stages: { mappings: false } });
    checkRanOn(r.backend, 'w4');
    assert.is(r.options.minSparsity, 0.2); // main.py's rule for width 4
    assert.is(r.outputs[0]!.circuitsEnumerated, 168_672);
    assert.is(r.outputs[0]!.perfectCircuits.length, 6_301);
    assert.equal(r.outputs[0]!.groundingsPerCircuit, full.groundings_per_circuit);
    assert.is(r.outputs[0]!.totalGroundings, full.total);
  });

  // --- Properties against the TS reference ----------------------------------------------------

  register(name('property: circuit search equals the TS reference (ties, subnormals, overflow, noisy and repeated rows; widths 6 to 8)'), async () => {
    const layouts: [number[], number][] = [...CONFORMANCE_LAYOUTS.map((sizes): [number[], number] => [sizes, 0]), ...WIDE_LAYOUTS];
    for (const [sizes, minSparsity] of layouts) {
      const space = spaceOf(sizes, minSparsity);
      await fc.assert(
        fc.asyncProperty(
          modelArb(sizes),
          dataArb(sizes[0]!, sizes[sizes.length - 1]!),
          fc.constantFrom(-1, 0, 0.5, 0.74, 0.99),
          fc.integer({ min: 0, max: space.count - 1 }),
          async (model, data, threshold, start) => {
            const end = Math.min(space.count, start + 700);
            const expected = Array.from(evaluateCircuitsTs({ model, space, start, end, rows: weightRows(data), accuracyThreshold: threshold }));
            const r = await target.circuits({ model: modelToJson(model), minSparsity, data, threshold, start, end });
            assert.equal(r.perfect, expected);
          },
        ),
        { numRuns: target.runs(minSparsity > 0 ? 8 : sizes[1] === 3 ? 12 : 25) },
      );
    }
  });

  register(name('property: the ablated circuit search (mean, resample and arbitrary replacement values) equals the TS reference'), async () => {
    const layouts: [number[], number][] = [...CONFORMANCE_LAYOUTS.map((sizes): [number[], number] => [sizes, 0]), ...WIDE_LAYOUTS];
    for (const [sizes, minSparsity] of layouts) {
      const space = spaceOf(sizes, minSparsity);
      const nUnits = ablationUnits(sizes).count;
      await fc.assert(
        fc.asyncProperty(
          modelArb(sizes),
          dataArb(sizes[0]!, sizes[sizes.length - 1]!),
          fc.constantFrom<'mean' | 'resample' | 'arbitrary'>('mean', 'resample', 'arbitrary'),
          fc.array(f32Value, { minLength: 1, maxLength: 64 }),
          fc.constantFrom(-1, 0, 0.5, 0.74, 0.99),
          fc.integer({ min: 0, max: space.count - 1 }),
          async (model, noisy, kind, pool, threshold, start) => {
            // The criteria's own rows and values (K2), or replacement values of any magnitude on noisy rows.
            let data: Dataset = noisy;
            let values: Float32Array;
            if (kind === 'resample') {
              // Every ordered (base, source) pair of clean inputs, the source's activations as values.
              const inputs = inputRows(sizes[0]!);
              const nOut = sizes[sizes.length - 1]!;
              data = {
                x: inputs.flatMap((b) => inputs.map(() => b)),
                y: inputs.flatMap((_, b) => inputs.map(() => Array.from({ length: nOut }, (_, o) => (b + o) % 2))),
              };
              values = Float32Array.from(inputs.flatMap(() => inputs.flatMap((src) => Array.from(unitValues(model, src)))));
            } else if (kind === 'mean') {
              values = repeated(meanValues(model), noisy.x.length);
            } else {
              values = Float32Array.from({ length: noisy.x.length * nUnits }, (_, i) => pool[i % pool.length]!);
            }
            const end = Math.min(space.count, start + 700);
            const rows = unmergedRows(data); // one row per replacement vector
            const expected = Array.from(evaluateCircuitsTs({ model, space, start, end, rows, accuracyThreshold: threshold, ablation: { values } }));
            const r = await target.circuits({ model: modelToJson(model), minSparsity, data, threshold, start, end, ablation: Array.from(values) });
            assert.equal(r.perfect, expected);
            assert.is(r.ranOn, target.ranOn.ablation, `ran on ${r.ranOn} (${r.fallback})`);
            assert.is(r.fallback, undefined);
          },
        ),
        { numRuns: target.runs(minSparsity > 0 ? 6 : sizes[1] === 3 ? 10 : 20), seed: 150_001 },
      );
    }
  });

  register(name('property: grounding counts and distinct gate dicts equal the TS reference'), async () => {
    for (const sizes of CONFORMANCE_LAYOUTS.filter((s) => s[s.length - 1] === 1)) {
      const space = new CircuitSpace(sizes);
      await fc.assert(
        fc.asyncProperty(
          groundingModelArb(sizes),
          groundRowsArb(sizes[0]!),
          fc.uniqueArray(fc.integer({ min: 0, max: space.count - 1 }), { minLength: 1, maxLength: 12 }),
          fc.boolean(),
          async (model, groundRows, picked, distinct) => {
            const indices = [...picked].sort((a, b) => a - b);
            const inputs = distinctGroundingRows(groundRows, sizes[0]!);
            let expected: { counts: string[]; distinct?: number[] } | { error: string };
            try {
              const r = countRequest(null, { model, space, indices, inputs, distinct });
              expected = { counts: r.counts.map(String), ...(r.distinct ? { distinct: r.distinct } : {}) };
            } catch (e) {
              expected = { error: (e as Error).message };
            }
            const r = await target.groundings({ model: modelToJson(model), minSparsity: 0, indices, groundRows, distinct });
            const got = 'error' in r ? { error: r.error } : { counts: r.counts, ...(r.distinct ? { distinct: r.distinct } : {}) };
            assert.equal(got, expected);
          },
        ),
        { numRuns: target.runs(sizes[1] === 3 ? 10 : 20) },
      );
    }
  });

  register(name('property: causal grounding counts and distinct gate dicts (paper and causal, under a cap) equal the TS reference'), async () => {
    for (const sizes of CONFORMANCE_LAYOUTS.filter((s) => s[s.length - 1] === 1)) {
      const space = spaceOf(sizes);
      await fc.assert(
        fc.asyncProperty(
          groundingModelArb(sizes),
          groundRowsArb(sizes[0]!),
          fc.uniqueArray(fc.integer({ min: 0, max: space.count - 1 }), { minLength: 1, maxLength: 12 }),
          fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 12, maxLength: 12 }),
          fc.constantFrom(3, 40, 5_000_000),
          async (model, groundRows, picked, flagPool, cap) => {
            const indices = [...picked].sort((a, b) => a - b);
            const distinct = indices.map((_, k) => flagPool[k]!);
            const inputs = distinctGroundingRows(groundRows, sizes[0]!);
            const uncounted = (f: () => number) => {
              try {
                return f();
              } catch {
                return -1; // past the cap, or an unnamable first-layer gate
              }
            };
            // The TS reference per circuit; null where it refuses the circuit (a degenerate separator).
            const expected = indices.map((index, k) => {
              let cp;
              try {
                cp = causalProblem(model, space.decode(index), inputs);
              } catch {
                return null;
              }
              return {
                causal: String(countCausalGroundings(cp, true)),
                distinct: distinct[k]! & 1 ? uncounted(() => distinctGateDictsOf(cp, false, cap)) : 0,
                distinctCausal: distinct[k]! & 2 ? uncounted(() => distinctGateDictsOf(cp, true, cap)) : 0,
              };
            });
            const r = await target.causal({ model: modelToJson(model), minSparsity: 0, indices, groundRows, distinct, distinctCap: cap });
            assert.is(r.ranOn, target.ranOn.causal);
            if (r.ranOn === 'ts') return; // no kernel: the criteria compute every circuit as `expected` does
            assert.equal(r.circuits, expected);
          },
        ),
        { numRuns: target.runs(sizes[1] === 3 ? 10 : 20), seed: 150_002 },
      );
    }
  });

  register(name('property: interchange-intervention validity tables equal validityTable (all formulas, every pair order, distributed sets)'), async () => {
    const gates = ['XOR', 'AND', 'IMP', 'NOR'];
    for (const sizes of [[2, 2, 2, 1], [2, 3, 3, 1], [2, 3, 2, 1], [2, 2, 2, 2, 1]]) {
      await fc.assert(
        fc.asyncProperty(
          modelArb(sizes),
          fc.constantFrom(...gates),
          fc.constantFrom<PairOrder>('BA', 'AB', 'all'),
          fc.boolean(),
          async (model, gate, order, distribLayers) => {
            const call = validityCall(model, gate, order, distribLayers);
            const expected = call.tables.map((t) => Array.from(validityTable(model, t, call.pairs, call.candidates)));
            const r = await target.validity({
              model: modelToJson(model),
              tables: call.tables.map((t) => ({ nNodes: t.nNodes, nPairs: t.nPairs, expected: Array.from(t.expected) })),
              pairs: { nPairs: call.pairs.nPairs, sources: Array.from(call.pairs.sources), bases: Array.from(call.pairs.bases) },
              candidates: Array.from(call.candidates),
            });
            assert.equal(r.tables, expected);
          },
        ),
        { numRuns: target.runs(12) },
      );
    }
  });
}

/** The same replacement values on each of `nRows` rows. */
function repeated(values: Float32Array, nRows: number): Float32Array {
  const out = new Float32Array(values.length * nRows);
  for (let r = 0; r < nRows; r++) out.set(values, r * values.length);
  return out;
}

/** The validity request of every formula of a gate (depth 3) that shares the first formula's pairs. */
function validityCall(model: Model, gate: string, order: PairOrder, distribLayers: boolean) {
  // Each formula has its own pairs (its node values); the requests share their model inputs.
  const formulas = formulasForGate(getGate(gate), 3).map((f) => ({ f, pairs: samplePairs(f, order) }));
  const inputs = pairInputs(formulas[0]!.pairs);
  const key = (p: ReturnType<typeof pairInputs>) => `${p.sources.join()}|${p.bases.join()}`;
  const same = formulas.filter(({ pairs }) => key(pairInputs(pairs)) === key(inputs));
  return {
    tables: same.map(({ f, pairs }) => highLevelTable(f, relevantNodes(f.tree), pairs)),
    pairs: inputs,
    candidates: candidateMasks(model, distribLayers),
  };
}

/** Models for grounding: weights on a grid of eighths (so activations tie and neurons go constant) or in [-3, 3]. */
function groundingModelArb(sizes: readonly number[]): fc.Arbitrary<Model> {
  const value = fc.oneof(fc.integer({ min: -16, max: 16 }).map((k) => k / 8), fc.float({ min: -3, max: 3, noNaN: true, noDefaultInfinity: true }));
  const matrix = (rows: number, cols: number) => fc.array(fc.array(value, { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows });
  return fc
    .tuple(fc.tuple(...sizes.slice(1).map((out, l) => matrix(out, sizes[l]!))), fc.tuple(...sizes.slice(1).map((out) => fc.array(value, { minLength: out, maxLength: out }))))
    .map(([weights, biases]) => parseModel({ layerSizes: sizes, weights, biases }));
}

/** Grounding rows: the truth table, repeated, some noisy (truncation keys them back to 0/1). */
function groundRowsArb(nIn: number): fc.Arbitrary<number[][]> {
  return dataArb(nIn, 1).map((d: Dataset) => d.x.map((row) => [...row]));
}
