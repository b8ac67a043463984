/** A page of a circuit's groundings as a table (one column per grounded neuron) with a pager. */
import { h } from './dom.ts';
import { groupDigits, threshold } from './format.ts';
import type { GroundingsResponse } from './protocol.ts';

export interface GroundingsHandlers {
  onPage(page: number): void;
  onShow(index: number | null): void;
}

/** Number of pages of `total` groundings (a decimal string past 2^53). */
export function pageCount(total: number | string, pageSize: number): bigint {
  const t = BigInt(total);
  return t === 0n ? 1n : (t + BigInt(pageSize) - 1n) / BigInt(pageSize);
}

function pager(g: GroundingsResponse, handlers: GroundingsHandlers): HTMLElement {
  const pages = pageCount(g.total, g.pageSize);
  const last = pages - 1n;
  const current = BigInt(g.page);
  const jump = h('input', {
    type: 'number', id: 'grounding-page', min: 1, max: pages.toString(), value: g.page + 1, inputmode: 'numeric',
    'data-key': 'grounding-page',
    onchange: (e: Event) => {
      const v = Number((e.target as HTMLInputElement).value);
      if (Number.isInteger(v) && v >= 1 && BigInt(v) <= pages) handlers.onPage(v - 1);
    },
  });
  const button = (label: string, key: string, page: bigint, disabled: boolean) =>
    h('button', { type: 'button', 'data-key': key, disabled, onclick: () => handlers.onPage(Number(page)) }, label);
  return h('nav', { class: 'pager', 'aria-label': 'Grounding pages' },
    button('First', 'g-first', 0n, current === 0n),
    button('Previous', 'g-prev', current - 1n, current === 0n),
    h('span', { class: 'pager-jump' }, h('label', { for: 'grounding-page' }, 'Page '), jump, ` of ${groupDigits(pages)}`),
    button('Next', 'g-next', current + 1n, current >= last),
  );
}

/** The table for `g`; `shown` is the grounding drawn on the network, if any. */
export function renderGroundings(box: HTMLElement, circuit: number, g: GroundingsResponse, shown: number | null, handlers: GroundingsHandlers): void {
  const first = g.page * g.pageSize;
  const caption = g.rows.length
    ? `Groundings ${groupDigits(first + 1)} to ${groupDigits(first + g.rows.length)} of ${groupDigits(g.total)} of circuit #${circuit}`
    : `No groundings on this page (circuit #${circuit} has ${groupDigits(g.total)})`;
  const head = h('tr', {},
    h('th', { scope: 'col' }, '#'),
    ...g.neurons.map((n) => h('th', { scope: 'col' }, `Neuron ${n}`)),
    h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'On the network')),
  );
  const rows = g.rows.map((r) =>
    h('tr', { class: r.index === shown ? 'selected' : null },
      h('th', { scope: 'row' }, groupDigits(r.index + 1)),
      ...r.cells.map((c) => h('td', { title: `1 when the activation exceeds ${c.separator}` }, h('span', { class: 'gate' }, c.gate), ' ', h('span', { class: 'sep' }, `> ${threshold(c.separator)}`))),
      h('td', {}, h('button', {
        type: 'button', class: 'small', 'data-key': `g-show-${r.index}`, 'aria-pressed': String(r.index === shown),
        onclick: () => handlers.onShow(r.index === shown ? null : r.index),
      }, r.index === shown ? 'Shown' : 'Show')),
    ),
  );
  box.replaceChildren(
    h('p', { class: 'hint' }, 'Each neuron reads as a gate: it outputs 1 when its activation exceeds the threshold. Every row is a different, equally consistent reading of the same circuit.'),
    pager(g, handlers),
    h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'Groundings table' },
      h('table', { class: 'groundings-table', 'data-total': String(g.total) }, h('caption', {}, caption), h('thead', {}, head), h('tbody', {}, ...rows)),
    ),
  );
}
