/**
 * The exact number of circuits of a layout, computed without building the space, so that a
 * request far beyond any cap is refused in microseconds instead of exhausting memory while the
 * edge-mask lists are materialised (a 4 x 8 block alone has 255^4 candidate fillings).
 *
 * The number of valid edge masks between two layers depends only on how many nodes are active on
 * each side (C3), and the sparsity filter only on how many hidden nodes are kept in all (C4), so a
 * dynamic programme over (active nodes of the current layer, hidden nodes kept so far) counts
 * every node-mask combination at once.
 */

/** Valid edge masks of an `rows x cols` active block: 0/1 matrices with no empty row or column. */
export function validEdgeCount(rows: number, cols: number): bigint {
  // Inclusion-exclusion over the columns left empty; every row needs one of the others.
  let total = 0n;
  for (let k = 0; k <= cols; k++) {
    const term = binomial(cols, k) * (2n ** BigInt(cols - k) - 1n) ** BigInt(rows);
    total += k % 2 === 0 ? term : -term;
  }
  return total;
}

/** What {@link countCircuits} found. */
export interface CircuitCountEstimate {
  /** Circuits of the space, exactly (the last, full node combination excluded, as C2). */
  readonly circuits: bigint;
  /** Node-mask combinations the space's constructor walks through (every one, valid or not). */
  readonly nodeCombinations: bigint;
  /** Longest edge-mask list of one layer that the space would hold in memory. */
  readonly longestEdgeList: bigint;
}

/**
 * Counts the circuits of `layerSizes` with the sparsity filter `minSparsity` (0 disables it, as
 * the reference's `if min_sparsity:`), equal to `new CircuitSpace(layerSizes, { minSparsity }).count`.
 */
export function countCircuits(layerSizes: readonly number[], minSparsity = 0): CircuitCountEstimate {
  const sizes = layerSizes.slice(1);
  const hidden = sizes.slice(0, -1).reduce((a, b) => a + b, 0);
  // states: key `${active in the current layer},${hidden kept so far}` -> weighted count
  let states = new Map<string, bigint>([[`${layerSizes[0]},0`, 1n]]);
  let longestEdgeList = 0n;
  sizes.forEach((n, l) => {
    const isHidden = l < sizes.length - 1;
    const next = new Map<string, bigint>();
    for (const [key, ways] of states) {
      const [prev, kept] = key.split(',').map(Number) as [number, number];
      for (let a = 0; a <= n; a++) {
        const edges = validEdgeCount(a, prev);
        if (edges === 0n) continue;
        if (edges > longestEdgeList) longestEdgeList = edges;
        const k = `${a},${kept + (isHidden ? a : 0)}`;
        next.set(k, (next.get(k) ?? 0n) + ways * binomial(n, a) * edges);
      }
    }
    states = next;
  });
  let circuits = 0n;
  for (const [key, ways] of states) {
    const kept = Number(key.split(',')[1]);
    const sparsity = hidden === 0 ? 0 : (hidden - kept) / hidden; // the same float64 ratio as hiddenSparsity
    if (minSparsity && sparsity <= minSparsity) continue;
    circuits += ways;
  }
  // The full combination (every node kept) is dropped (C2) where the filter did not drop it already.
  if (!(minSparsity && 0 <= minSparsity)) {
    circuits -= sizes.reduce((acc, n, l) => acc * validEdgeCount(n, layerSizes[l]!), 1n);
  }
  const nodeCombinations = 2n ** BigInt(sizes.reduce((a, b) => a + b, 0)) - 1n;
  return { circuits, nodeCombinations, longestEdgeList };
}

function binomial(n: number, k: number): bigint {
  let r = 1n;
  for (let i = 0; i < k; i++) r = (r * BigInt(n - i)) / BigInt(i + 1);
  return r;
}
