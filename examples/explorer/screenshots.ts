/**
 * Takes the explorer's screenshots in docs/screenshots/ (laptop and phone widths) with headless
 * Chromium, as the tests drive it:
 *
 *   node --import tsx examples/explorer/screenshots.ts [--out DIR]
 *
 * Timings in the pictures are those of the machine that took them.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Locator, type Page } from 'playwright-core';
import { buildExplorer } from '../../scripts/build-explorer.mjs';
import { serveStatic } from '../webgpu-serve.ts';
import { EXPLORER_HEADERS } from './csp.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const at = process.argv.indexOf('--out');
const out = resolve(at > 0 ? process.argv[at + 1]! : join(root, 'docs', 'screenshots'));
mkdirSync(out, { recursive: true });

const temp = mkdtempSync(join(tmpdir(), 'mi-ident-shots-'));
const { outdir } = await buildExplorer({ outdir: join(temp, 'site') });
const server = await serveStatic(outdir, { '/': { body: readFileSync(join(outdir, 'index.html')), type: 'text/html; charset=utf-8' } }, EXPLORER_HEADERS);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--enable-unsafe-webgpu'],
});

/** A page at `width` x `height` showing `fragment`, once its run is done. */
async function open(width: number, height: number, fragment: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height } });
  await page.goto(`${server.origin}/#${fragment}`);
  await page.waitForFunction(() => document.getElementById('progress-label')?.textContent === 'Done', undefined, { timeout: 60_000 });
  return page;
}

/** The results column from the top of `from` to the bottom of `to` (page coordinates). */
async function shootBetween(page: Page, name: string, from: Locator, to: Locator, pad = 12): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  const a = (await from.boundingBox())!;
  const b = (await to.boundingBox())!;
  const column = (await page.locator('#results').boundingBox())!;
  const x = Math.max(0, column.x - pad);
  const y = Math.max(0, a.y - pad);
  const right = Math.min(page.viewportSize()!.width, column.x + column.width + pad);
  await page.screenshot({ path: join(out, name), fullPage: true, clip: { x, y, width: right - x, height: b.y + b.height + pad - y } });
  console.log(`  ${name}`);
}

async function viewport(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(out, name) });
  console.log(`  ${name}`);
}

const panel = (page: Page, heading: string) => page.locator('section.panel', { has: page.locator(`h2#${heading}`) });

try {
  // Laptop: the overview on WebGPU (the adapter is named), a circuit and one of its groundings,
  // a mapping, and a model trained in the page.
  let page = await open(1440, 1020, 'src=pretrained&gates=XOR&backend=webgpu&order=BA');
  await viewport(page, 'explorer-laptop-overview.png');
  await page.close();

  page = await open(1440, 900, 'src=pretrained&gates=XOR&backend=wasm&order=BA&net=circuit&c=1029&gpage=1&g=3');
  await page.locator('.groundings-table').waitFor();
  await shootBetween(page, 'explorer-laptop-circuit.png', panel(page, 'network-heading'), panel(page, 'groundings-heading'));
  await page.close();

  page = await open(1440, 900, 'src=pretrained&gates=XOR&backend=wasm&order=BA');
  await page.locator('.mapping-item').nth(3).click();
  await shootBetween(page, 'explorer-laptop-mapping.png', panel(page, 'network-heading'), page.locator('.formula').nth(1));
  await page.close();

  page = await open(1440, 900, 'src=train&gates=XOR&width=3&depth=2&seed=1&noise=0&lt=0.01&lr=0.001&engine=wasm&backend=wasm&order=BA');
  await viewport(page, 'explorer-laptop-training.png');
  await page.close();

  // Phone: the counts first, then a circuit with a grounding, then a mapping.
  page = await open(390, 844, 'src=pretrained&gates=XOR&backend=wasm&order=BA');
  await viewport(page, 'explorer-phone-summary.png');
  await page.close();

  page = await open(390, 844, 'src=pretrained&gates=XOR&backend=wasm&order=BA&net=circuit&c=1029&g=3');
  await page.locator('.groundings-table').waitFor();
  await shootBetween(page, 'explorer-phone-circuit.png', panel(page, 'network-heading'), panel(page, 'groundings-heading'));
  await page.locator('.mapping-item').nth(4).click();
  await shootBetween(page, 'explorer-phone-mapping.png', panel(page, 'network-heading'), page.locator('#network-legend'));
  await page.close();
  console.log(`screenshots in ${out}`);
} finally {
  await browser.close();
  await server.close();
  rmSync(temp, { recursive: true, force: true });
}
