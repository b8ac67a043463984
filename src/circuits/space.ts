/**
 * The space of valid circuits in the reference enumeration order (docs/semantics.md, C1–C4), as a
 * mixed-radix index space: exact count without enumerating, `decode(index)`, and streaming.
 *
 * Order: node-mask combinations over layers 1..L (hidden layers and the output), each layer's
 * masks `0 .. 2^size-1` with the first neuron as the most significant bit, first layer slowest;
 * the last combination (every node kept) is dropped (C2). Inside a combination, edge masks per
 * layer (layer 0 slowest), each the valid 0/1 fillings of the active block in row-major order,
 * first entry slowest, every active row and column with at least one edge (C3).
 */
import { InputError, LimitError } from '../errors.ts';
import type { Circuit } from './circuit.ts';
import { countCircuits, validEdgeCount } from './count.ts';

/** One node-mask combination and the valid edge masks of each of its layers. */
export interface NodeCombination {
  /** Node masks per layer, inputs (all ones) first. */
  readonly nodeMasks: number[][];
  /**
   * `edgeWords[l]` lists layer l's valid edge masks in enumeration order, each a 64-bit mask with
   * bit `r * nIn + j` for the edge j -> r, as two u32 words, low word first (so the array's bytes
   * are little-endian u64s; layers of at most `MAX_PACKED_EDGES` edges). Mask i of layer l
   * is `edgeWords[l][2i] + 2^32 * edgeWords[l][2i + 1]`. This is what the kernels read.
   */
  readonly edgeWords: readonly Uint32Array[];
  /** `edgeChoices[l]` the same masks as `out x in` 0/1 arrays (built on first use). */
  readonly edgeChoices: number[][][][];
  /** Number of circuits in this combination: the product of the edge-choice counts. */
  readonly count: number;
  /** Index of this combination's first circuit in the whole space. */
  readonly offset: number;
}

/** Options of {@link CircuitSpace}. */
export interface CircuitSpaceOptions {
  /**
   * Skip node combinations whose fraction of dropped hidden nodes is <= this (C4).
   * 0 or undefined disables the filter, as the reference's `if min_sparsity:`.
   */
  minSparsity?: number;
  /**
   * Refuse, before building anything, a space of more circuits than this: a {@link LimitError}
   * that states the exact count (counted without enumerating). Default: no cap beyond the hard
   * limits.
   */
  maxCircuits?: number;
  /**
   * Build the edge lists in one SharedArrayBuffer (where the platform has one), so that workers
   * can use them without a copy ({@link CircuitSpace.sharedEdgeLists}).
   */
  shared?: boolean;
  /** Edge lists another thread built ({@link CircuitSpace.sharedEdgeLists}), used instead of building them. */
  edgeLists?: SharedEdgeLists;
}

/**
 * A space's distinct edge lists in one buffer, to hand to another thread: `keys` joins each
 * list's node-mask pair with newlines, `spans` holds each one's word offset and length.
 */
export interface SharedEdgeLists {
  readonly buffer: ArrayBufferLike;
  readonly keys: string;
  readonly spans: Int32Array;
}

/** Circuit indices are exact integers in a double (results, the Wasm kernel's output, the GPU's piece bases). */
export const MAX_INDEXED_CIRCUITS = Number.MAX_SAFE_INTEGER;
/** The constructor walks every node-mask combination; past this many it would run for minutes. */
export const MAX_NODE_COMBINATIONS = 2 ** 24;
/** Longest edge-mask list of one layer built in memory (2^25 masks of 8 bytes: 256 MiB). */
export const MAX_EDGE_LIST = 2 ** 25;

/** Default cap on the number of circuits an analysis may enumerate. */
export const DEFAULT_MAX_CIRCUITS = 5_000_000;

/**
 * Edge choices whose unpacked rows a space keeps for {@link CircuitSpace.sharedDecoder} (a few
 * MiB at width 6; a result lists at most 100,000 circuits by default).
 */
export const SHARED_ROWS_KEPT = 1 << 16;

/** The valid circuits of a layer layout, in reference order. */
export class CircuitSpace {
  readonly layerSizes: readonly number[];
  readonly minSparsity: number;
  /** Node combinations that hold at least one circuit, in order. */
  readonly combinations: readonly NodeCombination[];
  /** Total number of circuits (exact). */
  readonly count: number;
  private readonly shared: SharedEdgeLists | null;
  /** {@link sharedDecoder}'s rows, [combination][layer]: edge choice -> rows, and how many. */
  private readonly unpacked: (number[][] | undefined)[][][] = [];
  private unpackedCount = 0;

  constructor(layerSizes: readonly number[], options: CircuitSpaceOptions = {}) {
    this.layerSizes = [...layerSizes];
    this.minSparsity = options.minSparsity ?? 0;
    checkLayout(layerSizes, this.minSparsity, options.maxCircuits);
    const edgeCache = options.edgeLists ? unpackEdgeLists(options.edgeLists) : new Map<string, Uint32Array>();
    // One walk over the node masks: the combinations with circuits, each distinct list's size,
    // and a refusal before any list is built if one would be too long.
    const plan = planEdgeLists(layerSizes, this.minSparsity, !options.edgeLists);
    // Where each list goes when they are built shared: one buffer of their exact sizes.
    const shared = !options.edgeLists && options.shared && typeof SharedArrayBuffer !== 'undefined'
      ? new SharedArrayBuffer(Math.max(4, plan.words * 4))
      : null;
    const edgesFor = (inMask: number[], outMask: number[]) => {
      const key = edgeListKey(inMask, outMask);
      let list = edgeCache.get(key);
      if (!list) {
        const slot = shared ? plan.slots.get(key) : undefined;
        edgeCache.set(key, (list = validEdgeWords(inMask, outMask, slot && new Uint32Array(shared!, slot[0] * 4, slot[1]))));
      }
      return list;
    };
    this.shared = shared && { buffer: shared, keys: [...plan.slots.keys()].join('\n'), spans: Int32Array.from([...plan.slots.values()].flat()) };
    const combos: NodeCombination[] = [];
    let offset = 0;
    for (const nodeMasks of plan.combinations) {
      const edgeWords = nodeMasks.slice(1).map((out, l) => edgesFor(nodeMasks[l]!, out));
      const count = edgeWords.reduce((a, c) => a * (c.length / 2), 1);
      if (count === 0) continue;
      combos.push(combination(nodeMasks, edgeWords, count, offset));
      offset += count;
    }
    this.combinations = combos;
    this.count = offset;
  }

  /** The edge lists in shared memory, when built with `shared` on a platform that has it; else null. */
  sharedEdgeLists(): SharedEdgeLists | null {
    return this.shared;
  }

  /** Throws a {@link LimitError} stating the exact count if it exceeds `maxCircuits`. */
  assertWithin(maxCircuits: number = DEFAULT_MAX_CIRCUITS): void {
    if (this.count > maxCircuits) throw capError(this.layerSizes, this.minSparsity, BigInt(this.count), maxCircuits);
  }

  /** The circuit at `index` (0-based, enumeration order). */
  decode(index: number): Circuit {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) {
      throw new RangeError(`circuit index ${index} is outside 0..${this.count - 1}`);
    }
    const combo = this.combinationOf(index);
    return circuitAt(combo, index - combo.offset);
  }

  /**
   * A decoder for many circuits that are kept together (an analysis's listed circuits): like
   * {@link decode}, but a layer's edge rows are unpacked once per edge choice and shared by every
   * circuit it returns with that choice, as node masks already are by the circuits of one
   * combination. The unpacked rows are kept by the space, for the next analysis of it (a grid
   * searches one cached space again and again), up to 65,536 edge choices (`SHARED_ROWS_KEPT`); past
   * them, by the decoder, as long as it lives. The arrays are shared: never modify them.
   */
  sharedDecoder(): (index: number) => Circuit {
    // [combination][layer][edge choice] -> rows (holey arrays: V8 keeps sparse ones as dictionaries)
    const own: (number[][] | undefined)[][][] = []; // past the space's budget
    let at = 0; // the last combination: listed circuits come in ascending order
    return (index) => {
      if (!Number.isInteger(index) || index < 0 || index >= this.count) {
        throw new RangeError(`circuit index ${index} is outside 0..${this.count - 1}`);
      }
      const next = this.combinations[at + 1];
      if (index < this.combinations[at]!.offset || (next && index >= next.offset)) at = this.combinationIndex(index);
      const { edgeWords, nodeMasks, offset } = this.combinations[at]!;
      const kept = (this.unpacked[at] ??= edgeWords.map(() => []));
      const edgeMasks = new Array<number[][]>(edgeWords.length);
      let local = index - offset;
      for (let l = edgeWords.length - 1; l >= 0; l--) {
        const words = edgeWords[l]!;
        const n = words.length / 2;
        const i = local % n;
        let rows = kept[l]![i] ?? own[at]?.[l]![i];
        if (!rows) {
          rows = unpackEdges(words[2 * i]!, words[2 * i + 1]!, nodeMasks[l + 1]!.length, nodeMasks[l]!.length);
          if (this.unpackedCount < SHARED_ROWS_KEPT) {
            kept[l]![i] = rows;
            this.unpackedCount++;
          } else (own[at] ??= edgeWords.map(() => []))[l]![i] = rows;
        }
        edgeMasks[l] = rows;
        local = Math.floor(local / n);
      }
      return { nodeMasks, edgeMasks };
    };
  }

  /** The node combination holding circuit `index`. */
  combinationOf(index: number): NodeCombination {
    return this.combinations[this.combinationIndex(index)]!;
  }

  /** The position in {@link combinations} of the combination holding circuit `index` (binary search). */
  combinationIndex(index: number): number {
    let lo = 0;
    let hi = this.combinations.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.combinations[mid]!.offset <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Streams circuits `[start, end)` in order without materialising the space. */
  *circuits(start = 0, end = this.count): Generator<Circuit> {
    for (const combo of this.combinations) {
      if (combo.offset + combo.count <= start) continue;
      if (combo.offset >= end) return;
      const from = Math.max(start, combo.offset) - combo.offset;
      const to = Math.min(end, combo.offset + combo.count) - combo.offset;
      for (let local = from; local < to; local++) yield circuitAt(combo, local);
    }
  }
}

/** Most edges a layer may have: masks are 64-bit (widths up to 8 between two hidden layers). */
export const MAX_PACKED_EDGES = 64;
/** Widest layer, and most hidden neurons in all, the enumeration accepts. */
export const MAX_LAYER_WIDTH = 16;
export const MAX_HIDDEN_NEURONS = 40;

/**
 * Refuses, with a {@link LimitError} that says what to change, a layout the enumeration cannot
 * take: the hard limits above, more than `maxCircuits` circuits (the exact count is stated), more
 * than {@link MAX_INDEXED_CIRCUITS}, or a walk over more than {@link MAX_NODE_COMBINATIONS} node
 * combinations. Costs microseconds: nothing is enumerated ({@link countCircuits}).
 */
export function checkLayout(layerSizes: readonly number[], minSparsity = 0, maxCircuits?: number): void {
  checkShape(layerSizes);
  const name = layerSizes.join('-');
  const { circuits, nodeCombinations } = countCircuits(layerSizes, minSparsity);
  if (maxCircuits !== undefined && circuits > BigInt(Math.floor(maxCircuits))) throw capError(layerSizes, minSparsity, circuits, maxCircuits);
  if (circuits > BigInt(MAX_INDEXED_CIRCUITS)) {
    throw new LimitError(
      `layer sizes ${name} with min sparsity ${minSparsity} give ${circuits.toLocaleString('en-US')} circuits; circuit indices are exact ` +
        `integers in a double, so at most ${MAX_INDEXED_CIRCUITS.toLocaleString('en-US')}: raise the min sparsity or analyse a smaller model`,
    );
  }
  if (nodeCombinations > BigInt(MAX_NODE_COMBINATIONS)) {
    throw new LimitError(
      `layer sizes ${name} have ${nodeCombinations.toLocaleString('en-US')} node-mask combinations to walk, more than ` +
        `${MAX_NODE_COMBINATIONS.toLocaleString('en-US')}: analyse a model with fewer neurons`,
    );
  }
}

/** The structural limits alone (widths, edges per layer): a {@link LimitError} naming the one exceeded. */
export function checkShape(layerSizes: readonly number[]): void {
  const name = layerSizes.join('-');
  if (layerSizes.length < 2) throw new InputError('a circuit space needs at least an input and an output layer');
  const hiddenTotal = layerSizes.slice(1, -1).reduce((a, b) => a + b, 0);
  if (layerSizes.slice(1).some((n) => n > MAX_LAYER_WIDTH) || hiddenTotal > MAX_HIDDEN_NEURONS) {
    throw new LimitError(
      `layer sizes ${name} are too wide for exhaustive circuit enumeration (at most ${MAX_LAYER_WIDTH} neurons per layer and ` +
        `${MAX_HIDDEN_NEURONS} hidden neurons in all); analyse a narrower model`,
    );
  }
  const wide = layerSizes.slice(1).findIndex((out, l) => out * layerSizes[l]! > MAX_PACKED_EDGES);
  if (wide >= 0) {
    throw new LimitError(
      `layer sizes ${name} have a layer of ${layerSizes[wide + 1]! * layerSizes[wide]!} edges (${layerSizes[wide]} x ${layerSizes[wide + 1]}); ` +
        `the circuit enumeration packs a layer's edges into 64 bits, so at most ${MAX_PACKED_EDGES}: analyse a narrower model`,
    );
  }
}

function capError(layerSizes: readonly number[], minSparsity: number, count: bigint, maxCircuits: number): LimitError {
  return new LimitError(
    `layer sizes ${layerSizes.join('-')} with min sparsity ${minSparsity} give ${count.toLocaleString('en-US')} circuits, ` +
      `more than the cap of ${maxCircuits.toLocaleString('en-US')}; raise it with --max-circuits (API: maxCircuits) or raise the min sparsity`,
  );
}

function combination(nodeMasks: number[][], edgeWords: Uint32Array[], count: number, offset: number): NodeCombination {
  let choices: number[][][][] | undefined;
  return {
    nodeMasks,
    edgeWords,
    count,
    offset,
    get edgeChoices() {
      return (choices ??= edgeWords.map((words, l) =>
        Array.from({ length: words.length / 2 }, (_, i) => unpackEdges(words[2 * i]!, words[2 * i + 1]!, nodeMasks[l + 1]!.length, nodeMasks[l]!.length)),
      ));
    },
  };
}

/** A packed edge mask (low and high u32 words) as `nOut x nIn` 0/1 rows. */
export function unpackEdges(low: number, high: number, nOut: number, nIn: number): number[][] {
  // Plain loops: results list up to 100,000 circuits, each decoded here.
  const rows = new Array<number[]>(nOut);
  for (let r = 0; r < nOut; r++) {
    const row = new Array<number>(nIn);
    for (let j = 0; j < nIn; j++) {
      const b = r * nIn + j;
      row[j] = b < 32 ? (low >>> b) & 1 : (high >>> (b - 32)) & 1;
    }
    rows[r] = row;
  }
  return rows;
}

/** The circuit at position `local` inside a node combination (mixed radix, layer 0 slowest). */
export function circuitAt(combo: NodeCombination, local: number): Circuit {
  const { edgeWords, nodeMasks } = combo;
  const edgeMasks = new Array<number[][]>(edgeWords.length);
  for (let l = edgeWords.length - 1; l >= 0; l--) {
    const words = edgeWords[l]!;
    const n = words.length / 2;
    const i = local % n;
    edgeMasks[l] = unpackEdges(words[2 * i]!, words[2 * i + 1]!, nodeMasks[l + 1]!.length, nodeMasks[l]!.length);
    local = Math.floor(local / n);
  }
  return { nodeMasks, edgeMasks };
}

/** Node-mask combinations in reference order, the last (all nodes kept) dropped (C1, C2). */
export function* nodeMaskCombinations(layerSizes: readonly number[]): Generator<number[][]> {
  const sizes = layerSizes.slice(1);
  const radices = sizes.map((n) => 2 ** n);
  const total = radices.reduce((a, b) => a * b, 1);
  const inputMask = new Array<number>(layerSizes[0]!).fill(1);
  for (let c = 0; c < total - 1; c++) {
    const masks: number[][] = new Array(sizes.length);
    let rest = c;
    for (let l = sizes.length - 1; l >= 0; l--) {
      masks[l] = bitsMsbFirst(rest % radices[l]!, sizes[l]!);
      rest = Math.floor(rest / radices[l]!);
    }
    yield [inputMask, ...masks];
  }
}

function bitsMsbFirst(value: number, width: number): number[] {
  return Array.from({ length: width }, (_, i) => (value >> (width - 1 - i)) & 1);
}

/** Fraction of hidden nodes dropped, as an exact float64 ratio (C4; input and output excluded). */
export function hiddenSparsity(nodeMasks: readonly (readonly number[])[]): number {
  let dropped = 0;
  let total = 0;
  for (const mask of nodeMasks.slice(1, -1)) {
    for (const v of mask) {
      total++;
      if (v === 0) dropped++;
    }
  }
  return total === 0 ? 0 : dropped / total;
}

function edgeListTooLong(cols: number, rows: number, valid: bigint): LimitError {
  return new LimitError(
    `a ${cols} x ${rows} block of active nodes has ${valid.toLocaleString('en-US')} valid edge masks ` +
      `(${(Number(valid) * 8 / 2 ** 30).toFixed(1)} GiB as a list), more than the ${MAX_EDGE_LIST.toLocaleString('en-US')} kept in memory: raise the min sparsity`,
  );
}

/** The key of the edge list between two node masks (lists are shared by every combination that has the pair). */
function edgeListKey(inMask: readonly number[], outMask: readonly number[]): string {
  return `${inMask.join('')}|${outMask.join('')}`;
}

/**
 * The constructor's walk without building anything: the node-mask combinations that hold circuits
 * (C4's sparsity filter, and every layer with a valid edge mask), in order, and each distinct
 * list's place in one buffer (key -> [word offset, words]). With `check`, a list longer than
 * {@link MAX_EDGE_LIST} is refused here, the first in the walk's order, with the message building
 * it would give.
 */
function planEdgeLists(
  layerSizes: readonly number[], minSparsity: number, check: boolean,
): { combinations: number[][][]; slots: Map<string, [number, number]>; words: number } {
  const active = (mask: readonly number[]) => mask.reduce((a, b) => a + b, 0);
  const counts = new Map<string, bigint>();
  const count = (rows: number, cols: number) => {
    const key = `${rows}x${cols}`;
    let n = counts.get(key);
    if (n === undefined) counts.set(key, (n = validEdgeCount(rows, cols)));
    return n;
  };
  const combinations: number[][][] = [];
  const slots = new Map<string, [number, number]>();
  let words = 0;
  for (const nodeMasks of nodeMaskCombinations(layerSizes)) {
    if (minSparsity && hiddenSparsity(nodeMasks) <= minSparsity) continue;
    const blocks = nodeMasks.slice(1).map((out, l) => [active(out), active(nodeMasks[l]!)] as const);
    if (blocks.some(([rows, cols]) => count(rows, cols) === 0n)) continue;
    blocks.forEach(([rows, cols], l) => {
      if (check && rows > 0 && cols > 0 && count(rows, cols) > BigInt(MAX_EDGE_LIST)) throw edgeListTooLong(cols, rows, count(rows, cols));
      const key = edgeListKey(nodeMasks[l]!, nodeMasks[l + 1]!);
      if (slots.has(key)) return;
      // An empty block is one empty mask when both sides are empty (validEdgeWords).
      const n = rows === 0 || cols === 0 ? (rows === cols ? 2 : 0) : 2 * Number(count(rows, cols));
      slots.set(key, [words, n]);
      words += n;
    });
    combinations.push(nodeMasks);
  }
  return { combinations, slots, words };
}

/** The lists of {@link SharedEdgeLists} as views of its buffer, by key. */
function unpackEdgeLists(lists: SharedEdgeLists): Map<string, Uint32Array> {
  const keys = lists.keys === '' ? [] : lists.keys.split('\n');
  return new Map(keys.map((key, i) => [key, new Uint32Array(lists.buffer, lists.spans[2 * i]! * 4, lists.spans[2 * i + 1]!)]));
}

/**
 * Valid edge masks between two node masks (C3), packed (bit `r * nIn + j` of a 64-bit mask, as two
 * u32 words, low first): edges only between active nodes, every active target with an incoming
 * edge and every active source with an outgoing edge. The reference enumerates
 * `itertools.product([0,1], ...)` over the active block in row-major order, first entry slowest;
 * that is the same as taking each active row's bit pattern (first column = most significant bit)
 * in ascending order, row 0 slowest, and zero rows are never valid.
 */
export function validEdgeWords(inMask: readonly number[], outMask: readonly number[], into?: Uint32Array): Uint32Array {
  const nIn = inMask.length;
  const rows = outMask.flatMap((v, i) => (v ? [i] : []));
  const cols = inMask.flatMap((v, i) => (v ? [i] : []));
  if (outMask.length * nIn > MAX_PACKED_EDGES) throw new LimitError(`a layer of ${outMask.length * nIn} edges cannot be packed into ${MAX_PACKED_EDGES} bits`);
  if (rows.length === 0 || cols.length === 0) {
    // An empty block is valid only if both sides are empty (no row or column left uncovered).
    return rows.length === cols.length ? (into ?? new Uint32Array(2)).fill(0) : new Uint32Array(0);
  }
  const valid = validEdgeCount(rows.length, cols.length);
  if (valid > BigInt(MAX_EDGE_LIST)) throw edgeListTooLong(cols.length, rows.length, valid);
  const full = (1 << cols.length) - 1;
  // low[r][p], high[r][p]: the packed words of active row r holding column pattern p.
  const word = (row: number, p: number, high: boolean) =>
    cols.reduce((m, col, c) => {
      const b = row * nIn + col;
      const set = (p >> (cols.length - 1 - c)) & 1;
      return high ? (b >= 32 ? m | (set << (b - 32)) : m) : b < 32 ? m | (set << b) : m;
    }, 0) >>> 0;
  const low = rows.map((row) => Uint32Array.from({ length: full + 1 }, (_, p) => word(row, p, false)));
  const high = rows.map((row) => Uint32Array.from({ length: full + 1 }, (_, p) => word(row, p, true)));
  const out = into ?? new Uint32Array(2 * Number(valid)); // the exact size: no growing array twice as large
  if (out.length !== 2 * Number(valid)) throw new Error(`validEdgeWords: a list of ${2 * Number(valid)} words does not fit ${out.length}`);
  let n = 0;
  const patterns = new Array<number>(rows.length).fill(1);
  for (;;) {
    let covered = 0;
    let lo = 0;
    let hi = 0;
    for (let r = 0; r < rows.length; r++) {
      covered |= patterns[r]!;
      lo |= low[r]![patterns[r]!]!;
      hi |= high[r]![patterns[r]!]!;
    }
    if (covered === full) {
      out[n++] = lo >>> 0;
      out[n++] = hi >>> 0;
    }
    // Advance the mixed-radix counter: the last row varies fastest.
    let r = rows.length - 1;
    while (r >= 0 && patterns[r] === full) patterns[r--] = 1;
    if (r < 0) return out;
    patterns[r]!++;
  }
}

/**
 * The valid edge masks between two node masks (C3) in the reference's enumeration order, each as
 * an `out x in` 0/1 array.
 */
export function validEdgeMasks(inMask: readonly number[], outMask: readonly number[]): number[][][] {
  const words = validEdgeWords(inMask, outMask);
  return Array.from({ length: words.length / 2 }, (_, i) => unpackEdges(words[2 * i]!, words[2 * i + 1]!, outMask.length, inMask.length));
}
