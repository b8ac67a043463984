// WebGPU decisions with subnormals next to hidden activations far past 2^20. WGSL may flush
// subnormals to zero (SwiftShader does), and the fast path's allowance for that once assumed
// activations of at most 2^20: a subnormal weight times a larger activation lost more than the
// bound said, so the fast path certified wrong outputs. Now a subnormal weight or slope keeps the
// fast path off (fastPathHolds, src/backends/webgpu-data.ts; the proof is in shaders/mlp.wgsl).
// Checked here against the TS reference: a hand-made model the old gate decided wrongly, and
// random models mixing subnormal weights, biases, slopes and inputs with weights up to 1e6.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { evaluateCircuitsTs } from '../src/backends/ts.ts';
import { createWebGpuBackend, type WebGpuBackend } from '../src/backends/webgpu.ts';
import { fastPathHolds } from '../src/backends/webgpu-data.ts';
import { CircuitSpace } from '../src/circuits/space.ts';
import { weightRows } from '../src/data.ts';
import { formulasForGate, relevantNodes, samplePairs, type PairOrder } from '../src/formulas.ts';
import { getGate } from '../src/gates.ts';
import { candidateMasks, highLevelTable, pairInputs, validityTable } from '../src/mappings.ts';
import { forwardActivations, type Model } from '../src/model.ts';
import { growingChain, gpuTests, largeActivationModelArb, staleShaders, subnormalF32 } from './webgpu-shared.ts';

let reason = await staleShaders();
let backend!: WebGpuBackend;
let skewed!: WebGpuBackend;
if (!reason) {
  try {
    // Early exit off, so that the stats count every row a circuit kernel was asked for as decided
    // by one path or the other.
    backend = await createWebGpuBackend({ kernel: { earlyExit: false } });
    // Every fast-path result scaled up by 2^-24 on top of the GPU's own rounding (as WGSL allows).
    skewed = await createWebGpuBackend({ kernel: { earlyExit: false, fastSkew: 2 ** -24 } });
  } catch (e) {
    reason = (e as Error).message;
  }
}
const gpuTest = gpuTests('subnormals (Dawn)', reason);

/** The rows (circuits) or interventions that `run` had decided, and how many of them the exact path decided. */
async function counted<T>(b: WebGpuBackend, run: () => Promise<T>): Promise<{ value: T; total: number; exact: number }> {
  const { circuitRows, exactRows, interventions, exactInterventions } = b.stats;
  const value = await run();
  return {
    value,
    total: b.stats.circuitRows - circuitRows + b.stats.interventions - interventions,
    exact: b.stats.exactRows - exactRows + b.stats.exactInterventions - exactInterventions,
  };
}

/** Validity tables of every formula of `gate` for `model` on both backends, against validityTable. */
async function checkValidity(b: WebGpuBackend, model: Model, gate: string, order: PairOrder, distrib: boolean) {
  const formulas = formulasForGate(getGate(gate), 3);
  const pairs = pairInputs(samplePairs(formulas[0]!, order));
  const tables = formulas.map((f) => highLevelTable(f, relevantNodes(f.tree), samplePairs(f, order)));
  const candidates = candidateMasks(model, distrib);
  const got = (await b.validityTables({ model, tables, pairs, candidates })).tables;
  const expected = tables.map((t) => validityTable(model, t, pairs, candidates));
  tables.forEach((_, i) => assert.equal(Array.from(got[i]!), Array.from(expected[i]!), formulas[i]!.str));
  return expected;
}

gpuTest('hand-made: a subnormal weight after activations of 2^61: circuits and validity tables equal the reference (the old gate, on a flushing GPU, found all 80 circuits)', async () => {
  // On input 1 the activations reach 2^61, meet the weight 2^-127 and grow again: the output is
  // 2^17 (2^13 with nodes dropped), never the label 0, so no circuit is perfect. A GPU that
  // flushes the weight computes 0, which the old gate certified: every circuit passed.
  const model = growingChain(2 ** -127);
  assert.is(forwardActivations(model, [1])[8]![0], 2 ** 17);
  const space = new CircuitSpace(model.layerSizes);
  const rows = weightRows({ x: [[1], [0]], y: [[0], [0]] });
  const request = { model, space, start: 0, end: space.count, rows, accuracyThreshold: 0.75 };
  assert.is(space.count, 80);
  assert.equal(Array.from(evaluateCircuitsTs(request)), []);
  for (const b of [backend, skewed]) {
    const run = await counted(b, async () => (await b.evaluateCircuits(request)).perfect);
    assert.equal(Array.from(run.value), []);
    assert.ok(run.total > 0 && run.exact === run.total, `the exact path decided ${run.exact} of ${run.total} rows`);
  }
  // Two inputs: the output is 2^18 (x0 + x1) > 0.5 exactly when x0 OR x1; the old gate saw 0 on
  // every pair, so every candidate of a formula with a varying output became invalid.
  const two = growingChain(2 ** -127, 2);
  for (const b of [backend, skewed]) {
    const run = await counted(b, () => checkValidity(b, two, 'OR', 'all', false));
    const valid = run.value.reduce((n, t) => n + t.reduce((a, v) => a + v, 0), 0);
    assert.ok(valid > 0, 'some (node, candidate) pairs are valid in the reference');
    assert.ok(run.total > 0 && run.exact === run.total, `the exact path decided ${run.exact} of ${run.total} interventions`);
  }
});

/** Data rows: 0/1 inputs, some noisy or with a subnormal instead of 0; 0/1 labels. */
function subnormalDataArb(nIn: number, nOut: number) {
  const input = fc.oneof(fc.integer({ min: 0, max: 1 }), fc.float({ min: Math.fround(0.7), max: Math.fround(1.3), noNaN: true }), subnormalF32);
  const row = fc.tuple(fc.array(input, { minLength: nIn, maxLength: nIn }), fc.array(fc.integer({ min: 0, max: 1 }), { minLength: nOut, maxLength: nOut }));
  return fc.array(row, { minLength: 1, maxLength: 9 }).map((r) => weightRows({ x: r.map(([x]) => x), y: r.map(([, y]) => y) }));
}

gpuTest('property: circuits with subnormal weights, biases, slopes and inputs and activations past 2^20 equal the TS reference', async () => {
  const work = { fast: { total: 0, exact: 0 }, refused: { total: 0, exact: 0 } };
  for (const sizes of [[2, 3, 3, 1], [2, 2, 2, 1], [3, 2, 2, 1], [2, 3, 2, 2]]) {
    const space = new CircuitSpace(sizes);
    await fc.assert(
      fc.asyncProperty(
        fc.boolean().chain((sub) => largeActivationModelArb(sizes, sub)),
        subnormalDataArb(sizes[0]!, sizes[sizes.length - 1]!),
        fc.constantFrom(-1, 0, 0.5, 0.74, 0.99),
        fc.integer({ min: 0, max: space.count - 1 }),
        fc.boolean(),
        async (model, rows, threshold, start, skew) => {
          const request = { model, space, start, end: Math.min(space.count, start + 500), rows, accuracyThreshold: threshold };
          const b = skew ? skewed : backend;
          const run = await counted(b, async () => (await b.evaluateCircuits(request)).perfect);
          assert.equal(Array.from(run.value), Array.from(evaluateCircuitsTs(request)));
          const w = fastPathHolds(model, rows.x) ? work.fast : work.refused;
          w.total += run.total;
          w.exact += run.exact;
        },
      ),
      { numRuns: sizes[1] === 3 ? 40 : 60 },
    );
  }
  assert.is(work.refused.exact, work.refused.total, 'a subnormal weight or slope sends every row to the exact path');
  assert.ok(work.fast.exact < work.fast.total / 2, `with only subnormal biases and inputs the fast path decides most rows (exact ${work.fast.exact} of ${work.fast.total})`);
  console.log(`  circuits: exact path ${work.fast.exact} of ${work.fast.total} rows on fast-path models, ${work.refused.exact} of ${work.refused.total} on refused ones`);
});

gpuTest('property: validity tables with subnormal weights, biases and slopes and activations past 2^20 equal validityTable', async () => {
  const work = { fast: { total: 0, exact: 0 }, refused: { total: 0, exact: 0 } };
  for (const sizes of [[2, 3, 3, 1], [2, 2, 2, 1], [2, 4, 1], [2, 2, 2, 2, 1]]) {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean().chain((sub) => largeActivationModelArb(sizes, sub)),
        fc.constantFrom('XOR', 'AND', 'OR', 'NIMP'),
        fc.constantFrom<PairOrder>('BA', 'AB', 'all'),
        fc.boolean(),
        fc.boolean(),
        async (model, gate, order, distrib, skew) => {
          const b = skew ? skewed : backend;
          const run = await counted(b, () => checkValidity(b, model, gate, order, distrib));
          const w = fastPathHolds(model, [0, 1]) ? work.fast : work.refused;
          w.total += run.total;
          w.exact += run.exact;
        },
      ),
      { numRuns: 15 },
    );
  }
  assert.is(work.refused.exact, work.refused.total, 'a subnormal weight or slope sends every intervention to the exact path');
  assert.ok(work.fast.exact < work.fast.total, `the fast path decides some interventions (exact ${work.fast.exact} of ${work.fast.total})`);
  console.log(`  interventions: exact path ${work.fast.exact} of ${work.fast.total} on fast-path models, ${work.refused.exact} of ${work.refused.total} on refused ones`);
});

test.run();
