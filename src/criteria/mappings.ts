/**
 * The what-then-where criteria (docs/criteria.md): filters of the paper's minimal mappings.
 * `symmetric` and `noisy-iia` are interchange tests with other (source, base) pairs, so they are
 * validity-table kernel requests and run on every backend; `joint`, `unmapped` and `full-state`
 * are the plain TypeScript reference (interventions on the full model, N4). Noisy pairs: K5;
 * isomorphism and vacuous passes: K6.
 */
import type { Backend, KernelRun } from '../backends/types.ts';
import { InputError } from '../errors.ts';
import { evaluateNodes, findNode, nodeName, relevantNodes, samplePairs, type Formula, type LogicTree, type PairOrder } from '../formulas.ts';
import { inputRows } from '../gates.ts';
import { candidateMasks, hiddenNeurons, highLevelTable, pairInputs, type HighLevelTable, type Mapping, type PairInputs } from '../mappings.ts';
import { forwardActivations, type Model } from '../model.ts';
import { checkAborted } from '../progress.ts';

/** One formula and its minimal mappings, as the mapping search gives them. */
export interface FormulaWithMappings {
  readonly formula: Formula;
  readonly minimalMappings: readonly Mapping[];
}

/** A mapped high-level variable: a relevant node of the formula and its hidden neurons. */
export interface MappedVariable {
  readonly nodeId: number;
  /** `[layer, neuron]` pairs, sorted. */
  readonly neurons: readonly (readonly [number, number])[];
  /** Bitmask over {@link hiddenNeurons}. */
  readonly mask: number;
}

/** The variables of a mapping, in the formula's relevant-node order (M3). */
export function mappedVariables(model: Model, formula: Formula, mapping: Mapping): MappedVariable[] {
  const bit = new Map(hiddenNeurons(model).map(([l, y], i) => [`${l},${y}`, i]));
  return relevantNodes(formula.tree).map((nodeId) => {
    const name = nodeName(findNode(formula.tree, nodeId)!);
    const layers = mapping[name];
    if (!layers) throw new InputError(`mapping of ${formula.str} has no entry for its node ${name}`);
    const neurons = Object.entries(layers)
      .flatMap(([l, ys]) => ys.map((y) => [Number(l), y] as const))
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let mask = 0;
    for (const [l, y] of neurons) mask |= 1 << bit.get(`${l},${y}`)!;
    return { nodeId, neurons, mask: mask >>> 0 };
  });
}

// ---------------------------------------------------------------------------------------------
// Isomorphism

/**
 * A (formula, mapping) explanation up to isomorphism: each mapped variable as its truth table
 * over the inputs (truth-table row order) and its neuron set, sorted. Two formulas whose mapped
 * variables have the same truth tables and the same neuron sets give the same signature.
 */
export function explanationSignature(formula: Formula, variables: readonly MappedVariable[]): string {
  const rows = inputRows(formula.variables.length);
  const tables = rows.map((row) => evaluateNodes(formula.tree, Object.fromEntries(formula.variables.map((v, i) => [v, row[i]!]))));
  return variables
    .map((v) => `${tables.map((t) => t.get(v.nodeId)!).join('')}:${v.neurons.map(([l, y]) => `${l}.${y}`).join(' ')}`)
    .sort()
    .join('|');
}

// ---------------------------------------------------------------------------------------------
// Interchange tests as kernel requests (symmetric, noisy-iia)

/**
 * For each formula, whether each relevant node's neuron set is valid under the interchange test
 * with `pairs` (`valid[f](node position, mask)`), from one validity-table request for all of them.
 */
async function validityOf(
  backend: Pick<Backend, 'validityTables'>,
  model: Model,
  tables: readonly HighLevelTable[],
  pairs: PairInputs,
  distribLayers: boolean,
  signal?: AbortSignal,
): Promise<{ valid: ((node: number, mask: number) => boolean)[]; run: KernelRun }> {
  const candidates = candidateMasks(model, distribLayers);
  const at = new Map(Array.from(candidates, (m, c) => [m, c]));
  const r = await backend.validityTables({ model, tables, pairs, candidates, signal });
  const valid = r.tables.map((t) => (node: number, mask: number) => t[node * candidates.length + at.get(mask)!] === 1);
  return { valid, run: { ranOn: r.ranOn, ...(r.fallback ? { fallback: r.fallback } : {}) } };
}

const tableCache = new WeakMap<Formula, Map<PairOrder, HighLevelTable>>();

/** The formula's high-level table on its sample pairs in `order` (cached: formulas of a gate are shared and immutable). */
function tableOf(f: Formula, order: PairOrder): HighLevelTable {
  let byOrder = tableCache.get(f);
  if (!byOrder) tableCache.set(f, (byOrder = new Map()));
  let t = byOrder.get(order);
  if (!t) byOrder.set(order, (t = highLevelTable(f, relevantNodes(f.tree), samplePairs(f, order))));
  return t;
}

/** `symmetric`: for each formula, whether each node's set passes the interchange test on every ordered pair (pair order `all`, D4). */
export async function symmetricValidity(backend: Pick<Backend, 'validityTables'>, model: Model, formulas: readonly Formula[], distribLayers: boolean, signal?: AbortSignal) {
  if (formulas.length === 0) return { valid: [], run: null };
  const pairs = samplePairs(formulas[0]!, 'all');
  const tables = formulas.map((f) => tableOf(f, 'all'));
  return validityOf(backend, model, tables, pairInputs(pairs), distribLayers, signal);
}

/** Noisy rows for `noisy-iia`: model inputs and the truth-table row of each one's clean input. */
export interface NoisyRows {
  readonly x: readonly (readonly number[])[];
  /** Truth-table row index (first input most significant) of each row's clean input. */
  readonly clean: readonly number[];
}

/** Clean input of a data row: each value read as a bit as gates read it (>= 0.5 is 1, F6). */
export function cleanRowOf(row: readonly number[]): number {
  return row.reduce((acc, v) => acc * 2 + (v >= 0.5 ? 1 : 0), 0);
}

/**
 * The noisy (source, base) pairs of `noisy-iia`: for each pair of clean samples the paper's test
 * uses (in its pair order), the rows of the source's clean input zipped with those of the base's,
 * the shorter list cycled, so every row is used (in data order). A clean input without rows
 * contributes no pair. Returns the pairs and, for each, the index of its clean pair.
 */
export function noisyPairs(formula: Formula, pairOrder: PairOrder, rows: NoisyRows): { pairs: PairInputs; cleanPair: number[] } {
  const rowOf = (input: readonly number[]) => input.reduce((acc, v) => acc * 2 + v, 0);
  const clean = samplePairs(formula, pairOrder).map((p) => [rowOf(p.source.input), rowOf(p.base.input)] as const);
  // The pairs depend only on the clean pair sequence and the rows: built once per (rows, sequence).
  let byKey = noisyPairsCache.get(rows);
  if (!byKey) noisyPairsCache.set(rows, (byKey = new Map()));
  const key = clean.map(([a, b]) => `${a},${b}`).join(';');
  const hit = byKey.get(key);
  if (hit) return hit;
  const byClean = new Map<number, number[]>();
  rows.clean.forEach((c, r) => {
    const list = byClean.get(c);
    if (list) list.push(r);
    else byClean.set(c, [r]);
  });
  const width = rows.x[0]?.length ?? 0;
  let n = 0;
  for (const [s, b] of clean) n += byClean.has(s) && byClean.has(b) ? Math.max(byClean.get(s)!.length, byClean.get(b)!.length) : 0;
  const sources = new Float32Array(n * width);
  const bases = new Float32Array(n * width);
  const cleanPair: number[] = [];
  clean.forEach(([sc, bc], k) => {
    const s = byClean.get(sc) ?? [];
    const b = byClean.get(bc) ?? [];
    if (!s.length || !b.length) return;
    for (let i = 0; i < Math.max(s.length, b.length); i++) {
      sources.set(rows.x[s[i % s.length]!]!, cleanPair.length * width);
      bases.set(rows.x[b[i % b.length]!]!, cleanPair.length * width);
      cleanPair.push(k);
    }
  });
  const result = { pairs: { nPairs: cleanPair.length, sources, bases }, cleanPair };
  byKey.set(key, result);
  return result;
}
const noisyPairsCache = new WeakMap<NoisyRows, Map<string, { pairs: PairInputs; cleanPair: number[] }>>();

/** `noisy-iia`: for each formula, whether each node's set passes the paper's interchange test on the noisy pairs ({@link noisyPairs}). */
export async function noisyValidity(
  backend: Pick<Backend, 'validityTables'>,
  model: Model,
  formulas: readonly Formula[],
  pairOrder: PairOrder,
  rows: NoisyRows,
  distribLayers: boolean,
  signal?: AbortSignal,
) {
  if (formulas.length === 0) return { valid: [], run: null, nPairs: 0 };
  const { pairs, cleanPair } = noisyPairs(formulas[0]!, pairOrder, rows);
  const tables = formulas.map((f): HighLevelTable => {
    const clean = tableOf(f, pairOrder);
    const expected = new Uint8Array(clean.nNodes * pairs.nPairs);
    for (let n = 0; n < clean.nNodes; n++) {
      const from = n * clean.nPairs;
      const to = n * pairs.nPairs;
      for (let q = 0; q < cleanPair.length; q++) expected[to + q] = clean.expected[from + cleanPair[q]!]!;
    }
    return { nNodes: clean.nNodes, nPairs: pairs.nPairs, expected };
  });
  return { ...(await validityOf(backend, model, tables, pairs, distribLayers, signal)), nPairs: pairs.nPairs };
}

// ---------------------------------------------------------------------------------------------
// joint, unmapped, full-state: the TS reference

/** Interventions on the full model over the clean inputs, with the decisions memoised. */
export class CleanInterventions {
  readonly inputs: number[][];
  /** Every layer's activations on each clean input. */
  readonly acts: Float32Array[][];
  private readonly memo = new Map<string, boolean>();

  constructor(readonly model: Model) {
    this.inputs = inputRows(model.layerSizes[0]!);
    this.acts = this.inputs.map((x) => forwardActivations(model, x));
  }

  /** The network decision (output 0 > 0.5, M4) on clean input `base` with the `patches`: `[layer, neuron, source input]`. */
  decision(base: number, patches: readonly (readonly [number, number, number])[]): boolean {
    const interventions = new Map<number, Map<number, number>>();
    for (const [l, y, s] of patches) {
      if (!interventions.has(l)) interventions.set(l, new Map());
      interventions.get(l)!.set(y, this.acts[s]![l]![y]!);
    }
    const acts = forwardActivations(this.model, this.inputs[base]!, interventions);
    return acts[acts.length - 1]![0]! > 0.5;
  }

  /** The unpatched decision on clean input `base`. */
  clean(base: number): boolean {
    return this.acts[base]![this.acts[base]!.length - 1]![0]! > 0.5;
  }

  /** Memoised by `key` (what the test depends on). */
  cached(key: string, test: () => boolean): boolean {
    let v = this.memo.get(key);
    if (v === undefined) this.memo.set(key, (v = test()));
    return v;
  }

  /** Whether patching `neurons` of one layer from every source leaves the decision on every base unchanged. */
  unchanged(neurons: readonly (readonly [number, number])[]): boolean {
    const key = `unchanged:${neurons.map((n) => n.join('.')).join(' ')}`;
    return this.cached(key, () => {
      const n = this.inputs.length;
      for (let b = 0; b < n; b++) {
        for (let s = 0; s < n; s++) if (this.decision(b, neurons.map(([l, y]) => [l, y, s] as const)) !== this.clean(b)) return false;
      }
      return true;
    });
  }
}

/** The layers that hold a mapped variable's neurons, ascending. */
function mappedLayers(variables: readonly MappedVariable[]): number[] {
  return [...new Set(variables.flatMap((v) => v.neurons.map(([l]) => l)))].sort((a, b) => a - b);
}

/** The neurons of `layer` in no variable's set. */
function unmappedIn(model: Model, layer: number, variables: readonly MappedVariable[]): [number, number][] {
  const used = new Set(variables.flatMap((v) => v.neurons.map(([l, y]) => `${l},${y}`)));
  return Array.from({ length: model.layerSizes[layer]! }, (_, y): [number, number] => [layer, y]).filter(([l, y]) => !used.has(`${l},${y}`));
}

/**
 * `unmapped`: for every layer that holds a mapped variable, every base and every source,
 * patching all of that layer's unmapped neurons from the source leaves the decision unchanged.
 */
export function passesUnmapped(ci: CleanInterventions, variables: readonly MappedVariable[]): boolean {
  return mappedLayers(variables).every((l) => {
    const free = unmappedIn(ci.model, l, variables);
    return free.length === 0 || ci.unchanged(free);
  });
}

/**
 * `full-state`: every neuron of every layer that holds a mapped variable is in some variable's
 * set, or is inert (patched alone from any source, it never changes the decision on any base).
 */
export function passesFullState(ci: CleanInterventions, variables: readonly MappedVariable[]): boolean {
  return mappedLayers(variables).every((l) => unmappedIn(ci.model, l, variables).every((n) => ci.unchanged([n])));
}

/** The formula's value on `assignment` with some nodes forced to constants (an ancestor's constant hides a descendant's). */
function evaluateForced(tree: LogicTree, assignment: Readonly<Record<string, number>>, forced: ReadonlyMap<number, number>): number {
  const visit = (t: LogicTree): number => {
    const f = forced.get(t.id);
    if (f !== undefined) return f;
    return evaluateNodes({ op: t.op, id: t.id, children: t.children.map((c) => ({ op: visit(c) as 0 | 1, id: c.id, children: [] })) }, assignment).get(t.id)!;
  };
  return visit(tree);
}

/**
 * `joint`: for every subset of at least two mapped variables, every base and every choice of one
 * source per variable, patching each variable's neurons with their values on its source gives
 * the decision the formula gives with those variables set to their values on their sources.
 */
export function passesJoint(ci: CleanInterventions, formula: Formula, variables: readonly MappedVariable[], signal?: AbortSignal): boolean {
  const n = ci.inputs.length;
  const k = variables.length;
  const assignments = ci.inputs.map((input) => Object.fromEntries(formula.variables.map((v, i) => [v, input[i]!])));
  const nodeValues = assignments.map((a) => evaluateNodes(formula.tree, a));
  // The formula's answer depends only on the base and the forced values: evaluated once per pair.
  const expectedMemo = new Map<string, boolean>();
  for (let subset = 1; subset < 1 << k; subset++) {
    const chosen = variables.filter((_, i) => (subset >>> i) & 1);
    if (chosen.length < 2) continue;
    checkAborted(signal);
    for (let base = 0; base < n; base++) {
      // Sources as a mixed-radix number: variable j's source is digit j.
      for (let code = 0; code < n ** chosen.length; code++) {
        const sources = chosen.map((_, j) => Math.floor(code / n ** j) % n);
        const forced = new Map(chosen.map((v, j) => [v.nodeId, nodeValues[sources[j]!]!.get(v.nodeId)!]));
        const key = `${subset}|${base}|${[...forced.values()].join('')}`;
        let expected = expectedMemo.get(key);
        if (expected === undefined) expectedMemo.set(key, (expected = evaluateForced(formula.tree, assignments[base]!, forced) === 1));
        const patches = chosen.flatMap((v, j) => v.neurons.map(([l, y]) => [l, y, sources[j]!] as const));
        if (ci.decision(base, patches) !== expected) return false;
      }
    }
  }
  return true;
}
