/**
 * The paper report's sections: one per results folder, in the paper's terms (the experiment it
 * holds, told from its configuration), each with a figure drawn like the paper's (box plots over
 * the networks, their means and points, symmetric-log scale), the numbers the paper, its authors
 * and the reference code published beside it (paper-reference.ts, each with its source), and
 * where ours and theirs differ, with what is known about why. Browser-safe: specs and HTML only.
 */
import { configDifferences, flagOf, minSparsityFor, type ExperimentConfig } from './config.ts';
import { experimentKind, paperConfig, presetOf, EXPERIMENT_KINDS, FACTOR_FIELDS, type ExperimentKind } from './paper.ts';
import {
  BASIC_CLAIMS, NO_NUMBERS, REFERENCE_100_SEEDS, REFERENCE_SOURCES, SIZE_CLAIMS, SIZE_FIGURE,
  type Distribution, type Measure, type PublishedClaim, type QuantileMethod, type ReferenceStatistic, type SourceId,
} from './paper-reference.ts';
import { calibratedBudget, underBudget, withFullNodeCircuits, type FullNodeCircuits } from './paper-hypotheses.ts';
import type { ResultRow, UnitRecord } from './rows.ts';
import type { ReportSource } from './report.ts';
import { mean, quantile } from './stats.ts';

// ---------------------------------------------------------------------------------------------
// Per-network quantities
// ---------------------------------------------------------------------------------------------

/** The per-network counts the paper's figures show. */
export type NetworkMetric = 'perfectCircuits' | 'interpretations' | 'formulas' | 'mappings';

const sum = (v: readonly number[]) => v.reduce((a, b) => a + b, 0);

/** Each per-network count: its title and its value for one analysed output. */
export const NETWORK_METRICS: Readonly<Record<NetworkMetric, { title: string; value: (r: ResultRow) => number }>> = {
  perfectCircuits: { title: 'perfect circuits per network', value: (r) => r.perfect_circuits },
  interpretations: { title: 'interpretations per network', value: (r) => Number(r.total_interpretations) },
  formulas: { title: 'formulas with a mapping per network', value: (r) => r.formulas },
  mappings: { title: 'minimal mappings per network', value: (r) => sum(r.mappings_per_formula) },
};

// ---------------------------------------------------------------------------------------------
// Experiments in the paper's terms
// ---------------------------------------------------------------------------------------------

/** How a kind of experiment is shown: its title, what its figure's groups are, which counts it draws. */
interface KindInfo {
  title: string;
  /** What the experiment asks, in the paper's terms. */
  question: string;
  /** Title of the figure's x axis. */
  factorTitle: string;
  /** A unit's group label. */
  label: (r: UnitRecord, config: ExperimentConfig) => string;
  /** The config fields this experiment varies: a basic-setup folder equal in every other field joins the figure as its baseline group. */
  baseline?: readonly (keyof ExperimentConfig)[];
  /** The fields whose difference from the paper's setting is what the figure shows, not a deviation. */
  own?: readonly (keyof ExperimentConfig)[];
  metrics: readonly NetworkMetric[];
}

const layout = (size: number, depth: number, outputs: number) => `2-${new Array<number>(depth).fill(size).join('-')}-${outputs}`;
/** The paper's size figure: mappings, then interpretations. */
const SIZE_METRICS: readonly NetworkMetric[] = ['mappings', 'interpretations'];

const KINDS: Readonly<Record<ExperimentKind, KindInfo>> = {
  basic: {
    title: 'The main result: XOR on a 2-3-3-1 MLP', question: 'How many explanations does one trained network admit, under each criterion of mechanistic interpretability?',
    factorTitle: 'network', label: (r) => `${r.gates.join(' ')}, ${layout(r.unit.size, r.unit.depth, r.gates.length)}`, metrics: ['perfectCircuits', 'interpretations', 'formulas', 'mappings'],
  },
  size: {
    title: 'Network size: XOR on 2-k-k-1 MLPs', question: 'Do larger networks admit more explanations (where-then-what: interpretations; what-then-where: minimal mappings)?',
    factorTitle: 'hidden width k', label: (r) => String(r.unit.size), own: ['sizes'], metrics: SIZE_METRICS,
  },
  depth: {
    title: 'Network depth: XOR with several hidden layers', question: 'Do deeper networks admit more explanations?',
    factorTitle: 'hidden layers', label: (r) => String(r.unit.depth), own: ['depths'], metrics: SIZE_METRICS,
  },
  multitask: {
    title: 'Multi-task learning: one MLP, one to six gates', question: 'Does learning several gates at once (one output each) constrain the explanations of each?',
    factorTitle: 'gates per model', label: (r) => String(r.unit.nGates), metrics: SIZE_METRICS,
  },
  gates: {
    title: 'The target gate', question: 'Is non-identifiability particular to XOR?', factorTitle: 'gate',
    label: (r) => r.gates.join(' '), metrics: SIZE_METRICS,
  },
  noise: {
    title: 'Training noise', question: 'Does training on noisy inputs change how many explanations a network admits?',
    factorTitle: 'input noise (std)', label: (_, c) => String(c.noiseStd), baseline: ['noiseStd'], metrics: SIZE_METRICS,
  },
  skew: {
    title: 'Skewed input distribution', question: 'Does a skewed training distribution change how many explanations a network admits?',
    factorTitle: 'input distribution', label: (_, c) => (c.skewedDistribution ? 'skewed' : 'uniform'), baseline: ['skewedDistribution'], metrics: SIZE_METRICS,
  },
  'loss-target': {
    title: 'Training loss target', question: 'Do networks trained further (lower loss) admit fewer explanations?',
    factorTitle: 'loss target', label: (r) => String(r.unit.lossTarget), baseline: ['lossTargets'], own: ['lossTargets'], metrics: SIZE_METRICS,
  },
};

/** A results folder as the paper report sees it. */
export interface ClassifiedSource {
  source: ReportSource;
  kind: ExperimentKind;
  /** The preset whose grid this is (any number of seeds), if any. */
  preset: string | null;
  /** Differences from the paper's setting of its kind, as `--flag: paper's vs this folder's`. */
  deviations: string[];
}

/** Classifies each folder by the experiment it holds and how it departs from the paper's setting. */
export function classifySources(sources: readonly ReportSource[]): ClassifiedSource[] {
  return sources.map((source) => {
    const kind = experimentKind(source.config);
    const own = (KINDS[kind].own ?? []).map(flagOf);
    const deviations = configDifferences(paperConfig(kind), source.config).filter((d) => !own.includes(d.split(':')[0]!));
    return { source, kind, preset: presetOf(source.config), deviations };
  });
}

/** A group of units in a figure: one value of the experiment's factor. */
export interface SectionGroup {
  label: string;
  records: UnitRecord[];
  rows: ResultRow[];
  /** The configuration its units ran with. */
  config: ExperimentConfig;
  /** The folder the group comes from, when it is not the section's own (a baseline). */
  from?: string;
}

/** The groups of a folder's units by the experiment's factor, with a baseline folder's when it fits. */
export function sectionGroups(c: ClassifiedSource, all: readonly ClassifiedSource[]): SectionGroup[] {
  const info = KINDS[c.kind];
  const groups = new Map<string, SectionGroup>();
  const add = (r: UnitRecord, config: ExperimentConfig, from?: string) => {
    const label = info.label(r, config);
    const g = groups.get(label) ?? groups.set(label, { label, records: [], rows: [], config, ...(from ? { from } : {}) }).get(label)!;
    g.records.push(r);
    g.rows.push(...r.rows);
  };
  for (const r of c.source.records) add(r, c.source.config);
  const own = new Set(groups.keys());
  for (const b of baselineSources(c, all)) {
    for (const r of b.source.records) if (!own.has(info.label(r, b.source.config))) add(r, b.source.config, b.source.name);
  }
  return [...groups.values()].sort((a, b) => compareLabels(a.label, b.label));
}

/** Basic-setup folders equal to this one in every field but those the experiment varies: its baseline. */
function baselineSources(c: ClassifiedSource, all: readonly ClassifiedSource[]): ClassifiedSource[] {
  const fields = KINDS[c.kind].baseline;
  if (!fields) return [];
  return all.filter((b) => b !== c && b.kind === 'basic' && configDifferences(b.source.config, c.source.config).every((d) => fields.some((f) => d.startsWith(`${flagOf(f)}:`))));
}

function compareLabels(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  return Number.isNaN(x) || Number.isNaN(y) ? a.localeCompare(b) : x - y;
}

// ---------------------------------------------------------------------------------------------
// Reference overlays and the figure
// ---------------------------------------------------------------------------------------------

/** The series of a figure, in legend order, with their colours. */
const SERIES = [
  ['ours: box (quartiles, whiskers to min and max)', '#9ab6d6'],
  ['ours: one point per network', '#333333'],
  ['ours: mean', '#d62728'],
  ['paper figure, read by eye (median, IQR)', '#ff7f0e'],
  ['reference code, 100 seeds (median, IQR)', '#2ca02c'],
  ['reference code, only its 18 networks grounded in 30 s (median, IQR)', '#9467bd'],
] as const;
type SeriesName = (typeof SERIES)[number][0];
const COLOR_SCALE = { domain: SERIES.map((s) => s[0]), range: SERIES.map((s) => s[1]) };

/** One published distribution drawn beside a group. */
export interface Overlay {
  group: string;
  metric: NetworkMetric;
  series: SeriesName;
  median: number;
  q1?: number;
  q3?: number;
}

/** The published distributions to draw beside a section's groups. */
export function sectionOverlays(c: ClassifiedSource, groups: readonly SectionGroup[]): Overlay[] {
  const out: Overlay[] = [];
  const labels = new Set(groups.map((g) => g.label));
  const ref = (group: string, metric: NetworkMetric, d: Distribution, series: SeriesName) => {
    if (labels.has(group) && d.median !== undefined) out.push({ group, metric, series, median: d.median, q1: d.q1, q3: d.q3 });
  };
  const basicLabel = groups.find((g) => g.records.some((r) => isBasicUnit(r, g.config)))?.label;
  const stats = REFERENCE_100_SEEDS.statistics;
  const byMeasure = (m: Measure) => stats.find((s) => s.measure === m)!.value;
  if (c.kind === 'size') {
    for (const e of SIZE_FIGURE) {
      ref(String(e.width), 'mappings', e.mappings, 'paper figure, read by eye (median, IQR)');
      ref(String(e.width), 'interpretations', e.interpretations, 'paper figure, read by eye (median, IQR)');
    }
  }
  // The reference run is the basic setup: drawn at the group that holds it.
  if (basicLabel !== undefined) {
    for (const metric of KINDS[c.kind].metrics) {
      const measure: Measure = metric;
      ref(basicLabel, metric, byMeasure(measure), 'reference code, 100 seeds (median, IQR)');
    }
    if (KINDS[c.kind].metrics.includes('interpretations')) ref(basicLabel, 'interpretations', REFERENCE_100_SEEDS.completelyGrounded.interpretations, 'reference code, only its 18 networks grounded in 30 s (median, IQR)');
  }
  return out;
}

/** Whether a unit is one of the basic setup's (XOR alone, 2-3-3-1, clean, uniform, loss 0.01). */
function isBasicUnit(r: UnitRecord, c: ExperimentConfig): boolean {
  const basic = paperConfig('basic');
  return r.gates.length === 1 && r.gates[0] === 'XOR' && r.unit.size === 3 && r.unit.depth === 2 && r.unit.lossTarget === 0.01 && r.unit.learningRate === basic.learningRates[0] &&
    c.noiseStd === 0 && !c.skewedDistribution && c.targetLogicGates.join() === 'XOR';
}

/** At most this many points per panel (the box plot and mean use every value). */
const MAX_POINTS = 1500;
/** Pixels per group on the x axis. */
const STEP = 92;

/** Tick marks for the symlog axis: 0, then 1-2-5 steps for small ranges or powers of ten. */
function ticks(max: number): number[] {
  const steps = max < 100 ? [1, 2, 5] : [1];
  const out = [0];
  for (let decade = 1; decade <= Math.max(max, 1); decade *= 10) for (const s of steps) if (s * decade <= Math.max(max, 1) * 1.0001) out.push(s * decade);
  return out;
}

/** One panel: a count's box plot per group, its points and mean, and the published distributions beside. */
function panelSpec(metric: NetworkMetric, groups: readonly SectionGroup[], overlays: readonly Overlay[], factorTitle: string): Record<string, unknown> {
  const m = NETWORK_METRICS[metric];
  const values = groups.flatMap((g) => g.rows.map((r) => ({ group: g.label, value: m.value(r) })));
  const every = Math.max(1, Math.ceil(values.length / MAX_POINTS));
  // Deterministic jitter (golden-ratio sequence): the same results draw the same picture.
  const points = values.filter((_, i) => i % every === 0).map((v, i) => ({ ...v, jitter: ((i * 0.6180339887498949) % 1) - 0.5 }));
  const refs = overlays.filter((o) => o.metric === metric);
  const max = Math.max(1, ...values.map((v) => v.value), ...refs.map((o) => o.q3 ?? o.median));
  const order = groups.map((g) => g.label);
  const x = { field: 'group', type: 'ordinal', title: factorTitle, sort: order, scale: { domain: order }, axis: { labelAngle: 0 } };
  const y = {
    field: 'value', type: 'quantitative', title: m.title, scale: { type: 'symlog', domain: [0, max] },
    axis: { values: ticks(max), labelExpr: "datum.value >= 10000 ? format(datum.value, '.0e') : format(datum.value, ',d')" },
  };
  const color = (series: SeriesName) => ({ datum: series, scale: COLOR_SCALE, title: null, legend: { orient: 'bottom', direction: 'vertical', labelLimit: 600 } });
  // Published values sit to the right of ours, in the same group.
  const beside = { value: (groups.length === 1 ? 200 : STEP) / 2 + 24 };
  const layer: Record<string, unknown>[] = [
    { data: { values }, mark: { type: 'boxplot', extent: 'min-max', size: 30, median: { color: '#1f3b66' }, rule: { color: '#555' } }, encoding: { x, y, color: color(SERIES[0][0]) } },
    {
      data: { values: points }, mark: { type: 'point', filled: true, size: 10, opacity: 0.45 },
      encoding: { x, y, color: color(SERIES[1][0]), xOffset: { field: 'jitter', type: 'quantitative', scale: { domain: [-1.4, 1.4] }, axis: null } },
    },
    { data: { values }, mark: { type: 'point', shape: 'diamond', filled: true, size: 70 }, encoding: { x, y: { ...y, aggregate: 'mean' }, color: color(SERIES[2][0]) } },
  ];
  const withRange = refs.filter((o) => o.q1 !== undefined && o.q3 !== undefined);
  for (const series of new Set(refs.map((o) => o.series))) {
    const shift = { value: beside.value + 9 * SERIES.findIndex((s) => s[0] === series) - 27 };
    const range = withRange.filter((o) => o.series === series);
    if (range.length) {
      layer.push({ data: { values: range }, mark: { type: 'rule', strokeWidth: 2.5 }, encoding: { x, xOffset: shift, y: { ...y, field: 'q1' }, y2: { field: 'q3' }, color: color(series) } });
    }
    layer.push({ data: { values: refs.filter((o) => o.series === series) }, mark: { type: 'point', shape: 'triangle-left', filled: true, size: 60 }, encoding: { x, xOffset: shift, y: { ...y, field: 'median' }, color: color(series) } });
  }
  // One group (the basic setup) gets room for its panel's title.
  return { width: order.length === 1 ? 200 : { step: STEP }, height: 260, title: { text: m.title, fontSize: 13 }, layer };
}

/** The Vega-Lite spec of a section's figure: one panel per count, side by side. */
export function sectionFigureSpec(kind: ExperimentKind, groups: readonly SectionGroup[], overlays: readonly Overlay[], title: string): Record<string, unknown> {
  const info = KINDS[kind];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, anchor: 'start', fontSize: 14 },
    hconcat: info.metrics.map((metric) => panelSpec(metric, groups, overlays, info.factorTitle)),
    resolve: { scale: { color: 'shared' } },
    config: { legend: { labelLimit: 420 } },
  };
}

// ---------------------------------------------------------------------------------------------
// Ours beside theirs
// ---------------------------------------------------------------------------------------------

/** Our value of a measure over a set of rows, for a quartile convention. */
function ourDistribution(rows: readonly ResultRow[], measure: Measure, method: QuantileMethod): Distribution & { values: number[] } {
  const values = measureValues(rows, measure);
  return { values, min: Math.min(...values), q1: quantile(values, 0.25, method), median: quantile(values, 0.5, method), q3: quantile(values, 0.75, method), mean: mean(values), max: Math.max(...values) };
}

function measureValues(rows: readonly ResultRow[], measure: Measure): number[] {
  switch (measure) {
    case 'perfectCircuits': case 'interpretations': case 'formulas': case 'mappings': return rows.map(NETWORK_METRICS[measure].value);
    case 'interpretationsPerCircuit': return rows.filter((r) => r.perfect_circuits > 0).map((r) => Number(r.total_interpretations) / r.perfect_circuits);
    default: return [];
  }
}

/** The number of decimals a published value is given with (ours is rounded the same to compare). */
const decimals = (v: number) => (String(v).split('.')[1] ?? '').length;
const sameAs = (ours: number, theirs: number) => Number(ours.toFixed(decimals(theirs))) === theirs;

const esc = (s: string) => s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);
/** A number for the page: integers with separators, others to at most 2 decimals; large ones as 1.2e5. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return '–';
  if (Math.abs(n) >= 1e7) return n.toExponential(2).replace('e+', 'e');
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return Number(n.toFixed(2)).toLocaleString('en-US', { maximumFractionDigits: 2 });
}
const src = (id: SourceId, where?: string) => `<span class="src src-${id}" title="${esc(REFERENCE_SOURCES[id].cite)}">${esc(REFERENCE_SOURCES[id].label)}${where ? `, ${esc(where)}` : ''}</span>`;
const verdict = (same: boolean | null) => (same === null ? '<td class="na">–</td>' : same ? '<td class="same">same</td>' : '<td class="differ">differs</td>');
const share = (part: number, whole: number) => `${part} of ${whole} (${whole ? ((100 * part) / whole).toFixed(1) : '0'} %)`;

/** "min / q1 / median / q3 / max; mean" for the fields a published distribution gives. */
function showDistribution(d: Distribution, fields: readonly (keyof Distribution)[]): string {
  return fields.map((f) => `${f} ${fmt(d[f]!)}`).join(', ');
}

/** A difference found between ours and theirs, for the section's list. */
interface Difference {
  what: string;
  why: string;
}

/** The table of a claim: its published value and source, ours, and whether they agree. */
function claimRow(claim: PublishedClaim, rows: readonly ResultRow[], records: readonly UnitRecord[], differences: Difference[]): string {
  const networks = rows.length;
  let ours = '–';
  let same: boolean | null = null;
  const mappings = rows.map(NETWORK_METRICS.mappings.value);
  switch (claim.measure) {
    case 'oneMappingShare': {
      const n = mappings.filter((v) => v === 1).length;
      ours = share(n, networks);
      same = networks > 0 && n / networks < claim.check!.value;
      break;
    }
    case 'oneInterpretation': {
      const n = rows.filter((r) => Number(r.total_interpretations) === 1).length;
      ours = `${n} of ${networks}`;
      same = n === claim.check!.value;
      break;
    }
    case 'multipleCircuits': {
      const circuits = rows.filter((r) => r.perfect_circuits > 1).length;
      const interp = rows.filter((r) => r.interpretations_per_circuit.some((v) => Number(v) > 1)).length;
      const formulas = rows.filter((r) => r.formulas > 1).length;
      const maps = rows.filter((r) => r.mappings_per_formula.some((v) => v > 1)).length;
      ours = `networks with more than one perfect circuit: ${circuits}; a circuit with several interpretations: ${interp}; several formulas mapped: ${formulas}; a formula with several minimal mappings: ${maps} (of ${networks})`;
      break;
    }
    case 'perfectCircuits': {
      const v = rows.map((r) => r.perfect_circuits);
      const at = records.filter((r) => r.rows.some((row) => row.perfect_circuits === Number(claim.value))).map((r) => r.unit.seedOffset);
      ours = `min ${fmt(Math.min(...v))}, max ${fmt(Math.max(...v))}; exactly ${claim.value}: ${at.length ? `seed offset ${at.join(', ')}` : 'no network'}`;
      break;
    }
    case 'pooledInterpretationsPerCircuit': {
      const total = sum(rows.map(NETWORK_METRICS.interpretations.value));
      const circuits = sum(rows.map((r) => r.perfect_circuits));
      const v = circuits ? total / circuits : NaN;
      ours = `${fmt(v)} (every perfect circuit of every network: ${fmt(total)} interpretations / ${fmt(circuits)} circuits)`;
      same = sameAs(v, Number(claim.value));
      if (!same) differences.push({ what: `mean interpretations per circuit: ours ${fmt(v)}, third parties' ${claim.value}`, why: 'the number has no primary source; it may be another average (per network, per model) or another run.' });
      break;
    }
    default:
      break;
  }
  if (same === false && claim.measure !== 'pooledInterpretationsPerCircuit') differences.push({ what: `${claim.claim}: ${src(claim.source)} says ${claim.value}, ours ${ours}`, why: claim.caveat ?? 'not known.' });
  return `<tr><td>${esc(claim.claim)}</td><td>${esc(claim.value)}</td><td>${src(claim.source, claim.where)}</td><td>${ours}${claim.caveat ? `<br><small>${esc(claim.caveat)}</small>` : ''}</td>${verdict(same)}</tr>`;
}

/** The reference run's statistics beside ours (same conventions), marking each that differs. */
function referenceRows(rows: readonly ResultRow[], records: readonly UnitRecord[], differences: Difference[]): string {
  const out: string[] = [];
  const converged = records.filter((r) => r.converged).length;
  const notConverged = records.filter((r) => !r.converged).map((r) => r.unit.seedOffset);
  const same = converged === REFERENCE_100_SEEDS.converged && records.length === REFERENCE_100_SEEDS.units && notConverged.join() === REFERENCE_100_SEEDS.notConverged.join();
  out.push(`<tr><td>converged (validation accuracy ≥ 0.99, loss ≤ 0.01)</td><td>${REFERENCE_100_SEEDS.converged} of ${REFERENCE_100_SEEDS.units}; not: ${REFERENCE_100_SEEDS.notConverged.join(', ')}</td><td>${src('reference-100-seeds')}</td><td>${converged} of ${records.length}; not: ${notConverged.join(', ') || 'none'}</td>${verdict(same)}</tr>`);
  if (!same) differences.push({ what: 'converged networks', why: 'different networks: the reference run is seed 0, offsets 0 to 99 with --rng reference (the original code\'s random numbers); any other grid trains others.' });
  for (const s of REFERENCE_100_SEEDS.statistics as readonly ReferenceStatistic[]) {
    const fields = (['min', 'q1', 'median', 'q3', 'mean', 'max'] as const).filter((f) => s.value[f] !== undefined);
    const ours = ourDistribution(rows, s.measure, s.quantiles);
    const oursFields: Distribution = s.measure === 'interpretationsPerCircuit' ? { median: quantile(ours.values, 0.5, 'linear'), mean: ours.mean } : ours;
    let ok = fields.every((f) => sameAs(oursFields[f]!, s.value[f]!));
    const counts: string[] = [];
    const theirsCounts: string[] = [];
    if (s.none !== undefined) {
      const n = ours.values.filter((v) => v === 0).length;
      counts.push(`${n} with none`);
      theirsCounts.push(`${s.none} with none`);
      ok &&= n === s.none;
    }
    if (s.exactlyOne !== undefined) {
      const n = ours.values.filter((v) => v === 1).length;
      counts.push(`${n} with exactly one`);
      theirsCounts.push(`${s.exactlyOne} with exactly one`);
      ok &&= n === s.exactlyOne;
    }
    const conv = s.quantiles === 'weibull' ? ' (quartiles at (n + 1) p)' : '';
    out.push(`<tr><td>${esc(s.statistic)}${conv}</td><td>${showDistribution(s.value, fields)}${theirsCounts.length ? `; ${theirsCounts.join(', ')}` : ''}</td><td>${src(s.source)}</td><td>${showDistribution(oursFields, fields)}${counts.length ? `; ${counts.join(', ')}` : ''}</td>${verdict(ok)}</tr>`);
    if (!ok) differences.push({ what: s.statistic, why: same ? 'not known: the same networks should give the same counts (please report it).' : 'different networks (see "converged").' });
  }
  const g = REFERENCE_100_SEEDS.completelyGrounded;
  out.push(`<tr><td>interpretations per network, only the ${g.networks} networks the original code grounded completely within ${g.capSeconds} s each (a biased subset: the small ones)</td><td>${showDistribution(g.interpretations, ['q1', 'median', 'q3', 'max'])}</td><td>${src('reference-100-seeds')}</td><td>not computed: which ${g.networks} finished depends on the original code's timings</td>${verdict(null)}</tr>`);
  return out.join('');
}

/** Per-group statistics of ours: units, convergence, and the four counts per network. */
function oursTable(groups: readonly SectionGroup[], factorTitle: string): string {
  const q = (v: number[]) => (v.length ? `${fmt(quantile(v, 0.5))} (${fmt(quantile(v, 0.25))} – ${fmt(quantile(v, 0.75))}); mean ${fmt(mean(v))}` : '–');
  const head = [esc(factorTitle), 'units', 'converged', 'networks', 'perfect circuits', 'interpretations', 'formulas with a mapping', 'minimal mappings', 'exactly one perfect circuit', 'exactly one interpretation', 'exactly one minimal mapping']
    .map((h) => `<th>${h}</th>`).join('');
  const body = groups.map((g) => {
    const v = (m: NetworkMetric) => g.rows.map(NETWORK_METRICS[m].value);
    const conv = g.records.filter((r) => r.converged).length;
    const one = (m: NetworkMetric) => share(v(m).filter((x) => x === 1).length, g.rows.length);
    return `<tr><td>${esc(g.label)}${g.from ? `<br><small>from ${esc(g.from)}</small>` : ''}</td><td>${g.records.length}</td><td>${share(conv, g.records.length)}</td><td>${g.rows.length}</td>` +
      `<td>${q(v('perfectCircuits'))}</td><td>${q(v('interpretations'))}</td><td>${q(v('formulas'))}</td><td>${q(v('mappings'))}</td><td>${one('perfectCircuits')}</td><td>${one('interpretations')}</td><td>${one('mappings')}</td></tr>`;
  });
  return `<table class="ours"><caption>Ours, per network: median (quartiles, numpy's linear); mean</caption><thead><tr>${head}</tr></thead><tbody>${body.join('')}</tbody></table>`;
}

// ---------------------------------------------------------------------------------------------
// The size experiment: the figure's numbers, and the hypotheses
// ---------------------------------------------------------------------------------------------

/** What each hypothesis would count, per width: medians of interpretations and mappings per network. */
export interface HypothesisRow {
  name: string;
  /** How it is computed. */
  how: string;
  /** Median interpretations per network at each width (absent: not computed there). */
  interpretations: Map<number, number>;
  mappings: Map<number, number>;
}

/** Inputs of the size hypotheses that need the models (computed in Node, by node-report.ts). */
export interface SizeHypothesisInputs {
  /** The circuits that keep every node, per unit record, where main.py's filter lets them through. */
  fullNode?: Map<UnitRecord, FullNodeCircuits[]>;
}

/** The log10 distance between two counts (with room for zero). */
const logGap = (a: number, b: number) => Math.abs(Math.log10(1 + a) - Math.log10(1 + b));

/**
 * How far a hypothesis's medians are from the figure's: the mean log10 gap over the figure's
 * widths among `widths` (the folder's); Infinity when the hypothesis has no value at one of them
 * (no network would have been counted there), NaN when it counts nothing of this metric.
 */
export function figureGap(row: HypothesisRow, metric: 'interpretations' | 'mappings', widths: readonly number[]): number {
  const entries = SIZE_FIGURE.filter((e) => widths.includes(e.width));
  if (row[metric].size === 0 || entries.length === 0) return NaN;
  if (entries.some((e) => !row[metric].has(e.width))) return Infinity;
  return mean(entries.map((e) => logGap(row[metric].get(e.width)!, e[metric].median)));
}

/** The hypotheses of the size section: ours as counted, under a time cap, with the full-node circuits, and other size folders. */
export function sizeHypotheses(c: ClassifiedSource, all: readonly ClassifiedSource[], inputs: SizeHypothesisInputs): HypothesisRow[] {
  const byWidth = (records: readonly UnitRecord[], f: (r: UnitRecord) => number[]) => {
    const m = new Map<number, number[]>();
    for (const r of records) (m.get(r.unit.size) ?? m.set(r.unit.size, []).get(r.unit.size)!).push(...f(r));
    return m;
  };
  const medians = (m: Map<number, number[]>) => new Map([...m].filter(([, v]) => v.length).map(([k, v]) => [k, quantile(v, 0.5)]));
  const records = c.source.records.filter((r) => r.converged);
  const totals = byWidth(records, (r) => r.rows.map(NETWORK_METRICS.interpretations.value));
  const mappings = medians(byWidth(records, (r) => r.rows.map(NETWORK_METRICS.mappings.value)));
  const rows: HypothesisRow[] = [{ name: 'ours, as counted (every perfect circuit grounded)', how: 'this folder', interpretations: medians(totals), mappings }];
  // A time cap: calibrated at width 3 (the reference's own setup) to let 20 % of networks finish, as 18 of 90 did in 30 s.
  // The time cap and the full-node circuits alone are hypotheses about uncapped counts: a folder
  // with --max-circuits already counts fewer (and adds the full-node circuits within its cap).
  const max = c.source.config.maxCircuits;
  const base = max === null ? totals.get(3) ?? [] : [];
  if (base.length) {
    const budget = calibratedBudget(base, REFERENCE_100_SEEDS.completelyGrounded.networks / REFERENCE_100_SEEDS.converged);
    const truncated = new Map([...totals].map(([k, v]) => [k, quantile(underBudget(v, budget).truncated, 0.5)]));
    const complete = new Map([...totals].map(([k, v]) => [k, quantile(underBudget(v, budget).complete, 0.5)] as [number, number]).filter(([, v]) => Number.isFinite(v)));
    const how = `a budget of ${fmt(budget)} groundings per network: the count at which 20 % of the width-3 networks finish, as 18 of the reference run's 90 finished within 30 s`;
    rows.push({ name: 'a time cap, each network counted up to the cap', how, interpretations: truncated, mappings });
    rows.push({ name: 'a time cap, only the networks that finish', how, interpretations: complete, mappings: new Map() });
  }
  const full = inputs.fullNode ?? new Map<UnitRecord, FullNodeCircuits[]>();
  const fullOf = (rs: readonly UnitRecord[]) => rs.filter((r) => full.has(r));
  const own = fullOf(records);
  if (own.length) {
    const widths = [...new Set(own.map((r) => r.unit.size))].sort((a, b) => a - b).join(', ');
    // Where the filter drops them (from width 4), the count is ours as counted.
    const withFull = byWidth(records, (r) => r.rows.map((row, i) => (full.has(r) ? withFullNodeCircuits(row.interpretations_per_circuit.map(Number), full.get(r)![i]!, max) : NETWORK_METRICS.interpretations.value(row))));
    rows.push({
      name: 'with the circuits that keep every node (no C2)',
      how: `their groundings added to ours at the widths where main.py's sparsity filter lets them through (${widths}; from width 4 the filter drops them, C4, and ours stand)${max !== null ? `; last, within the ${max}` : ''}`,
      interpretations: medians(withFull), mappings: new Map(),
    });
    if (max === null) rows.push({ name: 'only the circuits that keep every node', how: 'their groundings alone', interpretations: medians(byWidth(own, (r) => full.get(r)!.map((f) => Number(f.groundings)))), mappings: new Map() });
  }
  for (const o of all) {
    if (o === c || o.kind !== 'size') continue;
    const rs = o.source.records.filter((r) => r.converged);
    const name = `folder ${o.source.name}`;
    // What sets it apart from this folder (what both share with each other is said once, in the section's heading).
    const apart = o.deviations.filter((d) => !c.deviations.includes(d));
    const how = apart.length ? apart.join('; ') : o.deviations.length ? "this folder's setting" : "the paper's setting";
    const mappingsOf = medians(byWidth(rs, (r) => r.rows.map(NETWORK_METRICS.mappings.value)));
    rows.push({ name, how, interpretations: medians(byWidth(rs, (r) => r.rows.map(NETWORK_METRICS.interpretations.value))), mappings: mappingsOf });
    const withFull = fullOf(rs);
    if (withFull.length) {
      // At widths 4 and 5 the filter drops the full-node circuits: those widths keep the folder's counts.
      const oMax = o.source.config.maxCircuits;
      const counts = byWidth(rs, (r) => r.rows.map((row, i) => (full.has(r) ? withFullNodeCircuits(row.interpretations_per_circuit.map(Number), full.get(r)![i]!, oMax) : NETWORK_METRICS.interpretations.value(row))));
      rows.push({ name: `${name}, with the circuits that keep every node (no C2)`, how: `${how}; the full-node circuits (node sparsity 0) last${oMax !== null ? `, within the ${oMax}` : ''}`, interpretations: medians(counts), mappings: mappingsOf });
    }
  }
  return rows;
}

/** The size section's comparison with the figure, width by width. */
function sizeFigureRows(groups: readonly SectionGroup[], differences: Difference[]): string {
  const out: string[] = [];
  for (const e of SIZE_FIGURE) {
    const g = groups.find((x) => x.label === String(e.width));
    if (!g) continue;
    for (const metric of ['mappings', 'interpretations'] as const) {
      const v = g.rows.map(NETWORK_METRICS[metric].value);
      const ours = { median: quantile(v, 0.5), q1: quantile(v, 0.25), q3: quantile(v, 0.75) };
      const theirs = e[metric];
      // Read by eye on a log scale: agreement is within a factor of two of the median.
      const close = logGap(ours.median, theirs.median) <= Math.log10(2);
      out.push(`<tr><td>k = ${e.width}: ${metric === 'mappings' ? 'minimal mappings' : 'interpretations'} per network, median (IQR)</td><td>~${fmt(theirs.median)} (${fmt(theirs.q1)} – ${fmt(theirs.q3)})</td><td>${src('figure')}</td><td>${fmt(ours.median)} (${fmt(ours.q1)} – ${fmt(ours.q3)})</td>${close ? '<td class="same">close</td>' : '<td class="differ">differs</td>'}</tr>`);
      if (!close) {
        const ratio = (1 + ours.median) / (1 + theirs.median);
        differences.push({ what: `k = ${e.width}, ${metric === 'mappings' ? 'minimal mappings' : 'interpretations'}: ours ${fmt(ours.median)} against the figure's ~${fmt(theirs.median)} (${ratio >= 1 ? `${fmt(Number(ratio.toPrecision(2)))}x more` : `${fmt(Number((1 / ratio).toPrecision(2)))}x fewer`})`, why: '' });
      }
    }
  }
  return out.join('');
}

function hypothesesTable(rows: readonly HypothesisRow[], widths: readonly number[]): string {
  const head = `<tr><th rowspan="2">what is counted</th><th rowspan="2">how</th><th colspan="${widths.length}">interpretations per network, median</th><th rowspan="2">gap to the figure</th><th colspan="${widths.length}">minimal mappings per network, median</th><th rowspan="2">gap to the figure</th></tr><tr>${widths.map((k) => `<th>k = ${k}</th>`).join('')}${widths.map((k) => `<th>k = ${k}</th>`).join('')}</tr>`;
  const cells = (m: Map<number, number>) => widths.map((k) => `<td>${m.has(k) ? fmt(m.get(k)!) : '–'}</td>`).join('');
  const gap = (r: HypothesisRow, metric: 'interpretations' | 'mappings') => {
    const g = figureGap(r, metric, widths);
    return `<td>${Number.isFinite(g) ? `10^${g.toFixed(2)}` : g === Infinity ? 'none counted at some width' : '–'}</td>`;
  };
  const figure: HypothesisRow = {
    name: 'the paper figure, read by eye', how: REFERENCE_SOURCES.figure.label,
    interpretations: new Map(SIZE_FIGURE.map((e) => [e.width, e.interpretations.median])), mappings: new Map(SIZE_FIGURE.map((e) => [e.width, e.mappings.median])),
  };
  const body = [figure, ...rows].map((r, i) => `<tr${i === 0 ? ' class="theirs"' : ''}><td>${esc(r.name)}</td><td><small>${i === 0 ? src('figure') : esc(r.how)}</small></td>${cells(r.interpretations)}${i === 0 ? '<td>–</td>' : gap(r, 'interpretations')}${cells(r.mappings)}${i === 0 ? '<td>–</td>' : gap(r, 'mappings')}</tr>`);
  return `<table class="hypotheses"><caption>Testing why: what each hypothesis counts, against the paper's size figure (gap: mean over widths of |log10 (1 + ours) − log10 (1 + figure)|; 10^0.30 is a factor of 2)</caption><thead>${head}</thead><tbody>${body.join('')}</tbody></table>`;
}

/** Width by width, the hypothesis whose median interpretations are nearest the figure's (a list), or ''. */
function closestPerWidth(rows: readonly HypothesisRow[], widths: readonly number[]): string {
  const items = SIZE_FIGURE.filter((e) => widths.includes(e.width)).flatMap((e) => {
    const near = rows.filter((r) => r.interpretations.has(e.width)).sort((a, b) => logGap(a.interpretations.get(e.width)!, e.interpretations.median) - logGap(b.interpretations.get(e.width)!, e.interpretations.median))[0];
    return near ? [`<li>k = ${e.width}: <b>${esc(near.name)}</b>, ${fmt(near.interpretations.get(e.width)!)} against the figure's ~${fmt(e.interpretations.median)}</li>`] : [];
  });
  return items.length ? `<p>Closest to the figure's interpretations, width by width:</p><ul class="closest">${items.join('')}</ul>` : '';
}

/** What is known about why the size figure and the reference differ (docs/paper-report.md has the details). */
const SIZE_KNOWN = [
  'The reference code counts every grounding of every perfect circuit, and so does mi-ident: at k = 3 both give the same counts as the basic run (the reference run\'s median is 64,235.5 interpretations per network).',
  'The reference code never enumerates a circuit that keeps every node (docs/semantics.md C2: <code>[:-1]</code> drops the last node-mask combination, the full network included). A 2-2-2-1 network rarely computes XOR with a node dropped, so at k = 2 most networks have no perfect circuit and no interpretation, where the figure shows about 37.',
  'From k = 4 main.py forces a minimum sparsity (0.2 at k = 4, 0.3 at k = 5, C4), and the original code lists every grounding one by one: at the counts of ours (about 10^10 per network at k = 4 and 5) that cannot finish, so the figure\'s runs must have counted fewer (a cap, a time limit, --max-circuits, or another code version).',
  'Minimal mappings do not depend on circuits; the figure\'s are 10 to 100 times ours at every width. Nothing tested here explains that (see docs/paper-report.md).',
];

// ---------------------------------------------------------------------------------------------
// The section
// ---------------------------------------------------------------------------------------------

/** A section of the paper report, ready to render: its figure's spec, and its HTML around the figure. */
export interface PaperSection {
  /** Element id, and the figure's file name. */
  id: string;
  kind: ExperimentKind;
  title: string;
  spec: Record<string, unknown>;
  /** The section's HTML, with `{{figure}}` where the rendered figure goes. */
  html: string;
}

/** The order of sections: by kind in the report's order, the paper's setting first, then variants, by name. */
function sectionOrder(a: ClassifiedSource, b: ClassifiedSource): number {
  return EXPERIMENT_KINDS.indexOf(a.kind) - EXPERIMENT_KINDS.indexOf(b.kind) || a.deviations.length - b.deviations.length || a.source.name.localeCompare(b.source.name);
}

/** Builds every section of the paper report (`banner`: the partial-results notice, repeated in each). */
export function paperSections(sources: readonly ReportSource[], banner: string, hypotheses: SizeHypothesisInputs = {}): PaperSection[] {
  const classified = classifySources(sources).sort(sectionOrder);
  const used = new Map<string, number>();
  return classified.map((c) => {
    const info = KINDS[c.kind];
    const n = (used.get(c.kind) ?? 0) + 1;
    used.set(c.kind, n);
    const id = `paper-${c.kind}${n > 1 ? `-${n}` : ''}`;
    const groups = sectionGroups(c, classified);
    const overlays = sectionOverlays(c, groups);
    const variant = c.deviations.length ? ` (${c.source.name}: not the paper's setting)` : '';
    const title = `${info.title}${variant}`;
    const spec = sectionFigureSpec(c.kind, groups, overlays, `${title}${banner ? ' (PARTIAL results)' : ''}`);
    const rows = groups.filter((g) => !g.from).flatMap((g) => g.rows);
    const records = c.source.records;
    const differences: Difference[] = [];
    const refRows: string[] = [];
    if (c.kind === 'basic') {
      refRows.push(...BASIC_CLAIMS.map((claim) => claimRow(claim, rows, records, differences)));
      refRows.push(referenceRows(rows, records, differences));
    } else if (c.kind === 'size') {
      refRows.push(sizeFigureRows(groups, differences));
      refRows.push(...SIZE_CLAIMS.map((claim) => claimRow(claim, rows, records, differences)));
    } else {
      refRows.push(...(NO_NUMBERS[c.kind] ?? []).map((claim) => claimRow(claim, rows, records, differences)));
    }
    const baselineNote = groups.filter((g) => g.from).map((g) => `the group ${esc(g.label)} is the folder ${esc(g.from!)} (the basic setup, the same grid in every other setting)`);
    const widths = groups.map((g) => Number(g.label)).filter((k) => Number.isInteger(k));
    let why = '';
    if (c.kind === 'size') {
      const h = sizeHypotheses(c, classified, hypotheses);
      const gapOf = (r: HypothesisRow) => figureGap(r, 'interpretations', widths);
      const best = h.filter((r) => Number.isFinite(gapOf(r))).sort((a, b) => gapOf(a) - gapOf(b))[0];
      why = `<h3>What is known about why</h3><ul>${SIZE_KNOWN.map((k) => `<li>${k}</li>`).join('')}</ul>${hypothesesTable(h, widths)}` +
        (best ? `<p>Closest to the figure's interpretations at every width: <b>${esc(best.name)}</b> (gap 10^${gapOf(best).toFixed(2)}).</p>` : '') +
        closestPerWidth(h, widths);
    }
    const diffList = differences.length
      ? `<h3>Where ours and theirs differ</h3><ul class="differences">${differences.map((d) => `<li>${d.what}${d.why ? `: ${d.why}` : ''}</li>`).join('')}</ul>`
      : refRows.some((r) => r.includes('class="same"')) ? '<p class="agree">Every published number that can be compared agrees with ours.</p>' : '';
    const setting = [
      `folder <b>${esc(c.source.name)}</b>`,
      c.preset ? `preset <code>${esc(c.preset)}</code>` : 'no preset',
      `${records.length} units, ${records.filter((r) => r.converged).length} converged`,
      `${FACTOR_FIELDS.filter((f) => JSON.stringify(c.source.config[f]) !== JSON.stringify(paperConfig('basic')[f])).map((f) => `${flagOf(f)} ${[c.source.config[f]].flat().join(' ')}`).join(', ') || 'the basic setup'}`,
      `min sparsity per width: ${[...new Set(c.source.config.sizes)].map((k) => `${k}: ${minSparsityFor(c.source.config, k)}`).join(', ')}`,
    ].join(' · ');
    const html = `<section id="${id}" class="paper"><h2>${esc(title)}</h2>${banner}
<p class="question">${esc(info.question)}</p>
<p class="setting">${setting}${c.deviations.length ? `<br><b>Differs from the paper's setting</b> (paper's vs this folder's): ${c.deviations.map((d) => `<code>${esc(d)}</code>`).join('; ')}` : ''}${baselineNote.length ? `<br>${baselineNote.join('; ')}` : ''}</p>
<figure id="${id}-figure">{{figure}}<figcaption>Per network (one output of a converged model): box plots of ours (quartiles, whiskers to the extremes), every network as a point, the mean as a diamond; published medians and interquartile ranges beside, in their sources' colours. Symmetric-log scale (logarithmic, with room for zero). Standalone: <a href="{{figures}}/${id}.svg">SVG</a>, <a href="{{figures}}/${id}.png">PNG</a>.</figcaption></figure>
<table class="refs"><caption>Published numbers beside ours</caption><colgroup><col class="what"><col class="theirs"><col class="source"><col class="ours"><col class="verdict"></colgroup><thead><tr><th>what</th><th>theirs</th><th>source</th><th>ours</th><th></th></tr></thead><tbody>${refRows.join('')}</tbody></table>
${oursTable(groups, info.factorTitle)}
${diffList}${why}</section>`;
    return { id, kind: c.kind, title, spec, html };
  });
}

/** The list of sources cited by the paper sections, with their full citations. */
export function sourcesHtml(): string {
  return `<section id="paper-sources" class="paper"><h2>Sources of the published numbers</h2><ul>${Object.values(REFERENCE_SOURCES).map((s) => `<li>${src(s.id)}: ${esc(s.cite)}</li>`).join('')}</ul>
<p>Transcribed by hand into <code>src/experiment/paper-reference.ts</code>; the "at one remove" and "read by eye" values are approximate, as their labels say.</p></section>`;
}
