// The WebGPU backend in Node (Dawn; SwiftShader on a machine without a GPU), beyond what the
// conformance suite (test/conformance-node.test.ts) checks on every backend: the kernels' own
// paths (exact path alone, a skewed fast path, the certified fast path on the oracle models, a
// second readback), device handling (a caller's device, loss, limits), selection and the CLI.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { evaluateCircuitsTs } from '../src/backends/ts.ts';
import { selectBackend } from '../src/backends/select.ts';
import { adapterName, createWebGpuBackend, type WebGpuBackend } from '../src/backends/webgpu.ts';
import type { CircuitRequest } from '../src/backends/types.ts';
import { fastPathHolds } from '../src/backends/webgpu-data.ts';
import { requiredCount } from '../src/data.ts';
import { workgroupGrid } from '../src/backends/webgpu-kernels.ts';
import { CircuitSpace } from '../src/circuits/space.ts';
import { truthTableDataset, weightRows } from '../src/data.ts';
import { formulasForGate, relevantNodes, samplePairs, type PairOrder } from '../src/formulas.ts';
import { getGate } from '../src/gates.ts';
import { candidateMasks, highLevelTable, pairInputs, validityTable } from '../src/mappings.ts';
import { parseModel, type Model } from '../src/model.ts';
import { PRETRAINED_XOR } from '../src/pretrained-xor.ts';
import { fixture } from './helpers.ts';
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
/** The perfect circuits a backend finds for a request. */
const perfect = async (b: WebGpuBackend, request: CircuitRequest) => Array.from((await b.evaluateCircuits(request)).perfect);

/** Models with ordinary weights in [-3, 3] (no subnormals, nothing past 2^20): the fast path takes them. */
function ordinaryModelArb(sizes: readonly number[]): fc.Arbitrary<Model> {
  const value = fc.float({ min: Math.fround(0.01), max: 3, noNaN: true }).chain((v) => fc.constantFrom(v, -v, 0));
  const matrix = (rows: number, cols: number) => fc.array(fc.array(value, { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows });
  return fc
    .tuple(fc.tuple(...sizes.slice(1).map((out, l) => matrix(out, sizes[l]!))), fc.tuple(...sizes.slice(1).map((out) => fc.array(value, { minLength: out, maxLength: out }))))
    .map(([weights, biases]) => parseModel({ layerSizes: sizes, weights, biases }));
}

test('the embedded WGSL (src/generated/shaders.ts) is as new as shaders/', () => {
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

gpuTest('adapter and backend: a fixed name, a label naming the adapter', () => {
  console.log(`  WebGPU adapter: ${adapterName(backend.adapter)}`);
  assert.is(backend.name, 'webgpu');
  assert.is(backend.label, `webgpu on ${adapterName(backend.adapter)}`);
});

/**
 * Random circuit requests on every layout: the backend's result equals the TS reference. Returns
 * the rows asked for and those the exact path decided, on models the fast path takes (a model
 * with a subnormal weight leaves it, see fastPathHolds).
 */
async function circuitProperty(b: WebGpuBackend, runs: (sizes: number[]) => number, models: (sizes: readonly number[]) => fc.Arbitrary<Model> = modelArb) {
  const onFastModels = { rows: 0, exact: 0 };
  for (const sizes of LAYOUTS) {
    const space = new CircuitSpace(sizes);
    await fc.assert(
      fc.asyncProperty(
        models(sizes),
        dataArb(sizes[0]!, sizes[sizes.length - 1]!),
        fc.constantFrom(-1, 0, 0.5, 0.74, 0.99),
        fc.integer({ min: 0, max: space.count - 1 }),
        async (model, data, threshold, start) => {
          const request = { model, space, start, end: Math.min(space.count, start + 500), rows: weightRows(data), accuracyThreshold: threshold };
          const before = { rows: b.stats.circuitRows, exact: b.stats.exactRows };
          assert.equal(await perfect(b, request), Array.from(evaluateCircuitsTs(request)));
          if (fastPathHolds(model, request.rows.x)) {
            onFastModels.rows += b.stats.circuitRows - before.rows;
            onFastModels.exact += b.stats.exactRows - before.exact;
          }
        },
      ),
      { numRuns: runs(sizes) },
    );
  }
  return onFastModels;
}

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
  // Ordinary weights (most random models above leave the fast path: extreme or subnormal values).
  const work = await circuitProperty(skewed, () => 6, ordinaryModelArb);
  assert.ok(work.exact < work.rows / 2, `the fast path decides most rows of the models it takes (exact ${work.exact} of ${work.rows})`);
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
  assert.equal(await perfect(fresh, request), Array.from(evaluateCircuitsTs(request)));
  assert.ok(fresh.stats.exactRows > 0);
});

gpuTest('many perfect circuits: a second readback, and enumeration order', async () => {
  const model = parseModel(fixture('cases/XOR_w4_d2_seed0.json').model);
  const space = new CircuitSpace(model.layerSizes, { minSparsity: 0.2 });
  const rows = weightRows(truthTableDataset(getGate('XOR')));
  const request = { model, space, start: 1234, end: 11_234, rows, accuracyThreshold: -1 }; // every circuit passes
  assert.equal(await perfect(backend, request), Array.from({ length: 10_000 }, (_, i) => 1234 + i));
  const half = { ...request, accuracyThreshold: 0.5 };
  assert.equal(await perfect(backend, half), Array.from(evaluateCircuitsTs(half)));
});

/** Random models, every formula of a gate: the backend's validity tables equal validityTable's. */
async function validityProperty(b: WebGpuBackend, runs: number, models: (sizes: readonly number[]) => fc.Arbitrary<Model> = modelArb) {
  const onFastModels = { interventions: 0, exact: 0 };
  for (const sizes of [[2, 3, 3, 1], [2, 2, 2, 1], [2, 4, 1], [2, 2, 2, 2, 1]]) {
    await fc.assert(
      fc.asyncProperty(models(sizes), fc.constantFrom('XOR', 'AND', 'NIMP'), fc.constantFrom<PairOrder>('BA', 'AB', 'all'), fc.boolean(), async (model, gate, order, distrib) => {
        const formulas = formulasForGate(getGate(gate), 3);
        const pairs = samplePairs(formulas[0]!, order);
        const tables = formulas.map((f) => highLevelTable(f, relevantNodes(f.tree), samplePairs(f, order)));
        const candidates = candidateMasks(model, distrib);
        const before = { interventions: b.stats.interventions, exact: b.stats.exactInterventions };
        const got = (await b.validityTables({ model, tables, pairs: pairInputs(pairs), candidates })).tables;
        tables.forEach((t, i) => assert.equal(Array.from(got[i]!), Array.from(validityTable(model, t, pairInputs(pairs), candidates)), formulas[i]!.str));
        if (fastPathHolds(model, [...pairInputs(pairs).sources, ...pairInputs(pairs).bases])) {
          onFastModels.interventions += b.stats.interventions - before.interventions;
          onFastModels.exact += b.stats.exactInterventions - before.exact;
        }
      }),
      { numRuns: runs },
    );
  }
  return onFastModels;
}

gpuTest('property: validity tables from the exact path alone equal validityTable; the fast path decides most', async () => {
  const fresh = await createWebGpuBackend();
  await validityProperty(fresh, 4);
  const work = await validityProperty(fresh, 2, ordinaryModelArb);
  assert.ok(work.exact < work.interventions / 2, `the fast path decides most interventions of the models it takes (exact ${work.exact} of ${work.interventions})`);
  const exact = await createWebGpuBackend({ kernel: { fastPath: false } });
  await validityProperty(exact, 3);
  assert.is(exact.stats.exactInterventions, exact.stats.interventions);
});

gpuTest("a caller's GPUDevice: used, never destroyed; once lost, requests run on Wasm and say so (the name stays)", async () => {
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
  const first = await mine.evaluateCircuits(request);
  assert.equal([Array.from(first.perfect), first.ranOn, first.fallback], [expected, 'webgpu', undefined]);
  // Disposing a backend leaves the caller's device alone: another backend on it still runs there.
  (await createWebGpuBackend({ device })).dispose();
  const again = await mine.evaluateCircuits(request);
  assert.equal([Array.from(again.perfect), again.ranOn, again.fallback], [expected, 'webgpu', undefined]);
  device.destroy(); // the loss the backend must survive
  const after = await mine.evaluateCircuits(request);
  assert.equal([Array.from(after.perfect), after.ranOn], [expected, 'wasm']);
  assert.match(after.fallback ?? '', /lost.*computing it with the wasm backend instead/);
  assert.is(mine.name, 'webgpu');
  assert.equal(own, [after.fallback]);
  mine.dispose();
});

gpuTest('a model beyond the kernel limits: a clear warning, the Wasm result', async () => {
  const own: string[] = [];
  const mine = await createWebGpuBackend({ onWarning: (m) => own.push(m) });
  const sizes = [2, 1, 1, 1, 1, 1, 1, 1, 1, 1]; // 9 weight layers: the kernels take 8
  const model = fc.sample(modelArb(sizes), { numRuns: 1, seed: 5 })[0]!;
  const space = new CircuitSpace(sizes);
  const rows = weightRows({ x: [[0, 0], [1, 0], [1, 1]], y: [[1], [0], [1]] });
  const request = { model, space, start: 0, end: space.count, rows, accuracyThreshold: 0.5 };
  const r = await mine.evaluateCircuits(request);
  assert.equal(Array.from(r.perfect), Array.from(evaluateCircuitsTs(request)));
  assert.equal([mine.name, r.ranOn], ['webgpu', 'wasm']);
  assert.match(r.fallback ?? '', /at most 8 layers, the model has 9; computing it with the wasm backend instead/);
  assert.equal(own, [r.fallback]);
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
  assert.match(ok.out, /backend webgpu on .+: circuits webgpu, groundings wasm, mappings webgpu/);
  assert.match(ok.out, /3,000 circuits enumerated, 32 perfect, 234,700 groundings/);
  assert.match(ok.out, /56 formulas, 7 with a mapping, 42 minimal mappings/);
  const none = cli({ VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '' }, 'demo', '--backend', 'webgpu');
  assert.is(none.code, 0, none.err);
  assert.match(none.err, /the webgpu backend is not available \(no WebGPU adapter: .*\); using the wasm backend instead/);
  assert.match(none.out, /backend wasm\b.*: circuits wasm, groundings wasm, mappings wasm/);
  assert.match(none.out, /fallback \(setup\): the webgpu backend is not available/);
  assert.match(none.out, /32 perfect/);
});

test.run();
