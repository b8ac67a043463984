/**
 * The "what-then-where" mapping search (docs/semantics.md, M1–M7): for a formula, assign to each
 * relevant high-level node a set of hidden neurons such that, for every (source, base) pair,
 * patching those neurons from the source run changes the model output exactly as forcing the node
 * to its source value changes the formula; keep the inclusion-minimal full assignments.
 *
 * The search reproduces the reference's order exactly: candidate neuron sets come from
 * `combinations()` over CPython sets of `(layer, neuron)` tuples (emulated with {@link PySet}),
 * nodes are visited in the iteration order of the relevant-node set, and the minimal list is
 * updated with the reference's rule. Validity does not depend on the search path, so it is
 * computed once per (node, neuron set) by {@link validityTable}, the part a GPU backend replaces.
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
export function hiddenNeurons(model: Model): [layer: number, neuron: number][] {
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
export function candidateMasks(model: Model, distribLayers: boolean): Uint32Array {
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
// The search

/** One full explanation as found: each relevant node's neuron dict and neuron bitmask, by node position. */
interface Explanation {
  readonly dicts: readonly Record<string, number[]>[];
  readonly masks: Int32Array;
}

/** What the recursive search needs, fixed for one formula. */
interface SearchContext {
  readonly nodes: readonly number[];
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
 * Whether every node from position `k` on still has a valid candidate set inside the neurons
 * `free`: if one has none, the subtree below finds no explanation and is skipped (it would call
 * nothing but set operations local to it, so skipping changes no result and no order).
 */
function completable(ctx: SearchContext, k: number, free: number): boolean {
  for (let j = k; j < ctx.nodes.length; j++) {
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
  if (k === ctx.nodes.length) {
    ctx.onFound({ dicts: dicts.slice(), masks: masks.slice() });
    return;
  }
  checkAborted(ctx.signal);
  // `mappings2 -= {inputs}; mappings2 -= {outputs}`: removes nothing, but mirrors the reference's
  // in-place set traffic (it could only matter through a resize).
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
 * The reference's list update, in place: a new explanation below existing ones replaces them (and
 * goes last); otherwise it is appended unless something is below it.
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
  const neurons = hiddenNeurons(model);
  const bitOf = new Map(neurons.map(([l, y], i) => [l * 65536 + y, i]));
  const L = model.layerSizes.length - 1;
  const minimal: Explanation[] = [];
  const ctx: SearchContext = {
    nodes: problem.nodes,
    valid: problem.valid,
    candidateOf: candidateLookup(problem.candidates, neurons.length),
    nCandidates: problem.candidates.length,
    neuronBit: ([l, y]) => bitOf.get(l * 65536 + y)!,
    inputSet: PySet.of(...Array.from({ length: model.layerSizes[0]! }, (_, x): PyKey => [0, x])),
    outputSet: PySet.of(...Array.from({ length: model.layerSizes[L]! }, (_, x): PyKey => [L, x])),
    onFound: (e) => keepMinimal(minimal, e),
    signal,
    validMasks: problem.nodes.map((_, n) => {
      const masks: number[] = [];
      for (let c = 0; c < problem.candidates.length; c++) if (problem.valid[n * problem.candidates.length + c]) masks.push(problem.candidates[c]!);
      return Int32Array.from(masks);
    }),
  };
  // all_mappings = set(reversed([(1, 0), (1, 1), ..., (L-1, w-1)]))
  const allMappings = new PySet([...neurons].reverse());
  findMappings(ctx, 0, new Array(problem.nodes.length), new Int32Array(problem.nodes.length), allMappings);
  return minimal.map((e) => Object.fromEntries(problem.names.map((name, i) => [name, e.dicts[i]!])));
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
