/**
 * The "what-then-where" mapping search (oracle README §3, M1–M7): for a formula, assign to each
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
  combinationIndices,
  type Formula,
  type PairOrder,
  type SamplePair,
} from './formulas.ts';
import type { Gate } from './gates.ts';
import { forwardActivations, type Model } from './model.ts';
import { checkAborted } from './progress.ts';
import { PySet, type PyKey } from './pyset.ts';

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
  const { nPairs } = pairs;
  const nIn = model.layerSizes[0]!;
  const neurons = hiddenNeurons(model);
  const nCand = candidates.length;
  // outBits[c * nPairs + p]: does the patched model say 1?
  const outBits = new Uint8Array(nCand * nPairs);
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
  const valid = new Uint8Array(formula.nNodes * nCand);
  for (let n = 0; n < formula.nNodes; n++) {
    for (let c = 0; c < nCand; c++) {
      let ok = 1;
      for (let p = 0; p < nPairs && ok; p++) if (outBits[c * nPairs + p] !== formula.expected[n * nPairs + p]) ok = 0;
      valid[n * nCand + c] = ok;
    }
  }
  return valid;
}

/**
 * Computes the validity tables (as {@link validityTable}) of several formulas that share the model,
 * the pairs and the candidate sets, e.g. in one GPU dispatch: the hook of {@link mappingSearchAsync}.
 */
export type ValidityTablesFn = (
  model: Model,
  tables: readonly HighLevelTable[],
  pairs: PairInputs,
  candidates: Uint32Array,
) => Promise<Uint8Array[]>;

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

/** One full explanation as found: node names and their neuron lists, plus masks for comparisons. */
interface Explanation {
  readonly mapping: Mapping;
  /** Node name -> bitmask of its neurons. */
  readonly masks: ReadonlyMap<string, number>;
}

/** What the recursive search needs, fixed for one formula. */
interface SearchContext {
  readonly nodes: readonly number[];
  readonly names: readonly string[];
  readonly valid: Uint8Array;
  readonly candidateIndex: ReadonlyMap<number, number>;
  readonly nCandidates: number;
  readonly neuronBit: (key: PyKey) => number;
  readonly inputKeys: PyKey[];
  readonly outputKeys: PyKey[];
}

/**
 * The reference's `find_mappings`, as a generator of full explanations in its order: for the
 * next node, try the subsets of the unused neurons from largest to smallest (combinations over the
 * set's iteration order), recurse on each valid one with those neurons removed.
 */
function* findMappings(ctx: SearchContext, k: number, chosen: [string, Record<string, number[]>, number][], unused: PySet): Generator<Explanation> {
  if (k === ctx.nodes.length) {
    yield {
      mapping: Object.fromEntries(chosen.map(([name, dict]) => [name, dict])),
      masks: new Map(chosen.map(([name, , mask]) => [name, mask])),
    };
    return;
  }
  // `mappings2 -= {inputs}; mappings2 -= {outputs}`: removes nothing, but mirrors the reference's
  // in-place set traffic (it could only matter through a resize).
  unused.differenceUpdate(PySet.of(...ctx.inputKeys));
  unused.differenceUpdate(PySet.of(...ctx.outputKeys));
  const order = unused.toArray() as [number, number][];
  const bits = order.map(ctx.neuronBit);
  for (let size = order.length; size >= 1; size--) {
    for (const combo of combinationIndices(order.length, size)) {
      let mask = 0;
      for (const i of combo) mask += 2 ** bits[i]!;
      const c = ctx.candidateIndex.get(mask);
      if (c === undefined) continue; // layers not contiguous, or several layers without distribLayers
      if (!ctx.valid[k * ctx.nCandidates + c]) continue;
      const subset = combo.map((i) => order[i]!);
      // subset_dict: layer -> neurons, in the subset's order.
      const dict: Record<string, number[]> = {};
      for (const [l, y] of subset) (dict[String(l)] ??= []).push(y);
      const rest = unused.difference(new PySet(subset));
      yield* findMappings(ctx, k + 1, [...chosen, [ctx.names[k]!, dict, mask]], rest);
    }
  }
}

/** `m1 < m2` in the reference: every node's neurons in m1 are included in m2's (non-strict). */
function includedIn(m1: Explanation, m2: Explanation): boolean {
  for (const [name, mask] of m1.masks) {
    const other = m2.masks.get(name) ?? 0;
    if ((mask & ~other) !== 0) return false; // masks fit in 31 bits (candidateMasks checks)
  }
  return true;
}

/** The reference's list update: a new explanation below an existing one replaces it; otherwise it is kept unless something is below it. */
function keepMinimal(minimal: Explanation[], e: Explanation): Explanation[] {
  if (minimal.some((m) => includedIn(e, m))) return [...minimal.filter((m) => !includedIn(e, m)), e];
  if (!minimal.some((m) => includedIn(m, e))) return [...minimal, e];
  return minimal;
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

function problemInputs(model: Model, formula: Formula, opts: MappingOptions): ProblemInputs {
  if (model.layerSizes[0] !== formula.variables.length) {
    throw new InputError(`the model has ${model.layerSizes[0]} inputs but the formula has ${formula.variables.length} variables`);
  }
  const nodes = relevantNodes(formula.tree);
  const names = nodes.map((id) => nodeName(findNode(formula.tree, id)!));
  const pairs = samplePairs(formula, opts.pairOrder);
  const candidates = candidateMasks(model, opts.distribLayers ?? false);
  return { nodes, names, pairs, candidates, table: highLevelTable(formula, nodes, pairs), inputs: pairInputs(pairs) };
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
  const bitOf = new Map(neurons.map(([l, y], i) => [`${l},${y}`, i]));
  const L = model.layerSizes.length - 1;
  const ctx: SearchContext = {
    nodes: problem.nodes,
    names: problem.names,
    valid: problem.valid,
    candidateIndex: new Map(Array.from(problem.candidates, (m, i) => [m, i])),
    nCandidates: problem.candidates.length,
    neuronBit: (key) => bitOf.get(String(key))!,
    inputKeys: Array.from({ length: model.layerSizes[0]! }, (_, x) => [0, x]),
    outputKeys: Array.from({ length: model.layerSizes[L]! }, (_, x) => [L, x]),
  };
  // all_mappings = set(reversed([(1, 0), (1, 1), ..., (L-1, w-1)]))
  const allMappings = new PySet([...neurons].reverse());
  let minimal: Explanation[] = [];
  for (const e of findMappings(ctx, 0, [], allMappings)) {
    checkAborted(signal);
    minimal = keepMinimal(minimal, e);
  }
  return minimal.map((e) => e.mapping);
}

/** The mapping search result of one formula. */
export interface FormulaMappings {
  /** `str(formula)`, e.g. `¬(A*B)*(A+B)`. */
  readonly formula: string;
  readonly minimalMappings: Mapping[];
  /** The formula itself (tree, variables). */
  readonly formulaEntry: Formula;
}

/**
 * Runs {@link findMinimalMappings} for every formula of `formulasForGate(gate, maxDepth)`, in the
 * reference's formula order (main.py uses maxDepth = depth + 1).
 */
export function mappingSearch(model: Model, gate: Gate, maxDepth: number, opts: MappingOptions): FormulaMappings[] {
  return formulasForGate(gate, maxDepth).map((formula) => {
    checkAborted(opts.signal);
    return { formula: formula.str, minimalMappings: findMinimalMappings(model, formula, opts), formulaEntry: formula };
  });
}

/**
 * {@link mappingSearch} with the validity tables computed by `validityTables` (e.g. a GPU backend's),
 * all formulas sharing pairs and candidates in one call; the minimal-mapping assembly stays here.
 * Gives the same results as {@link mappingSearch}.
 */
export async function mappingSearchAsync(
  model: Model,
  gate: Gate,
  maxDepth: number,
  opts: MappingOptions & { readonly validityTables: ValidityTablesFn },
): Promise<FormulaMappings[]> {
  const formulas = formulasForGate(gate, maxDepth);
  const inputs = formulas.map((f) => problemInputs(model, f, opts));
  // Formulas of one gate have the same sample pairs in practice; group by them anyway.
  const groups = new Map<string, number[]>();
  inputs.forEach((p, i) => {
    const key = `${p.inputs.sources.join()}|${p.inputs.bases.join()}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const valid = new Array<Uint8Array>(formulas.length);
  for (const members of groups.values()) {
    checkAborted(opts.signal);
    const first = inputs[members[0]!]!;
    const tables = await opts.validityTables(model, members.map((i) => inputs[i]!.table), first.inputs, first.candidates);
    members.forEach((i, k) => (valid[i] = tables[k]!));
  }
  return formulas.map((formula, i) => {
    checkAborted(opts.signal);
    const { nodes, names, pairs, candidates } = inputs[i]!;
    const problem = { nodes, names, pairs, candidates, valid: valid[i]! };
    return { formula: formula.str, minimalMappings: minimalMappingsOf(model, problem, opts.signal), formulaEntry: formula };
  });
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
