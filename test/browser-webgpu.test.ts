// The WebGPU backend in headless Chromium (playwright-core, /usr/bin/chromium; SwiftShader on a
// machine without a GPU), through the library's browser bundle: every oracle case's perfect
// circuits and minimal mappings under both pair orders, the pretrained pipeline, and fast-check
// properties against the TS reference computed here in Node.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { evaluateCircuitsTs } from '../src/backends/ts.ts';
import { CircuitSpace } from '../src/circuits/space.ts';
import { weightRows, type Dataset } from '../src/data.ts';
import { getGate } from '../src/gates.ts';
import { mappingSearch, sortNeuronLists } from '../src/mappings.ts';
import { modelToJson, subModel } from '../src/model.ts';
import { PRETRAINED_XOR } from '../src/pretrained-xor.ts';
import { serveStatic, type StaticServer } from '../examples/webgpu-serve.ts';
import { caseNames, fixture, caseValidationData } from './helpers.ts';
import { chromiumMissing, launchChromium } from './browser-shared.ts';
import { LAYOUTS, ROOT, dataArb, gpuTests, modelArb, staleShaders } from './webgpu-shared.ts';


/** Runs in the page: the library's bundle, one WebGPU backend, and the operations the tests call. */
const HARNESS = `
import * as mi from '/dist/browser/mi-ident.js';
const warnings = [];
let gpu;
const masks = (c) => ({ node_masks: c.nodeMasks, edge_masks: c.edgeMasks });
window.harness = {
  async init() {
    try {
      gpu = await mi.createWebGpuBackend({ onWarning: (m) => warnings.push(m) });
      return { adapter: mi.adapterName(gpu.adapter) };
    } catch (e) {
      return { error: e.message };
    }
  },
  state: () => ({ name: gpu.name, warnings, isFallback: gpu.adapter.isFallback }),
  async circuits({ model, minSparsity, data, threshold, start, end }) {
    const m = mi.parseModel(model);
    const space = new mi.CircuitSpace(m.layerSizes, { minSparsity });
    const request = { model: m, space, start, end: end ?? space.count, rows: mi.weightRows(data), accuracyThreshold: threshold };
    return Array.from(await gpu.evaluateCircuits(request));
  },
  async perfect({ model, output, minSparsity, data }) {
    const sub = mi.subModel(mi.parseModel(model), output);
    const space = new mi.CircuitSpace(sub.layerSizes, { minSparsity });
    const found = await mi.findPerfectCircuits(gpu, sub, space, mi.weightRows(data));
    return found.map((i) => masks(space.decode(i)));
  },
  async mappings({ model, output, gate, order }) {
    const sub = mi.subModel(mi.parseModel(model), output);
    const results = await mi.mappingSearchAsync(sub, mi.getGate(gate), 3, { pairOrder: order, validityTables: gpu.validityTables });
    return results.map((r) => ({ formula: r.formula, minimalMappings: r.minimalMappings.map(mi.sortNeuronLists) }));
  },
  async analyze({ model, order }) {
    const r = await mi.analyzeModel(mi.parseModel(model), { gates: ['XOR'], pairOrder: order, backend: 'webgpu', stages: { groundings: false } });
    const o = r.outputs[0];
    return { backend: r.backend, perfect: o.perfectCircuits.map(masks), formulas: o.formulas, withMapping: o.formulasWithMapping };
  },
  autoBackend: async () => (await mi.selectBackend('auto')).name,
};
`;

const PAGE = `<!doctype html><meta charset="utf-8"><title>mi-ident WebGPU tests</title><script type="module" src="/harness.js"></script>`;

let reason = await staleShaders();
if (!reason && chromiumMissing()) reason = chromiumMissing();
let server: StaticServer | undefined;
let context: BrowserContext | undefined;
let page!: Page;
const profile = mkdtempSync(join(tmpdir(), 'mi-ident-chromium-'));

if (!reason) {
  try {
    // The browser bundle, built in-process with scripts/build.mjs's options (always current).
    const bundle = await build({
      entryPoints: ['src/index.ts'],
      absWorkingDir: ROOT,
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    server = await serveStatic(ROOT, {
      '/': { body: PAGE, type: 'text/html' },
      '/harness.js': { body: HARNESS },
      '/dist/browser/mi-ident.js': { body: bundle.outputFiles[0]!.contents },
    });
    context = await launchChromium(profile, { webgpu: true });
    page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.origin}/`);
    await page.waitForFunction(() => 'harness' in globalThis, undefined, { timeout: 20_000 });
    const init = await call<{ adapter?: string; error?: string }>('init');
    if (init.error) reason = init.error;
    else console.log(`  Chromium WebGPU adapter: ${init.adapter}`);
  } catch (e) {
    reason = `headless Chromium could not run the page: ${(e as Error).message.split('\n')[0]}`;
  }
}

/** Calls `harness[name](arg)` in the page. */
function call<T>(name: string, arg?: unknown): Promise<T> {
  return page.evaluate(([n, a]) => (globalThis as any).harness[n as string](a), [name, arg] as const) as Promise<T>;
}

const gpuTest = gpuTests('Chromium', reason);
const oracleMasks = (c: any) => ({ node_masks: c.node_masks, edge_masks: c.edge_masks });


test.after(async () => {
  await context?.close();
  await server?.close();
  rmSync(profile, { recursive: true, force: true });
});

gpuTest('pretrained model: the pipeline on WebGPU, both pair orders', async () => {
  const exp = fixture('xor_mlp_pretrained.expected.json');
  for (const order of ['BA', 'AB'] as const) {
    const r = await call<any>('analyze', { model: PRETRAINED_XOR, order });
    assert.equal(r.backend.circuits, 'webgpu');
    assert.equal(r.perfect, exp.perfect_circuits.map(oracleMasks));
    assert.equal(r.formulas.map((f: any) => f.minimalMappings), exp.mappings.map((m: any) => m[`minimal_mappings_order${order}`]));
    assert.is(r.withMapping, exp[`n_formulas_with_mapping_order${order}`]);
  }
});

gpuTest('every oracle case: perfect circuits, and minimal mappings under BA and AB', async () => {
  for (const name of caseNames()) {
    const c = fixture(`cases/${name}.json`);
    for (const [output, o] of (c.expected.outputs as any[]).entries()) {
      const gate = getGate(o.gate);
      const data = caseValidationData(c, [gate.name]);
      const perfect = await call('perfect', { model: c.model, output, minSparsity: c.config.min_sparsity_used, data });
      assert.equal(perfect, o.perfect_circuits.map(oracleMasks), name);
      for (const order of ['BA', 'AB'] as const) {
        const results = await call<any[]>('mappings', { model: c.model, output, gate: o.gate, order });
        assert.equal(results.map((r) => r.formula), o.per_formula.map((f: any) => f.formula));
        results.forEach((r, i) => assert.equal(r.minimalMappings, o.per_formula[i][`minimal_mappings_order${order}`], `${name} ${order} ${r.formula}`));
      }
    }
  }
  assert.is((await call<any>('state')).name, 'webgpu');
});

gpuTest('property: the browser finds exactly the circuits the TS reference finds', async () => {
  for (const sizes of LAYOUTS) {
    const space = new CircuitSpace(sizes);
    await fc.assert(
      fc.asyncProperty(
        modelArb(sizes),
        dataArb(sizes[0]!, sizes[sizes.length - 1]!),
        fc.constantFrom(-1, 0, 0.5, 0.74, 0.99),
        fc.integer({ min: 0, max: space.count - 1 }),
        async (model, data: Dataset, threshold, start) => {
          const end = Math.min(space.count, start + 500);
          const got = await call<number[]>('circuits', { model: modelToJson(model), minSparsity: 0, data, threshold, start, end });
          const expected = evaluateCircuitsTs({ model, space, start, end, rows: weightRows(data), accuracyThreshold: threshold });
          assert.equal(got, Array.from(expected));
        },
      ),
      { numRuns: sizes[1] === 3 ? 8 : 15 },
    );
  }
});

gpuTest('property: minimal mappings from browser validity tables equal the TS search', async () => {
  for (const sizes of [[2, 3, 3, 1], [2, 2, 2, 1]]) {
    await fc.assert(
      fc.asyncProperty(modelArb(sizes), fc.constantFrom('XOR', 'AND', 'NIMP'), fc.constantFrom('BA', 'AB', 'all'), async (model, gate, order) => {
        const got = await call<any[]>('mappings', { model: modelToJson(model), output: 0, gate, order });
        const expected = mappingSearch(subModel(model, 0), getGate(gate), 3, { pairOrder: order as 'BA' });
        assert.equal(got, expected.map((r) => ({ formula: r.formula, minimalMappings: r.minimalMappings.map(sortNeuronLists) })));
      }),
      { numRuns: 5 },
    );
  }
  const state = await call<any>('state');
  assert.is(state.name, 'webgpu');
  assert.equal(state.warnings, []);
});

gpuTest("'auto' takes WebGPU only on a real GPU adapter", async () => {
  const { isFallback } = await call<any>('state');
  assert.is(await call<string>('autoBackend'), isFallback ? 'wasm' : 'webgpu');
});

test.run();
