/** The list of perfect circuits: one button per circuit, the selected one pressed. */
import { h } from './dom.ts';
import { groupDigits, percent } from './format.ts';
import { circuitSize, type CircuitEntry } from './circuits.ts';
import type { Count } from './lib.ts';

/** Lists longer than this show their first entries only (the filters narrow them down). */
export const MAX_LISTED = 400;

/** One line about a circuit. */
export function describeCircuit(c: CircuitEntry, groundings: Count | undefined, under: readonly (readonly [string, Count])[] = []): string {
  const { neurons, edges } = circuitSize(c);
  const g = groundings === undefined ? '' : `, ${groupDigits(groundings)} grounding${String(groundings) === '1' ? '' : 's'}`;
  // Grounding counts under the active grounding criteria (criteria-view.ts).
  const u = under.length ? ` (${under.map(([id, n]) => `${groupDigits(n)} under ${id}`).join(', ')})` : '';
  return `${neurons} hidden neuron${neurons === 1 ? '' : 's'}, ${edges} edges, node sparsity ${percent(c.nodeSparsity)}${g}${u}`;
}

/** Fills `list` with `circuits` (already sorted and filtered). */
export function renderCircuitList(
  list: HTMLOListElement,
  circuits: readonly CircuitEntry[],
  groundings: ReadonlyMap<number, Count>,
  selected: number | null,
  onSelect: (index: number) => void,
  under: ReadonlyMap<number, readonly (readonly [string, Count])[]> = new Map(),
): void {
  list.replaceChildren(
    ...circuits.slice(0, MAX_LISTED).map((c) =>
      h('li', {},
        h('button', {
          type: 'button', class: 'circuit-item', 'data-key': `circuit-${c.index}`, 'data-circuit': c.index,
          'aria-pressed': String(c.index === selected), onclick: () => onSelect(c.index),
        },
          h('span', { class: 'circuit-id' }, `#${c.index}`),
          h('span', { class: 'circuit-desc' }, describeCircuit(c, groundings.get(c.index), under.get(c.index))),
        ),
      ),
    ),
  );
}
