/**
 * `mi-ident report` (Node only): reads results folders, renders the report's figures to SVG with
 * Vega-Lite and Vega headless (no browser, no canvas), and writes one self-contained HTML file.
 */
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { InputError } from '../errors.ts';
import { importOptional } from '../node/optional-packages.ts';
import { checkWritableFile, writeFileAtomic } from '../node/files.ts';
import { ResultStore } from './node-store.ts';
import { compareSeedBySeed, parseReference, type ReferenceNetwork } from './compare.ts';
import { allRows, figureRequests, partialNotice, partialSources, reportHtml, type ReportSource } from './report.ts';
import { criteriaFigures } from '../criteria/report.ts';

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

/**
 * Writes the HTML report of `dirs` to `out` (default: report.html in the first folder); returns
 * its path. With `compare` (main.py CSVs or oracle case files) it adds the seed-by-seed section.
 */
export async function writeReport(dirs: readonly string[], out?: string, compare: readonly string[] = []): Promise<{ path: string; figures: number; partial: string | null }> {
  const sources = readSources(dirs);
  const references = readReferences(compare);
  const path = out ?? join(dirs[0]!, 'report.html');
  checkWritableFile(path, '--out'); // before rendering the figures
  const requests = figureRequests(sources);
  const figures = [];
  for (const f of requests) figures.push({ ...f, svg: await renderSvg(f.spec) });
  const comparison = compare.length ? { rows: compareSeedBySeed(sources.flatMap((s) => s.records), references), files: compare.map((f) => basename(f)) } : undefined;
  const criteria = [];
  for (const f of criteriaFigures(allRows(sources), partialSources(sources).length > 0)) criteria.push({ id: f.id, svg: await renderSvg(f.spec) });
  writeFileAtomic(path, reportHtml(sources, figures, new Date().toISOString(), comparison, criteria));
  return { path, figures: figures.length + criteria.length, partial: partialNotice(sources) };
}
