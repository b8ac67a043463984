/** The heat map as tables: the text alternative of its drawing. */
import { h } from './dom.ts';
import { neuronKey, percent } from './format.ts';
import type { Heat } from './heat.ts';

export function renderHeatTable(box: HTMLElement, heat: Heat): void {
  const share = (n: number) => `${n} (${percent(heat.total ? n / heat.total : 0)})`;
  const nodeRows = heat.nodes.slice(1, -1).flatMap((layer, l) =>
    layer.map((n, k) => h('tr', {}, h('th', { scope: 'row' }, neuronKey(l + 1, k)), h('td', {}, share(n)))),
  );
  const edgeRows = heat.edges.flatMap((m, l) =>
    m.flatMap((row, o) => row.map((n, i) => h('tr', {}, h('th', { scope: 'row' }, `${neuronKey(l, i)} → ${neuronKey(l + 1, o)}`), h('td', {}, share(n))))),
  );
  const table = (caption: string, what: string, rows: HTMLElement[]) =>
    h('table', { class: 'heat-table' },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, what), h('th', { scope: 'col' }, `Perfect circuits (of ${heat.total})`))),
      h('tbody', {}, ...rows),
    );
  box.replaceChildren(table('Hidden neurons', 'Neuron', nodeRows), table('Edges', 'Edge', edgeRows));
}
