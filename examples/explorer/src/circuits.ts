/** Browsing perfect circuits: sorting by sparsity and filtering by inclusion. */
import { isIncluded, sparsity, type Circuit } from './lib.ts';
import type { CircuitFilter, CircuitSort } from './state.ts';

/** A perfect circuit as the result JSON holds it. */
export interface CircuitEntry extends Circuit {
  readonly index: number;
  readonly nodeSparsity: number;
}

/** Sorted copy: sparsest first (node, then edge sparsity; ties in enumeration order), or enumeration order. */
export function sortCircuits<T extends CircuitEntry>(circuits: readonly T[], sort: CircuitSort): T[] {
  if (sort === 'index') return [...circuits].sort((a, b) => a.index - b.index);
  const edge = new Map(circuits.map((c) => [c.index, sparsity(c).edge]));
  return [...circuits].sort((a, b) => b.nodeSparsity - a.nodeSparsity || edge.get(b.index)! - edge.get(a.index)! || a.index - b.index);
}

/** Indices of the circuits that contain no other circuit of the set (quadratic: run it in the worker). */
export function minimalCircuits(circuits: readonly CircuitEntry[]): number[] {
  return circuits.filter((c) => !circuits.some((d) => d.index !== c.index && isIncluded(d, c))).map((c) => c.index);
}

/**
 * The circuits `filter` keeps: `minimal` (those in `minimal`, see {@link minimalCircuits}),
 * `within` / `containing` the selected circuit (itself included), or all. Without a selection the
 * relative filters keep all.
 */
export function filterCircuits<T extends CircuitEntry>(
  circuits: readonly T[],
  filter: CircuitFilter,
  selected: CircuitEntry | null,
  minimal: ReadonlySet<number>,
): T[] {
  switch (filter) {
    case 'minimal':
      return circuits.filter((c) => minimal.has(c.index));
    case 'within':
      return selected ? circuits.filter((c) => isIncluded(c, selected)) : [...circuits];
    case 'containing':
      return selected ? circuits.filter((c) => isIncluded(selected, c)) : [...circuits];
    default:
      return [...circuits];
  }
}

/** Number of hidden neurons and edges a circuit keeps (for its one-line description). */
export function circuitSize(c: Circuit): { neurons: number; edges: number } {
  const neurons = c.nodeMasks.slice(1, -1).flat().filter((v) => v === 1).length;
  const edges = c.edgeMasks.flat(2).filter((v) => v === 1).length;
  return { neurons, edges };
}
