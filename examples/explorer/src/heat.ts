/**
 * The circuit heat map: for each node and edge of the network, in how many perfect circuits it
 * occurs. A node or edge used by every circuit is the only part an explanation may safely name.
 */
import type { Circuit } from './lib.ts';

export interface Heat {
  /** Number of circuits counted. */
  readonly total: number;
  /** `nodes[l][k]`: circuits with node k of layer l (inputs and output included). */
  readonly nodes: number[][];
  /** `edges[l][out][in]`: circuits with the edge from node `in` of layer l to node `out` of layer l+1. */
  readonly edges: number[][][];
}

/** Counts node and edge occurrences over `circuits` (masks shaped by `layerSizes`). */
export function circuitHeat(layerSizes: readonly number[], circuits: readonly Circuit[]): Heat {
  const nodes = layerSizes.map((n) => new Array<number>(n).fill(0));
  const edges = layerSizes.slice(1).map((nOut, l) => Array.from({ length: nOut }, () => new Array<number>(layerSizes[l]!).fill(0)));
  for (const c of circuits) {
    c.nodeMasks.forEach((mask, l) => mask.forEach((v, k) => (nodes[l]![k]! += v ? 1 : 0)));
    c.edgeMasks.forEach((m, l) => m.forEach((row, o) => row.forEach((v, i) => (edges[l]![o]![i]! += v ? 1 : 0))));
  }
  return { total: circuits.length, nodes, edges };
}

/**
 * A sequential colour scale from pale to dark (perceptually ordered, readable on white), for
 * t in [0, 1]. Interpolates between a few stops of a blue-purple ramp.
 */
const STOPS: readonly [number, number, number][] = [
  [240, 244, 248],
  [158, 202, 225],
  [66, 146, 198],
  [8, 81, 156],
  [37, 22, 94],
];

function heatRgb(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [STOPS[i]!, STOPS[i + 1]!];
  return [0, 1, 2].map((c) => Math.round(a[c]! + (b[c]! - a[c]!) * f)) as [number, number, number];
}

export function heatColor(t: number): string {
  return `rgb(${heatRgb(t).join(', ')})`;
}

/** Black or white, whichever contrasts more with {@link heatColor}(t) (WCAG relative luminance). */
export function heatTextColor(t: number): string {
  const linear = (v: number) => ((v /= 255) <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
  const [r, g, b] = heatRgb(t).map(linear) as [number, number, number];
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return luminance > 0.179 ? '#000' : '#fff';
}
