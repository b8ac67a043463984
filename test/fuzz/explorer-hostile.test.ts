// Fuzzing the explorer in headless Chromium (docs/fuzzing.md): hostile strings in every URL
// parameter and every model-file field never execute (no dialog, no node made by a script, no
// event-handler attribute), and the page, served with its Content-Security-Policy
// (examples/explorer/csp.ts), reports no violation. Cases are drawn by fast-check from the run's
// FUZZ_SEED; playwright's timeouts stop a case that hangs.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { BrowserContext, Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildExplorer } from '../../scripts/build-explorer.mjs';
import { EXPLORER_CSP, EXPLORER_HEADERS } from '../../examples/explorer/csp.ts';
import { serveStatic, type StaticServer } from '../../examples/webgpu-serve.ts';
import { PRETRAINED_XOR } from '../../src/pretrained-xor.ts';
import { modelToSafetensors } from '../../src/formats/safetensors.ts';
import { parseModel } from '../../src/model.ts';
import { dictPickle, tensorOps, torchZip } from '../model-file-helpers.ts';
import { RUNS } from './budget.ts';
import { FUZZ_SCALE, FUZZ_SEED } from './harness.ts';
import { HOSTILE_STRINGS } from './mutate.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Cases per CI run: URL fragments, then picked model files. */
const EXPLORER_CASES = RUNS['explorer-hostile'];

/** Every parameter the explorer's links carry (examples/explorer/src/state.ts, encodeState). */
const PARAMS = ['src', 'gates', 'width', 'depth', 'seed', 'noise', 'lt', 'lr', 'engine', 'rng', 'backend', 'order', 'model', 'out', 'net', 'sort', 'filter', 'c', 'gpage', 'g', 'f', 'm', 'formulas'];
/** Hostile values as they appear in a URL: encoded, raw, very long, and invalid UTF-8 escapes. */
/** encodeURIComponent, with lone surrogates (which it refuses) sent raw for the browser to encode. */
const encode = (s: string) => s.split(/([\ud800-\udfff])/).map((p, i) => (i % 2 ? p : encodeURIComponent(p))).join('');
const hostileValue = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS).map(encode),
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.constantFrom('%ff%fe', '%ed%a0%80', '%c0%af', '%e2%82', '%00', '%', '%zz', '%F0%9F%98'),
  fc.constantFrom(...HOSTILE_STRINGS).map((h) => encode(h).repeat(400)),
  fc.constant('x'.repeat(200_000)),
);
const fragment = fc.record({
  base: fc.constantFrom('', 'src=pretrained&gates=XOR&backend=wasm&', 'src=file&', 'src=train&width=2&depth=1&'),
  params: fc.array(fc.tuple(fc.constantFrom(...PARAMS), hostileValue), { minLength: 1, maxLength: 3 }),
  hostileModel: fc.boolean(),
}).map((f) => {
  const model = f.hostileModel ? `model=${Buffer.from(JSON.stringify(hostileModel(0))).toString('base64url')}&` : '';
  return `${f.base}${model}${f.params.map(([k, v]) => `${k}=${v}`).join('&')}`;
});

/** The pretrained model with a hostile string in every field it may hold (and some it may not). */
function hostileModel(k: number): Record<string, unknown> {
  const h = (i: number) => HOSTILE_STRINGS[(k + i) % HOSTILE_STRINGS.length]!;
  return { ...PRETRAINED_XOR, description: h(0), activation: k % 3 ? 'leaky_relu' : h(1), training: { gates: [h(2)], seed: h(3), note: h(4) }, [h(5)]: h(6), gates: [h(7)] };
}

/** Model files of each format with hostile strings in their fields, names and keys. */
const hostileFile = fc.record({ k: fc.nat({ max: 50 }), kind: fc.constantFrom('json', 'json', 'pt', 'safetensors'), name: fc.constantFrom('model.json', ...HOSTILE_STRINGS.map((s) => `${s.replace(/[/\\]/g, '_').slice(0, 80)}.json`)) })
  .map(({ k, kind, name }) => {
    const h = HOSTILE_STRINGS[k % HOSTILE_STRINGS.length]!;
    if (kind === 'json') return { name, bytes: Buffer.from(JSON.stringify(hostileModel(k))) };
    if (kind === 'pt') return { name: name.replace(/\.json$/, '.pt'), bytes: Buffer.from(torchZip(dictPickle([[`${h}.weight`, tensorOps('0', 'FloatStorage', 1, 0, [1, 1], [1, 1])]]), { 0: new Uint8Array(4) })) };
    const st = modelToSafetensors(parseModel(PRETRAINED_XOR));
    // the metadata's activation replaced by a hostile string of the same JSON length is not needed: a new header is
    const header = JSON.parse(Buffer.from(st.subarray(8, 8 + Number(Buffer.from(st.subarray(0, 8)).readBigUInt64LE()))).toString());
    header.__metadata__ = { ...header.__metadata__, activation: h, note: h };
    const json = Buffer.from(JSON.stringify(header));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    return { name: name.replace(/\.json$/, '.safetensors'), bytes: Buffer.concat([len, json, Buffer.from(st.subarray(8 + Number(Buffer.from(st.subarray(0, 8)).readBigUInt64LE())))]) };
  });

let reason: string | null = existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM}`;
let server: StaticServer | undefined;
let context: BrowserContext | undefined;
const temp = mkdtempSync(join(tmpdir(), 'mi-ident-explorer-fuzz-'));
let headers: Record<string, string> = {};
if (!reason) {
  try {
    const { outdir } = await buildExplorer({ outdir: join(temp, 'site') });
    server = await serveStatic(outdir, { '/': { body: readFileSync(join(outdir, 'index.html')), type: 'text/html; charset=utf-8' } }, EXPLORER_HEADERS);
    const { chromium } = await import('playwright-core');
    context = await chromium.launchPersistentContext(join(temp, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--enable-unsafe-webgpu', '--no-first-run', '--disable-background-networking'],
    });
    // Before any script of the page: record CSP violations; a hostile string that ran sets __fuzzPwned
    await context.addInitScript(() => {
      const w = window as unknown as { __csp: string[] };
      w.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
  } catch (e) {
    reason = `headless Chromium could not start: ${(e as Error).message.split('\n')[0]}`;
  }
}

test.after(async () => {
  await context?.close();
  await server?.close();
  rmSync(temp, { recursive: true, force: true });
});

const browserTest = (name: string, f: () => Promise<void>) => test(name, async () => {
  if (reason) {
    console.log(`  skipped (${reason}): ${name}`);
    return;
  }
  await f();
});

/** One page, its dialogs and console errors recorded. */
async function openPage(): Promise<{ page: Page; dialogs: string[]; errors: string[] }> {
  const page = await context!.newPage();
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text()) && errors.push(m.text()));
  return { page, dialogs, errors };
}

/** Waits for the run a link or a file started to end (Done, Failed or Cancelled), or for an error shown without one. */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const label = document.getElementById('progress-label')?.textContent;
    return label === 'Done' || label === 'Failed' || label === 'Cancelled' || !document.getElementById('error')?.hidden;
  }, undefined, { timeout: 120_000 });
}

/** What would show that a hostile string ran: a mark, a node no script of the page makes, a handler attribute, a dialog, a violation. */
async function executed(page: Page, dialogs: string[], errors: string[]): Promise<string | null> {
  const found = await page.evaluate(() => {
    const w = window as unknown as { __fuzzPwned?: unknown; __csp: string[] };
    if (w.__fuzzPwned !== undefined) return 'window.__fuzzPwned was set';
    if (document.querySelector('fuzz-pwned, iframe, object, embed, img[src="x"]')) return 'a node a hostile string makes';
    const scripts = [...document.scripts].map((s) => s.src);
    if (scripts.length !== 1 || !scripts[0]!.endsWith('/explorer.js')) return `scripts ${scripts.join(', ')}`;
    for (const el of document.querySelectorAll('*')) {
      for (const a of el.attributes) {
        if (/^on/i.test(a.name)) return `<${el.tagName.toLowerCase()} ${a.name}=...>`;
        if (/^\s*javascript:/i.test(a.value)) return `<${el.tagName.toLowerCase()} ${a.name}="${a.value.slice(0, 40)}">`;
      }
    }
    return w.__csp.length ? `CSP violations: ${w.__csp.join('; ')}` : null;
  });
  if (found) return found;
  if (dialogs.length) return `dialogs: ${dialogs.join('; ')}`;
  return errors.length ? `errors: ${errors.join('; ').slice(0, 500)}` : null;
}

browserTest('the explorer is served with a Content-Security-Policy without unsafe-inline or unsafe-eval, and runs under it with no violation', async () => {
  assert.not.match(EXPLORER_CSP, /'unsafe-inline'|'unsafe-eval'/);
  const { page, dialogs, errors } = await openPage();
  const response = await page.goto(`${server!.origin}/#src=pretrained&gates=XOR&backend=wasm&order=BA`);
  headers = response!.headers();
  assert.is(headers['content-security-policy'], EXPLORER_CSP);
  await settled(page);
  assert.is(await page.locator('#progress-label').innerText(), 'Done');
  assert.is(await page.locator('[data-count="perfect"]').innerText(), '32');
  assert.is(await executed(page, dialogs, errors), null);
  // the detector sees what a string that ran would leave (a control: it is not blind)
  await page.evaluate(() => document.body.append(Object.assign(document.createElement('fuzz-pwned'), { id: 'control' })));
  assert.is(await executed(page, dialogs, errors), 'a node a hostile string makes');
  await page.evaluate(() => document.getElementById('control')!.remove());
  await page.close();
});

browserTest(`hostile strings in every URL parameter never execute (${EXPLORER_CASES.fragment} fragments, seed ${FUZZ_SEED})`, async () => {
  const { page, dialogs, errors } = await openPage();
  await page.goto(`${server!.origin}/#src=pretrained&gates=XOR&backend=wasm`);
  await settled(page);
  let n = 0;
  await fc.assert(fc.asyncProperty(fragment, async (frag) => {
    n++;
    // hashchange runs what the link says, as an edited address does (examples/explorer/src/main.ts)
    await page.evaluate((f) => (location.hash = f), frag);
    await settled(page);
    const problem = await executed(page, dialogs, errors);
    assert.is(problem, null, `#${frag.slice(0, 300)}`);
  }), { seed: FUZZ_SEED, numRuns: Math.max(1, Math.round(EXPLORER_CASES.fragment * FUZZ_SCALE)), endOnFailure: true });
  console.log(`  fuzz explorer-fragment: ${n} cases, seed ${FUZZ_SEED}`);
  await page.close();
});

browserTest(`hostile strings in every model-file field and file name never execute (${EXPLORER_CASES.file} files, seed ${FUZZ_SEED})`, async () => {
  const { page, dialogs, errors } = await openPage();
  await page.goto(`${server!.origin}/#src=pretrained&gates=XOR&backend=wasm`);
  await settled(page);
  await page.locator('#src-file').check();
  let n = 0;
  await fc.assert(fc.asyncProperty(hostileFile, async (f) => {
    n++;
    await page.locator('#model-file').setInputFiles({ name: f.name, mimeType: 'application/octet-stream', buffer: f.bytes });
    await page.locator('#run-form button[type="submit"]').click();
    await settled(page);
    const problem = await executed(page, dialogs, errors);
    assert.is(problem, null, `${f.name}: ${f.bytes.subarray(0, 200).toString('latin1')}`);
  }), { seed: FUZZ_SEED, numRuns: Math.max(1, Math.round(EXPLORER_CASES.file * FUZZ_SCALE)), endOnFailure: true });
  console.log(`  fuzz explorer-file: ${n} cases, seed ${FUZZ_SEED}`);
  await page.close();
});

test.run();
