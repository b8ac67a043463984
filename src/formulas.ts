/**
 * High-level candidate explanations: Boolean formula trees, as in the reference `logic_gates.py`
 * (docs/semantics.md, F1–F5 and M1, M3).
 *
 * A formula is an AND/OR tree over the variables `A`, `B`, ... with some nodes wrapped in `¬`.
 * {@link formulasForGate} enumerates, in reference order, every AND/OR tree up to a depth and
 * keeps the first negation pattern that makes it compute the gate. The orders that come from
 * Python sets of node ids (negation subsets, relevant nodes) are reproduced with {@link PySet}.
 */
import { InputError } from './errors.ts';
import type { Gate } from './gates.ts';
import { PySet } from './pyset.ts';

/** A node operator: `'*'` (AND), `'+'` (OR), `'¬'` (NOT), a variable name, or a constant 0/1 (after an intervention). */
export type Op = string | 0 | 1;

/** A formula tree node. Ids are unique within a tree (preorder on the base formula, then new `¬` nodes). */
export interface LogicTree {
  readonly op: Op;
  readonly children: readonly LogicTree[];
  readonly id: number;
}

/** One formula of the dataset for a gate. */
export interface Formula {
  /** The tree with its negations and node ids (the reference's `neg_formula`). */
  readonly tree: LogicTree;
  /** `str(neg_formula)`, e.g. `¬(A*B)*(A+B)`. */
  readonly str: string;
  /** `str()` of the un-negated AND/OR formula it came from. */
  readonly base: string;
  /** The input variables, `A`, `B`, ... (one per gate input). */
  readonly variables: readonly string[];
}

/** Values of 0/1 inputs by variable name. */
export type Assignment = Readonly<Record<string, number>>;

/** Truth tables of the operators, indexed by the children's values (the reference's `OP_TO_TRUTH_TABLE`). */
const OP_TABLES: Readonly<Record<string, (v: readonly number[]) => number>> = {
  '¬': ([a]) => 1 - a!,
  '+': ([a, b]) => a! | b!,
  '*': ([a, b]) => a! & b!,
  x: ([a, b]) => a! ^ b!,
  '=': ([a, b]) => (a === b ? 1 : 0),
  '>': ([a, b]) => (1 - a!) | b!,
};

/** The variable names of an n-input gate: `A`, `B`, `C`, ... */
export function variableNames(nInputs: number): string[] {
  if (!Number.isInteger(nInputs) || nInputs < 1 || nInputs > 26) {
    throw new InputError(`a formula needs 1 to 26 input variables, got ${nInputs}`);
  }
  return Array.from({ length: nInputs }, (_, i) => String.fromCharCode(65 + i));
}

// ---------------------------------------------------------------------------------------------
// Strings and traversal

/** `str(tree)`: `(left op right)` for binary nodes, `¬child` for unary ones, outer parentheses removed (F3). */
export function formulaString(tree: LogicTree): string {
  const s = innerString(tree);
  return s.startsWith('(') ? s.slice(1, -1) : s;
}

function innerString(t: LogicTree): string {
  if (t.children.length === 0) return String(t.op);
  if (t.children.length === 1) return String(t.op) + innerString(t.children[0]!);
  return `(${innerString(t.children[0]!)}${String(t.op)}${innerString(t.children[1]!)})`;
}

/** All nodes in preorder (the reference's `get_nodes`). */
export function* preorder(tree: LogicTree): Generator<LogicTree> {
  yield tree;
  for (const c of tree.children) yield* preorder(c);
}

/** The node with this id, or undefined (`find_node`). */
export function findNode(tree: LogicTree, id: number): LogicTree | undefined {
  for (const n of preorder(tree)) if (n.id === id) return n;
  return undefined;
}

/** The mapping key of a node: `"<str(node)> <id>"`, e.g. `"¬(A*B) 7"` (M3). */
export function nodeName(node: LogicTree): string {
  return `${formulaString(node)} ${node.id}`;
}

/**
 * `get_node_ids()`: the set `{id}` updated with each child's set, recursively. Its iteration
 * order is what the reference loops over (negation subsets, relevant nodes).
 */
export function nodeIdSet(tree: LogicTree): PySet {
  const s = PySet.of(tree.id);
  for (const c of tree.children) s.update(nodeIdSet(c));
  return s;
}

/** {@link nodeIdSet} as numbers, in the reference's iteration order. */
export function nodeIdOrder(tree: LogicTree): number[] {
  return nodeIdSet(tree).toArray() as number[];
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/**
 * Evaluates every node (`evaluate(..., return_dict=True)`): variable leaves read the assignment,
 * constant leaves (intervened nodes) give their value. Returns node id -> value.
 */
export function evaluateNodes(tree: LogicTree, assignment: Assignment): Map<number, number> {
  const values = new Map<number, number>();
  const visit = (t: LogicTree): number => {
    let v: number;
    if (t.children.length === 0) v = leafValue(t.op, assignment);
    else {
      const table = OP_TABLES[t.op as string];
      if (!table) throw new InputError(`unknown operator ${JSON.stringify(t.op)} in formula`);
      v = table(t.children.map(visit));
    }
    values.set(t.id, v);
    return v;
  };
  visit(tree);
  return values;
}

function leafValue(op: Op, assignment: Assignment): number {
  if (typeof op === 'number') return op; // an intervened (constant) node
  if (op in assignment) return assignment[op]!;
  if (op.length > 1 && op.slice(1) in assignment) return 1 - assignment[op.slice(1)]!; // "¬A"-style leaf
  throw new InputError(`variable ${op} has no value`);
}

/** The formula's output for an assignment (`call` / `evaluate`). */
export function evaluate(tree: LogicTree, assignment: Assignment): number {
  return evaluateNodes(tree, assignment).get(tree.id)!;
}

// ---------------------------------------------------------------------------------------------
// Enumeration (F1, F2)

/** An AND/OR tree before ids are assigned, with its string and node count (subtrees are shared). */
interface RawTree {
  readonly op: string;
  readonly children: readonly RawTree[];
  /** The string as a subtree, with its parentheses. */
  readonly inner: string;
  /** `str()`: outer parentheses removed. */
  readonly str: string;
  readonly size: number;
}

function rawLeaf(op: string): RawTree {
  return { op, children: [], inner: op, str: op, size: 1 };
}

function rawNode(op: string, l: RawTree, r: RawTree): RawTree {
  const str = `${l.inner}${op}${r.inner}`;
  return { op, children: [l, r], inner: `(${str})`, str, size: 1 + l.size + r.size };
}

/** Python compares `str` by code points; JS `<` compares UTF-16 units. Same for the ASCII strings here. */
function pyLess(a: string, b: string): boolean {
  return a < b;
}

/**
 * `all_formulas(depth)`: for f1 of depth d-1, for i < d, for f2 of depth i, `f1*f2` then `f1+f2`
 * when `str(f1) < str(f2)`. The deeper operand is therefore always on the left.
 */
function allFormulas(depth: number, variables: readonly string[], memo: Map<number, RawTree[]>): RawTree[] {
  const hit = memo.get(depth);
  if (hit) return hit;
  const out: RawTree[] = [];
  if (depth === 0) {
    for (const v of variables) out.push(rawLeaf(v));
  } else {
    forEachPair(depth, variables, memo, (f1, f2) => out.push(rawNode('*', f1, f2), rawNode('+', f1, f2)));
  }
  memo.set(depth, out);
  return out;
}

/** The operand pairs of the formulas of `depth` >= 1, in order (each gives `*` then `+`). */
function forEachPair(depth: number, variables: readonly string[], memo: Map<number, RawTree[]>, visit: (f1: RawTree, f2: RawTree) => void): void {
  for (const f1 of allFormulas(depth - 1, variables, memo)) {
    for (let i = 0; i < depth; i++) {
      for (const f2 of allFormulas(i, variables, memo)) if (pyLess(f1.str, f2.str)) visit(f1, f2);
    }
  }
}

/**
 * The number of base formulas of each depth up to `maxDepth` over `variables` (F1), as
 * `baseFormulas(maxDepth, variables)` has them, without building trees for the deepest level:
 * 2, 2, 6, 78, 7,566 for two variables; 3, 6, 50, 3,350 for three.
 */
export function baseFormulaCounts(maxDepth: number, variables: readonly string[]): number[] {
  const memo = new Map<number, RawTree[]>();
  const counts = Array.from({ length: maxDepth }, (_, d) => allFormulas(d, variables, memo).length);
  let last = 0;
  if (maxDepth === 0) last = variables.length;
  else forEachPair(maxDepth, variables, memo, () => (last += 2));
  counts.push(last);
  return counts;
}

/** Assigns ids in preorder from `start` (the reference's `add_missing_ids` on a fresh tree). */
function withIds(t: RawTree, next = { id: 0 }): LogicTree {
  const id = next.id++;
  return { op: t.op, id, children: t.children.map((c) => withIds(c, next)) };
}

/**
 * The base AND/OR formulas of every depth up to `maxDepth`, in reference order, with preorder ids.
 * Counts for two variables: 2, 2, 6, 78 for depths 0..3.
 */
export function baseFormulas(maxDepth: number, variables: readonly string[]): LogicTree[][] {
  const memo = new Map<number, RawTree[]>();
  return Array.from({ length: maxDepth + 1 }, (_, d) => allFormulas(d, variables, memo).map((t) => withIds(t)));
}

/**
 * `negate(ids)` then `add_missing_ids()`: wraps the chosen nodes in `¬` (children first), and
 * numbers the new `¬` nodes from max id + 1 in preorder.
 */
export function negateNodes(tree: LogicTree, ids: ReadonlySet<number>): LogicTree {
  let next = Math.max(...nodeIdOrder(tree)) + 1;
  const visit = (t: LogicTree): LogicTree => {
    // Preorder numbering: the new ¬ gets its id before its child's subtree is visited.
    const notId = ids.has(t.id) ? next++ : -1;
    const copy: LogicTree = { op: t.op, id: t.id, children: t.children.map(visit) };
    return notId >= 0 ? { op: '¬', id: notId, children: [copy] } : copy;
  };
  return visit(tree);
}

/** Row r of an n-variable truth table sets variable i to bit (n-1-i): A is the most significant bit. */
function rowAssignment(variables: readonly string[], row: number): Record<string, number> {
  const n = variables.length;
  return Object.fromEntries(variables.map((v, i) => [v, (row >> (n - 1 - i)) & 1]));
}

/**
 * The truth table of an AND/OR tree as a bitmask (bit r = value on row r), with the nodes whose
 * id is flagged in `negated` flipped. Tests negation patterns without building trees.
 */
function negatedTable(t: LogicTree, negated: Uint8Array, leafTables: Map<string, number>, full: number): number {
  let v: number;
  if (t.children.length === 0) v = leafTables.get(t.op as string)!;
  else {
    const a = negatedTable(t.children[0]!, negated, leafTables, full);
    v = t.op === '*' ? a & negatedTable(t.children[1]!, negated, leafTables, full) : a | negatedTable(t.children[1]!, negated, leafTables, full);
  }
  return negated[t.id] ? ~v & full : v;
}

/** Index combinations of `n` items taken `r` at a time, in `itertools.combinations` order. */
export function* combinationIndices(n: number, r: number): Generator<number[]> {
  if (r > n) return;
  const idx = Array.from({ length: r }, (_, i) => i);
  for (;;) {
    yield idx.slice();
    let i = r - 1;
    while (i >= 0 && idx[i] === i + n - r) i--;
    if (i < 0) return;
    idx[i]!++;
    for (let j = i + 1; j < r; j++) idx[j] = idx[j - 1]! + 1;
  }
}

/**
 * The first negation pattern, in `powerset(get_node_ids())` order (by size, then combinations of
 * the set's iteration order), that makes `base` compute `truthTable`; null if none does (F2).
 */
export function firstNegation(base: LogicTree, truthTable: readonly number[], variables: readonly string[]): LogicTree | null {
  if (variables.length > 5) throw new InputError(`formulas over more than 5 variables are not supported`);
  const nRows = 1 << variables.length;
  const full = nRows === 32 ? 0xffffffff : (1 << nRows) - 1;
  const leafTables = new Map<string, number>();
  variables.forEach((v) => {
    let bits = 0;
    for (let r = 0; r < nRows; r++) if (rowAssignment(variables, r)[v]) bits |= 1 << r;
    leafTables.set(v, bits);
  });
  let target = 0;
  truthTable.forEach((b, r) => (target |= b ? 1 << r : 0));
  const ids = nodeIdOrder(base);
  const negated = new Uint8Array(Math.max(...ids) + 1);
  for (let size = 0; size <= ids.length; size++) {
    for (const combo of combinationIndices(ids.length, size)) {
      for (const i of combo) negated[ids[i]!] = 1;
      const ok = (negatedTable(base, negated, leafTables, full) >>> 0) === target >>> 0;
      for (const i of combo) negated[ids[i]!] = 0;
      if (ok) return negateNodes(base, new Set(combo.map((i) => ids[i]!)));
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// The first negation pattern without trying them all
//
// firstNegation tries the patterns in powerset order of get_node_ids(): by size, then as
// combinations of the ids in set order. For a base formula that set holds the preorder ids
// 0..n-1 in a table of more than n slots, so each id sits in its own slot and the set iterates
// ascending (R1): the order is by size, then lexicographic on the sorted ids. Give node id p the
// bit 2^(31-p) of a mask; among sets of one size the lexicographically first is then the one
// with the larger mask, so the reference's order is the order of
//     key(S) = |S| * 2^32 - mask(S)      (smaller first).
// The key of a disjoint union is the sum of the keys, and a subtree's ids are a contiguous range
// of preorder positions, so the first pattern is a min-plus dynamic programme over the tree:
// each subtree keeps, for each truth table it can compute, the smallest key that computes it.
// A set is one key, so there are no ties and the minimum is the reference's first pattern.

const TWO32 = 2 ** 32;
/** The key of negating only the subtree's first node (its root): one node, bit 31. */
const ROOT_KEY = TWO32 - 2 ** 31;
/** Masks have 32 bits: larger trees (depth 5 and more) take the exhaustive search. */
const MAX_FAST_NODES = 32;

/**
 * Every truth table one AND/OR subtree computes under some negation of its nodes, each with the
 * smallest key that computes it, the subtree's root at position 0: `counts[i]` nodes negated,
 * `masks[i]` which.
 */
interface Reach {
  readonly tables: Int32Array;
  readonly counts: Float64Array;
  readonly masks: Float64Array;
}

/** The truth-table bitmasks of a search over `variables`: every variable, all rows, a target. */
interface Tables {
  readonly full: number;
  readonly leaves: ReadonlyMap<string, number>;
  readonly target: number;
}

function tablesFor(truthTable: readonly number[], variables: readonly string[]): Tables {
  const nRows = 1 << variables.length;
  // int32 throughout: with 5 variables bit 31 is the sign, and &, |, ~ keep it consistent.
  const full = nRows === 32 ? -1 : (1 << nRows) - 1;
  const leaves = new Map<string, number>();
  variables.forEach((v, i) => {
    let bits = 0;
    for (let r = 0; r < nRows; r++) if ((r >> (variables.length - 1 - i)) & 1) bits |= 1 << r;
    leaves.set(v, bits);
  });
  let target = 0;
  truthTable.forEach((b, r) => (target |= b ? 1 << r : 0));
  return { full, leaves, target };
}

/** The key of entry i of a subtree placed `by` positions after the root of the tree holding it. */
function keyAt(reach: Reach, i: number, by: number): number {
  return reach.counts[i]! * TWO32 - (reach.masks[i]! >>> by); // the low `by` bits are 0: exact
}

/** The {@link Reach} of a subtree, memoised per (shared) raw subtree. */
function reachOf(t: RawTree, tables: Tables, memo: Map<RawTree, Reach>): Reach {
  const hit = memo.get(t);
  if (hit) return hit;
  let reach: Reach;
  if (t.children.length === 0) {
    const v = tables.leaves.get(t.op)!;
    reach = { tables: Int32Array.of(v, ~v & tables.full), counts: Float64Array.of(0, 1), masks: Float64Array.of(0, 2 ** 31) };
  } else {
    const l = reachOf(t.children[0]!, tables, memo);
    const r = reachOf(t.children[1]!, tables, memo);
    const and = t.op === '*';
    const rBy = 1 + t.children[0]!.size;
    const unnegated = new Map<number, number>();
    for (let i = 0; i < l.tables.length; i++) {
      const a = l.tables[i]!;
      const ka = keyAt(l, i, 1);
      for (let j = 0; j < r.tables.length; j++) {
        const u = and ? a & r.tables[j]! : a | r.tables[j]!;
        const k = ka + keyAt(r, j, rBy);
        const prev = unnegated.get(u);
        if (prev === undefined || k < prev) unnegated.set(u, k);
      }
    }
    // The subtree's root may be negated too: table t comes from t unnegated or from ~t negated.
    const best = new Map(unnegated);
    for (const [u, k] of unnegated) {
      const nu = ~u & tables.full;
      const prev = best.get(nu);
      if (prev === undefined || k + ROOT_KEY < prev) best.set(nu, k + ROOT_KEY);
    }
    const n = best.size;
    reach = { tables: new Int32Array(n), counts: new Float64Array(n), masks: new Float64Array(n) };
    let i = 0;
    for (const [u, k] of best) {
      const count = k === 0 ? 0 : Math.ceil(k / TWO32);
      reach.tables[i] = u;
      reach.counts[i] = count;
      reach.masks[i++] = count * TWO32 - k;
    }
  }
  memo.set(t, reach);
  return reach;
}

/** Scratch for {@link rootKey}: the right child's tables that fit, and their keys. */
let fitTables = new Int32Array(256);
let fitKeys = new Float64Array(256);

/**
 * The smallest key of a negation pattern that makes the base formula `lt op rt` compute the
 * target, or Infinity. Only the target is needed at the root, so its children's tables are
 * filtered first: under AND both must cover the table, under OR both must lie inside it.
 */
function rootKey(op: string, lt: RawTree, rt: RawTree, tables: Tables, memo: Map<RawTree, Reach>): number {
  const { full, target } = tables;
  const l = reachOf(lt, tables, memo);
  const r = reachOf(rt, tables, memo);
  if (fitTables.length < r.tables.length) {
    fitTables = new Int32Array(r.tables.length);
    fitKeys = new Float64Array(r.tables.length);
  }
  const and = op === '*';
  const rBy = 1 + lt.size;
  let best = Infinity;
  for (let negated = 0; negated < 2; negated++) {
    // u: the root's table before its own negation. A child x fits when x & care === inside:
    // under AND it covers u, under OR it has no row outside u.
    const u = negated ? ~target & full : target;
    const care = and ? u : ~u & full;
    const inside = and ? u : 0;
    let nFit = 0;
    for (let j = 0; j < r.tables.length; j++) {
      const b = r.tables[j]!;
      if ((b & care) === inside) {
        fitTables[nFit] = b;
        fitKeys[nFit++] = keyAt(r, j, rBy);
      }
    }
    if (nFit === 0) continue;
    const extra = negated ? ROOT_KEY : 0;
    for (let i = 0; i < l.tables.length; i++) {
      const a = l.tables[i]!;
      if ((a & care) !== inside) continue;
      const ka = extra + keyAt(l, i, 1);
      for (let j = 0; j < nFit; j++) {
        const k = ka + fitKeys[j]!;
        if (k < best && (and ? a & fitTables[j]! : a | fitTables[j]!) === u) best = k;
      }
    }
  }
  return best;
}

/** Leaves share one empty, frozen children array: trees are never mutated. */
const NO_CHILDREN: readonly LogicTree[] = Object.freeze([]);

/** A subtree already built for an earlier formula, with its string and its number of `¬` nodes. */
interface Built {
  readonly tree: LogicTree;
  readonly inner: string;
  readonly negations: number;
}

/**
 * Built subtrees by raw subtree, then by (negated positions inside it, first id, first `¬` id):
 * the formulas of a gate share them, which saves most of the allocation at depth 4.
 */
type SharedSubtrees = Map<RawTree, Map<number, Built>>;

/** The position counters and negated positions of one {@link negatedFormula} walk. */
interface Walk {
  id: number;
  next: number;
  mask: number;
  /** The string of the subtree last built, with its parentheses, as `innerString` prints it. */
  inner: string;
}

/** One walk object for every formula (the walks never overlap): a few thousand fewer objects. */
const WALK: Walk = { id: 0, next: 0, mask: 0, inner: '' };

/**
 * `negateNodes(withIds(lt op rt), the ids of key's set)`, with its `str()` left in `WALK.inner`:
 * preorder ids from 0, the new `¬` nodes numbered from the node count (the max id + 1) in preorder.
 */
function negatedFormula(op: string, lt: RawTree, rt: RawTree, key: number, shared: SharedSubtrees): LogicTree {
  const count = key === 0 ? 0 : Math.ceil(key / TWO32);
  const mask = count * TWO32 - key;
  const size = 1 + lt.size + rt.size;
  const negated = mask >= 2 ** 31;
  WALK.id = 1;
  WALK.next = negated ? size + 1 : size;
  WALK.mask = mask;
  const l = buildNegated(lt, WALK, shared);
  const left = WALK.inner;
  const r = buildNegated(rt, WALK, shared);
  const tree: LogicTree = { op, id: 0, children: [l, r] };
  // formulaString drops the outer parentheses of a binary root that is not negated.
  WALK.inner = negated ? `¬(${left}${op}${WALK.inner})` : `${left}${op}${WALK.inner}`;
  return negated ? { op: '¬', id: size, children: [tree] } : tree;
}

function buildNegated(n: RawTree, walk: Walk, shared: SharedSubtrees): LogicTree {
  const own = walk.id;
  if (n.children.length === 0) {
    walk.id++;
    const leaf: LogicTree = { op: n.op, id: own, children: NO_CHILDREN };
    walk.inner = n.op;
    if (!((walk.mask >>> (31 - own)) & 1)) return leaf;
    walk.inner = `¬${n.op}`;
    return { op: '¬', id: walk.next++, children: [leaf] };
  }
  // The subtree's positions are own .. own + size - 1: bits 31 - own down to 32 - own - size.
  const bits = Math.floor(walk.mask / 2 ** (32 - own - n.size)) % 2 ** n.size;
  const memoKey = (bits * 64 + own) * 128 + walk.next; // own < 32 and next <= 64 fit their fields
  let byKey = shared.get(n); // roots never come here: each base formula is distinct
  if (!byKey) shared.set(n, (byKey = new Map()));
  const hit = byKey.get(memoKey);
  if (hit) {
    walk.id += n.size;
    walk.next += hit.negations;
    walk.inner = hit.inner;
    return hit.tree;
  }
  const firstNext = walk.next;
  walk.id++;
  const notId = bits >= 2 ** (n.size - 1) ? walk.next++ : -1; // the ¬ is numbered before its child: preorder
  const l = buildNegated(n.children[0]!, walk, shared);
  const left = walk.inner;
  const r = buildNegated(n.children[1]!, walk, shared);
  // A subtree with no negated node prints as its base string.
  walk.inner = bits === 0 ? n.inner : `(${left}${n.op}${walk.inner})`;
  let tree: LogicTree = { op: n.op, id: own, children: [l, r] };
  if (notId >= 0) {
    walk.inner = `¬${walk.inner}`;
    tree = { op: '¬', id: notId, children: [tree] };
  }
  byKey.set(memoKey, { tree, inner: walk.inner, negations: walk.next - firstNext });
  return tree;
}

const formulaCache = new Map<string, readonly Formula[]>();

/**
 * The reference's `get_formula_dataset([gate], maxDepth)[gate]`: every AND/OR formula of depth
 * <= maxDepth over the gate's variables, each with the first negation pattern that computes the
 * gate; formulas with none are dropped (56 for XOR and 86 for the other 2-input gates at depth 3).
 * Results are cached per truth table and depth; the returned objects must not be mutated (the
 * trees of one list share subtrees).
 *
 * The list, its order and each formula are those of trying every pattern in order with
 * `firstNegation`, as the reference does, but each pattern is found without the search:
 * from the truth tables each subtree can compute (see above). A few ms for XOR at depth 3, tens
 * for 3-input gates at depth 3 and about 100 for XOR at depth 4 (7,310 formulas), where the
 * search takes seconds.
 */
export function formulasForGate(gate: Gate, maxDepth: number): readonly Formula[] {
  if (!Number.isInteger(maxDepth) || maxDepth < 0) throw new InputError(`max depth must be an integer >= 0, got ${maxDepth}`);
  const key = `${gate.nInputs}:${gate.truthTable.join('')}:${maxDepth}`;
  const hit = formulaCache.get(key);
  if (hit) return hit;
  const variables = variableNames(gate.nInputs);
  if (variables.length > 5) throw new InputError(`formulas over more than 5 variables are not supported`);
  const tables = tablesFor(gate.truthTable, variables);
  const raw = new Map<number, RawTree[]>();
  const reach = new Map<RawTree, Reach>();
  const shared: SharedSubtrees = new Map();
  const out: Formula[] = [];
  // A 1 past the table's rows (a longer truth table) is matched by no formula; negating the
  // root must not match its complement either.
  const lastDepth = (tables.target & ~tables.full) !== 0 ? -1 : maxDepth;
  // The reference also drops formulas whose base string was seen before; fully parenthesised
  // strings of distinct trees differ, so that never happens and is not checked here.
  if (lastDepth >= 0) {
    for (const leaf of allFormulas(0, variables, raw)) {
      const v = tables.leaves.get(leaf.op)!;
      const tree: LogicTree = { op: leaf.op, id: 0, children: NO_CHILDREN };
      if (v === tables.target) out.push({ tree, str: leaf.op, base: leaf.op, variables });
      else if ((~v & tables.full) === tables.target) out.push({ tree: { op: '¬', id: 1, children: [tree] }, str: `¬${leaf.op}`, base: leaf.op, variables });
    }
  }
  // The formulas of a depth in allFormulas' order, without building the raw trees of the last one.
  const root = (op: string, l: RawTree, r: RawTree) => {
    const base = `${l.inner}${op}${r.inner}`;
    if (1 + l.size + r.size > MAX_FAST_NODES) {
      const tree = firstNegation(withIds(rawNode(op, l, r)), gate.truthTable, variables);
      if (tree) out.push({ tree, str: formulaString(tree), base, variables });
      return;
    }
    const k = rootKey(op, l, r, tables, reach);
    if (k === Infinity) return;
    const tree = negatedFormula(op, l, r, k, shared);
    out.push({ tree, str: WALK.inner, base, variables });
  };
  for (let depth = 1; depth <= lastDepth; depth++) {
    forEachPair(depth, variables, raw, (l, r) => {
      root('*', l, r);
      root('+', l, r);
    });
  }
  formulaCache.set(key, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Relevant nodes (M3) and interventions (F5)

/**
 * The high-level nodes the mapping search maps, in the reference's order: iterate
 * `get_node_ids()`, keep non-leaf non-root nodes in a set, then `-=` the children of `¬` nodes.
 * The result's set iteration order is the order nodes are assigned neurons.
 */
export function relevantNodes(tree: LogicTree): number[] {
  const relevant = new PySet();
  for (const id of nodeIdOrder(tree)) {
    const node = findNode(tree, id)!;
    if (node.children.length > 0 && id !== tree.id) relevant.add(id);
  }
  const unaryChildren = new PySet();
  for (const n of preorder(tree)) if (n.children.length === 1) unaryChildren.add(n.children[0]!.id);
  relevant.differenceUpdate(unaryChildren);
  return relevant.toArray() as number[];
}

/** One entry of `get_intervened_trees()`: the tree with a node (or all leaves of a variable) set to a constant. */
export interface Intervention {
  readonly nodeId: number;
  readonly value: 0 | 1;
  readonly tree: LogicTree;
}

/** A copy of the tree with the nodes matched by `hit` replaced by the constant `value`. */
function replaceNodes(t: LogicTree, hit: (n: LogicTree) => boolean, value: 0 | 1): LogicTree {
  if (hit(t)) return { op: value, id: t.id, children: [] };
  return { op: t.op, id: t.id, children: t.children.map((c) => replaceNodes(c, hit, value)) };
}

/**
 * `get_intervened_trees()` in its dict order: every non-leaf node in preorder with values 0 and 1,
 * then for each variable (by first appearance) each of its leaves with values 0 and 1. Setting a
 * variable leaf sets every leaf of that variable.
 */
export function intervenedTrees(tree: LogicTree): Intervention[] {
  const out: Intervention[] = [];
  const values = [0, 1] as const;
  for (const n of preorder(tree)) {
    if (n.children.length === 0) continue;
    for (const v of values) out.push({ nodeId: n.id, value: v, tree: replaceNodes(tree, (m) => m.id === n.id, v) });
  }
  const byVariable = new Map<string, LogicTree[]>();
  for (const n of preorder(tree)) {
    if (n.children.length > 0) continue;
    const v = String(n.op).slice(-1);
    byVariable.set(v, [...(byVariable.get(v) ?? []), n]);
  }
  for (const [variable, leaves] of byVariable) {
    const trees = values.map((v) => replaceNodes(tree, (m) => m.children.length === 0 && String(m.op).slice(-1) === variable, v));
    for (const leaf of leaves) for (const v of values) out.push({ nodeId: leaf.id, value: v, tree: trees[v]! });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Samples and pairs (F4, M1)

/**
 * Order of the samples and pairs used by the interchange test (M1):
 * - `'BA'`: the reference under PYTHONHASHSEED=0 (the oracle's library order). `sample()` iterates
 *   the variable set as B, A; for n inputs we take the variables in reverse order (..., C, B, A),
 *   so the last variable is the most significant: (A,B) = 00, 10, 01, 11. Pairs (i, j) for i < j.
 * - `'AB'`: variables in natural order, A most significant: 00, 01, 10, 11. Pairs (i, j), i < j.
 * - `'all'`: every ordered pair of distinct samples, both orientations: samples in AB order,
 *   pairs (i, j) for i = 0.. and j = 0.., j != i (12 pairs for two inputs). A set valid here is
 *   valid under AB and BA.
 */
export type PairOrder = 'AB' | 'BA' | 'all';

/** One sample of `sample()`: the variables, every node's value, and the model input `[A, B, ...]`. */
export interface Sample {
  readonly assignment: Assignment;
  readonly nodeValues: ReadonlyMap<number, number>;
  readonly input: readonly number[];
}

/** A (source, base) pair: the interchange test runs `base` with values taken from `source`. */
export interface SamplePair {
  readonly source: Sample;
  readonly base: Sample;
}

/** All 2^n samples of the formula, in the order the variables are iterated (`'AB'` or `'BA'`). */
export function samples(formula: Formula, order: 'AB' | 'BA'): Sample[] {
  const vars = order === 'AB' ? [...formula.variables] : [...formula.variables].reverse();
  const n = vars.length;
  const out: Sample[] = [];
  // itertools.product((0, 1), repeat=n): the first iterated variable is the most significant.
  for (let r = 0; r < 1 << n; r++) {
    const assignment = rowAssignment(vars, r);
    out.push({
      assignment,
      nodeValues: evaluateNodes(formula.tree, assignment),
      input: formula.variables.map((v) => assignment[v]!), // sorted variable order
    });
  }
  return out;
}

/** The (source, base) pairs of the interchange test for a {@link PairOrder}. */
export function samplePairs(formula: Formula, pairOrder: PairOrder): SamplePair[] {
  if (pairOrder !== 'AB' && pairOrder !== 'BA' && pairOrder !== 'all') {
    throw new InputError(`pair order must be AB, BA or all, got ${JSON.stringify(pairOrder)}`);
  }
  const s = samples(formula, pairOrder === 'all' ? 'AB' : pairOrder);
  const pairs: SamplePair[] = [];
  for (let i = 0; i < s.length; i++) {
    for (let j = pairOrder === 'all' ? 0 : i + 1; j < s.length; j++) {
      if (j !== i) pairs.push({ source: s[i]!, base: s[j]! });
    }
  }
  return pairs;
}
