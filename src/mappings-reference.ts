/**
 * The reference minimal-mapping search, kept as the definition the fast assembly in
 * [mappings.ts](./mappings.ts) is checked against (tests and `bench/mappings.ts` only; nothing in
 * the analysis calls it). It replays the reference's `find_mappings` step by step: for each node
 * in relevant-node order, every subset of the unused neurons from the largest to the smallest
 * (`combinations` over CPython set order, emulated with {@link PySet}), recursing on every valid
 * one, and every full explanation goes through the reference's list update (M4–M9). Its cost
 * grows with the number of valid sets, not of minimal ones: a trained 2-8-8-1 takes about a
 * minute (docs/limits.md).
 */
import { checkAborted } from './progress.ts';
import { PySet, type PyKey } from './pyset.ts';
import { hiddenNeurons, type Mapping, type MappingTable } from './mappings.ts';

/** One full explanation as found: each relevant node's neuron dict and neuron bitmask, by node position. */
interface Explanation {
  readonly dicts: readonly Record<string, number[]>[];
  readonly masks: Int32Array;
}

/** What the recursive search needs, fixed for one formula. */
interface SearchContext {
  readonly nNodes: number;
  readonly valid: Uint8Array;
  /** Candidate index of a neuron bitmask, or -1 (not a candidate set). */
  readonly candidateOf: (mask: number) => number;
  readonly nCandidates: number;
  /** Bit position of a hidden neuron `[layer, neuron]`. */
  readonly neuronBit: (key: readonly [number, number]) => number;
  /** `{inputs}` and `{outputs}` of the reference: sets of `(layer, neuron)` keys, never mutated. */
  readonly inputSet: PySet;
  readonly outputSet: PySet;
  readonly onFound: (e: Explanation) => void;
  readonly signal?: AbortSignal;
  /** Per node position, the neuron bitmasks of its valid candidate sets. */
  readonly validMasks: readonly Int32Array[];
}

/**
 * The reference's minimal mappings of a validity table, by the reference's own search and list
 * update: the definition {@link minimalMappingsFromTable} must equal (list order, key order,
 * neuron order). Slow where many sets are valid; for tests and benchmarks.
 */
export function minimalMappingsReference(table: MappingTable, signal?: AbortSignal): Mapping[] {
  const { layerSizes, names, candidates, valid } = table;
  const neurons = hiddenNeurons({ layerSizes });
  const bitOf = new Map(neurons.map(([l, y], i) => [l * 65536 + y, i]));
  const L = layerSizes.length - 1;
  const minimal: Explanation[] = [];
  const ctx: SearchContext = {
    nNodes: names.length,
    valid,
    candidateOf: candidateLookup(candidates, neurons.length),
    nCandidates: candidates.length,
    neuronBit: ([l, y]) => bitOf.get(l * 65536 + y)!,
    inputSet: PySet.of(...Array.from({ length: layerSizes[0]! }, (_, x): PyKey => [0, x])),
    outputSet: PySet.of(...Array.from({ length: layerSizes[L]! }, (_, x): PyKey => [L, x])),
    onFound: (e) => keepMinimal(minimal, e),
    signal,
    validMasks: names.map((_, n) => {
      const masks: number[] = [];
      for (let c = 0; c < candidates.length; c++) if (valid[n * candidates.length + c]) masks.push(candidates[c]!);
      return Int32Array.from(masks);
    }),
  };
  // all_mappings = set(reversed([(1, 0), (1, 1), ..., (L-1, w-1)]))
  const allMappings = new PySet([...neurons].reverse());
  findMappings(ctx, 0, new Array(names.length), new Int32Array(names.length), allMappings);
  return minimal.map((e) => Object.fromEntries(names.map((name, i) => [name, e.dicts[i]!])));
}

/**
 * Whether every node from position `k` on still has a valid candidate set inside the neurons
 * `free`: if one has none, the subtree below finds no explanation and is skipped (it would call
 * nothing but set operations local to it, so skipping changes no result and no order).
 */
function completable(ctx: SearchContext, k: number, free: number): boolean {
  for (let j = k; j < ctx.nNodes; j++) {
    const masks = ctx.validMasks[j]!;
    let any = false;
    for (let i = 0; i < masks.length && !any; i++) any = (masks[i]! & ~free) === 0;
    if (!any) return false;
  }
  return true;
}

/**
 * The reference's `find_mappings`: for the next node, try the subsets of the unused neurons from
 * largest to smallest (`combinations` over the set's iteration order), recurse on each valid one
 * with those neurons removed; full explanations go to `ctx.onFound` in the reference's order.
 */
function findMappings(ctx: SearchContext, k: number, dicts: Record<string, number[]>[], masks: Int32Array, unused: PySet): void {
  if (k === ctx.nNodes) {
    ctx.onFound({ dicts: dicts.slice(), masks: masks.slice() });
    return;
  }
  checkAborted(ctx.signal);
  // `mappings2 -= {inputs}; mappings2 -= {outputs}`: removes nothing, but mirrors the reference's
  // in-place set traffic (M7; it could only matter through a resize).
  unused.differenceUpdate(ctx.inputSet);
  unused.differenceUpdate(ctx.outputSet);
  const order = unused.toArray() as [number, number][];
  const n = order.length;
  const bit = order.map((key) => 1 << ctx.neuronBit(key));
  const free = bit.reduce((a, b) => a | b, 0);
  // The neuron mask of every subset of positions, when the table is small enough to build.
  const maskOf = n <= MAX_TABLED_POSITIONS ? subsetMasks(bit) : null;
  for (const positions of combinationOrder(n)) {
    const mask = maskOf ? maskOf[positions]! : maskOfPositions(positions, bit);
    const c = ctx.candidateOf(mask);
    // Not a candidate: layers not contiguous, or several layers without distribLayers.
    if (c >= 0 && ctx.valid[k * ctx.nCandidates + c] && completable(ctx, k + 1, free & ~mask)) {
      const subset: [number, number][] = [];
      for (let i = 0; i < n; i++) if ((positions >>> i) & 1) subset.push(order[i]!);
      // subset_dict: layer -> neurons, in the subset's order.
      const dict: Record<string, number[]> = {};
      for (const [l, y] of subset) (dict[String(l)] ??= []).push(y);
      dicts[k] = dict;
      masks[k] = mask;
      findMappings(ctx, k + 1, dicts, masks, unused.difference(new PySet(subset)));
    }
  }
}

/** Up to this many positions, combination orders and subset masks are tables (2^20 entries). */
const MAX_TABLED_POSITIONS = 20;
const combinationOrders = new Map<number, Int32Array>();

/**
 * Every non-empty subset of `n` positions as a bitmask over positions, in the order of
 * `for size in n..1: itertools.combinations(range(n), size)` (lexicographic within a size).
 * Tables are kept per n up to {@link MAX_TABLED_POSITIONS}; larger n are generated lazily.
 */
function combinationOrder(n: number): Iterable<number> {
  if (n > MAX_TABLED_POSITIONS) return combinations(n);
  let order = combinationOrders.get(n);
  if (!order) combinationOrders.set(n, (order = Int32Array.from(combinations(n))));
  return order;
}

function* combinations(n: number): Generator<number> {
  const idx = new Int32Array(n);
  for (let size = n; size >= 1; size--) {
    for (let i = 0; i < size; i++) idx[i] = i;
    for (;;) {
      let positions = 0;
      for (let i = 0; i < size; i++) positions |= 1 << idx[i]!;
      yield positions;
      let i = size - 1;
      while (i >= 0 && idx[i] === i + n - size) i--;
      if (i < 0) break;
      idx[i]!++;
      for (let j = i + 1; j < size; j++) idx[j] = idx[j - 1]! + 1;
    }
  }
}

/** `table[positions]`: the OR of `bit[i]` over the positions in the subset, for every subset. */
function subsetMasks(bit: readonly number[]): Int32Array {
  const table = new Int32Array(1 << bit.length);
  for (let s = 1; s < table.length; s++) {
    const low = s & -s;
    table[s] = table[s ^ low]! | bit[31 - Math.clz32(low)]!;
  }
  return table;
}

function maskOfPositions(positions: number, bit: readonly number[]): number {
  let mask = 0;
  for (let i = 0; i < bit.length; i++) if ((positions >>> i) & 1) mask |= bit[i]!;
  return mask;
}

/** `m1 < m2` in the reference: every node's neurons in m1 are included in m2's (non-strict). */
function includedIn(m1: Explanation, m2: Explanation): boolean {
  const a = m1.masks;
  const b = m2.masks;
  for (let i = 0; i < a.length; i++) if ((a[i]! & ~b[i]!) !== 0) return false;
  return true;
}

/**
 * The reference's list update, in place (M9): a new explanation below existing ones replaces them
 * (and goes last); otherwise it is appended unless something is below it.
 */
function keepMinimal(minimal: Explanation[], e: Explanation): void {
  if (minimal.some((m) => includedIn(e, m))) {
    let kept = 0;
    for (const m of minimal) if (!includedIn(e, m)) minimal[kept++] = m;
    minimal.length = kept;
    minimal.push(e);
  } else if (!minimal.some((m) => includedIn(m, e))) {
    minimal.push(e);
  }
}

/** Candidate index by neuron bitmask: a typed table for up to 20 hidden neurons, else a Map. */
function candidateLookup(candidates: Uint32Array, nNeurons: number): (mask: number) => number {
  if (nNeurons <= 20) {
    const table = new Int32Array(1 << nNeurons).fill(-1);
    candidates.forEach((m, i) => (table[m] = i));
    return (mask) => table[mask]!;
  }
  const map = new Map(Array.from(candidates, (m, i) => [m, i]));
  return (mask) => map.get(mask >>> 0) ?? -1;
}
