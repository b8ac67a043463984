/**
 * Reading minimal mappings: `{ "A+B 4": { "1": [1] } }` says formula node `A+B` (id 4) is
 * implemented by neuron 1 of hidden layer 1. The page lists them and marks those neurons.
 */
import type { MinimalMapping } from './lib.ts';

/** One formula node and the neurons it is mapped to. */
export interface MappedNode {
  /** The formula node as written, e.g. `¬(A*B)`. */
  readonly node: string;
  /** Its id in the formula tree. */
  readonly id: number;
  /** `[layer, neuron]` pairs (layer 1 = first hidden layer). */
  readonly neurons: readonly (readonly [number, number])[];
}

/** The mapping's entries in their order. */
export function mappedNodes(mapping: MinimalMapping): MappedNode[] {
  return Object.entries(mapping).map(([key, layers]) => {
    const cut = key.lastIndexOf(' ');
    const id = Number(key.slice(cut + 1));
    const node = cut > 0 && Number.isInteger(id) ? key.slice(0, cut) : key;
    const neurons = Object.entries(layers).flatMap(([l, ns]) => ns.map((n) => [Number(l), n] as const));
    return { node, id: Number.isInteger(id) ? id : -1, neurons };
  });
}

/** Neuron `"layer,index"` -> the formula nodes mapped onto it. */
export function neuronLabels(mapping: MinimalMapping): Map<string, string[]> {
  const labels = new Map<string, string[]>();
  for (const m of mappedNodes(mapping)) {
    for (const [l, k] of m.neurons) labels.set(`${l},${k}`, [...(labels.get(`${l},${k}`) ?? []), m.node]);
  }
  return labels;
}
