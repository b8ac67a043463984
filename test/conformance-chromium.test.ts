// The conformance suite (test/conformance/suite.ts) in headless Chromium (playwright-core,
// /usr/bin/chromium; SwiftShader on a machine without a GPU), through the library's sources
// bundled for the browser: Wasm, Wasm on module Web Workers, and WebGPU.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { serveStatic, type StaticServer } from '../examples/webgpu-serve.ts';
import { chromiumMissing, launchChromium } from './browser-shared.ts';
import type { Harness } from './conformance/harness.ts';
import { conformanceSuite, type Register, type Target } from './conformance/suite.ts';
import { ROOT, gpuTests, staleShaders } from './webgpu-shared.ts';

const bundle = (entry: string) =>
  build({
    entryPoints: [entry], absWorkingDir: ROOT, bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
    write: false, logLevel: 'silent', external: ['node:worker_threads'],
  });

let reason: string | null = (await staleShaders()) ?? (chromiumMissing() || null);
let gpuReason: string | null = null;
let server: StaticServer | undefined;
let context: BrowserContext | undefined;
let page!: Page;
const profile = mkdtempSync(join(tmpdir(), 'mi-ident-chromium-'));

if (!reason) {
  try {
    const [lib, worker] = await Promise.all([bundle('test/conformance/page.ts'), bundle('src/parallel/worker.ts')]);
    server = await serveStatic(ROOT, {
      '/': { body: '<!doctype html><meta charset="utf-8"><title>conformance</title><script type="module" src="/page.js"></script>', type: 'text/html' },
      '/page.js': { body: lib.outputFiles[0]!.contents },
      '/worker.js': { body: worker.outputFiles[0]!.contents },
    });
    context = await launchChromium(profile, { webgpu: true });
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${server.origin}/`);
    await page.waitForFunction(() => 'conformance' in globalThis, undefined, { timeout: 20_000 });
    const init = await page.evaluate(() => (globalThis as any).conformance.init());
    if (init.gpuError) gpuReason = init.gpuError;
    else console.log(`  Chromium WebGPU adapter: ${init.adapter}`);
  } catch (e) {
    reason = `headless Chromium could not run the page: ${(e as Error).message.split('\n')[0]}`;
  }
}

test.after(async () => {
  await context?.close();
  await server?.close();
  rmSync(profile, { recursive: true, force: true });
});

/** A target whose harness calls run in the page. */
function pageTarget(label: string, name: string, ranOn: Target['ranOn'], scale: number): Target {
  const call = (method: keyof Harness) => (arg: unknown) =>
    page.evaluate(([t, m, a]) => (globalThis as any).conformance.call(t, m, a), [name, method, arg] as const);
  return {
    label,
    ranOn,
    runs: (n) => Math.max(1, Math.round(n * scale)),
    analyze: call('analyze') as Harness['analyze'],
    circuits: call('circuits') as Harness['circuits'],
    groundings: call('groundings') as Harness['groundings'],
    validity: call('validity') as Harness['validity'],
    causal: call('causal') as Harness['causal'],
  };
}

const onCpu = (causal: string) => ({ circuits: 'wasm', groundings: 'wasm', mappings: 'wasm', ablation: 'wasm', causal });
const cpuTest = gpuTests('Chromium conformance', reason);
const onChromium: Register = (name, fn) => cpuTest(name, fn);
conformanceSuite(pageTarget('chromium wasm', 'wasm', onCpu('wasm'), 0.5), onChromium);
conformanceSuite(pageTarget('chromium wasm + 2 Web Workers', 'wasm + workers', onCpu('ts'), 0.25), onChromium);
const gpuTest = gpuTests('Chromium WebGPU conformance', reason ?? gpuReason);
const onChromiumGpu: Register = (name, fn) => gpuTest(name, fn);
conformanceSuite(pageTarget('chromium webgpu', 'webgpu', { circuits: 'webgpu', groundings: 'wasm', mappings: 'webgpu', ablation: 'webgpu', causal: 'wasm' }, 0.4), onChromiumGpu);

gpuTest("chromium: 'auto' takes WebGPU only on a real GPU adapter", async () => {
  const { name, software } = await page.evaluate(() => (globalThis as any).conformance.auto());
  assert.is(name, software ? 'wasm' : 'webgpu');
});

cpuTest('chromium: the reference trainer steps on the fma kernel where relaxed SIMD rounds once, to the fused kernel\'s bits', async () => {
  const r = await page.evaluate(() => (globalThis as any).conformance.trainers());
  assert.is(r.defaultKernel, r.fma ? 'fma' : 'fused');
  assert.ok(r.same, 'the default kernel and the fused one differ');
  // Chromium has relaxed SIMD; an x86-64 CPU with FMA3 (every CI machine here) or ARM64 fuses it.
  assert.ok(r.fma, 'Chromium did not give the fma trainer');
});

test.run();
