/**
 * The report's section "Which criteria restore identifiability?" (docs/criteria.md): for each
 * criterion the share of networks left with exactly one explanation (where-then-what,
 * what-then-where, both) and box plots of the surviving counts per network, from the runner's rows.
 */
import type { ResultRow } from '../experiment/rows.ts';
import { criteriaFindings, type CriterionFinding } from './findings.ts';

/** A figure of the section: its id and Vega-Lite spec. */
export interface CriteriaFigure {
  readonly id: string;
  readonly spec: Record<string, unknown>;
}

/** The surviving counts the box plots show, by CSV column suffix. */
const COUNTS = [
  { suffix: 'groundings', title: 'surviving (circuit, grounding) explanations per network' },
  { suffix: 'mappings', title: 'surviving minimal mappings per network' },
] as const;

/** The criterion ids of the rows (in their column order), after `paper`. */
function idsOf(rows: readonly ResultRow[]): string[] {
  const first = rows.find((r) => r.criteria)?.criteria;
  return first ? ['paper', ...Object.keys(first).filter((c) => c.endsWith('_circuits')).map((c) => c.slice(0, -'_circuits'.length))] : [];
}

function countOf(r: ResultRow, id: string, suffix: 'groundings' | 'mappings'): number {
  if (id === 'paper') return suffix === 'groundings' ? Number(r.total_interpretations) : r.mappings_per_formula.reduce((a, b) => a + b, 0);
  return Number(r.criteria![`${id}_${suffix}`]);
}

/** The box plots (one per count, criteria along the x axis, symlog scale); none without criteria. */
export function criteriaFigures(rows: readonly ResultRow[], partial = false): CriteriaFigure[] {
  const withCriteria = rows.filter((r) => r.criteria);
  const ids = idsOf(withCriteria);
  if (!ids.length) return [];
  return COUNTS.map(({ suffix, title }) => {
    const values = withCriteria.flatMap((r) => ids.map((id) => ({ criterion: id, value: countOf(r, id, suffix) })));
    const x = { field: 'criterion', type: 'ordinal', title: 'criterion', sort: ids, axis: { labelAngle: -40 } };
    const y = { field: 'value', type: 'quantitative', title, scale: { type: 'symlog' } };
    return {
      id: `criteria-${suffix}`,
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        title: `${title}${partial ? ' (PARTIAL results)' : ''}`,
        width: Math.max(300, 48 * ids.length),
        height: 220,
        data: { values },
        mark: { type: 'boxplot', extent: 'min-max', opacity: 0.6, size: 22 },
        encoding: { x, y },
      },
    };
  });
}

const share = (part: number, whole: number) => (whole ? `${part} (${((100 * part) / whole).toFixed(0)}%)` : '–');

/** The section's HTML: the shares table and the rendered figures (empty without criteria). */
export function criteriaSectionHtml(rows: readonly ResultRow[], figures: readonly { id: string; svg: string }[], banner = ''): string {
  const findings: CriterionFinding[] = criteriaFindings(rows);
  if (!findings.length) return '';
  const head = ['criterion', 'networks', 'one explanation: where-then-what', 'what-then-where', 'of which vacuous', 'up to isomorphism', 'both', 'none left: where', 'none left: what'];
  const body = findings.map((f) => [f.id, String(f.networks), share(f.uniqueWhere, f.networks), share(f.uniqueWhat, f.networks), String(f.uniqueWhatVacuous),
    share(f.uniqueWhatIso, f.networks), share(f.uniqueBoth, f.networks), share(f.noneWhere, f.networks), share(f.noneWhat, f.networks)]);
  const table = `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${body.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  const figs = figures.map((g) => `<figure id="${g.id}">${g.svg}</figure>`).join('\n');
  return `<section><h2>Which criteria restore identifiability?</h2>${banner}
<p>Each criterion keeps a subset of the paper's explanations (docs/criteria.md). A network is identifiable under a criterion when exactly
one explanation remains: one (circuit, grounding) pair where-then-what, one minimal mapping what-then-where. <em>Vacuous</em>: the one
mapping left passed without any test (a formula without mapped variables).</p>
${table}<div class="figures">${figs}</div></section>`;
}
