/**
 * The findings over an experiment's networks (docs/criteria.md): for each criterion, the share of
 * networks with exactly one explanation where-then-what, what-then-where (raw and up to
 * isomorphism) and on both sides, and the median surviving counts. Read from the runner's rows.
 */
import type { ResultRow } from '../experiment/rows.ts';
import { spread } from '../experiment/stats.ts';

/** One line of the findings table. */
export interface CriterionFinding {
  /** A criterion id, or `paper` for the paper's own criteria. */
  readonly id: string;
  /** Networks (analysed outputs) counted. */
  readonly networks: number;
  /** Networks with exactly one (circuit, grounding) explanation. */
  readonly uniqueWhere: number;
  /** Networks with exactly one minimal mapping in all. */
  readonly uniqueWhat: number;
  /** The same, up to isomorphism. */
  readonly uniqueWhatIso: number;
  /** Networks whose one remaining minimal mapping passed this criterion without a test (the empty mapping, M6). */
  readonly uniqueWhatVacuous: number;
  /** Networks unique on both sides (what-then-where raw). */
  readonly uniqueBoth: number;
  /** Networks left with no explanation on a side. */
  readonly noneWhere: number;
  readonly noneWhat: number;
  /** Median surviving counts. */
  readonly medianCircuits: number;
  readonly medianGroundings: number;
  readonly medianMappings: number;
}

/** The findings of every criterion the rows carry (in their column order), after the paper's. */
export function criteriaFindings(rows: readonly ResultRow[]): CriterionFinding[] {
  const withCriteria = rows.filter((r) => r.criteria);
  const first = withCriteria[0]?.criteria;
  if (!first) return [];
  const ids = Object.keys(first).filter((c) => c.endsWith('_circuits')).map((c) => c.slice(0, -'_circuits'.length));
  const sum = (v: readonly number[]) => v.reduce((a, b) => a + b, 0);
  const get = (r: ResultRow, id: string, what: string): number => {
    if (id === 'paper') {
      if (what === 'circuits') return r.perfect_circuits;
      if (what === 'groundings') return Number(r.total_interpretations);
      if (what === 'mappings') return sum(r.mappings_per_formula);
      return Number(r.criteria!.paper_mappings_iso);
    }
    return Number(r.criteria![`${id}_${what}`]);
  };
  return ['paper', ...ids].map((id) => {
    const count = (pred: (r: ResultRow) => boolean) => withCriteria.filter(pred).length;
    const where = (r: ResultRow) => get(r, id, 'groundings') === 1;
    const what = (r: ResultRow) => get(r, id, 'mappings') === 1;
    return {
      id,
      networks: withCriteria.length,
      uniqueWhere: count(where),
      uniqueWhat: count(what),
      uniqueWhatIso: count((r) => get(r, id, 'mappings_iso') === 1),
      uniqueWhatVacuous: count((r) => what(r) && id !== 'paper' && Number(r.criteria![`${id}_vacuous`] ?? 0) === 1),
      uniqueBoth: count((r) => where(r) && what(r)),
      noneWhere: count((r) => get(r, id, 'groundings') === 0),
      noneWhat: count((r) => get(r, id, 'mappings') === 0),
      medianCircuits: spread(withCriteria.map((r) => get(r, id, 'circuits'))).median,
      medianGroundings: spread(withCriteria.map((r) => get(r, id, 'groundings'))).median,
      medianMappings: spread(withCriteria.map((r) => get(r, id, 'mappings'))).median,
    };
  });
}

const pct = (part: number, whole: number) => (whole ? `${part} (${((100 * part) / whole).toFixed(0)}%)` : '0');
const num = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** The findings as a Markdown table (docs/criteria.md and the `reproduce criteria` summary). */
export function findingsTable(findings: readonly CriterionFinding[]): string[] {
  const head = ['criterion', 'one explanation: where', 'what', 'of which vacuous', 'what (iso)', 'both', 'none left: where', 'what', 'median circuits', 'groundings', 'mappings'];
  const rows = findings.map((f) => [
    f.id, pct(f.uniqueWhere, f.networks), pct(f.uniqueWhat, f.networks), String(f.uniqueWhatVacuous), pct(f.uniqueWhatIso, f.networks), pct(f.uniqueBoth, f.networks),
    pct(f.noneWhere, f.networks), pct(f.noneWhat, f.networks), num(f.medianCircuits), num(f.medianGroundings), num(f.medianMappings),
  ]);
  return [`| ${head.join(' | ')} |`, `|${head.map((_, j) => (j === 0 ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

/** {@link criteriaFindings} for each gate of the rows (outputs of that gate), in first-seen order. */
export function findingsByGate(rows: readonly ResultRow[]): Map<string, CriterionFinding[]> {
  const gates = [...new Set(rows.map((r) => r.gate))];
  return new Map(gates.map((g) => [g, criteriaFindings(rows.filter((r) => r.gate === g))]));
}

/** Per gate, the networks with one explanation where-then-what / what-then-where, as a Markdown table. */
export function gateFindingsTable(byGate: ReadonlyMap<string, readonly CriterionFinding[]>): string[] {
  const gates = [...byGate.keys()];
  const first = byGate.get(gates[0]!) ?? [];
  const head = ['criterion', ...gates.map((g) => `${g} (${byGate.get(g)![0]?.networks ?? 0}): where / what`)];
  const rows = first.map((f, i) => [f.id, ...gates.map((g) => {
    const x = byGate.get(g)![i]!;
    return `${x.uniqueWhere} / ${x.uniqueWhat}${x.uniqueWhatVacuous ? ` (${x.uniqueWhatVacuous} vacuous)` : ''}`;
  })]);
  return [`| ${head.join(' | ')} |`, `|${head.map((_, j) => (j === 0 ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}
