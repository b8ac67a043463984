// The worker pool in headless Chromium: module Web Workers running the library's worker bundle,
// through the same WorkerPool as Node; a parallel analysis must equal the single-thread one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { serveStatic, type StaticServer } from '../examples/webgpu-serve.ts';
import { fixture } from './helpers.ts';
import { chromiumMissing, launchChromium } from './browser-shared.ts';
import { gpuTests } from './webgpu-shared.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const HARNESS = `
import * as mi from '/dist/browser/mi-ident.js';
window.runBoth = async (modelJson) => {
  const model = mi.parseModel(modelJson);
  const options = { gates: ['XOR'], stages: { mappings: false }, backend: 'wasm' };
  const single = await mi.analyzeModel(model, options);
  const pool = new mi.WorkerPool(() => new Worker('/dist/browser/mi-ident-worker.js', { type: 'module' }), 2);
  let pieces = 0;
  try {
    const parallel = await mi.analyzeModel(model, { ...options, workers: () => pool, onProgress: () => pieces++ });
    const pick = (r) => ({ perfect: r.outputs[0].perfectCircuits.map((c) => c.index), counts: r.outputs[0].groundingsPerCircuit, total: r.outputs[0].totalGroundings });
    return { single: pick(single), parallel: pick(parallel), pieces, threads: navigator.hardwareConcurrency };
  } finally {
    pool.terminate();
  }
};
`;

const bundle = (entry: string, external: string[] = []) =>
  build({ entryPoints: [entry], absWorkingDir: ROOT, bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent', external });

let reason = chromiumMissing();
let server: StaticServer | undefined;
let context: BrowserContext | undefined;
let page!: Page;
const profile = mkdtempSync(join(tmpdir(), 'mi-ident-chromium-'));

if (!reason) {
  try {
    const [lib, worker] = await Promise.all([bundle('src/index.ts'), bundle('src/parallel/worker.ts', ['node:worker_threads'])]);
    server = await serveStatic(ROOT, {
      '/': { body: '<!doctype html><meta charset="utf-8"><title>workers</title><script type="module" src="/harness.js"></script>', type: 'text/html' },
      '/harness.js': { body: HARNESS },
      '/dist/browser/mi-ident.js': { body: lib.outputFiles[0]!.contents },
      '/dist/browser/mi-ident-worker.js': { body: worker.outputFiles[0]!.contents },
    });
    context = await launchChromium(profile);
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${server.origin}/`);
    await page.waitForFunction(() => 'runBoth' in globalThis, undefined, { timeout: 20_000 });
  } catch (e) {
    reason = `headless Chromium could not run the page: ${(e as Error).message.split('\n')[0]}`;
  }
}

test.after(async () => {
  await context?.close();
  await server?.close();
  rmSync(profile, { recursive: true, force: true });
});

// Without a usable Chromium the test is skipped (counted as such, not as passed), as the other
// browser suites do; REQUIRE_WEBGPU=1 (CI: "a browser must be there") fails instead.
const browserTest = gpuTests('Chromium Web Workers', reason || null);

browserTest('Web Workers give exactly the single-thread result (w4 case: 168,672 circuits, 6,301 perfect)', async () => {
  const model = fixture('cases/XOR_w4_d2_seed0.json').model;
  const r = await page.evaluate((m) => (globalThis as any).runBoth(m), model);
  assert.is(r.single.perfect.length, 6301);
  assert.equal(r.parallel.perfect, r.single.perfect);
  assert.equal(r.parallel.counts, r.single.counts);
  assert.is(r.parallel.total, 12_508_504_018);
  assert.ok(r.pieces >= 16, `progress per piece (${r.pieces})`);
});

test.run();
