/**
 * `mi-ident report` (Node only): reads results folders, renders the report's figures to SVG with
 * Vega-Lite and Vega headless (no browser, no canvas), writes one self-contained HTML file, and
 * each figure as a standalone SVG and (with playwright-core and a Chromium) PNG.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError, MissingPackageError } from '../errors.ts';
import { importOptional } from '../node/optional-packages.ts';
import { checkWritableFile, writeFileAtomic } from '../node/files.ts';
import { ResultStore } from './node-store.ts';
import { compareSeedBySeed, parseReference, type ReferenceNetwork } from './compare.ts';
import { allRows, partialNotice, partialSources, reportHtml, type ReportSource } from './report.ts';
import { criteriaFigures } from '../criteria/report.ts';
import { minSparsityFor } from './config.ts';
import { experimentKind } from './paper.ts';
import { fullNodeCircuitsOf, type FullNodeCircuits } from './paper-hypotheses.ts';
import { paperSections } from './paper-report.ts';
import type { UnitRecord } from './rows.ts';
import { loadGroundingKernels } from '../backends/wasm-grounding.ts';
import type { GroundingProblem } from '../grounding.ts';

/** Renders one Vega-Lite spec to an SVG string. */
export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  // Loaded on demand: the report is the only user of the (large) plotting libraries, which are
  // optional peer dependencies.
  const [vega, vl] = await importOptional(['vega', 'vega-lite'], 'the report\'s figures need', () => Promise.all([import('vega'), import('vega-lite')]));
  const compiled = vl.compile(spec as unknown as Parameters<typeof vl.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Reads the results folders as report sources. */
export function readSources(dirs: readonly string[]): ReportSource[] {
  if (dirs.length === 0) throw new InputError('report needs at least one results folder');
  return dirs.map((dir) => {
    const { stored, records } = ResultStore.read(dir);
    return { name: basename(resolve(dir)), config: stored.config, records };
  });
}

/** Reads the original code's results (main.py CSVs, oracle case files) for the seed-by-seed section. */
export function readReferences(files: readonly string[]): ReferenceNetwork[] {
  return files.flatMap((f) => {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (e) {
      throw new InputError(`cannot read --compare ${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return parseReference(text, basename(f));
  });
}

/** Options of {@link writeReport}. */
export interface ReportOptions {
  /** The original code's results for the seed-by-seed section (main.py CSVs, oracle case files). */
  compare?: readonly string[];
  /** Also write each figure as PNG (default: when playwright-core and a Chromium are found). */
  png?: boolean;
  /** A Chromium executable for the PNG figures (default: MI_IDENT_CHROMIUM, then the usual paths). */
  chromium?: string;
}

/** What {@link writeReport} wrote. */
export interface ReportWritten {
  path: string;
  /** Figures in the page. */
  figures: number;
  /** The partial-results notice, or null. */
  partial: string | null;
  /** The folder of the standalone figures: one SVG and (unless `pngSkipped`) one PNG each. */
  figuresDir: string;
  /** Why the PNG figures were not written, when they were not. */
  pngSkipped: string | null;
}

/**
 * Writes the HTML report of `dirs` to `out` (default: report.html in the first folder), and every
 * figure as a standalone SVG and PNG in the folder beside it (`report.html` -> `report-figures/`).
 * With `options.compare` it adds the seed-by-seed section.
 */
export async function writeReport(dirs: readonly string[], out?: string, opts: ReportOptions = {}): Promise<ReportWritten> {
  // Chromium starts now, for the PNGs at the end: its start-up overlaps the figures' computation.
  const renderer = opts.png === false ? null : pngRenderer(opts.chromium, opts.png === true);
  renderer?.catch(() => {}); // awaited below; a failed launch must not count as unhandled meanwhile
  try {
    return await writeReportWith(renderer, dirs, out, opts);
  } finally {
    void renderer?.then((r) => r.browser?.close(), () => {});
  }
}

async function writeReportWith(renderer: Promise<PngRenderer> | null, dirs: readonly string[], out: string | undefined, opts: ReportOptions): Promise<ReportWritten> {
  const sources = readSources(dirs);
  const compare = opts.compare ?? [];
  const references = readReferences(compare);
  const path = out ?? join(dirs[0]!, 'report.html');
  checkWritableFile(path, '--out'); // before rendering the figures
  const figuresName = `${basename(path).replace(/\.html?$/i, '')}-figures`;
  const figuresDir = join(dirname(path), figuresName);
  const notice = partialNotice(sources);
  const banner = notice ? `<p class="partial" role="alert">${notice.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!)}</p>` : '';
  const sections = paperSections(sources, banner, { fullNode: fullNodeInputs(sources, await groundingCounter()) });
  mkdirSync(figuresDir, { recursive: true });
  // Each figure's PNG is taken while the next figures render, in two pages by turns (Chromium
  // works in processes of its own).
  const lanes: Promise<string | null>[] = [0, 1].map(() => Promise.resolve(renderer ? null : 'not asked for'));
  let turn = 0;
  const rendered = async (id: string, spec: Parameters<typeof renderSvg>[0]) => {
    const svg = await renderSvg(spec);
    const lane = turn++ % lanes.length;
    if (renderer) lanes[lane] = lanes[lane]!.then(async (skipped) => skipped ?? writePng({ id, svg }, figuresDir, await renderer, lane));
    lanes[lane]!.catch(() => {}); // awaited below
    return svg;
  };
  const paper = [];
  for (const p of sections) paper.push({ ...p, svg: await rendered(p.id, p.spec) });
  const comparison = compare.length ? { rows: compareSeedBySeed(sources.flatMap((s) => s.records), references), files: compare.map((f) => basename(f)) } : undefined;
  const criteria = [];
  for (const f of criteriaFigures(allRows(sources), partialSources(sources).length > 0)) criteria.push({ id: f.id, svg: await rendered(f.id, f.spec) });
  const all = [...paper.map((p) => ({ id: p.id, svg: p.svg })), ...criteria];
  for (const f of all) writeFileAtomic(join(figuresDir, `${f.id}.svg`), standaloneSvg(f.svg));
  if (renderer) await renderer; // its refusal (PNGs required, no Chromium) even without figures
  const pngSkipped = (await Promise.all(lanes)).find((r) => r !== null) ?? null;
  writeFileAtomic(path, reportHtml(sources, paper, new Date().toISOString(), comparison, criteria, figuresName));
  return { path, figures: all.length, partial: notice, figuresDir, pngSkipped };
}

/** An SVG as a file of its own: with the XML namespace Vega's inline SVG already carries, and a white background. */
function standaloneSvg(svg: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${svg.replace(/<svg\b/, '<svg style="background-color: white"')}\n`;
}

/**
 * The full-node circuits of every clean-data size folder (the size section's hypothesis C2,
 * paper-hypotheses.ts): a few seconds at width 3, nothing from width 4 on.
 */
function fullNodeInputs(sources: readonly ReportSource[], count?: (problem: GroundingProblem) => bigint): Map<UnitRecord, FullNodeCircuits[]> {
  const out = new Map<UnitRecord, FullNodeCircuits[]>();
  const cache = new Map<string, FullNodeCircuits[]>();
  for (const s of sources) {
    if (experimentKind(s.config) !== 'size' || s.config.noiseStd !== 0 || s.config.skewedDistribution) continue;
    for (const [r, f] of fullNodeCircuitsOf(s.records, (k) => minSparsityFor(s.config, k), cache, count)) out.set(r, f);
  }
  return out;
}

/** The Wasm kernel's grounding count of one problem (the TS reference's counts), or undefined: the TS reference. */
async function groundingCounter(): Promise<((problem: GroundingProblem) => bigint) | undefined> {
  try {
    const kernels = await loadGroundingKernels();
    return (problem) => kernels.count(problem);
  } catch {
    return undefined;
  }
}

/** The Chromium for PNG figures: the given one, MI_IDENT_CHROMIUM, or one at a usual path. */
function findChromium(given?: string): string | null {
  for (const p of [given, process.env.MI_IDENT_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome']) {
    if (p && existsSync(p)) return p;
  }
  return null;
}

/** A headless Chromium for the PNG figures, or why there is none. */
interface PngRenderer {
  browser?: import('playwright-core').Browser;
  /** The pages the figures are rasterised in, by lane, each opened for its first figure. */
  pages?: import('playwright-core').Page[];
  reason?: string;
}

/**
 * Launches headless Chromium through playwright-core; says why it did not, when it could not (no
 * playwright-core, no Chromium): PNGs are then skipped, unless `required`, when that is an error.
 */
async function pngRenderer(chromiumPath: string | undefined, required: boolean): Promise<PngRenderer> {
  const executablePath = findChromium(chromiumPath);
  let reason: string | null = null;
  let playwright: typeof import('playwright-core') | null = null;
  try {
    playwright = await importOptional(['playwright-core'], 'the report\'s PNG figures need', () => import('playwright-core'));
  } catch (e) {
    if (!(e instanceof MissingPackageError)) throw e;
    reason = e.message;
  }
  if (!reason && !executablePath) reason = 'the report\'s PNG figures need a Chromium: none found at the usual paths; give its path in MI_IDENT_CHROMIUM';
  if (reason) {
    if (required) throw new InputError(reason);
    return { reason };
  }
  return { browser: await playwright!.chromium.launch({ executablePath: executablePath!, headless: true, args: ['--no-sandbox'] }) };
}

/**
 * Rasterises one SVG to PNG (twice the SVG's size) in the renderer's page of `lane`; returns why
 * it did not, when there is no renderer (then no figure gets a PNG).
 */
async function writePng(figure: { id: string; svg: string }, dir: string, renderer: PngRenderer, lane: number): Promise<string | null> {
  if (!renderer.browser) return renderer.reason ?? 'no Chromium';
  const pages = (renderer.pages ??= []);
  const page = (pages[lane] ??= await renderer.browser.newPage({ deviceScaleFactor: 2 }));
  await page.setContent(`<!doctype html><html><body style="margin:0;background:#fff">${figure.svg}</body></html>`);
  writeFileAtomic(join(dir, `${figure.id}.png`), await page.locator('svg').first().screenshot({ type: 'png' }));
  return null;
}
