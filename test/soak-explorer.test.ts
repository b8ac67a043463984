// Soak of the explorer (issue 17): 200 consecutive runs in one page in headless Chromium
// (--enable-precise-memory-info), started as a user does, by editing the
// link or pressing Run: the pretrained model and oracle cases as model files in the link, on Wasm
// and WebGPU (SwiftShader without a GPU) and `auto`, the 2-4-4-1 case (large enough for the
// analysis worker's pool), some with a circuit's grounding page opened. After a full garbage
// collection (over the DevTools protocol, in the page and in the worker), the page's
// JS heap (performance.memory) and the analysis worker's objects (its heap snapshot without
// compiled code, which the JIT keeps adding to for a while in a long-lived worker) must end
// within 10 % of where they stood after run 50, and live GPU buffers (counted in the worker),
// workers and DOM nodes no more than then. The worker's whole heap, its compiled code and the
// renderer and GPU process RSS are printed (docs/reliability.md quotes the figures).
// Without Chromium the test is skipped; without WebGPU in the page it runs on Wasm alone;
// REQUIRE_WEBGPU=1 fails in both cases.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { buildExplorer } from '../scripts/build-explorer.mjs';
import { serveStatic, type StaticServer } from '../examples/webgpu-serve.ts';
import { defaultState, defaultView, encodeState, type BackendPick, type PairOrderPick } from '../examples/explorer/src/state.ts';
import { modelToJson, parseModel } from '../src/model.ts';
import { chromiumMissing, CHROMIUM } from './browser-shared.ts';
import { fixture } from './helpers.ts';
import { gpuTests, REQUIRE_WEBGPU, staleShaders } from './webgpu-shared.ts';

const RUNS = Number(process.env.SOAK_EXPLORER_RUNS ?? 200);
const BASELINE = 50;

let reason = (await staleShaders()) ?? (chromiumMissing() || null);
const temp = mkdtempSync(join(tmpdir(), 'mi-ident-soak-explorer-'));
let server: StaticServer | undefined;
let browser: Browser | undefined;
if (!reason) {
  try {
    const { outdir } = await buildExplorer({ outdir: join(temp, 'site') });
    server = await serveStatic(outdir, { '/': { body: readFileSync(join(outdir, 'index.html')), type: 'text/html; charset=utf-8' } });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--enable-unsafe-webgpu', '--no-first-run', '--disable-background-networking', '--enable-precise-memory-info'],
    });
  } catch (e) {
    reason = `headless Chromium could not start: ${(e as Error).message.split('\n')[0]}`;
  }
}
const browserTest = gpuTests('Explorer soak (Chromium)', reason);

test.after(async () => {
  await browser?.close();
  await server?.close();
  rmSync(temp, { recursive: true, force: true });
});

/** A link's fragment: the pretrained model, or a case's model carried in the link as a file. */
function fragment(model: string | null, gates: string[], backend: BackendPick, pairOrder: PairOrderPick): string {
  const c = model === null ? null : fixture(`cases/${model}.json`);
  const run = { ...defaultState().run, gates, backend, pairOrder, ...(c ? { source: 'file' as const, model: JSON.stringify(modelToJson(parseModel(c.model))) } : {}) };
  return encodeState({ run, view: defaultView() });
}

interface Entry {
  name: string;
  fragment: string;
  /** Start it with the Run button (same settings as the run before) rather than the link. */
  rerun?: boolean;
  /** Then open the first circuit's groundings. */
  browse?: boolean;
}

/**
 * Ten runs, so that runs 50 and 200 both end on the last one (the same page on screen). Adjacent
 * links differ, so each edit of the link starts a run.
 */
function rotation(gpu: boolean): Entry[] {
  const on = (b: BackendPick): BackendPick => (gpu || b !== 'webgpu' ? b : 'wasm');
  return [
    { name: 'pretrained, wasm, BA', fragment: fragment(null, ['XOR'], 'wasm', 'BA'), browse: true },
    { name: 'pretrained, webgpu, AB', fragment: fragment(null, ['XOR'], on('webgpu'), 'AB') },
    { name: 'XOR_w3_d2_seed1 file, wasm', fragment: fragment('XOR_w3_d2_seed1', ['XOR'], 'wasm', 'BA') },
    { name: 'XOR_w3_d2_seed1 file, wasm, Run again', fragment: fragment('XOR_w3_d2_seed1', ['XOR'], 'wasm', 'BA'), rerun: true, browse: true },
    { name: 'XOR-NAND file, webgpu', fragment: fragment('XOR-NAND_w3_d2_seed0', ['XOR', 'NAND'], on('webgpu'), 'BA') },
    { name: 'AND file, auto', fragment: fragment('AND_w3_d2_seed0', ['AND'], 'auto', 'BA') },
    { name: 'XOR_w4 file (pool), wasm', fragment: fragment('XOR_w4_d2_seed0', ['XOR'], 'wasm', 'BA') },
    { name: 'OR file, webgpu', fragment: fragment('OR_w3_d2_seed1', ['OR'], on('webgpu'), 'AB'), browse: true },
    { name: 'XOR_w2 file, wasm', fragment: fragment('XOR_w2_d2_seed2', ['XOR'], 'wasm', 'BA') },
    { name: 'pretrained, webgpu, BA', fragment: fragment(null, ['XOR'], on('webgpu'), 'BA') },
  ];
}

/** A DevTools session: a command with its parameters, and the events it sends. */
interface Session {
  send(method: string, params?: object): Promise<any>;
  on(event: string, listener: (params: any) => void): void;
  off(event: string, listener: (params: any) => void): void;
}

/** A DevTools session with the page's analysis worker (through the browser session). */
async function workerSession(cdp: CDPSession): Promise<Session> {
  const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: { type: string; url: string; targetId: string }[] };
  const target = targetInfos.find((t) => t.type === 'worker' && t.url.endsWith('/worker.js'));
  if (!target) throw new Error(`no analysis worker among ${targetInfos.map((t) => `${t.type} ${t.url}`).join(', ')}`);
  const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false })) as { sessionId: string };
  let nextId = 1;
  const waiting = new Map<number, (reply: any) => void>();
  const listeners = new Map<string, Set<(params: any) => void>>();
  cdp.on('Target.receivedMessageFromTarget' as any, (e: { sessionId: string; message: string }) => {
    if (e.sessionId !== sessionId) return;
    const message = JSON.parse(e.message);
    if (message.method) for (const l of listeners.get(message.method) ?? []) l(message.params);
    else {
      waiting.get(message.id)?.(message.result);
      waiting.delete(message.id);
    }
  });
  return {
    send: (method, params = {}) =>
      new Promise((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve);
        void cdp.send('Target.sendMessageToTarget' as any, { sessionId, message: JSON.stringify({ id, method, params }) });
      }),
    on: (event, l) => void (listeners.get(event) ?? listeners.set(event, new Set()).get(event)!).add(l),
    off: (event, l) => void listeners.get(event)?.delete(l),
  };
}

/**
 * A heap snapshot's bytes: V8's compiled code (machine code and its metadata, which grows as
 * the JIT optimizes more functions of a long-lived worker, up to the program's size) and the rest.
 */
async function heapBytes(session: Session): Promise<{ code: number; rest: number }> {
  let text = '';
  const chunk = (p: { chunk: string }) => (text += p.chunk);
  session.on('HeapProfiler.addHeapSnapshotChunk', chunk);
  await session.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  session.off('HeapProfiler.addHeapSnapshotChunk', chunk);
  const snapshot = JSON.parse(text) as { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[] };
  const fields = snapshot.snapshot.meta.node_fields;
  const [typeAt, sizeAt, stride] = [fields.indexOf('type'), fields.indexOf('self_size'), fields.length];
  const codeType = snapshot.snapshot.meta.node_types[0].indexOf('code');
  let code = 0;
  let rest = 0;
  for (let i = 0; i < snapshot.nodes.length; i += stride) {
    if (snapshot.nodes[i + typeAt] === codeType) code += snapshot.nodes[i + sizeAt]!;
    else rest += snapshot.nodes[i + sizeAt]!;
  }
  return { code, rest };
}

/** Resident memory of Chromium's renderer and GPU processes (Linux /proc), in bytes. */
async function processRss(cdp: CDPSession): Promise<{ renderer: number; gpu: number }> {
  const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo' as any)) as { processInfo: { type: string; id: number }[] };
  const rss = (pid: number) => {
    try {
      return Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
    } catch {
      return 0;
    }
  };
  const sum = (type: string) => processInfo.filter((p) => p.type === type).reduce((a, p) => a + rss(p.id), 0);
  return { renderer: sum('renderer'), gpu: sum('GPU') };
}

interface Snapshot {
  run: number;
  pageHeap: number;
  workerHeap: number;
  /** The page's and the worker's heap snapshots without compiled code, and their compiled code. */
  pageObjects: number;
  pageCode: number;
  workerObjects: number;
  workerCode: number;
  gpuBuffers: number;
  gpuBuffersCreated: number;
  workers: number;
  domNodes: number;
  rendererRss: number;
  gpuRss: number;
}

/** Waits for the run to end; returns the counts shown, or throws with the page's error. */
async function finished(page: Page): Promise<string> {
  await page.waitForFunction(() => ['Done', 'Failed', 'Cancelled'].includes(document.getElementById('progress-label')?.textContent ?? ''), undefined, { timeout: 300_000 });
  const label = await page.locator('#progress-label').innerText();
  if (label !== 'Done') throw new Error(`the run ended "${label}": ${await page.locator('#error').innerText()}`);
  return (await page.locator('[data-count]').allInnerTexts()).join(' / ');
}

browserTest(`${RUNS} consecutive runs in one explorer page: memory, GPU buffers and workers as after run ${BASELINE}`, async () => {
  const context = await browser!.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server!.origin}/#${fragment(null, ['XOR'], 'wasm', 'AB')}`);
  await finished(page);
  const gpu = await page.evaluate(async () => Boolean(await (navigator as Navigator & { gpu?: GPU }).gpu?.requestAdapter()));
  if (!gpu) {
    if (REQUIRE_WEBGPU) throw new Error('Explorer soak: no WebGPU adapter in the page (REQUIRE_WEBGPU=1)');
    console.log('  explorer soak: no WebGPU adapter in the page, the WebGPU runs use Wasm');
  }
  // Count the analysis worker's GPU buffers: created, and not yet destroyed.
  const [analysisWorker] = page.workers().filter((w) => w.url().endsWith('/worker.js'));
  assert.ok(analysisWorker, 'the analysis worker');
  await analysisWorker.evaluate(() => {
    const g = globalThis as unknown as { soakBuffers: { created: number; live: Set<GPUBuffer> } };
    g.soakBuffers = { created: 0, live: new Set() };
    if (typeof GPUDevice === 'undefined') return;
    const create = GPUDevice.prototype.createBuffer;
    GPUDevice.prototype.createBuffer = function (this: GPUDevice, descriptor: GPUBufferDescriptor) {
      const buffer = create.call(this, descriptor);
      g.soakBuffers.created++;
      g.soakBuffers.live.add(buffer);
      return buffer;
    };
    const destroy = GPUBuffer.prototype.destroy;
    GPUBuffer.prototype.destroy = function (this: GPUBuffer) {
      g.soakBuffers.live.delete(this);
      return destroy.call(this);
    };
  });
  const cdp = await browser!.newBrowserCDPSession();
  const pageSession = await context.newCDPSession(page);
  const inWorker = await workerSession(cdp);

  const snapshot = async (run: number): Promise<Snapshot> => {
    // The DevTools protocol's collection, not the page's gc(): it runs from no script's stack,
    // so nothing is kept alive by a conservative scan of that stack.
    for (let i = 0; i < 3; i++) {
      await pageSession.send('HeapProfiler.collectGarbage');
      await inWorker.send('HeapProfiler.collectGarbage');
    }
    const pageHeap = await page.evaluate(() => (performance as Performance & { memory: { usedJSHeapSize: number } }).memory.usedJSHeapSize);
    const workerHeap = ((await inWorker.send('Runtime.getHeapUsage')) as { usedSize: number }).usedSize;
    const worker = await heapBytes(inWorker);
    const inPage = await heapBytes(pageSession as unknown as Session);
    const buffers = await analysisWorker.evaluate(() => {
      const { created, live } = (globalThis as unknown as { soakBuffers: { created: number; live: Set<GPUBuffer> } }).soakBuffers;
      return { created, live: live.size };
    });
    const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: { type: string }[] };
    const domNodes = await page.evaluate(() => document.getElementsByTagName('*').length);
    const rss = await processRss(cdp);
    return {
      run, pageHeap, workerHeap, pageObjects: inPage.rest, pageCode: inPage.code, workerObjects: worker.rest, workerCode: worker.code, gpuBuffers: buffers.live, gpuBuffersCreated: buffers.created, workers: targetInfos.filter((t) => t.type === 'worker').length, domNodes,
      rendererRss: rss.renderer, gpuRss: rss.gpu,
    };
  };

  const entries = rotation(gpu);
  const shown = new Map<string, string>();
  const snapshots: Snapshot[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const entry = entries[(run - 1) % entries.length]!;
    await page.evaluate(() => (document.getElementById('progress-label')!.textContent = ''));
    if (entry.rerun) await page.click('#run');
    else await page.evaluate((f) => (location.hash = f), entry.fragment);
    const counts = await finished(page);
    if (!shown.has(entry.name)) shown.set(entry.name, counts);
    else assert.is(counts, shown.get(entry.name), `run ${run} (${entry.name}): the counts of its first run`);
    if (entry.browse) {
      await page.locator('#circuit-list button').first().click();
      await page.locator('.groundings-table').waitFor();
    }
    if (run === 1 || run === BASELINE || run % 50 === 0 || run === RUNS) snapshots.push(await snapshot(run));
  }
  await context.close();

  const base = snapshots.find((s) => s.run === BASELINE)!;
  const end = snapshots.find((s) => s.run === RUNS)!;
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;
  const change = (a: number, b: number) => `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(1)} %`;
  console.log(`  explorer soak: ${RUNS} runs in one page (${gpu ? 'Wasm, WebGPU and auto' : 'Wasm and auto'}), after a full GC, run ${BASELINE} -> run ${RUNS}:`);
  console.log(`    page JS heap (performance.memory) ${mib(base.pageHeap)} -> ${mib(end.pageHeap)} (${change(base.pageHeap, end.pageHeap)}); analysis worker JS heap ${mib(base.workerHeap)} -> ${mib(end.workerHeap)} (${change(base.workerHeap, end.workerHeap)})`);
  console.log(`    analysis worker heap snapshot: objects ${mib(base.workerObjects)} -> ${mib(end.workerObjects)} (${change(base.workerObjects, end.workerObjects)}), compiled code ${mib(base.workerCode)} -> ${mib(end.workerCode)} (${change(base.workerCode, end.workerCode)})`);
  console.log(`    live GPU buffers ${base.gpuBuffers} -> ${end.gpuBuffers} (${end.gpuBuffersCreated} created in all); workers ${base.workers} -> ${end.workers}; DOM nodes ${base.domNodes} -> ${end.domNodes}`);
  console.log(`    page heap snapshot: objects ${mib(base.pageObjects)} -> ${mib(end.pageObjects)} (${change(base.pageObjects, end.pageObjects)}), compiled code ${mib(base.pageCode)} -> ${mib(end.pageCode)} (${change(base.pageCode, end.pageCode)})`);
  console.log('    along the way (page heap; objects, code | worker heap; objects, code):');
  for (const s of snapshots) console.log(`      run ${s.run}: ${mib(s.pageHeap)}; ${mib(s.pageObjects)}, ${mib(s.pageCode)} | ${mib(s.workerHeap)}; ${mib(s.workerObjects)}, ${mib(s.workerCode)}`);
  console.log(`    renderer RSS ${mib(base.rendererRss)} -> ${mib(end.rendererRss)} (${change(base.rendererRss, end.rendererRss)}); GPU process RSS ${mib(base.gpuRss)} -> ${mib(end.gpuRss)} (${change(base.gpuRss, end.gpuRss)})`);
  assert.equal(errors, [], 'no uncaught error in the page');
  assert.ok(end.pageHeap <= base.pageHeap * 1.1, `the page's JS heap grew by more than 10 %: ${mib(base.pageHeap)} -> ${mib(end.pageHeap)}`);
  // The worker's objects, not its whole heap: that includes the code the JIT keeps compiling in
  // a long-lived worker (+0.25 MiB by run 200 here, levelling off by run 250), not a leak.
  assert.ok(end.workerObjects <= base.workerObjects * 1.1, `the analysis worker's objects grew by more than 10 %: ${mib(base.workerObjects)} -> ${mib(end.workerObjects)}`);
  assert.ok(end.gpuBuffers <= base.gpuBuffers, `live GPU buffers: ${base.gpuBuffers} -> ${end.gpuBuffers}`);
  assert.ok(end.workers <= base.workers, `workers: ${base.workers} -> ${end.workers}`);
  assert.ok(end.domNodes <= base.domNodes, `DOM nodes: ${base.domNodes} -> ${end.domNodes}`);
  if (gpu) assert.ok(end.gpuBuffersCreated > 0, 'the WebGPU runs went through the counted device');
});

test.run();
