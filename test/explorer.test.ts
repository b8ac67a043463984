// The explorer page in headless Chromium (playwright-core, /usr/bin/chromium, --enable-unsafe-webgpu;
// SwiftShader where there is no GPU), built by scripts/build-explorer.mjs into a temporary folder
// and served from 127.0.0.1: the pretrained model's counts on WebGPU and on Wasm, browsing
// (circuits, grounding pages, mappings, heat map, export), training in the page, a shared link,
// a malformed model file, cancelling, and phone widths. Without Chromium (or, for the WebGPU
// test, an adapter) the tests are skipped with a message; REQUIRE_WEBGPU=1 fails instead.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { buildExplorer } from '../scripts/build-explorer.mjs';
import { serveStatic, type StaticServer } from '../examples/webgpu-serve.ts';
import { EXPLORER_HEADERS } from '../examples/explorer/csp.ts';
import { runJob } from '../examples/explorer/src/analyze-job.ts';
import { defaultState, type RunSettings } from '../examples/explorer/src/state.ts';
import { groupDigits } from '../examples/explorer/src/format.ts';
import { fixture } from './model-file-helpers.ts';
import { PRETRAINED_XOR } from '../src/pretrained-xor.ts';
import { gpuTests, staleShaders } from './webgpu-shared.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PAPER = { perfect: '32', groundings: '234,700', formulas: '7', mappings: '42' };

let browserReason = await staleShaders();
if (!browserReason && !existsSync(CHROMIUM)) browserReason = `no Chromium at ${CHROMIUM} (apt-get install chromium; or set CHROMIUM_PATH)`;
let gpuReason: string | null = null;
let server: StaticServer | undefined;
let context: BrowserContext | undefined;
const temp = mkdtempSync(join(tmpdir(), 'mi-ident-explorer-'));
const pageErrors: string[] = [];

if (!browserReason) {
  try {
    const { outdir } = await buildExplorer({ outdir: join(temp, 'site') });
    server = await serveStatic(outdir, { '/': { body: readFileSync(join(outdir, 'index.html')), type: 'text/html; charset=utf-8' } }, EXPLORER_HEADERS);
    const { chromium } = await import('playwright-core');
    context = await chromium.launchPersistentContext(join(temp, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--enable-unsafe-webgpu', '--no-first-run', '--disable-background-networking'],
      viewport: { width: 1366, height: 900 },
      acceptDownloads: true,
    });
    const probe = await open('');
    const adapter = await probe.evaluate(async () => {
      const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
      return gpu ? ((await gpu.requestAdapter()) ? 'ok' : 'navigator.gpu.requestAdapter() returned no adapter') : 'navigator.gpu is missing';
    });
    if (adapter !== 'ok') gpuReason = adapter;
    await probe.close();
  } catch (e) {
    browserReason = `headless Chromium could not open the explorer: ${(e as Error).message.split('\n')[0]}`;
  }
}

const browserTest = gpuTests('Explorer (Chromium)', browserReason);
const webgpuTest = gpuTests('Explorer WebGPU (Chromium)', browserReason ?? gpuReason);

test.after(async () => {
  await context?.close();
  await server?.close();
  rmSync(temp, { recursive: true, force: true });
});

/** A new tab on the explorer with `fragment` (no wait). */
async function open(fragment: string): Promise<Page> {
  const page = await context!.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${server!.origin}/${fragment ? `#${fragment}` : ''}`);
  return page;
}

/** Waits until the run in progress ends; returns the error text, if the run failed. */
async function settled(page: Page, timeout = 40_000): Promise<string | null> {
  await page.waitForFunction(() => {
    const label = document.getElementById('progress-label')?.textContent;
    return label === 'Done' || label === 'Failed' || label === 'Cancelled';
  }, undefined, { timeout });
  return (await page.locator('#error').isVisible()) ? await page.locator('#error').innerText() : null;
}

/** Waits for a finished run and returns the four counts as shown. */
async function counts(page: Page): Promise<Record<keyof typeof PAPER, string>> {
  const error = await settled(page);
  assert.is(error, null);
  const read = (key: string) => page.locator(`[data-count="${key}"]`).innerText();
  return { perfect: await read('perfect'), groundings: await read('groundings'), formulas: await read('formulas'), mappings: await read('mappings') };
}

browserTest('pretrained model on Wasm: 32 circuits, 234,700 groundings, 7 formulas, 42 mappings', async () => {
  const page = await open('src=pretrained&gates=XOR&backend=wasm&order=BA');
  assert.equal(await counts(page), PAPER);
  assert.is(await page.locator('[data-info="backend"]').innerText(), 'WebAssembly');
  assert.is(await page.locator('[data-info="adapter"]').count(), 0);
  assert.match(await page.locator('[data-info="verdict"]').innerText(), /^Not identifiable/);
  assert.match(await page.locator('.facts').innerText(), /circuits [\d.]+ m?s, groundings [\d.]+ m?s, mappings [\d.]+ m?s/);
  await page.close();
});

webgpuTest('pretrained model on WebGPU: the same counts, and the adapter is named', async () => {
  const page = await open('src=pretrained&gates=XOR&backend=webgpu&order=BA');
  assert.equal(await counts(page), PAPER);
  assert.is(await page.locator('[data-info="backend"]').innerText(), 'WebGPU');
  const adapter = await page.locator('[data-info="adapter"]').innerText();
  assert.ok(adapter.length > 3, adapter);
  assert.is(await page.locator('[data-info="warning"]').count(), 0, 'no fallback warning');
  console.log(`  explorer WebGPU adapter: ${adapter}`);
  await page.close();
});

browserTest('browse: heat map, circuits, grounding pages, mappings, export', async () => {
  const page = await open('backend=wasm');
  await counts(page);
  // the heat map: every node of the 2-3-3-1 network, shares in tooltips and in the table
  assert.is(await page.locator('#network svg.network g.node').count(), 9);
  assert.match((await page.locator("#heat-table").textContent())!, /\(1,0\)\s*\d+ \(\d+%\)/);
  assert.is(await page.locator('#circuit-list li').count(), 32);

  // the sparsest circuit and its groundings, page 2
  const first = page.locator('#circuit-list button').first();
  const index = await first.getAttribute('data-circuit');
  await first.click();
  await page.locator('.groundings-table').waitFor();
  assert.is(await first.getAttribute('aria-pressed'), 'true');
  const total = Number(await page.locator('.groundings-table').getAttribute('data-total'));
  assert.match(await page.locator('.groundings-table caption').innerText(), new RegExp(`^Groundings 1 to 10 of ${groupDigits(total)} of circuit #${index}$`));
  await page.getByRole('button', { name: 'Next' }).click();
  await page.locator('.groundings-table caption', { hasText: 'Groundings 11 to 20' }).waitFor();
  assert.is(await page.locator('#circuit-list button[aria-pressed="true"]').count(), 1);
  // one grounding drawn on the network: a gate and a threshold under each grounded neuron
  await page.locator('.groundings-table tbody tr').nth(2).getByRole('button', { name: 'Show' }).click();
  await page.locator('#network text.node-note').first().waitFor();
  const notes = await page.locator('#network text.node-note').allTextContents();
  assert.ok(notes.some((n) => n.startsWith('> ')), notes.join('|'));
  assert.match(page.url(), new RegExp(`[#&]c=${index}(&|$)`));
  assert.match(page.url(), /gpage=2/);
  assert.match(page.url(), /g=12/);

  // inclusion filters
  await page.selectOption('#circuit-filter', 'minimal');
  assert.match(await page.locator('#circuit-count').innerText(), /^5 of 32 /);
  await page.selectOption('#circuit-filter', 'containing');
  assert.is(await page.locator(`#circuit-list button[data-circuit="${index}"]`).count(), 1);
  await page.selectOption('#circuit-filter', 'all');

  // a mapping: its neurons highlighted and labelled with formula nodes
  const mapping = page.locator('.mapping-item').first();
  const text = await mapping.innerText();
  await mapping.click();
  assert.is(await page.locator('#net-mapping').isChecked(), true);
  const labelled = await page.locator('#network text.node-note').allTextContents();
  assert.ok(labelled.length >= 2 && labelled.every((l) => text.includes(l)), `${labelled.join('|')} / ${text}`);
  assert.is(await page.locator('.formula').count(), 7);
  await page.check('#all-formulas');
  assert.is(await page.locator('.formula').count(), 56);

  // export: the analysis JSON with the same counts
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  const exported = JSON.parse(readFileSync((await download.path())!, 'utf8'));
  const o = exported.analysis.outputs[0];
  assert.is(exported.analysis.schemaVersion, 2);
  assert.equal([o.perfectCircuits.length, o.totalGroundings, o.formulasWithMapping, o.mappingsPerFormula.reduce((a: number, b: number) => a + b, 0)], [32, 234_700, 7, 42]);
  assert.is(exported.link, page.url());
  await page.close();
});

// Shared between the training test and the shared-link test.
let trainedLink = '';
let trainedCounts: Record<string, string> = {};

browserTest('criteria toggles filter circuits and mappings, show their counts, and live in the link', async () => {
  const page = await open('backend=wasm&crit=minimal');
  await counts(page);
  assert.is(await page.locator('[data-criterion="minimal"]').getAttribute('aria-pressed'), 'true');
  assert.is(await page.locator('[data-criterion="symmetric"]').getAttribute('aria-pressed'), 'false');
  const cell = (id: string, column: number) => page.locator(`[data-criterion-row="${id}"] td`).nth(column).innerText();
  // a where-then-what toggle: the circuit list is the criterion's circuits; the mappings stay the paper's
  const minimal = await cell('minimal', 0);
  assert.is(String(await page.locator('#circuit-list li').count()), minimal);
  assert.ok(Number(minimal) < 32);
  assert.is(String(await page.locator('.mapping-item').count()), PAPER.mappings);
  // a what-then-where toggle on top: the mappings are the criterion's; the circuits do not change
  await page.locator('[data-criterion="symmetric"]').click();
  await page.waitForFunction(() => location.hash.includes('crit=minimal,symmetric'));
  assert.is(String(await page.locator('.mapping-item').count()), await cell('symmetric', 3));
  assert.is(String(await page.locator('#circuit-list li').count()), minimal);
  assert.match(await page.locator('[data-info="criteria-shown"]').innerText(), new RegExp(`^Listed under all active criteria: ${minimal} of 32 perfect circuits`));
  // the link reopens with the same toggles; toggling off lists everything again
  const again = await context!.newPage();
  await again.goto(page.url());
  await counts(again);
  assert.is(await again.locator('[data-criterion="symmetric"]').getAttribute('aria-pressed'), 'true');
  await again.locator('[data-criterion="minimal"]').click();
  await again.waitForFunction(() => location.hash.includes('crit=symmetric') && !location.hash.includes('minimal'));
  assert.is(await again.locator('#circuit-list li').count(), 32);
  // a grounding toggle adds each circuit's count under it
  await again.locator('[data-criterion="grounding-causal"]').click();
  await again.locator('#circuit-list li', { hasText: 'under grounding-causal' }).first().waitFor();
  await page.close();
  await again.close();
});

browserTest('train a small XOR model in the page (Web Worker), then its analysis', async () => {
  const page = await open('backend=wasm');
  await counts(page);
  await page.check('#src-train');
  assert.is(await page.locator('#train-fields').isVisible(), true);
  await page.fill('#width', '3');
  await page.fill('#depth', '2');
  await page.fill('#seed', '3'); // main.py's network for seed 3 has formulas with mappings to select
  await page.fill('#noise', '0');
  await page.click('#run');
  const shown = await counts(page);
  // the same settings in Node (the page's worker code, checked against `mi-ident run` in explorer-logic)
  const settings: RunSettings = { ...defaultState().run, source: 'train', backend: 'wasm' };
  settings.train = { ...settings.train, width: 3, depth: 2, seed: 3, noise: 0 };
  const o = (await runJob(settings, () => {})).result.outputs[0]!;
  assert.equal(shown, {
    perfect: groupDigits(o.perfectCircuits.length),
    groundings: groupDigits(o.totalGroundings),
    formulas: groupDigits(o.formulasWithMapping),
    mappings: groupDigits(o.mappingsPerFormula.reduce((a, b) => a + b, 0)),
  });
  assert.match(await page.locator('.facts').innerText(), /Training\s+\d+ epochs \(loss-target\)/);
  assert.match(page.url(), /src=train&gates=XOR&width=3&depth=2&seed=3&noise=0&/);
  // select something to share: the second circuit, page 2 of its groundings, a mapping
  await page.locator('#circuit-list button').nth(1).click();
  await page.locator('.groundings-table').waitFor();
  if (await page.getByRole('button', { name: 'Next' }).isEnabled()) {
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('.groundings-table caption', { hasText: 'Groundings 11 to' }).waitFor();
  }
  await page.locator('.mapping-item').nth(1).click();
  trainedLink = await page.locator('#link').inputValue();
  assert.is(trainedLink, page.url());
  trainedCounts = shown;
  await page.close();
});

browserTest('a shared link reproduces the run and what was selected', async () => {
  assert.ok(trainedLink, 'needs the training test');
  const page = await context!.newPage();
  await page.goto(trainedLink);
  assert.equal(await counts(page), trainedCounts);
  assert.is(await page.locator('#src-train').isChecked(), true);
  assert.is(await page.inputValue('#seed'), '3');
  const fragment = new URL(trainedLink).hash.slice(1);
  const params = new URLSearchParams(fragment);
  assert.is(await page.locator(`#circuit-list button[data-circuit="${params.get('c')}"]`).getAttribute('aria-pressed'), 'true');
  if (params.get('gpage')) await page.locator('.groundings-table caption', { hasText: 'Groundings 11 to' }).waitFor();
  assert.is(await page.locator('.mapping-item').nth(1).getAttribute('aria-pressed'), 'true');
  assert.is(await page.locator('#net-mapping').isChecked(), true);
  assert.is(new URL(page.url()).hash.slice(1), fragment, 'the page keeps the link as it was');
  await page.close();
});

browserTest('a malformed model file: a clear error, and the page still works', async () => {
  const page = await open('backend=wasm');
  await counts(page);
  const load = (name: string, text: string) =>
    page.setInputFiles('#model-file', { name, mimeType: 'application/json', buffer: Buffer.from(text) });
  await page.check('#src-file');
  await load('broken.json', '{"layerSizes": [2, 3, 3, 1], "weights": [[');
  await page.locator('#error').waitFor();
  assert.match(await page.locator('#error').innerText(), /^broken\.json is not valid JSON/);
  const bad = { ...PRETRAINED_XOR, weights: PRETRAINED_XOR.weights.slice(0, 2) };
  await load('short.json', JSON.stringify(bad));
  await page.locator('#error', { hasText: 'short.json' }).waitFor();
  assert.match(await page.locator('#error').innerText(), /weights/);
  // the previous result is still there, and Run without a file says what is missing
  assert.is(await page.locator('[data-count="perfect"]').innerText(), '32');
  await page.click('#run');
  assert.match(await page.locator('#error').innerText(), /Choose a model file first/);
  // a good file runs, and travels in the link
  await load('xor.json', JSON.stringify({ ...PRETRAINED_XOR, training: { gates: ['XOR'] } }));
  assert.equal(await counts(page), PAPER);
  assert.is(await page.locator('#error').isVisible(), false);
  assert.match(page.url(), /src=file&gates=XOR&model=[\w-]+&/);
  const reopened = await context!.newPage();
  await reopened.goto(page.url());
  assert.equal(await counts(reopened), PAPER);
  await reopened.close();
  // a torch.save file is read in the page, from its bytes; a pickle that would run code is refused
  const loadBytes = (name: string) => page.setInputFiles('#model-file', { name, mimeType: 'application/octet-stream', buffer: Buffer.from(fixture(name)) });
  await loadBytes('malicious.pt');
  await page.locator('#error', { hasText: 'malicious.pt' }).waitFor();
  assert.match(await page.locator('#error').innerText(), /^malicious\.pt names os\.system in its pickle/);
  await loadBytes('authors_xor_mlp.pt');
  assert.equal(await counts(page), PAPER);
  assert.is(await page.locator('#error').isVisible(), false);
  await page.close();
});

browserTest('cancel stops a long run at once, and the page goes on', async () => {
  const page = await open('backend=wasm');
  await counts(page);
  // main.py's noise (4,000,000 training samples): long enough to cancel
  await page.check('#src-train');
  await page.fill('#noise', '0.1');
  await page.click('#run');
  await page.waitForFunction(() => document.getElementById('progress-label')?.textContent?.startsWith('Training'));
  assert.is(await page.locator('#cancel').isEnabled(), true);
  await page.click('#cancel');
  assert.is(await settled(page, 5000), null);
  assert.match(await page.locator('#status').innerText(), /^Cancelled/);
  assert.match(page.url(), /src=pretrained/, 'the link is back to the run on screen');
  await page.check('#src-pretrained');
  await page.click('#run');
  assert.equal(await counts(page), PAPER);
  await page.close();
});

browserTest('phone width: one column, nothing wider than the screen, every control labelled', async () => {
  const page = await open('backend=wasm&c=825&net=circuit');
  await page.setViewportSize({ width: 390, height: 844 });
  await counts(page);
  await page.locator('.groundings-table').waitFor();
  const layout = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
    unlabelled: [...document.querySelectorAll('input, select, button')]
      .filter((el) => !(el as HTMLInputElement).labels?.length && !el.getAttribute('aria-label') && !(el.textContent ?? '').trim())
      .map((el) => el.outerHTML.slice(0, 80)),
  }));
  assert.ok(layout.scroll <= layout.width, `page is ${layout.scroll}px wide on a ${layout.width}px screen`);
  assert.equal(layout.unlabelled, []);
  assert.equal(pageErrors, []);
  await page.close();
});

test.run();
