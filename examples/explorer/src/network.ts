/**
 * The network as an SVG: layers left to right, every node and edge painted by a {@link Paint}
 * (the heat map, one circuit, or one mapping). Each node and edge has a tooltip (`<title>`), and
 * the drawing as a whole a text alternative.
 */
import { s } from './dom.ts';
import { heatColor, heatTextColor, type Heat } from './heat.ts';
import { neuronKey, percent, threshold } from './format.ts';
import type { Circuit, ModelJson } from './lib.ts';
import type { GroundingCell } from './protocol.ts';

/** How one node is drawn. */
export interface NodeStyle {
  fill: string;
  text: string;
  stroke: string;
  /** Dashed outline: not part of what is shown. */
  dashed?: boolean;
  /** Lines under the node (gate and threshold, formula nodes, a share). */
  notes?: string[];
  /** Tooltip text beyond the node's name. */
  title?: string;
}

/** How one edge is drawn. */
export interface EdgeStyle {
  color: string;
  width: number;
  dashed?: boolean;
  title?: string;
}

/** Paints nodes `(layer, index)` and edges `(layer, out, in)`, from layer to layer + 1. */
export interface Paint {
  node(layer: number, index: number): NodeStyle;
  edge(layer: number, out: number, input: number): EdgeStyle;
}

/** What is drawn: one output's sub-network. */
export interface NetworkShape {
  /** Sub-model layer sizes (one output). */
  layerSizes: readonly number[];
  /** That output's gate. */
  gate: string;
  /** Sub-model weights, `weights[l][out][in]` (for tooltips). */
  weights: ModelJson['weights'];
}

const NODE_R = 21;
const ROW = 80;
const MARGIN = { x: 46, top: 34, bottom: 50 };
/** Horizontal distance between layers: as much as the box allows, within these bounds. */
const COLUMN = { min: 88, max: 170 };

/** Input names as in the formulas: A, B, C... */
export function inputName(i: number): string {
  return String.fromCharCode(65 + i);
}

/** The text inside a node: input name, `l,k` for hidden neurons, the gate for the output. */
function nodeText(shape: NetworkShape, l: number, k: number): string {
  if (l === 0) return inputName(k);
  if (l === shape.layerSizes.length - 1) return shape.gate;
  return `${l},${k}`;
}

function nodeName(shape: NetworkShape, l: number, k: number): string {
  if (l === 0) return `input ${inputName(k)}`;
  if (l === shape.layerSizes.length - 1) return `output ${neuronKey(l, k)} (${shape.gate})`;
  return `hidden neuron ${neuronKey(l, k)}`;
}

/**
 * Draws `shape` with `paint`; `label` and `description` are the drawing's text alternative.
 * The drawing is laid out for `boxWidth` CSS pixels, so that its text keeps its size on a phone
 * (it is scaled down only when even the tightest layout is wider than the box).
 */
export function drawNetwork(shape: NetworkShape, paint: Paint, label: string, description: string, boxWidth: number): SVGSVGElement {
  const sizes = shape.layerSizes;
  const tallest = Math.max(...sizes);
  const column = Math.min(COLUMN.max, Math.max(COLUMN.min, (boxWidth - MARGIN.x * 2) / (sizes.length - 1)));
  const width = MARGIN.x * 2 + column * (sizes.length - 1);
  const height = MARGIN.top + MARGIN.bottom + ROW * (tallest - 1);
  const x = (l: number) => MARGIN.x + column * l;
  const y = (l: number, k: number) => MARGIN.top + ROW * (k + (tallest - sizes[l]!) / 2);

  const titleId = `net-title-${Math.random().toString(36).slice(2, 8)}`;
  const svg = s('svg', {
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-labelledby': titleId,
    class: 'network',
    width,
    height,
    preserveAspectRatio: 'xMidYMid meet',
  });
  svg.append(s('title', { id: titleId }, label), s('desc', {}, description));

  const edges = s('g', { class: 'edges' });
  for (let l = 0; l + 1 < sizes.length; l++) {
    for (let o = 0; o < sizes[l + 1]!; o++) {
      for (let i = 0; i < sizes[l]!; i++) {
        const st = paint.edge(l, o, i);
        const w = shape.weights[l]?.[o]?.[i];
        const tip = `${nodeName(shape, l, i)} → ${nodeName(shape, l + 1, o)}${w === undefined ? '' : `, weight ${threshold(w)}`}${st.title ? `\n${st.title}` : ''}`;
        edges.append(
          s('line', {
            x1: x(l) + NODE_R, y1: y(l, i), x2: x(l + 1) - NODE_R, y2: y(l + 1, o),
            stroke: st.color, 'stroke-width': st.width, 'stroke-dasharray': st.dashed ? '5 4' : null, 'stroke-linecap': 'round',
          }, s('title', {}, tip)),
        );
      }
    }
  }
  svg.append(edges);

  const nodes = s('g', { class: 'nodes' });
  sizes.forEach((n, l) => {
    for (let k = 0; k < n; k++) {
      const st = paint.node(l, k);
      const cx = x(l);
      const cy = y(l, k);
      const g = s('g', { class: 'node', 'data-node': `${l},${k}` },
        s('title', {}, `${nodeName(shape, l, k)}${st.title ? `\n${st.title}` : ''}`),
        s('circle', { cx, cy, r: NODE_R, fill: st.fill, stroke: st.stroke, 'stroke-width': st.dashed ? 1.5 : 2.5, 'stroke-dasharray': st.dashed ? '4 3' : null }),
        s('text', { x: cx, y: cy, fill: st.text, 'text-anchor': 'middle', 'dominant-baseline': 'central', class: 'node-text' }, nodeText(shape, l, k)),
      );
      (st.notes ?? []).forEach((note, j) => {
        g.append(s('text', { x: cx, y: cy + NODE_R + 14 + j * 14, 'text-anchor': 'middle', class: 'node-note' }, note));
      });
      nodes.append(g);
    }
  });
  svg.append(nodes);
  return svg;
}

const INK = '#1d2433';
const FAINT = '#c5cad3';
const ACCENT = '#b3400a';
const ACCENT_FILL = '#ffe3cf';

/** The heat map: colour (and edge width) by the share of perfect circuits using each part. */
export function heatPaint(heat: Heat): Paint {
  const share = (n: number) => (heat.total ? n / heat.total : 0);
  const tip = (n: number) => `in ${n} of ${heat.total} perfect circuits (${percent(share(n))})`;
  return {
    node(l, k) {
      const t = share(heat.nodes[l]![k]!);
      return { fill: heatColor(t), text: heatTextColor(t), stroke: INK, notes: [percent(t)], title: tip(heat.nodes[l]![k]!) };
    },
    edge(l, o, i) {
      const n = heat.edges[l]![o]![i]!;
      const t = share(n);
      return { color: n === 0 ? FAINT : heatColor(0.15 + 0.85 * t), width: 1 + 5 * t, dashed: n === 0, title: tip(n) };
    },
  };
}

/**
 * One circuit: its nodes and edges solid, the rest faint and dashed. With a grounding, each
 * grounded neuron is labelled with its gate and threshold.
 */
export function circuitPaint(circuit: Circuit, grounding?: { neurons: readonly string[]; cells: readonly GroundingCell[] }): Paint {
  const notes = new Map<string, GroundingCell>();
  grounding?.neurons.forEach((key, i) => notes.set(key, grounding.cells[i]!));
  return {
    node(l, k) {
      const on = circuit.nodeMasks[l]![k] === 1;
      const cell = notes.get(neuronKey(l, k));
      return {
        fill: on ? (cell ? ACCENT_FILL : '#dbe8f6') : '#fff',
        text: on ? INK : '#8a93a3',
        stroke: on ? (cell ? ACCENT : INK) : '#9aa3b2',
        dashed: !on,
        notes: cell ? [cell.gate, `> ${threshold(cell.separator)}`] : undefined,
        title: on ? (cell ? `grounded as ${cell.gate}: 1 when the activation exceeds ${cell.separator}` : 'in the circuit') : 'not in the circuit',
      };
    },
    edge(l, o, i) {
      const on = circuit.edgeMasks[l]![o]![i] === 1;
      return { color: on ? INK : FAINT, width: on ? 2.5 : 1, dashed: !on, title: on ? 'in the circuit' : 'not in the circuit' };
    },
  };
}

/** One minimal mapping: mapped neurons highlighted and labelled with their formula nodes. */
export function mappingPaint(labels: ReadonlyMap<string, readonly string[]>): Paint {
  return {
    node(l, k) {
      const mapped = labels.get(`${l},${k}`);
      if (mapped) return { fill: ACCENT_FILL, text: INK, stroke: ACCENT, notes: [...mapped], title: `implements ${mapped.join(' and ')}` };
      return { fill: '#fff', text: INK, stroke: '#9aa3b2' };
    },
    edge: () => ({ color: FAINT, width: 1.2 }),
  };
}
