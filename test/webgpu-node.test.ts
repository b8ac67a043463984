// The WebGPU backend in Node (Dawn; SwiftShader on a machine without a GPU) against the oracle
// fixtures and the TS reference: perfect circuits of every case, minimal mappings under both pair
// orders, fast-check properties, and device handling (a caller's device, loss, limits, CLI).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { analyzeModel } from '../src/analyze.ts';
import { evaluateCircuitsTs } from '../src/backends/ts.ts';
import { selectBackend } from '../src/backends/select.ts';
import { adapterName, createWebGpuBackend, type WebGpuBackend } from '../src/backends/webgpu.ts';
import { requiredCount } from '../src/backends/webgpu-data.ts';
import { workgroupGrid } from '../src/backends/webgpu-kernels.ts';
import { CircuitSpace } from '../src/circuits/space.ts';
import { findPerfectCircuits } from '../src/circuits/search.ts';
import { truthTableDataset, weightRows } from '../src/data.ts';
import { formulasForGate, relevantNodes, samplePairs, type PairOrder } from '../src/formulas.ts';
import { getGate } from '../src/gates.ts';
import {
  candidateMasks,
  highLevelTable,
  mappingSearchAsync,
  pairInputs,
  sortNeuronLists,
  validityTable,
  formulasWithMapping,
  mappingsPerFormula,
} from '../src/mappings.ts';
import { parseModel, subModel, type Model } from '../src/model.ts';
import { PRETRAINED_XOR } from '../src/pretrained-xor.ts';
import { caseNames, fixture, caseValidationData } from './helpers.ts';
import { LAYOUTS, ROOT, dataArb, gpuTests, modelArb, staleShaders } from './webgpu-shared.ts';

const stale = await staleShaders();
const warnings: string[] = [];
let backend!: WebGpuBackend;
let reason: string | null = stale;
if (!reason) {
  try {
    backend = await createWebGpuBackend({ onWarning: (m) => warnings.push(m) });
  } catch (e) {
    reason = (e as Error).message;
  }
}
const gpuTest = gpuTests('Node (Dawn)', reason);
const masks = (c: { nodeMasks: number[][]; edgeMasks: number[][][] }) => ({ node_masks: c.nodeMasks, edge_masks: c.edgeMasks });
const oracleMasks = (c: any) => ({ node_masks: c.node_masks, edge_masks: c.edge_masks });

test('the embedded WGSL (src/generated/shaders.ts) matches shaders/*.wgsl', () => {
  assert.is(stale, null, stale ?? '');
});

test('requiredCount is the reference float64 test c / total > threshold', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 100_000 }), fc.oneof(fc.double({ min: -0.5, max: 1.5, noNaN: true }), fc.constantFrom(0, 0.99, 0.75, 1)), (total, t) => {
      const need = requiredCount(total, t);
      if (need <= total) assert.ok(need / total > t);
      if (need > 0) assert.not.ok((need - 1) / total > t);
    }),
  );
});

test('workgroupGrid spreads large dispatches over two dimensions within the limit', () => {
  const device = { limits: { maxComputeWorkgroupsPerDimension: 100 } } as GPUDevice;
  for (const n of [1, 64, 6400, 6401, 640_000]) {
    const { x, y } = workgroupGrid(device, n, 64);
    assert.ok(x <= 100 && y <= 100 && x * y * 64 >= n, `${n}: ${x} x ${y}`);
  }
  assert.throws(() => workgroupGrid(device, 640_001, 64), /dispatch limits/);
});

gpuTest('adapter and backend', () => {
  console.log(`  WebGPU adapter: ${adapterName(backend.adapter)}`);
  assert.is(backend.name, 'webgpu');
});

gpuTest('pretrained model: the 32 perfect circuits', async () => {
  const model = parseModel(PRETRAINED_XOR);
  const space = new CircuitSpace(model.layerSizes);
  const found = await findPerfectCircuits(backend, model, space, weightRows(truthTableDataset(getGate('XOR'))));
  assert.equal(found.map((i) => masks(space.decode(i))), fixture('xor_mlp_pretrained.expected.json').perfect_circuits.map(oracleMasks));
});

gpuTest('every oracle case: perfect circuits on its validation set', async () => {
  for (const name of caseNames()) {
    const c = fixture(`cases/${name}.json`);
    const model = parseModel(c.model);
    for (const [o, out] of (c.expected.outputs as any[]).entries()) {
      const sub = subModel(model, o);
      const gate = getGate(out.gate);
      const space = new CircuitSpace(sub.layerSizes, { minSparsity: c.config.min_sparsity_used });
      const data = caseValidationData(c, [gate.name]);
      const found = await findPerfectCircuits(backend, sub, space, weightRows(data));
      assert.is(found.length, out.n_perfect_circuits, name);
      assert.equal(found.map((i) => masks(space.decode(i))), out.perfect_circuits.map(oracleMasks), name);
    }
  }
  assert.is(backend.name, 'webgpu');
});

/** Minimal mappings with validity tables from the GPU, compared with a case's per-formula records. */
async function checkMappings(model: Model, gate: string, perFormula: any[], order: PairOrder, what: string) {
  const results = await mappingSearchAsync(model, getGate(gate), 3, { pairOrder: order, validityTables: backend.validityTables });
  assert.equal(results.map((r) => r.formula), perFormula.map((f) => f.formula), what);
  results.forEach((r, i) => assert.equal(r.minimalMappings.map(sortNeuronLists), perFormula[i][`minimal_mappings_order${order}`], `${what} ${r.formula}`));
  return results;
}

gpuTest('pretrained model: minimal mappings under BA and AB (7 formulas, 42 mappings)', async () => {
  const exp = fixture('xor_mlp_pretrained.expected.json');
  for (const order of ['BA', 'AB'] as const) {
    const results = await checkMappings(parseModel(PRETRAINED_XOR), 'XOR', exp.mappings, order, `pretrained ${order}`);
    assert.is(formulasWithMapping(results), exp[`n_formulas_with_mapping_order${order}`]);
    assert.is(mappingsPerFormula(results).reduce((a, b) => a + b, 0), exp[`n_mappings_total_order${order}`]);
  }
});

gpuTest('every oracle case: minimal mappings under BA and AB', async () => {
  for (const name of caseNames()) {
    const c = fixture(`cases/${name}.json`);
    const model = parseModel(c.model);
    for (const [i, o] of (c.expected.outputs as any[]).entries()) {
      for (const order of ['BA', 'AB'] as const) {
        const results = await checkMappings(subModel(model, i), o.gate, o.per_formula, order, `${name} output ${i} ${order}`);
        assert.equal(mappingsPerFormula(results), o[`mappings_per_formula_order${order}`], `${name} ${order}`);
      }
    }
  }
  assert.is(backend.name, 'webgpu');
});

gpuTest("the pipeline with backend 'webgpu': the pretrained model's counts", async () => {
  const r = await analyzeModel(parseModel(PRETRAINED_XOR), { gates: ['XOR'], backend: 'webgpu', webgpu: { onWarning: (m) => warnings.push(m) } });
  const o = r.outputs[0]!;
  assert.equal(r.backend, { circuits: 'webgpu', groundings: 'wasm' });
  assert.is(o.perfectCircuits.length, 32);
  assert.is(o.totalGroundings, 234_700);
  assert.is(o.formulasWithMapping, 7);
  assert.is(o.mappingsPerFormula.reduce((a, b) => a + b, 0), 42);
});

/** Random circuit requests on every layout: the backend's result equals the TS reference. */
async function circuitProperty(b: WebGpuBackend, runs: (sizes: number[]) => number) {
  for (const sizes of LAYOUTS) {
    const space = new CircuitSpace(sizes);
    await fc.assert(
      fc.asyncProperty(
        modelArb(sizes),
        dataArb(sizes[0]!, sizes[sizes.length - 1]!),
        fc.constantFrom(-1, 0, 0.5, 0.74, 0.99),
        fc.integer({ min: 0, max: space.count - 1 }),
        async (model, data, threshold, start) => {
          const request = { model, space, start, end: Math.min(space.count, start + 500), rows: weightRows(data), accuracyThreshold: threshold };
          assert.equal(Array.from(await b.evaluateCircuits(request)), Array.from(evaluateCircuitsTs(request)));
        },
      ),
      { numRuns: runs(sizes) },
    );
  }
}

gpuTest('property: WebGPU finds exactly the circuits the TS reference finds (ties, subnormals, overflow)', async () => {
  await circuitProperty(backend, (sizes) => (sizes[1] === 3 ? 12 : 25));
  assert.equal(warnings, []);
  assert.is(backend.name, 'webgpu');
  assert.ok(backend.stats.exactRows > 0, 'designed ties reach the exact path');
});

gpuTest('property: the exact path alone (fast path off) finds the same circuits', async () => {
  const exact = await createWebGpuBackend({ kernel: { fastPath: false } });
  await circuitProperty(exact, (sizes) => (sizes[1] === 3 ? 4 : 10));
  assert.is(exact.name, 'webgpu');
});

gpuTest('property: the fast path stays right when its arithmetic errs as much as WGSL allows', async () => {
  // Every fast-path result scaled up by 2^-24 on top of the GPU's own rounding.
  const skewed = await createWebGpuBackend({ kernel: { fastSkew: 2 ** -24 } });
  await circuitProperty(skewed, (sizes) => (sizes[1] === 3 ? 8 : 16));
  await validityProperty(skewed, 3);
  assert.ok(skewed.stats.exactRows < skewed.stats.circuitRows / 2, 'the fast path decides most rows');
});

gpuTest('the certified fast path decides the oracle models; exact ties go to the exact path', async () => {
  const fresh = await createWebGpuBackend();
  const model = parseModel(PRETRAINED_XOR);
  const space = new CircuitSpace(model.layerSizes);
  await fresh.evaluateCircuits({ model, space, start: 0, end: space.count, rows: weightRows(truthTableDataset(getGate('XOR'))), accuracyThreshold: 0.99 });
  assert.is(fresh.stats.exactRows, 0);
  assert.ok(fresh.stats.circuitRows === space.count * 4);
  // h = (x0 + x1, x0 - x1), out = h0/2 + h1/2: exactly 0.5 on some circuits, a tie of round half to even.
  const ties = parseModel({ layerSizes: [2, 2, 1], weights: [[[1, 1], [1, -1]], [[0.5, 0.5]]], biases: [[0, 0], [0]] });
  const tieSpace = new CircuitSpace(ties.layerSizes);
  const request = { model: ties, space: tieSpace, start: 0, end: tieSpace.count, rows: weightRows(truthTableDataset(getGate('XOR'))), accuracyThreshold: 0.7 };
  assert.equal(Array.from(await fresh.evaluateCircuits(request)), Array.from(evaluateCircuitsTs(request)));
  assert.ok(fresh.stats.exactRows > 0);
});

gpuTest('many perfect circuits: a second readback, and enumeration order', async () => {
  const model = parseModel(fixture('cases/XOR_w4_d2_seed0.json').model);
  const space = new CircuitSpace(model.layerSizes, { minSparsity: 0.2 });
  const rows = weightRows(truthTableDataset(getGate('XOR')));
  const request = { model, space, start: 1234, end: 11_234, rows, accuracyThreshold: -1 }; // every circuit passes
  assert.equal(Array.from(await backend.evaluateCircuits(request)), Array.from({ length: 10_000 }, (_, i) => 1234 + i));
  const half = { ...request, accuracyThreshold: 0.5 };
  assert.equal(Array.from(await backend.evaluateCircuits(half)), Array.from(evaluateCircuitsTs(half)));
});

/** Random models, every formula of a gate: the backend's validity tables equal validityTable's. */
async function validityProperty(b: WebGpuBackend, runs: number) {
  for (const sizes of [[2, 3, 3, 1], [2, 2, 2, 1], [2, 4, 1], [2, 2, 2, 2, 1]]) {
    await fc.assert(
      fc.asyncProperty(modelArb(sizes), fc.constantFrom('XOR', 'AND', 'NIMP'), fc.constantFrom<PairOrder>('BA', 'AB', 'all'), fc.boolean(), async (model, gate, order, distrib) => {
        const formulas = formulasForGate(getGate(gate), 3);
        const pairs = samplePairs(formulas[0]!, order);
        const tables = formulas.map((f) => highLevelTable(f, relevantNodes(f.tree), samplePairs(f, order)));
        const candidates = candidateMasks(model, distrib);
        const got = await b.validityTables(model, tables, pairInputs(pairs), candidates);
        tables.forEach((t, i) => assert.equal(Array.from(got[i]!), Array.from(validityTable(model, t, pairInputs(pairs), candidates)), formulas[i]!.str));
      }),
      { numRuns: runs },
    );
  }
}

gpuTest('property: validity tables equal validityTable (random models, all formulas, every pair order)', async () => {
  await validityProperty(backend, 6);
  assert.is(backend.name, 'webgpu');
  assert.ok(backend.stats.exactInterventions > 0 && backend.stats.exactInterventions < backend.stats.interventions);
  const exact = await createWebGpuBackend({ kernel: { fastPath: false } });
  await validityProperty(exact, 3);
  assert.is(exact.stats.exactInterventions, exact.stats.interventions);
});

gpuTest("a caller's GPUDevice: used, never destroyed; once lost, the backend falls back to Wasm", async () => {
  const { requestNodeAdapter } = await import('../src/node/webgpu-node.ts');
  const result = await requestNodeAdapter({ allowSoftware: true });
  assert.ok(result.adapter);
  const device = await result.adapter.requestDevice();
  const own: string[] = [];
  const mine = await createWebGpuBackend({ device, onWarning: (m) => own.push(m) });
  const model = parseModel(PRETRAINED_XOR);
  const space = new CircuitSpace(model.layerSizes);
  const rows = weightRows(truthTableDataset(getGate('XOR')));
  const request = { model, space, start: 0, end: space.count, rows, accuracyThreshold: 0.99 };
  const expected = Array.from(evaluateCircuitsTs(request));
  assert.equal(Array.from(await mine.evaluateCircuits(request)), expected);
  mine.dispose();
  assert.is(mine.name, 'webgpu');
  device.destroy(); // the loss the backend must survive
  assert.equal(Array.from(await mine.evaluateCircuits(request)), expected);
  assert.is(mine.name, 'wasm');
  assert.is(own.length, 1);
  assert.match(own[0]!, /lost.*computing it with the wasm backend instead/);
});

gpuTest('a model beyond the kernel limits: a clear warning, the Wasm result', async () => {
  const own: string[] = [];
  const mine = await createWebGpuBackend({ onWarning: (m) => own.push(m) });
  const sizes = [2, 1, 1, 1, 1, 1, 1, 1, 1, 1]; // 9 weight layers: the kernels take 8
  const model = fc.sample(modelArb(sizes), { numRuns: 1, seed: 5 })[0]!;
  const space = new CircuitSpace(sizes);
  const rows = weightRows({ x: [[0, 0], [1, 0], [1, 1]], y: [[1], [0], [1]] });
  const request = { model, space, start: 0, end: space.count, rows, accuracyThreshold: 0.5 };
  assert.equal(Array.from(await mine.evaluateCircuits(request)), Array.from(evaluateCircuitsTs(request)));
  assert.is(mine.name, 'wasm');
  assert.is(own.length, 1);
  assert.match(own[0]!, /at most 8 layers, the model has 9; computing it with the wasm backend instead/);
});

gpuTest("backend selection: 'auto' takes WebGPU only on a real GPU adapter", async () => {
  const auto = await selectBackend('auto');
  assert.is(auto.name, backend.adapter.isFallback ? 'wasm' : 'webgpu');
  assert.is((await selectBackend('webgpu')).name, 'webgpu');
});

function cli(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/run.ts'), ...args], {
    encoding: 'utf8',
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

gpuTest('CLI: --backend webgpu runs the demo; without an adapter it says so and uses Wasm', () => {
  const ok = cli({}, 'demo', '--backend', 'webgpu');
  assert.is(ok.code, 0, ok.err);
  assert.match(ok.out, /backend webgpu\/wasm/);
  assert.match(ok.out, /3,000 circuits enumerated, 32 perfect, 234,700 groundings/);
  assert.match(ok.out, /56 formulas, 7 with a mapping, 42 minimal mappings/);
  const none = cli({ VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '' }, 'demo', '--backend', 'webgpu');
  assert.is(none.code, 0, none.err);
  assert.match(none.err, /the webgpu backend is not available \(no WebGPU adapter: .*\); using the wasm backend instead/);
  assert.match(none.out, /backend wasm\/wasm/);
  assert.match(none.out, /32 perfect/);
});

test.run();
