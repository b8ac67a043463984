/**
 * The criteria's CSV columns of the experiment runner (docs/criteria.md): per criterion id,
 * `<id>_circuits`, `<id>_groundings`, `<id>_formulas`, `<id>_mappings`, `<id>_mappings_iso`
 * (minimal mappings up to isomorphism) and `<id>_vacuous` (surviving mappings that passed without a
 * test; empty for the where-then-what criteria), after the paper's own counts up to isomorphism.
 */
import type { OutputAnalysis } from '../pipeline.ts';
import type { CriterionId } from './ids.ts';

/** A row's criteria values by column name. */
export type CriteriaColumns = Record<string, number | string>;

/** The column names for the given criterion ids, in order. */
export function criteriaColumnNames(ids: readonly string[]): string[] {
  return ['paper_formulas_iso', 'paper_mappings_iso', ...ids.flatMap((id) => ['circuits', 'groundings', 'formulas', 'mappings', 'mappings_iso', 'vacuous'].map((c) => `${id}_${c}`))];
}

/** An analysed output's criteria columns (undefined when it has no criteria). */
export function criteriaColumns(o: OutputAnalysis): CriteriaColumns | undefined {
  if (!o.criteria) return undefined;
  const out: CriteriaColumns = { paper_formulas_iso: o.upToIsomorphism!.formulas, paper_mappings_iso: o.upToIsomorphism!.mappings };
  for (const [id, c] of Object.entries(o.criteria) as [CriterionId, NonNullable<OutputAnalysis['criteria']>[CriterionId]][]) {
    out[`${id}_circuits`] = c!.circuits;
    out[`${id}_groundings`] = c!.groundings;
    out[`${id}_formulas`] = c!.formulas;
    out[`${id}_mappings`] = c!.mappings;
    out[`${id}_mappings_iso`] = c!.upToIsomorphism?.mappings ?? c!.mappings;
    if (c!.vacuous !== undefined) out[`${id}_vacuous`] = c!.vacuous;
  }
  return out;
}
