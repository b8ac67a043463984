/** The per-output criteria table of `mi-ident analyze --criteria` (docs/criteria.md). */
import type { CriterionCounts } from './evaluate.ts';
import type { CriterionId } from './ids.ts';

const fmt = (n: number | string | bigint) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** What the paper's own criteria leave, the table's first row. */
export interface PaperCounts {
  circuits: number;
  groundings: number | string;
  formulas: number;
  mappings: number;
  upToIsomorphism?: { formulas: number; mappings: number };
}

/**
 * One row per criterion: surviving perfect circuits, groundings, formulas with a mapping, minimal
 * mappings (up to isomorphism in parentheses where that differs), and whether exactly one
 * explanation remains where-then-what and what-then-where. Indented for the summary.
 */
export function formatCriteriaTable(paper: PaperCounts, criteria: Partial<Record<CriterionId, CriterionCounts>>, indent = '  '): string[] {
  const rows: string[][] = [['criterion', 'circuits', 'groundings', 'formulas', 'mappings', 'one explanation?']];
  const yesNo = (b: boolean) => (b ? 'yes' : 'no');
  const groundingsUnique = paper.groundings === 1;
  const notes: string[] = [];
  const vacuous: string[] = [];
  const paperRow: [string, CriterionCounts] = ['(paper)', {
    ...paper, ...(paper.upToIsomorphism ? { upToIsomorphism: paper.upToIsomorphism } : {}),
    unique: { whereThenWhat: groundingsUnique, whatThenWhere: paper.mappings === 1, whatThenWhereUpToIsomorphism: paper.upToIsomorphism?.mappings === 1 },
  }];
  for (const [id, c] of [paperRow, ...(Object.entries(criteria) as [CriterionId, CriterionCounts][])]) {
    const iso = c.upToIsomorphism;
    const mappings = `${fmt(c.mappings)}${iso && iso.mappings !== c.mappings ? ` (${fmt(iso.mappings)} iso)` : ''}`;
    const formulas = `${fmt(c.formulas)}${iso && iso.formulas !== c.formulas ? ` (${fmt(iso.formulas)} iso)` : ''}`;
    const whatIso = !c.unique.whatThenWhere && c.unique.whatThenWhereUpToIsomorphism ? ' (yes up to isomorphism)' : '';
    rows.push([id, fmt(c.circuits), `${fmt(c.groundings)}${c.uncounted ? '*' : ''}`, formulas, mappings, `where ${yesNo(c.unique.whereThenWhat)}, what ${yesNo(c.unique.whatThenWhere)}${whatIso}`]);
    if (c.vacuous) vacuous.push(`${id} ${fmt(c.vacuous)}`);
    if (c.uncounted) notes.push(`${id}: * the groundings of ${fmt(c.uncounted.length)} circuit(s) were past the cap and are not counted (circuits ${c.uncounted.slice(0, 5).join(', ')}${c.uncounted.length > 5 ? ', ...' : ''})`);
  }
  if (vacuous.length) notes.unshift(`surviving mappings that pass vacuously (no mapped variable; for joint, fewer than two): ${vacuous.join(', ')}`);
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  const lines = rows.map((r) => indent + r.map((cell, j) => (j === 0 || j === r.length - 1 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join('  ').trimEnd());
  return [...lines, ...notes.map((n) => `${indent}  ${n}`)];
}
