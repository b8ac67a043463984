/** Formulas and their minimal mappings; choosing a mapping marks its neurons on the network. */
import { h } from './dom.ts';
import { neuronKey } from './format.ts';
import { mappedNodes } from './mapping.ts';
import type { MinimalMapping } from './lib.ts';

export interface FormulaEntry {
  readonly formula: string;
  readonly minimalMappings: readonly MinimalMapping[];
}

/** `A+B → (1,1); ¬(A*B) → (1,0)` */
export function describeMapping(mapping: MinimalMapping): string {
  return mappedNodes(mapping)
    .map((m) => `${m.node} → ${m.neurons.map(([l, k]) => neuronKey(l, k)).join(' ')}`)
    .join('; ');
}

/** `2 minimal mappings`, or `1 of 2 minimal mappings` where the criteria toggles hide some. */
function mappingCount(kept: number, all: number): string {
  if (all === 0) return 'no mapping';
  const noun = `minimal mapping${all === 1 ? '' : 's'}`;
  return kept === all ? `${all} ${noun}` : `${kept} of ${all} ${noun} pass the criteria`;
}

/**
 * Fills `box`: formulas in the reference's order (those without a mapping, or whose mappings
 * `keep` hides, only with `showAll`), each with the mappings `keep` leaves (default all).
 */
export function renderFormulas(
  box: HTMLElement,
  formulas: readonly FormulaEntry[],
  showAll: boolean,
  selected: { formula: number | null; mapping: number | null },
  onSelect: (formula: number, mapping: number) => void,
  keep: (formula: number, mapping: number) => boolean = () => true,
): void {
  const items = formulas
    .map((f, i) => ({ f, i, kept: f.minimalMappings.map((_, j) => j).filter((j) => keep(i, j)) }))
    .filter(({ kept }) => showAll || kept.length > 0)
    .map(({ f, i, kept }) =>
      h('li', { class: 'formula' },
        h('p', { class: 'formula-head' },
          h('span', { class: 'formula-text' }, f.formula),
          h('span', { class: 'formula-count' }, mappingCount(kept.length, f.minimalMappings.length)),
        ),
        kept.length
          ? h('ul', { class: 'mappings' },
              ...kept.map((j) => [f.minimalMappings[j]!, j] as const).map(([m, j]) =>
                h('li', {}, h('button', {
                  type: 'button', class: 'mapping-item', 'data-key': `mapping-${i}-${j}`,
                  'aria-pressed': String(selected.formula === i && selected.mapping === j),
                  onclick: () => onSelect(i, j),
                }, describeMapping(m))),
              ),
            )
          : null,
      ),
    );
  box.replaceChildren(
    items.length
      ? h('ol', { class: 'formula-list', 'aria-label': 'Formulas' }, ...items)
      : h('p', { class: 'hint' }, 'No formula has a mapping onto this network (under the active criteria, if any).'),
  );
}
