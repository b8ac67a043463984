/**
 * The criteria toggles (docs/criteria.md): every criterion the analysis computed, as a toggle.
 * The active ones filter the circuit list (a circuit is listed when it passes each active
 * where-then-what criterion), the grounding counts (each circuit's count under the active
 * grounding criteria) and the mappings (a minimal mapping is listed when it passes each active
 * what-then-where criterion); `all` filters both sides. The summary shows each active criterion's
 * counts. The toggles live in the view state, so in the link (`crit=`).
 *
 * Pure helpers first (the Node tests check them), then the rendering.
 */
import { h } from './dom.ts';
import { groupDigits } from './format.ts';
import { resolveCriteria, type Count, type CriterionId, type OutputAnalysis } from './lib.ts';

/** Every criterion the page computes (`criteria: 'all'`), in the library's table order. */
export const EXPLORER_CRITERIA: readonly CriterionId[] = resolveCriteria('all').ids;

/** The what-then-where criteria (the others filter circuits and groundings; `all` both). */
const WHAT: readonly string[] = ['symmetric', 'joint', 'unmapped', 'full-state', 'noisy-iia'];
const filtersCircuits = (id: string) => !WHAT.includes(id);
const filtersMappings = (id: string) => WHAT.includes(id) || id === 'all';
/** Criteria with their own per-circuit grounding count. */
const GROUNDING_IDS: readonly string[] = ['grounding-causal', 'grounding-distinct', 'all'];

/** Canonical form of a toggle list: known ids, once each, in table order. */
export function canonicalCriteria(ids: readonly string[]): CriterionId[] {
  return EXPLORER_CRITERIA.filter((id) => ids.includes(id));
}

/** Whether a perfect circuit passes every active where-then-what toggle. */
export function circuitPasses(circuit: { passes?: readonly string[] }, active: readonly string[]): boolean {
  return active.filter(filtersCircuits).every((id) => circuit.passes?.includes(id) ?? false);
}

/** Whether minimal mapping `j` of a formula passes every active what-then-where toggle. */
export function mappingPasses(formula: { passes?: readonly (readonly string[])[] }, j: number, active: readonly string[]): boolean {
  return active.filter(filtersMappings).every((id) => formula.passes?.[j]?.includes(id) ?? false);
}

/** A circuit's grounding counts under the active grounding toggles, e.g. `[['grounding-causal', 3]]`. */
export function groundingsUnderToggles(circuit: { criterionGroundings?: Partial<Record<string, Count>> }, active: readonly string[]): [string, Count][] {
  return active.filter((id) => GROUNDING_IDS.includes(id)).flatMap((id): [string, Count][] => {
    const n = circuit.criterionGroundings?.[id];
    return n === undefined ? [] : [[id, n]];
  });
}

/** Whether the output carries criteria (an analysis without them has nothing to toggle). */
export const hasCriteria = (o: OutputAnalysis) => o.criteria !== undefined;

/** Fills `box` with one toggle per criterion, the active ones pressed. */
export function renderCriteriaToggles(box: HTMLElement, o: OutputAnalysis, active: readonly string[], onToggle: (id: CriterionId) => void): void {
  if (!hasCriteria(o)) {
    box.replaceChildren(h('p', { class: 'hint' }, 'This analysis has no criteria.'));
    return;
  }
  box.replaceChildren(
    h('span', { class: 'picker-label', id: 'criteria-label' }, 'Criteria'),
    ...EXPLORER_CRITERIA.filter((id) => o.criteria![id]).map((id) =>
      h('button', {
        type: 'button', class: 'chip', 'data-key': `criterion-${id}`, 'data-criterion': id,
        'aria-pressed': String(active.includes(id)), 'aria-describedby': 'criteria-label',
        onclick: () => onToggle(id),
      }, id),
    ),
  );
}

/** The active criteria's counts (one row each), and what the toggles leave listed. */
export function renderCriteriaCounts(box: HTMLElement, o: OutputAnalysis, active: readonly string[]): void {
  if (!hasCriteria(o) || active.length === 0) {
    box.replaceChildren();
    return;
  }
  const circuits = o.perfectCircuits.filter((c) => circuitPasses(c, active)).length;
  const mappings = o.formulas.reduce((n, f) => n + f.minimalMappings.filter((_, j) => mappingPasses(f, j, active)).length, 0);
  const rows = active.flatMap((id) => {
    const c = o.criteria![id as CriterionId];
    if (!c) return [];
    return [h('tr', { 'data-criterion-row': id },
      h('th', { scope: 'row' }, id),
      h('td', {}, groupDigits(c.circuits)), h('td', {}, groupDigits(c.groundings)),
      h('td', {}, groupDigits(c.formulas)), h('td', {}, groupDigits(c.mappings)),
    )];
  });
  box.replaceChildren(
    h('table', { class: 'criteria-table' },
      h('caption', {}, 'Under each active criterion'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'criterion'), h('th', { scope: 'col' }, 'circuits'), h('th', { scope: 'col' }, 'groundings'), h('th', { scope: 'col' }, 'formulas'), h('th', { scope: 'col' }, 'mappings'))),
      h('tbody', {}, ...rows),
    ),
    h('p', { class: 'caption', 'data-info': 'criteria-shown' },
      `Listed under all active criteria: ${groupDigits(circuits)} of ${groupDigits(o.perfectCircuits.length)} perfect circuits, ${groupDigits(mappings)} of ${groupDigits(o.mappingsPerFormula.reduce((a, b) => a + b, 0))} minimal mappings.`),
  );
}
