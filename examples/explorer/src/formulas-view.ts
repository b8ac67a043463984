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

/** Fills `box`: formulas in the reference's order (those without a mapping only with `showAll`). */
export function renderFormulas(
  box: HTMLElement,
  formulas: readonly FormulaEntry[],
  showAll: boolean,
  selected: { formula: number | null; mapping: number | null },
  onSelect: (formula: number, mapping: number) => void,
): void {
  const items = formulas
    .map((f, i) => ({ f, i }))
    .filter(({ f }) => showAll || f.minimalMappings.length > 0)
    .map(({ f, i }) =>
      h('li', { class: 'formula' },
        h('p', { class: 'formula-head' },
          h('span', { class: 'formula-text' }, f.formula),
          h('span', { class: 'formula-count' }, f.minimalMappings.length ? `${f.minimalMappings.length} minimal mapping${f.minimalMappings.length === 1 ? '' : 's'}` : 'no mapping'),
        ),
        f.minimalMappings.length
          ? h('ul', { class: 'mappings' },
              ...f.minimalMappings.map((m, j) =>
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
      : h('p', { class: 'hint' }, 'No formula has a mapping onto this network.'),
  );
}
