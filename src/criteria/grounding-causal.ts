/**
 * `grounding-causal` (docs/criteria.md; docs/semantics.md, K4): a grounding passes when it also
 * holds under single-neuron interchange. For every grounded hidden neuron u and every (base,
 * source) pair of grounding inputs, u's activation on base is set to its value on source; then
 * the bits of u's descendants (thresholded at the grounding's separators) and of the output must
 * be what the grounded gates predict with u's bit taken from source.
 *
 * Counting. The actual value of every neuron in such a scenario is a fixed number of the circuit;
 * only its bit depends on the grounding, through that neuron's own separator. A grounding passes
 * exactly when, in every scenario, each later neuron's local table maps the actual bits of its
 * parents to its own actual bit (by induction over the layers the predicted bits are then the
 * actual ones; and where the predictions hold, the parents' predicted bits are their actual
 * bits). Each scenario is then one more row constraint on a neuron's local table, fixed by the
 * neuron's candidate and its parents' candidates: the same structure as the paper's count (G4),
 * so the count is the same dynamic programme over layers with fewer completions per entry.
 * {@link holdsCausally} checks one grounding by the definition itself; the tests compare the two.
 *
 * `grounding-distinct` counts distinct gate dicts instead of groundings; {@link distinctGateDictsOf}
 * does that for the paper's groundings or the causal ones.
 */
import { ablatedActivations } from '../circuits/ablation.ts';
import type { Circuit } from '../circuits/circuit.ts';
import { roundHalfEven } from '../data.ts';
import { InputError, LimitError } from '../errors.ts';
import { gateNameCode, groundingProblemOn, MAX_LAYER_STATES, type Grounding, type GroundingInputs, type GroundingProblem } from '../grounding.ts';
import type { Model } from '../model.ts';

/** One interchange scenario: which grounded neuron was set, from which input onto which, and every grounded neuron's value then. */
export interface CausalScenario {
  /** Position in `problem.neurons` of the intervened neuron. */
  readonly u: number;
  readonly base: number;
  readonly source: number;
  /** Value of each grounded neuron (the output rounded, G1) in the scenario. */
  readonly values: Float64Array;
}

/** A circuit's grounding problem (G1–G7) with its interchange scenarios. */
export interface CausalProblem {
  readonly problem: GroundingProblem;
  readonly scenarios: readonly CausalScenario[];
}

/**
 * The grounding problem of `circuit` and, for every grounded hidden neuron u and every ordered
 * (base, source) pair of distinct grounding inputs (source = base changes nothing), the values
 * of every grounded neuron on base with u set to its value on source.
 */
export function causalProblem(model: Model, circuit: Circuit, inputs: GroundingInputs): CausalProblem {
  const problem = groundingProblemOn(model, circuit, inputs);
  const L = model.layerSizes.length - 1;
  const scenarios: CausalScenario[] = [];
  problem.neurons.forEach((u, ui) => {
    if (u.layer === L) return; // the output is not intervened on
    for (let base = 0; base < inputs.inputs.length; base++) {
      for (let source = 0; source < inputs.inputs.length; source++) {
        if (source === base) continue;
        const acts = ablatedActivations(model, circuit, inputs.lastRows[base]!, null, { layer: u.layer, neuron: u.index, value: u.values[source]! });
        const values = Float64Array.from(problem.neurons, (n) => (n.layer === L ? roundHalfEven(acts[L]![n.index]!) : acts[n.layer]![n.index]!));
        scenarios.push({ u: ui, base, source, values });
      }
    }
  });
  return { problem, scenarios };
}

// ---------------------------------------------------------------------------------------------
// Local tables under the constraints

/** What one (neuron, candidate, parents' candidates) entry contributes: its surviving completions and their gate names. */
interface EntryInfo {
  readonly count: bigint;
  /** Gate-name codes of the surviving completions (distinct, ascending; `gateNameCode`). */
  readonly names: readonly number[];
}

const XOR_BITS = 6;
const XNOR_BITS = 9;

/**
 * Neuron `i`'s entry for its candidate `c` and its parents' candidates `parentCands`: the rows
 * its local table must have (one per grounding input, G4, and with `causal` one per scenario that
 * intervenes on an earlier layer), and how many completions of the other rows survive (XOR and
 * XNOR dropped for two parents, G4).
 */
function entryInfo(cp: CausalProblem, i: number, c: number, parentCands: readonly number[], causal: boolean): EntryInfo {
  const { problem } = cp;
  const n = problem.neurons[i]!;
  if (n.parents === null) return { count: 1n, names: [n.nameCodes![c]!] }; // layer 1: the global table itself (G3)
  const parents = n.parents.map((q) => problem.neurons[q]!);
  const p = parents.length;
  const known = new Map<number, number>();
  const require = (row: number, bit: number) => {
    const seen = known.get(row);
    if (seen === undefined) known.set(row, bit);
    return seen === undefined || seen === bit;
  };
  for (let k = 0; k < problem.inputs.length; k++) {
    let row = 0;
    parents.forEach((q, j) => (row = row * 2 + ((q.tts[parentCands[j]!]! >>> k) & 1)));
    if (!require(row, (n.tts[c]! >>> k) & 1)) return { count: 0n, names: [] };
  }
  if (causal) {
    const sep = n.separators[c]!;
    for (const s of cp.scenarios) {
      if (problem.neurons[s.u]!.layer >= n.layer) continue;
      let row = 0;
      n.parents.forEach((q, j) => (row = row * 2 + (s.values[q]! > problem.neurons[q]!.separators[parentCands[j]!]! ? 1 : 0)));
      if (!require(row, s.values[i]! > sep ? 1 : 0)) return { count: 0n, names: [] };
    }
  }
  const missing = 2 ** p - known.size;
  if (p > 2) return { count: 1n << BigInt(missing), names: [15 + p] };
  // At most four rows: list the completions (first missing row most significant), as G4 does.
  const free: number[] = [];
  for (let r = 0; r < 2 ** p; r++) if (!known.has(r)) free.push(r);
  const names = new Set<number>();
  let count = 0n;
  for (let k = 0; k < 2 ** free.length; k++) {
    let bits = 0;
    for (let r = 0; r < 2 ** p; r++) {
      const f = free.indexOf(r);
      const bit = f < 0 ? known.get(r)! : (k >>> (free.length - 1 - f)) & 1;
      bits = bits * 2 + bit;
    }
    if (p === 2 && (bits === XOR_BITS || bits === XNOR_BITS)) continue;
    count++;
    names.add(gateNameCode(p, bits));
  }
  return { count, names: [...names].sort((a, b) => a - b) };
}

const entryTables = new WeakMap<CausalProblem, Map<boolean, (i: number, c: number, parentCands: readonly number[]) => EntryInfo>>();

/** Entries by neuron, candidate and parents' candidates, computed once per problem (and kept with it). */
function entryTable(cp: CausalProblem, causal: boolean): (i: number, c: number, parentCands: readonly number[]) => EntryInfo {
  let byKind = entryTables.get(cp);
  if (!byKind) entryTables.set(cp, (byKind = new Map()));
  const kept = byKind.get(causal);
  if (kept) return kept;
  const memo = new Map<string, EntryInfo>();
  const table = (i: number, c: number, parentCands: readonly number[]) => {
    const key = `${i}|${c}|${parentCands.join(',')}`;
    let e = memo.get(key);
    if (!e) memo.set(key, (e = entryInfo(cp, i, c, parentCands, causal)));
    return e;
  };
  byKind.set(causal, table);
  return table;
}

// ---------------------------------------------------------------------------------------------
// Counting by layers

/** The grounded neurons of each layer, as positions in `problem.neurons`. */
function layerGroups(problem: GroundingProblem): number[][] {
  const groups: number[][] = [];
  problem.neurons.forEach((n, i) => {
    const last = groups[groups.length - 1];
    if (last && problem.neurons[last[0]!]!.layer === n.layer) last.push(i);
    else groups.push([i]);
  });
  return groups;
}

/** Candidate index of each neuron of a group in joint state `s` (first neuron most significant). */
function decode(s: number, radix: readonly number[]): number[] {
  const out = new Array<number>(radix.length);
  for (let j = radix.length - 1; j >= 0; j--) {
    out[j] = s % radix[j]!;
    s = Math.floor(s / radix[j]!);
  }
  return out;
}

function statesOf(problem: GroundingProblem, group: readonly number[]): { radix: number[]; count: number } {
  const radix = group.map((i) => problem.neurons[i]!.tts.length);
  const count = radix.reduce((a, b) => a * b, 1);
  if (count > MAX_LAYER_STATES) {
    throw new LimitError(`grounding-causal: layer ${problem.neurons[group[0]!]!.layer}'s ${count.toLocaleString('en-US')} joint candidate choices are more than the ${MAX_LAYER_STATES.toLocaleString('en-US')} the counting accepts`);
  }
  return { radix, count };
}

/**
 * The number of groundings of the problem, exactly: with `causal`, those that hold under
 * single-neuron interchange; without, the paper's count (equal to `countGroundings`, which the
 * tests check). A dynamic programme over layers whose state is one layer's joint candidates.
 */
export function countCausalGroundings(cp: CausalProblem, causal = true): bigint {
  let byKind = counts.get(cp);
  if (!byKind) counts.set(cp, (byKind = new Map()));
  let n = byKind.get(causal);
  if (n === undefined) byKind.set(causal, (n = countByLayers(cp, causal)));
  return n;
}

const counts = new WeakMap<CausalProblem, Map<boolean, bigint>>();

/** {@link countCausalGroundings}, computed. */
function countByLayers(cp: CausalProblem, causal: boolean): bigint {
  const { problem } = cp;
  if (problem.neurons.length === 0) return 1n; // the empty grounding (G3)
  const entry = entryTable(cp, causal);
  let prevGroup: number[] = [];
  let prevRadix: number[] = [];
  let f: bigint[] = [1n];
  for (const group of layerGroups(problem)) {
    const { radix, count } = statesOf(problem, group);
    // Per neuron of the group: where its parents sit in the previous group, and its completion
    // count for each (own candidate, parents' candidates) pair, the parents' as a mixed-radix number.
    const parentAt = group.map((i) => (problem.neurons[i]!.parents ?? []).map((q) => prevGroup.indexOf(q)));
    const choices = parentAt.map((at) => at.reduce((n, k) => n * prevRadix[k]!, 1));
    const weights = group.map((i, j) => {
      const parentRadix = parentAt[j]!.map((k) => prevRadix[k]!);
      if (radix[j]! * choices[j]! > MAX_LAYER_STATES) {
        throw new LimitError(`grounding-causal: neuron ${problem.neurons[i]!.key}'s table of (candidate, parents' candidates) pairs has more than ${MAX_LAYER_STATES.toLocaleString('en-US')} entries`);
      }
      return Array.from({ length: radix[j]! * choices[j]! }, (_, e) => entry(i, Math.floor(e / choices[j]!), decode(e % choices[j]!, parentRadix)).count);
    });
    const states = Array.from({ length: count }, (_, s2) => decode(s2, radix));
    const next = new Array<bigint>(count).fill(0n);
    f.forEach((weight, s1) => {
      if (weight === 0n) return;
      const prevCands = decode(s1, prevRadix);
      const pidx = parentAt.map((at) => at.reduce((n, k) => n * prevRadix[k]! + prevCands[k]!, 0));
      for (let s2 = 0; s2 < count; s2++) {
        const cands = states[s2]!;
        let w = weight;
        for (let j = 0; j < group.length && w !== 0n; j++) w *= weights[j]![cands[j]! * choices[j]! + pidx[j]!]!;
        next[s2]! += w;
      }
    });
    f = next;
    prevGroup = group;
    prevRadix = radix;
  }
  return f.reduce((a, b) => a + b, 0n);
}

/** Default cap on the groundings {@link distinctGateDictsOf} goes through (that of `distinctGateDicts`). */
export const DISTINCT_CAP = 5_000_000;

/**
 * Distinct gate dicts among the groundings (with `causal`, the causal ones): every consistent
 * candidate assignment contributes the product of its neurons' name sets. A {@link LimitError}
 * past `cap` groundings, an {@link InputError} when a first-layer gate has no name (G7).
 */
export function distinctGateDictsOf(cp: CausalProblem, causal: boolean, cap = DISTINCT_CAP): number {
  const { problem } = cp;
  const total = countCausalGroundings(cp, causal);
  if (total > BigInt(cap)) {
    throw new LimitError(`counting distinct gate dicts would go through ${total} groundings, more than the cap of ${cap}`);
  }
  const N = problem.neurons.length;
  if (N === 0) return 1;
  const entry = entryTable(cp, causal);
  const cand = new Array<number>(N).fill(0);
  const sets: (readonly number[])[] = new Array(N);
  const dicts = new Set<string>();
  const visit = (i: number): void => {
    const n = problem.neurons[i]!;
    for (let c = 0; c < n.tts.length; c++) {
      const e = entry(i, c, (n.parents ?? []).map((q) => cand[q]!));
      if (e.count === 0n) continue;
      if (e.names.some((code) => code < 0)) {
        throw new InputError(`neuron ${n.key}: its first-layer gate cannot be named (more distinct grounding inputs than truth-table rows, G7)`);
      }
      cand[i] = c;
      sets[i] = e.names;
      if (i + 1 < N) visit(i + 1);
      else addProducts(sets, dicts);
    }
  };
  visit(0);
  return dicts.size;
}

/** Adds every dict of the product of the per-neuron name sets. */
function addProducts(sets: readonly (readonly number[])[], dicts: Set<string>): void {
  const idx = new Array<number>(sets.length).fill(0);
  for (;;) {
    dicts.add(idx.map((k, j) => sets[j]![k]!).join(','));
    let j = sets.length - 1;
    while (j >= 0 && ++idx[j]! === sets[j]!.length) idx[j--] = 0;
    if (j < 0) return;
  }
}

// ---------------------------------------------------------------------------------------------
// The definition, for one grounding

/**
 * Whether one grounding (as `iterateGroundings` lists them) holds under single-neuron
 * interchange, checked literally: for each scenario, the predicted bits (u's from source, the
 * others propagated through the grounded gates) against the actual bits of u's descendants in the
 * circuit and of the output. The reference the counting above is tested against.
 */
export function holdsCausally(cp: CausalProblem, circuit: Circuit, grounding: Grounding): boolean {
  const { problem } = cp;
  const neurons = problem.neurons;
  const L = circuit.nodeMasks.length - 1;
  const step = new Map(grounding.detail.map((d) => [d.neuron, d]));
  const position = new Map(neurons.map((n, i) => [n.key, i]));
  for (const s of cp.scenarios) {
    const u = neurons[s.u]!;
    const descendants = descendantsOf(circuit, u.layer, u.index);
    const predicted = new Map<number, number>();
    neurons.forEach((n, i) => {
      const d = step.get(n.key)!;
      if (n.layer < u.layer || (n.layer === u.layer && i !== s.u)) predicted.set(i, d.globalTt[s.base]!);
      else if (i === s.u) predicted.set(i, d.globalTt[s.source]!);
      else {
        const parents = d.parents as [number, number][];
        let row = 0;
        for (const [l, k] of parents) row = row * 2 + predicted.get(position.get(`(${l},${k})`)!)!;
        predicted.set(i, d.localTt[row]!);
      }
    });
    for (let i = 0; i < neurons.length; i++) {
      const n = neurons[i]!;
      if (n.layer <= u.layer || !(n.layer === L || descendants.has(`${n.layer},${n.index}`))) continue;
      const actual = s.values[i]! > step.get(n.key)!.separator ? 1 : 0;
      if (actual !== predicted.get(i)) return false;
    }
  }
  return true;
}

/** `layer,index` of every node reachable from (layer, index) along the circuit's edges. */
function descendantsOf(circuit: Circuit, layer: number, index: number): Set<string> {
  const out = new Set<string>();
  let frontier = [index];
  for (let l = layer; l < circuit.edgeMasks.length; l++) {
    const edges = circuit.edgeMasks[l]!;
    const next = edges.flatMap((row, r) => (frontier.some((j) => row[j]) ? [r] : []));
    next.forEach((r) => out.add(`${l + 1},${r}`));
    frontier = next;
  }
  return out;
}
