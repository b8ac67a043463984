/**
 * Summary statistics of experiment results: convergence, distributions of the four counts, and
 * the paper's identifiability shares (networks with exactly one explanation of each kind).
 */
import type { ResultRow, UnitRecord } from './rows.ts';

/** Min, median and max of a list (NaN when empty). */
export interface Spread {
  n: number;
  min: number;
  median: number;
  max: number;
}

/** Statistics of a set of units. */
export interface ResultStats {
  units: number;
  converged: number;
  /** Analysed outputs ("networks": one per output of a converged model). */
  networks: number;
  /** Converged units whose model the reference's grounding refuses (G6), so not analysed. */
  notAnalysed: number;
  perfectCircuits: Spread;
  /** Pooled over every grounded circuit. */
  interpretationsPerCircuit: Spread;
  formulas: Spread;
  /** Pooled over every formula with a mapping. */
  mappingsPerFormula: Spread;
  /** Networks with no perfect circuit / exactly one. */
  noCircuit: number;
  oneCircuit: number;
  /** Networks whose circuits have exactly one interpretation in all (one circuit, one grounding). */
  oneInterpretation: number;
  /** Networks with no formula mapped / exactly one formula with a mapping. */
  noFormula: number;
  oneFormula: number;
  /** Networks with exactly one minimal mapping in all (one formula, one mapping). */
  oneMapping: number;
}

/** Min / median / max (the median of an even count is the mean of the middle two). */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { n: 0, min: NaN, median: NaN, max: NaN };
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { n: s.length, min: s[0]!, median, max: s[s.length - 1]! };
}

const sum = (v: readonly number[]) => v.reduce((a, b) => a + b, 0);

/** Statistics of `records` (any mix of converged and not). */
export function resultStats(records: readonly UnitRecord[]): ResultStats {
  const rows: ResultRow[] = records.flatMap((r) => r.rows);
  const count = (pred: (r: ResultRow) => boolean) => rows.filter(pred).length;
  return {
    units: records.length,
    converged: records.filter((r) => r.converged).length,
    networks: rows.length,
    notAnalysed: records.filter((r) => r.analysisError !== undefined).length,
    perfectCircuits: spread(rows.map((r) => r.perfect_circuits)),
    interpretationsPerCircuit: spread(rows.flatMap((r) => r.interpretations_per_circuit.map(Number))),
    formulas: spread(rows.map((r) => r.formulas)),
    mappingsPerFormula: spread(rows.flatMap((r) => r.mappings_per_formula)),
    noCircuit: count((r) => r.perfect_circuits === 0),
    oneCircuit: count((r) => r.perfect_circuits === 1),
    oneInterpretation: count((r) => Number(r.total_interpretations) === 1),
    noFormula: count((r) => r.formulas === 0),
    oneFormula: count((r) => r.formulas === 1),
    oneMapping: count((r) => sum(r.mappings_per_formula) === 1),
  };
}

const fmt = (n: number) => (Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(1));
const showSpread = (s: Spread) => (s.n ? `min ${fmt(s.min)}, median ${fmt(s.median)}, max ${fmt(s.max)}` : 'none');
const pct = (part: number, whole: number) => (whole ? `${part} of ${whole} (${((100 * part) / whole).toFixed(0)}%)` : '0');

/** The statistics as text lines (the end-of-run summary and the report's table). */
export function formatStats(s: ResultStats): string[] {
  return [
    `units: ${s.units}, converged: ${pct(s.converged, s.units)}, networks analysed: ${s.networks}` +
      (s.notAnalysed ? ` (${s.notAnalysed} converged model(s) not analysed: the reference's grounding refuses them, "Not allowed", G6)` : ''),
    `perfect circuits per network: ${showSpread(s.perfectCircuits)}`,
    `interpretations per circuit: ${showSpread(s.interpretationsPerCircuit)}`,
    `formulas with a mapping per network: ${showSpread(s.formulas)}`,
    `minimal mappings per formula: ${showSpread(s.mappingsPerFormula)}`,
    `networks with exactly one perfect circuit: ${pct(s.oneCircuit, s.networks)}; with exactly one circuit interpretation: ${pct(s.oneInterpretation, s.networks)}`,
    `networks with no formula mapped: ${pct(s.noFormula, s.networks)}; with exactly one minimal mapping: ${pct(s.oneMapping, s.networks)}`,
  ];
}

/**
 * The quantile `p` of `values` (NaN when empty): numpy's default, linear between the order
 * statistics at (n - 1) p, or the (n + 1) p one ("weibull", Excel's QUARTILE.EXC), the conventions
 * of the reference code's published summaries.
 */
export function quantile(values: readonly number[], p: number, method: 'linear' | 'weibull' = 'linear'): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const h = Math.min(Math.max(method === 'linear' ? (s.length - 1) * p : (s.length + 1) * p - 1, 0), s.length - 1);
  const lo = Math.floor(h);
  return s[lo]! + (h - lo) * (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!);
}

/** The arithmetic mean (NaN when empty). */
export function mean(values: readonly number[]): number {
  return values.length ? sum(values) / values.length : NaN;
}
