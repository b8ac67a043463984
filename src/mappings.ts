/**
 * The "what-then-where" mapping search (docs/semantics.md, M1–M7): for a formula, assign to each
 * relevant high-level node a set of hidden neurons such that, for every (source, base) pair,
 * patching those neurons from the source run changes the model output exactly as forcing the node
 * to its source value changes the formula; keep the inclusion-minimal full assignments.
 *
 * The result is the reference's exactly, in order: candidate neuron sets in `combinations()` order
 * over CPython sets of `(layer, neuron)` tuples (emulated with {@link PySet}), nodes in the
 * iteration order of the relevant-node set, the list as the reference's update rule leaves it
 * (M8, M9). Validity does not depend on the search path, so it is computed once per (node, neuron
 * set) by {@link validityTable}, the part a GPU backend replaces; the list is then assembled from
 * the inclusion-minimal valid sets alone ({@link minimalMappingsFromTable}). The reference's own
 * search is kept in mappings-reference.ts, for the tests.
 */
import { InputError, LimitError } from './errors.ts';
import {
  findNode,
  formulasForGate,
  intervenedTrees,
  evaluate,
  nodeName,
  relevantNodes,
  samplePairs,
  type Formula,
  type PairOrder,
  type SamplePair,
} from './formulas.ts';
import type { Gate } from './gates.ts';
import { forwardActivations, type Model } from './model.ts';
import { checkAborted } from './progress.ts';
import { PySet, type PyKey } from './pyset.ts';
import type { Backend, KernelRun, ValidityRequest, ValidityResult } from './backends/types.ts';

export type { PairOrder } from './formulas.ts';

/**
 * A full explanation: `"<str(node)> <id>"` -> layer (as a string) -> neurons, e.g.
 * `{ "A+B 4": { "1": [1] }, "¬(A*B) 7": { "1": [0] } }`. Node keys are in the reference's insertion
 * order and neurons in its list order. (With `distribLayers`, JS orders the integer-like layer keys
 * ascending, whereas Python keeps first-appearance order; the oracle never uses that option.)
 */
export type Mapping = Record<string, Record<string, number[]>>;

/** Alias of {@link Mapping}: one minimal what-then-where explanation. */
export type MinimalMapping = Mapping;

/** Options of the mapping search. */
export interface MappingOptions {
  /** Which (source, base) pairs the interchange test uses; `'BA'` is the oracle's library order. */
  readonly pairOrder: PairOrder;
  /** Allow a node's neurons to span several contiguous layers (the reference's `distrib_layers`). Default false. */
  readonly distribLayers?: boolean;
  /** Checked between formulas and while a formula's search runs; aborting throws `signal.reason`. */
  readonly signal?: AbortSignal;
}

// ---------------------------------------------------------------------------------------------
// The validity table: the model side of the interchange test, data in, bits out.

/** Model inputs of the (source, base) pairs, row-major `nPairs x nInputs`, float32. */
export interface PairInputs {
  readonly nPairs: number;
  readonly sources: Float32Array;
  readonly bases: Float32Array;
}

/** The high-level side: `expected[n * nPairs + p]` = formula value on base p with node n forced to its source value. */
export interface HighLevelTable {
  readonly nNodes: number;
  readonly nPairs: number;
  readonly expected: Uint8Array;
}

/** Hidden neurons (layers 1..L-1) numbered layer-major from 0: the bit positions of candidate masks. */
export function hiddenNeurons(model: Pick<Model, 'layerSizes'>): [layer: number, neuron: number][] {
  const out: [number, number][] = [];
  for (let l = 1; l < model.layerSizes.length - 1; l++) for (let y = 0; y < model.layerSizes[l]!; y++) out.push([l, y]);
  return out;
}

/**
 * Interchange-test validity of every candidate neuron set for every node.
 *
 * `candidates[c]` is a bitmask over {@link hiddenNeurons} (bit i = hidden neuron i). Set c is
 * valid for node n iff for every pair p: `expected[n, p] == (out > 0.5)`, where `out` is output 0
 * of the model run on base p with the candidate's neurons overwritten (post-activation) by their
 * values on source p. Returns `valid[n * candidates.length + c]` as 0/1.
 *
 * The model output depends only on (pair, candidate), so it is computed once and shared by all
 * nodes. Everything here is plain data, so a GPU backend can replace this function.
 */
export function validityTable(model: Model, formula: HighLevelTable, pairs: PairInputs, candidates: Uint32Array): Uint8Array {
  return validityFromOutputs(formula, interventionOutputs(model, pairs, candidates), candidates.length);
}

/**
 * The validity table of a formula from the intervention outputs (`outBits[c * nPairs + p]`, as
 * {@link interventionOutputs} computes them): the part every backend shares.
 */
export function validityFromOutputs(formula: HighLevelTable, outBits: Uint8Array, nCand: number): Uint8Array {
  const { nPairs } = formula;
  const valid = new Uint8Array(formula.nNodes * nCand);
  for (let n = 0; n < formula.nNodes; n++) {
    const expected = formula.expected.subarray(n * nPairs, (n + 1) * nPairs);
    for (let c = 0; c < nCand; c++) {
      let ok = 1;
      for (let p = 0; p < nPairs && ok; p++) if (outBits[c * nPairs + p] !== expected[p]) ok = 0;
      valid[n * nCand + c] = ok;
    }
  }
  return valid;
}

const outputCache = new WeakMap<Model, Map<string, Uint8Array>>();

/**
 * `out[c * nPairs + p]`: is output 0 of the model run on base p, with candidate c's neurons
 * overwritten (post-activation) by their values on source p, > 0.5? It depends on the model, the
 * pairs and the candidates only, not on the formula, so it is computed once per model and reused
 * by every formula of a search.
 */
export function interventionOutputs(model: Model, pairs: PairInputs, candidates: Uint32Array): Uint8Array {
  let byInputs = outputCache.get(model);
  if (!byInputs) outputCache.set(model, (byInputs = new Map()));
  const key = `${pairs.sources.join()}|${pairs.bases.join()}|${candidates.join()}`;
  let outBits = byInputs.get(key);
  if (outBits) return outBits;
  const { nPairs } = pairs;
  const nIn = model.layerSizes[0]!;
  const neurons = hiddenNeurons(model);
  const nCand = candidates.length;
  outBits = new Uint8Array(nCand * nPairs);
  for (let p = 0; p < nPairs; p++) {
    const source = forwardActivations(model, pairs.sources.subarray(p * nIn, (p + 1) * nIn));
    const base = pairs.bases.subarray(p * nIn, (p + 1) * nIn);
    for (let c = 0; c < nCand; c++) {
      const interventions = new Map<number, Map<number, number>>();
      for (let i = 0, mask = candidates[c]!; mask !== 0; i++, mask >>>= 1) {
        if (!(mask & 1)) continue;
        const [l, y] = neurons[i]!;
        if (!interventions.has(l)) interventions.set(l, new Map());
        interventions.get(l)!.set(y, source[l]![y]!);
      }
      const acts = forwardActivations(model, base, interventions);
      outBits[c * nPairs + p] = acts[acts.length - 1]![0]! > 0.5 ? 1 : 0;
    }
  }
  byInputs.set(key, outBits);
  return outBits;
}

/** The high-level table of a formula: for each relevant node and pair, the intervened formula's value on base. */
export function highLevelTable(formula: Formula, nodes: readonly number[], pairs: readonly SamplePair[]): HighLevelTable {
  const trees = new Map(intervenedTrees(formula.tree).map((t) => [`${t.nodeId}=${t.value}`, t.tree]));
  const expected = new Uint8Array(nodes.length * pairs.length);
  nodes.forEach((n, i) => {
    pairs.forEach((pair, p) => {
      const tree = trees.get(`${n}=${pair.source.nodeValues.get(n)}`)!;
      expected[i * pairs.length + p] = evaluate(tree, pair.base.assignment);
    });
  });
  return { nNodes: nodes.length, nPairs: pairs.length, expected };
}

/** The model inputs of the pairs as typed arrays. */
export function pairInputs(pairs: readonly SamplePair[]): PairInputs {
  return {
    nPairs: pairs.length,
    sources: Float32Array.from(pairs.flatMap((p) => p.source.input)),
    bases: Float32Array.from(pairs.flatMap((p) => p.base.input)),
  };
}

/**
 * Every neuron set the search can ask about: non-empty subsets of the hidden neurons whose layers
 * are contiguous, and (unless `distribLayers`) a single layer. As bitmasks, ascending.
 */
export function candidateMasks(model: Pick<Model, 'layerSizes'>, distribLayers: boolean): Uint32Array {
  const neurons = hiddenNeurons(model);
  if (neurons.length > 31) {
    throw new LimitError(`the mapping search enumerates subsets of the hidden neurons: ${neurons.length} hidden neurons is more than the supported 31`);
  }
  const out: number[] = [];
  if (!distribLayers) {
    // Subsets of one layer: the layer's bits shifted to its offset.
    let offset = 0;
    for (let l = 1; l < model.layerSizes.length - 1; l++) {
      const w = model.layerSizes[l]!;
      for (let m = 1; m < 1 << w; m++) out.push(m * 2 ** offset);
      offset += w;
    }
    return Uint32Array.from(out.sort((a, b) => a - b));
  }
  for (let m = 1; m < 2 ** neurons.length; m++) if (contiguous(maskLayers(m, neurons))) out.push(m);
  return Uint32Array.from(out);
}

function maskLayers(mask: number, neurons: readonly [number, number][]): Set<number> {
  const layers = new Set<number>();
  for (let i = 0; i < neurons.length; i++) if (Math.floor(mask / 2 ** i) % 2) layers.add(neurons[i]![0]);
  return layers;
}

/** The reference's rule for distributed sets: the layers form a contiguous range. */
function contiguous(layers: ReadonlySet<number>): boolean {
  const min = Math.min(...layers);
  const max = Math.max(...layers);
  return max - min + 1 === layers.size;
}

// ---------------------------------------------------------------------------------------------
// The minimal-mapping assembly
//
// What the reference's list is, as a function of the validity table (why the search below gives
// the same list, in the same order, with the same neuron order, as minimalMappingsReference in
// mappings-reference.ts, which replays the reference's search step by step):
//
// 1. Let E be the full explanations: tuples (S_0, ..., S_{K-1}), one per relevant node in M3
//    order, of pairwise disjoint sets with S_k a valid candidate of node k. The reference's
//    search visits every tuple of E exactly once (at each depth each subset of `unused` is tried
//    once, so a tuple has one path), in the pre-order of its recursion, written ≺ below. Write
//    e ⊆ m for the reference's non-strict `e < m` (S_k(e) ⊆ S_k(m) for every k); e ⊆ m and
//    m ⊆ e only when e = m, which never happens between two distinct tuples, so there are no ties.
// 2. keepMinimal keeps an antichain: the replace branch removes every m with e ⊆ m before
//    appending e, and a kept m with m ⊆ e would give m ⊊ m' for a removed m', both listed; the
//    other append happens only when e is incomparable with everything listed.
// 3. A minimal element x of E, when found, is appended (nothing listed is ⊊ x, as that would be
//    in E), and never removed (a later e ⊆ x would be x). A non-minimal y (some minimal x ⊊ y)
//    does not survive: found before x, it is removed when x arrives (x ⊆ y); found after x, x is
//    listed, so y ⊆ m for a listed m is impossible (x ⊊ m in an antichain) and the second branch
//    skips y because x ⊆ y. Removal compacts in place and appends go last, so listed elements
//    keep their relative order: the final list is the minimal elements of E in ≺ order.
// 4. Validity is per (node, set), so x is minimal in E iff every S_k(x) is an inclusion-minimal
//    valid candidate of node k: a valid T ⊊ S_k would keep the tuple disjoint and be below x;
//    conversely anything below x has valid subsets of x's sets, hence x's sets.
// 5. A call's set state (iteration order, hence the combination order of its children and the
//    neuron order of the lists it builds) depends only on its path: the parent's state after its
//    own in-place `-=` (M7) and the subset removed. So a pre-order walk that enters only the
//    children whose set is a minimal valid one, and only when every later node can still get a
//    minimal valid set in the neurons left, performs the reference's set operations on every path
//    it takes and reaches every minimal tuple, in ≺ order, with the reference's dicts; the
//    children it skips hold no minimal tuple. Children are taken in `combinations` order over
//    the call's set order: larger sets first, and between two sets of one size the one holding
//    the lowest position where they differ (lexicographic order of the position lists).
//
// The walk's cost is the number of partial tuples of minimal sets that can still complete, not
// the number of valid sets (all supersets of a valid set are usually valid, which is what makes
// the reference explode with width).

/** What the minimal-mapping assembly reads: the layout, the relevant nodes' keys and the validity table. */
export interface MappingTable {
  /** The model's layer sizes (inputs first): which neurons are hidden, and their bit positions. */
  readonly layerSizes: readonly number[];
  /** Mapping keys `"<str(node)> <id>"`, one per relevant node in the reference's order (M3). */
  readonly names: readonly string[];
  /** Candidate neuron sets as bitmasks over {@link hiddenNeurons}, each mask once. */
  readonly candidates: Uint32Array;
  /** `valid[n * candidates.length + c]`: candidate c passes every interchange test of node n. */
  readonly valid: Uint8Array;
}

/** Per node, the valid candidate masks that contain no other valid candidate, in candidate order. */
function minimalValidMasks(table: MappingTable): Int32Array[] {
  const { candidates, valid } = table;
  const nCand = candidates.length;
  return table.names.map((_, n) => {
    const masks: number[] = [];
    for (let c = 0; c < nCand; c++) if (valid[n * nCand + c]) masks.push(candidates[c]!);
    // Fewer neurons first: a valid proper subset of a mask has fewer bits and, if any exists, a
    // minimal one does, which is then already kept.
    const bySize = masks.map((m, i) => ({ m, i, size: popcount(m) })).sort((a, b) => a.size - b.size || a.i - b.i);
    const kept: { m: number; i: number }[] = [];
    for (const x of bySize) if (!kept.some((k) => (k.m & ~x.m) === 0)) kept.push(x);
    return Int32Array.from(kept.sort((a, b) => a.i - b.i).map((k) => k.m));
  });
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v !== 0; v &= v - 1) n++;
  return n;
}

/**
 * The reference's minimal mappings of a validity table, in its list order, key order and neuron
 * order (M5, M8, M9), computed without the reference's enumeration of every valid set: a walk
 * over inclusion-minimal valid sets only, replaying the reference's set operations on the paths
 * it takes (the argument is in the comment above). Equal to {@link minimalMappingsReference}
 * (src/mappings-reference.ts) on every table; a table without nodes gives `[{}]` (M6).
 */
export function minimalMappingsFromTable(table: MappingTable, signal?: AbortSignal): Mapping[] {
  const { layerSizes, names } = table;
  const K = names.length;
  const L = layerSizes.length - 1;
  const neurons = hiddenNeurons({ layerSizes });
  // Bit of hidden neuron (l, y): layer-major offsets, as hiddenNeurons numbers them.
  const offset = new Int32Array(L + 1);
  for (let l = 2; l <= L; l++) offset[l] = offset[l - 1]! + layerSizes[l - 1]!;
  const minimal = minimalValidMasks(table);
  const inputSet = PySet.of(...Array.from({ length: layerSizes[0]! }, (_, x): PyKey => [0, x]));
  const outputSet = PySet.of(...Array.from({ length: layerSizes[L]! }, (_, x): PyKey => [L, x]));
  const found: Record<string, number[]>[][] = [];
  const dicts: Record<string, number[]>[] = new Array(K);
  const positionOfBit = new Int32Array(32);

  /** Whether every node from k on has a minimal valid set inside `free`. */
  const completable = (k: number, free: number): boolean => {
    for (let j = k; j < K; j++) {
      const masks = minimal[j]!;
      let any = false;
      for (let i = 0; i < masks.length && !any; i++) any = (masks[i]! & ~free) === 0;
      if (!any) return false;
    }
    return true;
  };

  const walk = (k: number, unused: PySet, free: number): void => {
    if (k === K) {
      found.push(dicts.slice());
      return;
    }
    checkAborted(signal);
    // The reference's in-place `mappings2 -= {inputs}; mappings2 -= {outputs}` (M7): no key is
    // removed, but a resize would change the iteration order, so the same operations run here.
    unused.differenceUpdate(inputSet);
    unused.differenceUpdate(outputSet);
    const order = unused.toArray() as [number, number][];
    for (let i = 0; i < order.length; i++) positionOfBit[offset[order[i]![0]]! + order[i]![1]] = i;
    // This node's minimal valid sets among the unused neurons, as position masks, in combinations order.
    const children: { mask: number; positions: number; size: number }[] = [];
    for (const mask of minimal[k]!) {
      if ((mask & ~free) !== 0) continue;
      let positions = 0;
      for (let m = mask; m !== 0; m &= m - 1) positions |= 1 << positionOfBit[31 - Math.clz32(m & -m)]!;
      children.push({ mask, positions, size: popcount(mask) });
    }
    children.sort((a, b) => b.size - a.size || (a.positions & lowestBit(a.positions ^ b.positions) ? -1 : 1));
    for (const { mask, positions } of children) {
      if (!completable(k + 1, free & ~mask)) continue;
      const subset: [number, number][] = [];
      for (let i = 0; i < order.length; i++) if ((positions >>> i) & 1) subset.push(order[i]!);
      // subset_dict: layer -> neurons, in the subset's (set) order.
      const dict: Record<string, number[]> = {};
      for (const [l, y] of subset) (dict[String(l)] ??= []).push(y);
      dicts[k] = dict;
      // The reference's call for the last node returns at once: its set is never read.
      if (k + 1 === K) found.push(dicts.slice());
      else walk(k + 1, unused.difference(new PySet(subset)), free & ~mask);
    }
  };

  // all_mappings = set(reversed([(1, 0), (1, 1), ..., (L-1, w-1)]))
  const all = new PySet([...neurons].reverse());
  walk(0, all, fullMask(neurons.length));
  return found.map((d) => Object.fromEntries(names.map((name, i) => [name, d[i]!])));
}

function lowestBit(x: number): number {
  return x & -x;
}

/** Bits 0..n-1 set (n <= 31). */
function fullMask(n: number): number {
  return (2 ** n - 1) | 0;
}

/** Everything {@link findMinimalMappings} computes for a formula, for reuse and inspection. */
export interface MappingProblem {
  /** Relevant node ids in the reference's order. */
  readonly nodes: readonly number[];
  readonly names: readonly string[];
  readonly pairs: readonly SamplePair[];
  readonly candidates: Uint32Array;
  /** `valid[n * candidates.length + c]`. */
  readonly valid: Uint8Array;
}

/** A formula's mapping problem before its validity table is computed. */
type ProblemInputs = Omit<MappingProblem, 'valid'> & { readonly table: HighLevelTable; readonly inputs: PairInputs };

/** The formula side of a mapping problem: it depends on the formula and the pair order only. */
type FormulaSide = Omit<ProblemInputs, 'candidates'>;

/** Formula sides by formula object (formulasForGate's are cached and immutable) and pair order. */
const formulaSides = new WeakMap<Formula, Map<PairOrder, FormulaSide>>();

function formulaSide(formula: Formula, pairOrder: PairOrder): FormulaSide {
  let byOrder = formulaSides.get(formula);
  if (!byOrder) formulaSides.set(formula, (byOrder = new Map()));
  let side = byOrder.get(pairOrder);
  if (!side) {
    const nodes = relevantNodes(formula.tree);
    const names = nodes.map((id) => nodeName(findNode(formula.tree, id)!));
    const pairs = samplePairs(formula, pairOrder);
    side = { nodes, names, pairs, table: highLevelTable(formula, nodes, pairs), inputs: pairInputs(pairs) };
    byOrder.set(pairOrder, side);
  }
  return side;
}

function problemInputs(model: Model, formula: Formula, opts: MappingOptions): ProblemInputs {
  if (model.layerSizes[0] !== formula.variables.length) {
    throw new InputError(`the model has ${model.layerSizes[0]} inputs but the formula has ${formula.variables.length} variables`);
  }
  return { ...formulaSide(formula, opts.pairOrder), candidates: candidateMasks(model, opts.distribLayers ?? false) };
}

/** Builds the relevant nodes, pairs, candidate sets and validity table of a formula. */
export function mappingProblem(model: Model, formula: Formula, opts: MappingOptions): MappingProblem {
  const { nodes, names, pairs, candidates, table, inputs } = problemInputs(model, formula, opts);
  return { nodes, names, pairs, candidates, valid: validityTable(model, table, inputs, candidates) };
}

/**
 * The reference's `find_minimal_mappings(model, formula, sample_pairs, intervened_trees)`: the
 * inclusion-minimal full explanations, in the reference's list order. Only output 0 of the model
 * is read (use `subModel` for multi-output models). A formula with no relevant node has exactly
 * one, empty, mapping `{}` (M6).
 */
export function findMinimalMappings(model: Model, formula: Formula, opts: MappingOptions): Mapping[] {
  return minimalMappingsOf(model, mappingProblem(model, formula, opts), opts.signal);
}

/** The minimal mappings of a problem whose validity table is known (the CPU part of the search). */
function minimalMappingsOf(model: Model, problem: MappingProblem, signal?: AbortSignal): Mapping[] {
  return minimalMappingsFromTable({ layerSizes: model.layerSizes, names: problem.names, candidates: problem.candidates, valid: problem.valid }, signal);
}

/** The mapping search result of one formula. */
export interface FormulaMappings {
  /** `str(formula)`, e.g. `¬(A*B)*(A+B)`. */
  readonly formula: string;
  readonly minimalMappings: Mapping[];
  /** The formula itself (tree, variables). */
  readonly formulaEntry: Formula;
}

/** Options of {@link mappingSearch}. */
export interface MappingSearchOptions extends MappingOptions {
  /** Computes the validity tables (default: the TS reference, {@link validityTable}). */
  readonly backend?: Pick<Backend, 'validityTables'>;
  /**
   * The model input standing for each Boolean input pattern p (bits MSB first, `x_0` highest), for
   * a model whose inputs are not 0/1 (the MNIST tail's prototypes). Default: the bits themselves.
   */
  readonly booleanRows?: readonly (readonly number[])[];
}

/** {@link mappingSearch}'s results with the kernel runs that computed the validity tables. */
export interface MappingSearchResult {
  readonly formulas: FormulaMappings[];
  readonly runs: KernelRun[];
}

/**
 * The minimal mappings of every formula of `formulasForGate(gate, maxDepth)`, in the reference's
 * formula order (main.py uses maxDepth = depth + 1). Only output 0 of the model is read. The
 * validity tables of all formulas that share sample pairs go to the backend in one request; the
 * minimal-mapping assembly (the reference's search order) runs here.
 */
export async function mappingSearch(model: Model, gate: Gate, maxDepth: number, opts: MappingSearchOptions): Promise<FormulaMappings[]> {
  return (await searchMappings(model, formulasForGate(gate, maxDepth), opts)).formulas;
}

/** {@link mappingSearch} over given formulas, with the kernel runs (which backend answered). */
export async function searchMappings(model: Model, formulas: readonly Formula[], opts: MappingSearchOptions): Promise<MappingSearchResult> {
  const inputs = formulas.map((f) => {
    const p = problemInputs(model, f, opts);
    return opts.booleanRows ? { ...p, inputs: onRows(p.inputs, opts.booleanRows, model.layerSizes[0]!) } : p;
  });
  // Formulas of one gate have the same sample pairs in practice; group by them anyway.
  const groups = new Map<string, number[]>();
  inputs.forEach((p, i) => {
    const key = `${p.inputs.sources.join()}|${p.inputs.bases.join()}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const validityTables = opts.backend ? (r: ValidityRequest) => opts.backend!.validityTables(r) : referenceValidity;
  const valid = new Array<Uint8Array>(formulas.length);
  const runs: KernelRun[] = [];
  for (const members of groups.values()) {
    checkAborted(opts.signal);
    const first = inputs[members[0]!]!;
    const result = await validityTables({
      model, tables: members.map((i) => inputs[i]!.table), pairs: first.inputs, candidates: first.candidates, signal: opts.signal,
    });
    members.forEach((i, k) => (valid[i] = result.tables[k]!));
    runs.push({ ranOn: result.ranOn, ...(result.fallback ? { fallback: result.fallback } : {}) });
  }
  const results = formulas.map((formula, i) => {
    checkAborted(opts.signal);
    const { nodes, names, pairs, candidates } = inputs[i]!;
    const problem = { nodes, names, pairs, candidates, valid: valid[i]! };
    return { formula: formula.str, minimalMappings: minimalMappingsOf(model, problem, opts.signal), formulaEntry: formula };
  });
  return { formulas: results, runs };
}

async function referenceValidity(r: ValidityRequest): Promise<ValidityResult> {
  return { tables: r.tables.map((t) => validityTable(r.model, t, r.pairs, r.candidates)), ranOn: 'ts' };
}

/** The pairs' Boolean inputs replaced by the model inputs standing for their patterns. */
function onRows(pairs: PairInputs, rows: readonly (readonly number[])[], width: number): PairInputs {
  const real = (bits: Float32Array) => {
    const out = new Float32Array(bits.length);
    for (let r = 0; r * width < bits.length; r++) {
      let p = 0;
      for (let k = 0; k < width; k++) p = p * 2 + (bits[r * width + k]! > 0.5 ? 1 : 0);
      out.set(rows[p]!, r * width);
    }
    return out;
  };
  return { nPairs: pairs.nPairs, sources: real(pairs.sources), bases: real(pairs.bases) };
}

/** main.py's `formulas`: how many formulas have at least one minimal mapping. */
export function formulasWithMapping(results: readonly FormulaMappings[]): number {
  return results.filter((r) => r.minimalMappings.length > 0).length;
}

/** main.py's `mappings_per_formula`: the number of minimal mappings of each formula that has at least one. */
export function mappingsPerFormula(results: readonly FormulaMappings[]): number[] {
  return results.filter((r) => r.minimalMappings.length > 0).map((r) => r.minimalMappings.length);
}

/**
 * A mapping with every neuron list sorted ascending: the form the oracle's JSON files store.
 * The reference library itself returns neurons in CPython set order (e.g. `[1, 0]`), which
 * {@link findMinimalMappings} reproduces; the oracle export sorted them.
 */
export function sortNeuronLists(mapping: Mapping): Mapping {
  return Object.fromEntries(
    Object.entries(mapping).map(([node, layers]) => [
      node,
      Object.fromEntries(Object.entries(layers).map(([l, ns]) => [l, [...ns].sort((a, b) => a - b)])),
    ]),
  );
}
