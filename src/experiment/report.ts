/**
 * The experiment report's content: which factors vary across the results, the Vega-Lite specs of
 * the distribution figures (box plot and points, log-like scale), the statistics tables, and the
 * HTML page around rendered SVGs. Rendering itself (Vega, headless) is in node-report.ts.
 */
import { comparisonSummary, type NetworkCounts, type SeedComparison } from './compare.ts';
import type { ExperimentConfig } from './config.ts';
import { flagOf, CONFIG_FIELDS } from './config.ts';
import { gridUnits, unitKey } from './grid.ts';
import type { ResultRow, UnitRecord } from './rows.ts';
import { resultStats, type ResultStats, type Spread } from './stats.ts';
import { criteriaSectionHtml } from '../criteria/report.ts';
import { experimentKind } from './paper.ts';
import { sourcesHtml, type PaperSection } from './paper-report.ts';

/** Results of one folder with the configuration that produced them. */
export interface ReportSource {
  /** Folder name, for the page. */
  name: string;
  config: ExperimentConfig;
  records: UnitRecord[];
}

/** A factor the figures can be drawn against. */
export interface Factor {
  key: 'sizes' | 'depth' | 'gate' | 'n_gates' | 'noise_std' | 'skewed_distribution' | 'loss_target';
  title: string;
}

/** Every factor of the paper's experiments, in the report's order. */
export const FACTORS: readonly Factor[] = [
  { key: 'sizes', title: 'hidden width' },
  { key: 'depth', title: 'depth (hidden layers)' },
  { key: 'gate', title: 'gate' },
  { key: 'n_gates', title: 'number of gates' },
  { key: 'noise_std', title: 'input noise (std)' },
  { key: 'skewed_distribution', title: 'skewed input distribution' },
  { key: 'loss_target', title: 'loss target' },
];

/** A measured quantity: one value per network, or pooled per circuit / per formula. */
export interface Metric {
  key: 'perfect_circuits' | 'interpretations_per_circuit' | 'formulas' | 'mappings_per_formula';
  title: string;
  values(row: ResultRow): number[];
}

/** The four counts of the paper's figures. */
export const METRICS: readonly Metric[] = [
  { key: 'perfect_circuits', title: 'perfect circuits per network', values: (r) => [r.perfect_circuits] },
  { key: 'interpretations_per_circuit', title: 'interpretations per circuit', values: (r) => r.interpretations_per_circuit.map(Number) },
  { key: 'formulas', title: 'formulas with a mapping per network', values: (r) => [r.formulas] },
  { key: 'mappings_per_formula', title: 'minimal mappings per formula', values: (r) => r.mappings_per_formula },
];

/** The value of a factor for a row, as a label. */
function factorLabel(row: ResultRow, factor: Factor): string {
  const v = row[factor.key];
  return typeof v === 'boolean' ? (v ? 'skewed' : 'uniform') : String(v);
}

/** Sorts labels numerically when they are numbers, else alphabetically. */
function compareLabels(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  return Number.isNaN(x) || Number.isNaN(y) ? a.localeCompare(b) : x - y;
}

/** A source that holds fewer units than its grid has (a partial merge, a shard, a run cut short). */
export interface PartialSource {
  name: string;
  /** Units of the grid the source holds. */
  held: number;
  /** Units of the grid. */
  total: number;
}

/** The sources that miss units of their grid: told from the records, so no flag can hide it. */
export function partialSources(sources: readonly ReportSource[]): PartialSource[] {
  return sources.flatMap((s) => {
    const keys = new Set(gridUnits(s.config).map(unitKey));
    const held = new Set(s.records.map((r) => r.key).filter((k) => keys.has(k))).size;
    return held < keys.size ? [{ name: s.name, held, total: keys.size }] : [];
  });
}

/** The one-line warning of a partial report, or null when every source is complete. */
export function partialNotice(sources: readonly ReportSource[]): string | null {
  const partial = partialSources(sources);
  if (!partial.length) return null;
  const each = partial.map((p) => `${p.name} holds ${p.held} of its grid's ${p.total} units (${p.total - p.held} missing)`).join('; ');
  return `Partial results: ${each}. Every statistic and figure here covers only the units held.`;
}

/** Every row of every source. */
export function allRows(sources: readonly ReportSource[]): ResultRow[] {
  return sources.flatMap((s) => s.records.flatMap((r) => r.rows));
}

/** The factors that take at least two values across the rows (or `gate` alone when none does). */
export function varyingFactors(rows: readonly ResultRow[]): Factor[] {
  const varying = FACTORS.filter((f) => new Set(rows.map((r) => factorLabel(r, f))).size > 1);
  return varying.length ? varying : [FACTORS[1]!];
}

/** At most this many points are drawn per figure (the box plot uses every value). */
const MAX_POINTS = 1500;

/** Tick marks for a symlog axis up to `max`: 0, then 1-2-5 steps for small ranges, else powers of ten. */
export function logTicks(max: number): number[] {
  const steps = max < 100 ? [1, 2, 5] : [1];
  const ticks = [0];
  for (let decade = 1; decade <= Math.max(max, 1); decade *= 10) {
    for (const s of steps) if (s * decade <= Math.max(max, 1) * 1.0001) ticks.push(s * decade);
  }
  return ticks;
}

/**
 * The Vega-Lite spec of one figure: the distribution of `metric` for each value of `factor`, as a
 * box plot (quartiles, whiskers to min and max) with the values as jittered points, on a symlog
 * scale (logarithmic, but with room for zeros).
 */
export function figureSpec(rows: readonly ResultRow[], metric: Metric, factor: Factor, partial = false): Record<string, unknown> {
  const values = rows.flatMap((r) => metric.values(r).map((value) => ({ factor: factorLabel(r, factor), value })));
  const step = Math.max(1, Math.ceil(values.length / MAX_POINTS));
  // Deterministic jitter (golden-ratio sequence), so the same results draw the same picture.
  const points = values.filter((_, i) => i % step === 0).map((v, i) => ({ ...v, jitter: ((i * 0.6180339887498949) % 1) - 0.5 }));
  const order = [...new Set(values.map((v) => v.factor))].sort(compareLabels);
  const max = values.reduce((m, v) => Math.max(m, v.value), 0);
  const x = { field: 'factor', type: 'ordinal', title: factor.title, sort: order, axis: { labelAngle: 0 } };
  const y = { field: 'value', type: 'quantitative', title: metric.title, scale: { type: 'symlog' }, axis: { values: logTicks(max), labelExpr: "datum.value >= 10000 ? format(datum.value, '~s') : format(datum.value, ',d')" } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    // A figure copied out of the report still says that its data are partial.
    title: `${metric.title} by ${factor.title}${partial ? ' (PARTIAL results)' : ''}`,
    width: Math.max(160, 70 * order.length),
    height: 220,
    layer: [
      { data: { values }, mark: { type: 'boxplot', extent: 'min-max', opacity: 0.55, size: 28 }, encoding: { x, y } },
      {
        data: { values: points },
        mark: { type: 'point', filled: true, size: 12, opacity: 0.45, color: '#333' },
        encoding: { x, y, xOffset: { field: 'jitter', type: 'quantitative', scale: { domain: [-1.6, 1.6] }, axis: null } },
      },
    ],
  };
}

/** One figure to render: its specification and where it goes. */
export interface FigureRequest {
  id: string;
  factor: Factor;
  metric: Metric;
  spec: Record<string, unknown>;
}

/** Every figure of the report: each metric against each varying factor. */
export function figureRequests(sources: readonly ReportSource[]): FigureRequest[] {
  const rows = allRows(sources);
  const partial = partialSources(sources).length > 0;
  return varyingFactors(rows).flatMap((factor) =>
    METRICS.map((metric) => ({ id: `${metric.key}-by-${factor.key}`, factor, metric, spec: figureSpec(rows, metric, factor, partial) })),
  );
}

/** A unit's factor value from the unit and its configuration (null: a multi-gate unit has no single gate). */
function unitLabel(r: UnitRecord, config: ExperimentConfig, factor: Factor): string | null {
  switch (factor.key) {
    case 'sizes': return String(r.unit.size);
    case 'depth': return String(r.unit.depth);
    case 'n_gates': return String(r.unit.nGates);
    case 'loss_target': return String(r.unit.lossTarget);
    case 'noise_std': return String(config.noiseStd);
    case 'skewed_distribution': return config.skewedDistribution ? 'skewed' : 'uniform';
    case 'gate': return r.gates.length === 1 ? r.gates[0]! : null;
  }
}

/**
 * Units grouped by a factor's value. For `gate`, a converged multi-gate unit counts once per
 * output (as a unit with that output's row), and an unconverged one in no group.
 */
export function groupByFactor(sources: readonly ReportSource[], factor: Factor): [string, UnitRecord[]][] {
  const groups = new Map<string, Set<UnitRecord>>();
  const add = (label: string, r: UnitRecord) => (groups.get(label) ?? groups.set(label, new Set()).get(label)!).add(r);
  for (const s of sources) {
    for (const r of s.records) {
      if (factor.key === 'gate' && r.rows.length) {
        for (const row of r.rows) add(row.gate, { ...r, rows: [row] });
      } else {
        const label = unitLabel(r, s.config, factor);
        if (label !== null) add(label, r);
      }
    }
  }
  return [...groups.entries()].map(([label, set]) => [label, [...set]] as [string, UnitRecord[]]).sort((a, b) => compareLabels(a[0], b[0]));
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);
const num = (n: number) => (Number.isNaN(n) ? '–' : Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(1));
const share = (part: number, whole: number) => (whole ? `${part} (${((100 * part) / whole).toFixed(0)}%)` : '–');
const showSpread = (s: Spread) => (s.n ? `${num(s.min)} / ${num(s.median)} / ${num(s.max)}` : '–');

/** The statistics table: one row per group. */
function statsTable(groups: [string, ResultStats][], groupTitle: string): string {
  const head = [groupTitle, 'units', 'converged', 'networks', 'perfect circuits<br>min / median / max', 'interpretations per circuit<br>min / median / max',
    'formulas with a mapping<br>min / median / max', 'mappings per formula<br>min / median / max', 'exactly one perfect circuit', 'exactly one circuit interpretation',
    'no formula mapped', 'exactly one minimal mapping'];
  const body = groups.map(([label, s]) => [escapeHtml(label), num(s.units), share(s.converged, s.units), num(s.networks), showSpread(s.perfectCircuits),
    showSpread(s.interpretationsPerCircuit), showSpread(s.formulas), showSpread(s.mappingsPerFormula), share(s.oneCircuit, s.networks),
    share(s.oneInterpretation, s.networks), share(s.noFormula, s.networks), share(s.oneMapping, s.networks)]);
  return `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${body.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** The configuration of a source as main.py-style flags. */
function configLine(config: ExperimentConfig): string {
  return CONFIG_FIELDS.map((k) => `${flagOf(k)} ${Array.isArray(config[k]) ? (config[k] as unknown[]).join(' ') : String(config[k])}`).join(' ');
}

const total = (n: NetworkCounts) => n.interpretations.reduce<number>((a, v) => a + (v ?? 0), 0) + (n.interpretations.some((v) => v === null) ? NaN : 0);
const sumOf = (v: readonly number[]) => v.reduce((a, b) => a + b, 0);

/** "Ours vs the original code, seed by seed": one row per network, differing counts marked. */
export function comparisonSection(rows: readonly SeedComparison[], files: readonly string[]): string {
  const s = comparisonSummary(rows);
  const cell = (ours: string, theirs: string, same: boolean | undefined) =>
    `<td${same === false ? ' class="differ"' : ''}>${ours}</td><td${same === false ? ' class="differ"' : ''}>${theirs}</td>`;
  const varied = (k: 'size' | 'depth' | 'lossTarget' | 'learningRate') => new Set(rows.map((r) => r[k])).size > 1;
  const extra = (['size', 'depth', 'lossTarget', 'learningRate'] as const).filter(varied);
  const head = ['seed offset', ...extra, 'gates', 'output', 'ours', 'theirs'].map((h) => `<th rowspan="2">${h}</th>`).join('') +
    ['perfect circuits', 'interpretations (total)', 'formulas with a mapping', 'minimal mappings (total)'].map((h) => `<th colspan="2">${h}</th>`).join('');
  const sub = '<tr>' + '<th>ours</th><th>theirs</th>'.repeat(4) + '</tr>';
  const state = (r: SeedComparison, side: 'ours' | 'theirs') => (side === 'ours' ? (r.ours ? 'converged' : 'not converged') : r.theirs ? 'kept' : 'not in the files');
  const body = rows.map((r) => {
    const o = r.ours;
    const t = r.theirs;
    const v = (n: NetworkCounts | null, f: (n: NetworkCounts) => number) => (n ? num(f(n)) : '–');
    return `<tr><td>${r.seedOffset}</td>${extra.map((k) => `<td>${r[k]}</td>`).join('')}<td>${escapeHtml(r.gates)}</td><td>${r.output} (${escapeHtml(r.gate)})</td><td>${state(r, 'ours')}</td><td>${state(r, 'theirs')}</td>` +
      cell(v(o, (n) => n.perfectCircuits), v(t, (n) => n.perfectCircuits), r.same?.perfectCircuits) +
      cell(v(o, total), v(t, total), r.same?.interpretations) +
      cell(v(o, (n) => n.formulas), v(t, (n) => n.formulas), r.same?.formulas) +
      cell(v(o, (n) => sumOf(n.mappingsPerFormula)), v(t, (n) => sumOf(n.mappingsPerFormula)), r.same?.mappings) + '</tr>';
  });
  return `<section id="seed-by-seed"><h2>Ours vs the original code, seed by seed</h2>
<p>Reference: ${files.map((f) => `<code>${escapeHtml(f)}</code>`).join(', ')}. ${s.compared} networks in both: <b>${s.identical} identical</b> in every count
(every circuit's interpretations, every formula's mappings), ${s.differ} differ (marked). ${s.oursOnly} converged here only, ${s.theirsOnly} only there,
${s.neither} in neither (not converged here, not kept there). With <code>--rng reference</code> the networks are the original code's, so they should all agree;
a network missing from the files may also be one the original code never ran. Interpretations the original code did not finish count as unknown.</p>
<table><thead><tr>${head}</tr>${sub}</thead><tbody>${body.join('')}</tbody></table></section>`;
}

/** A rendered section of the paper report: its HTML with `{{figure}}` and `{{figures}}` to fill. */
export type RenderedPaperSection = PaperSection & { svg: string };

/** One row of the per-folder summary: the folder, its experiment, and its statistics. */
function folderSummary(sources: readonly ReportSource[]): string {
  const head = ['folder', 'experiment', 'units', 'converged', 'networks', 'perfect circuits<br>min / median / max', 'interpretations per circuit<br>min / median / max',
    'formulas with a mapping<br>min / median / max', 'mappings per formula<br>min / median / max', 'exactly one perfect circuit', 'exactly one circuit interpretation',
    'no formula mapped', 'exactly one minimal mapping'];
  const body = sources.map((src) => {
    const s = resultStats(src.records);
    return [escapeHtml(src.name), escapeHtml(experimentKind(src.config)), num(s.units), share(s.converged, s.units), num(s.networks), showSpread(s.perfectCircuits),
      showSpread(s.interpretationsPerCircuit), showSpread(s.formulas), showSpread(s.mappingsPerFormula), share(s.oneCircuit, s.networks),
      share(s.oneInterpretation, s.networks), share(s.noFormula, s.networks), share(s.oneMapping, s.networks)];
  });
  return `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${body.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/**
 * The report page: the folders, one section per folder in the paper's terms (its figure, the
 * published numbers beside it, the differences), a summary per folder, the seed-by-seed
 * comparison (with `--compare`), the criteria, and the sources of the published numbers.
 * `figuresDir` is the standalone figures' folder, relative to the page.
 */
export function reportHtml(
  sources: readonly ReportSource[],
  paper: readonly RenderedPaperSection[],
  generated: string,
  comparison?: { rows: readonly SeedComparison[]; files: readonly string[] },
  criteriaFigures: readonly { id: string; svg: string }[] = [],
  figuresDir = 'figures',
): string {
  const notice = partialNotice(sources);
  // Said at the top, in every section, and (fixed, so repeated by the browser) on every printed page.
  const banner = notice ? `<p class="partial" role="alert">${escapeHtml(notice)}</p>` : '';
  const sections = paper.map((p) => p.html.replace('{{figure}}', () => p.svg).replaceAll('{{figures}}', escapeHtml(figuresDir)));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${notice ? 'PARTIAL results: ' : ''}mi-ident report</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1280px; color: #222; padding: 0 1em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 12px; }
caption { text-align: left; font-weight: 600; padding: .2em 0; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: right; vertical-align: top; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; } td.differ { background: #fde2e2; }
td.same { background: #e3f4e1; } td.na { color: #888; } tr.theirs td { background: #fff4e5; }
table.refs td, table.hypotheses td:nth-child(2) { text-align: left; } table.refs { width: 100%; }
table.refs col.what { width: 24%; } table.refs col.theirs { width: 22%; } table.refs col.source { width: 14%; } table.refs col.ours { width: 34%; }
figure { margin: 0; max-width: 100%; overflow-x: auto; }
figcaption { font-size: 12px; color: #555; max-width: 640px; }
.src { font-size: 11px; padding: 0 .35em; border-radius: 3px; white-space: nowrap; background: #eee; }
.src-paper { background: #fde7d0; } .src-figure { background: #ffe2c2; } .src-blog, .src-demo { background: #f3e5c9; }
.src-unverified { background: #eee; font-style: italic; } .src-reference-100-seeds, .src-oracle-cases { background: #dcefd9; }
.question { font-style: italic; } .setting { font-size: 13px; } ul.differences li { margin: .2em 0; }
.figures { display: flex; flex-wrap: wrap; gap: 1em; }
code { font-size: 12px; } pre { white-space: pre-wrap; background: #f7f7f7; padding: .6em; }
.partial { background: #fff3cd; border: 2px solid #b8860b; padding: .5em .8em; font-weight: 600; }
.partial-page { display: none; }
@media print { .partial-page { display: block; position: fixed; bottom: 0; left: 0; right: 0; margin: 0; } }
</style></head><body>
${notice ? `<p class="partial partial-page">${escapeHtml(notice)}</p>` : ''}
<h1>Identifiability of trained MLPs: experiment report${notice ? ' (PARTIAL results)' : ''}</h1>
${banner}
<p>Generated by mi-ident on ${escapeHtml(generated)}. A <em>network</em> is one output of a converged model (main.py's separate_into_k_mlps).
Each folder is shown as the paper's experiment it holds, told from its configuration; beside each figure are the numbers the paper,
its authors and the reference code published, each labelled with its source (hover a label for the full citation), and where they
differ from ours, what is known about why.</p>
<h2>Sources</h2>
<ul>${sources.map((s) => `<li><b>${escapeHtml(s.name)}</b>: ${s.records.length} of its grid's ${gridUnits(s.config).length} units<br><code>${escapeHtml(configLine(s.config))}</code></li>`).join('')}</ul>
<nav><b>Experiments:</b> ${paper.map((p) => `<a href="#${p.id}">${escapeHtml(p.title)}</a>`).join(' · ')}</nav>
${sections.join('\n')}
<section><h2>Summary per folder</h2>${banner}
${folderSummary(sources)}</section>
${comparison ? comparisonSection(comparison.rows, comparison.files) : ''}
${criteriaSectionHtml(allRows(sources), criteriaFigures, banner)}
${paper.length ? sourcesHtml() : ''}
</body></html>
`;
}
