/**
 * Grounding a circuit in logic gates (docs/semantics.md, G1–G5): the TypeScript reference.
 *
 * A grounding assigns to every grounded neuron one of its candidate *global* truth tables
 * (a threshold between two consecutive activation values over the grounding inputs) and one
 * *local* truth table over its parents (the global table re-indexed by the parents' bits, with
 * parent-bit rows that no input reaches filled in every way, XOR/XNOR completions dropped).
 *
 * The reference builds the list of groundings neuron by neuron. Here:
 * - {@link groundingProblem} reduces a circuit to plain data (candidates, separators, parents);
 * - {@link countGroundings} counts exactly by dynamic programming over layers, without enumerating;
 * - {@link iterateGroundings} streams the groundings in exactly the reference order;
 * - {@link distinctGateDicts} counts distinct gate dicts (what a grounding *says*, without separators).
 *
 * Truth tables are bitmasks or 0/1 arrays; see {@link GroundingStep}. No Node built-ins here.
 */
import { circuitActivations, type Circuit } from './circuits/circuit.ts';
import { DegenerateGroundingError, InputError, LimitError } from './errors.ts';
import { TWO_INPUT_GATE_NAMES } from './gates.ts';
import type { Model } from './model.ts';

// ---------------------------------------------------------------------------------------------
// Problem description
// ---------------------------------------------------------------------------------------------

/** One grounded neuron: an active neuron of layer >= 1 whose value is not constant over the inputs. */
export interface GroundingNeuron {
  /** Layer (1 = first hidden layer, the last layer is the output). */
  readonly layer: number;
  /** Neuron index within its layer. */
  readonly index: number;
  /** The reference's key, `"(layer,index)"`. */
  readonly key: string;
  /** Value per distinct input (`problem.inputs` order): float32 activation, or the rounded integer output. */
  readonly values: readonly number[];
  /** Candidate global truth tables in separator order; bit i = output on `problem.inputs[i]`. */
  readonly tts: readonly number[];
  /** Separator (float64) of each candidate. */
  readonly separators: readonly number[];
  /**
   * Positions in `problem.neurons` of the parents (grounded previous-layer neurons with an active
   * edge into this one, index order), or `null` for layer 1, whose parents are the global inputs.
   */
  readonly parents: readonly number[] | null;
  /**
   * Layer 1 only: the gate-name code of each candidate (0..15 the index in
   * {@link TWO_INPUT_GATE_NAMES}, 16 `IDENTITY`, 17 `NOT`, 15 + k `kINPUTS`); -1 = unnamable.
   */
  readonly nameCodes: readonly number[] | null;
}

/** A circuit's grounding problem as plain data (JSON-serialisable). */
export interface GroundingProblem {
  /** Values per input row (the model's input width). */
  readonly inputWidth: number;
  /** Distinct global inputs (rows truncated toward zero), in order of first occurrence. */
  readonly inputs: readonly (readonly number[])[];
  /** Grounded neurons, layer-major then index order: the reference's grounding order. */
  readonly neurons: readonly GroundingNeuron[];
}

/** Truth tables are bitmasks over the distinct inputs: at most this many distinct inputs. */
export const MAX_DISTINCT_INPUTS = 32;
/** A neuron's parent-bit rows are numbers: at most this many parents. */
export const MAX_PARENTS = 30;
/** Largest joint candidate choices of one layer (and table size of one neuron) the counting accepts. */
export const MAX_LAYER_STATES = 1 << 22;

/**
 * The distinct global inputs of a grounding and, for each, the model input whose activations it
 * takes: the reference keys rows by truncation ({@link distinctGroundingRows}); a data-defined task
 * (the MNIST tail) gives one input per binarised pattern instead.
 */
export interface GroundingInputs {
  /** Distinct global inputs, in first-occurrence order (truth-table bit i = input i). */
  readonly inputs: readonly (readonly number[])[];
  /** The model input of each (same length as `inputs`). */
  readonly lastRows: readonly (readonly number[])[];
}

/**
 * Builds the grounding problem of `circuit` on `groundInputs` (G1–G2): masked forward pass on each
 * row, output rounded half-to-even, inputs truncated toward zero, last occurrence of a duplicated
 * input wins, constant neurons dropped.
 */
export function groundingProblem(model: Model, circuit: Circuit, groundInputs: readonly (readonly number[])[]): GroundingProblem {
  return groundingProblemOn(model, circuit, distinctGroundingRows(groundInputs, model.layerSizes[0]!));
}

/**
 * The grounding problem of `circuit` on given distinct inputs: `inputs[i]` is the global input the
 * truth tables index and `lastRows[i]` the model input that stands for it (its activations).
 */
export function groundingProblemOn(model: Model, circuit: Circuit, distinct: GroundingInputs): GroundingProblem {
  const width = model.layerSizes[0]!;
  const { inputs, lastRows } = distinct;
  const acts = lastRows.map((row) => circuitActivations(model, circuit, row));
  const L = model.weights.length;
  const sortedOrder = inputs.map((_, i) => i).sort((a, b) => compareTuples(inputs[a]!, inputs[b]!));

  const neurons: GroundingNeuron[] = [];
  let prevLayer: number[] = []; // positions in `neurons` of the previous layer's grounded neurons
  for (let l = 1; l <= L; l++) {
    const thisLayer: number[] = [];
    const mask = circuit.nodeMasks[l]!;
    for (let k = 0; k < model.layerSizes[l]!; k++) {
      if (!mask[k]) continue;
      const values = acts.map((a) => (l === L ? roundHalfEven(a[l]![k]!) : a[l]![k]!));
      const { tts, separators } = candidates(values, l === L, `(${l},${k})`);
      if (tts.length === 0) continue; // constant: silently not grounded (G2)
      const edges = circuit.edgeMasks[l - 1]![k]!;
      const parents = l === 1 ? null : prevLayer.filter((p) => edges[neurons[p]!.index]);
      const nameCodes = l === 1 ? tts.map((tt) => inputGateCode(tt, sortedOrder, width)) : null;
      thisLayer.push(neurons.length);
      neurons.push({ layer: l, index: k, key: `(${l},${k})`, values, tts, separators, parents, nameCodes });
    }
    prevLayer = thisLayer;
  }
  return { inputWidth: width, inputs, neurons };
}

/**
 * The distinct global inputs (rows truncated toward zero, G1) in first-occurrence order (a Python
 * dict), and for each the last grounding row that truncates to it: the reference's
 * `dict(zip(inputs, values))` keeps the last occurrence's values.
 */
export function distinctGroundingRows(groundInputs: readonly (readonly number[])[], width: number): GroundingInputs {
  checkInputs(groundInputs, width);
  // The model's input tensor is float32: truncate the float32 value.
  const { keys, rows: lastRows } = lastRowByKey(groundInputs, (row) => row.map((v) => truncToInt(Math.fround(v))).join(','));
  const inputs = keys.map((key) => key.split(',').map(Number));
  if (inputs.length > MAX_DISTINCT_INPUTS) {
    throw new LimitError(
      `grounding inputs have ${inputs.length} distinct rows after truncation toward zero; at most ${MAX_DISTINCT_INPUTS} are supported ` +
        `(truth tables are 32-bit masks over them): ground on fewer distinct rows (--ground-data)`,
    );
  }
  return { inputs, lastRows };
}

/**
 * Rows grouped by `keyOf`: the keys in first-occurrence order and, for each, the last row with that
 * key, as a Python dict built from (key, row) pairs keeps them.
 */
export function lastRowByKey<R, K>(rows: Iterable<R>, keyOf: (row: R) => K): { keys: K[]; rows: R[] } {
  const at = new Map<K, number>();
  const keys: K[] = [];
  const last: R[] = [];
  for (const row of rows) {
    const key = keyOf(row);
    const i = at.get(key);
    if (i === undefined) {
      at.set(key, keys.length);
      keys.push(key);
      last.push(row);
    } else {
      last[i] = row;
    }
  }
  return { keys, rows: last };
}

function checkInputs(rows: readonly (readonly number[])[], width: number): void {
  if (!Array.isArray(rows) || rows.length === 0) throw new InputError('grounding needs at least one input row');
  rows.forEach((row, r) => {
    if (!Array.isArray(row) || row.length !== width) {
      throw new InputError(`grounding input row ${r} must have ${width} values (the model's input width)`);
    }
    row.forEach((v, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError(`grounding input [${r}][${j}] must be a finite number`);
    });
  });
}

/** numpy `astype(int)`: truncation toward zero (and no negative zero). */
function truncToInt(v: number): number {
  return Math.trunc(v) + 0;
}

/** `torch.round` (half to even) followed by `astype(int)`. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  const r = d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
  return r + 0;
}

/** Lexicographic order of two input tuples (the order layer-1 gate names read the inputs in, G7). */
export function compareTuples(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/**
 * `enumerate_tts`: one candidate per gap between consecutive distinct values. The separator is the
 * reference's numpy arithmetic: two float32 scalars add in float32, the halving is float64 (exact);
 * integer outputs add exactly.
 */
function candidates(values: readonly number[], isOutput: boolean, key: string): { tts: number[]; separators: number[] } {
  const sorted = [...values].sort((a, b) => a - b);
  const tts: number[] = [];
  const separators: number[] = [];
  for (let i = 0; i + 1 < sorted.length; i++) {
    const a = sorted[i]!;
    const b = sorted[i + 1]!;
    if (!(a < b)) continue;
    const sep = (isOutput ? a + b : Math.fround(a + b)) / 2;
    let tt = 0;
    values.forEach((v, j) => {
      if (v > sep) tt |= 1 << j;
    });
    tt >>>= 0;
    if (tt === 0 || tt === fullMask(values.length)) {
      // float32 rounding of a+b put the separator on a value; the reference raises here too.
      throw new DegenerateGroundingError(`neuron ${key}: separator ${sep} between ${a} and ${b} gives a constant truth table ("Not allowed" in the reference)`);
    }
    tts.push(tt);
    separators.push(sep);
  }
  return { tts, separators };
}

function fullMask(m: number): number {
  return m >= 32 ? 0xffffffff : (1 << m) - 1;
}

// ---------------------------------------------------------------------------------------------
// Gate names (`name_gate`) as small integer codes
// ---------------------------------------------------------------------------------------------

/**
 * Gate names as codes < 64 (so that a set of names fits a 64-bit mask, in the Wasm kernel too):
 * 0..15 the two-input names (`FALSE` = 0, `TRUE` = 15), 16 `IDENTITY`, 17 `NOT`, and 15 + k for
 * the generic `"kINPUTS"` (k >= 3).
 */
export function gateNameCode(nInputs: number, tableBits: number): number {
  if (nInputs === 0) return tableBits ? 15 : 0;
  if (nInputs === 1) return [0, 16, 17, 15][tableBits]!;
  if (nInputs === 2) return tableBits;
  return 15 + nInputs;
}

/** The gate name of a code from {@link gateNameCode}. */
export function gateNameOfCode(code: number): string {
  if (code >= 0 && code < 16) return TWO_INPUT_GATE_NAMES[code]!;
  if (code === 16) return 'IDENTITY';
  if (code === 17) return 'NOT';
  if (code >= 18) return `${code - 15}INPUTS`;
  throw new InputError(`no gate name for code ${code}`);
}

/** XOR and XNOR local tables (two parents) are dropped by the reference. */
const isDroppedGate = (nParents: number, bits: number) => nParents === 2 && (bits === 6 || bits === 9);

/**
 * `name_gate` of a layer-1 table, whose keys are the global inputs: the bits in sorted-key order,
 * first key most significant, looked up in the list for the input width. -1 where the reference
 * would index past the list (more distinct inputs than truth-table rows).
 */
function inputGateCode(tt: number, sortedOrder: readonly number[], width: number): number {
  if (width >= 3) return 15 + width;
  let bits = 0;
  for (const i of sortedOrder) bits = bits * 2 + ((tt >>> i) & 1);
  return bits < 2 ** (2 ** width) ? gateNameCode(width, bits) : -1;
}

// ---------------------------------------------------------------------------------------------
// Local truth tables (`compute_local_tts`)
// ---------------------------------------------------------------------------------------------

/**
 * The partial local truth table of a neuron whose global table is `tt`, given its parents' global
 * tables: row r = parent bits with the first parent most significant. `null` if two inputs with the
 * same parent bits disagree (the candidate is rejected); otherwise the rows the inputs reach and
 * how many rows none reaches.
 */
function partialLocalTable(tt: number, parentTts: readonly number[], m: number): { known: Map<number, number>; missing: number } | null {
  const known = new Map<number, number>();
  const p = parentTts.length;
  for (let i = 0; i < m; i++) {
    let row = 0;
    for (let j = 0; j < p; j++) row = row * 2 + ((parentTts[j]! >>> i) & 1);
    const bit = (tt >>> i) & 1;
    const seen = known.get(row);
    if (seen === undefined) known.set(row, bit);
    else if (seen !== bit) return null;
  }
  return { known, missing: 2 ** p - known.size };
}

/** The missing rows of a partial table in ascending order (itertools.product order). */
function missingRows(known: Map<number, number>, p: number): number[] {
  const rows: number[] = [];
  for (let r = 0; r < 2 ** p; r++) if (!known.has(r)) rows.push(r);
  return rows;
}

/** Completion `k` (0-based, first missing row most significant) as a full table of 2^p bits. */
function completion(known: Map<number, number>, p: number, missing: readonly number[], k: number): number[] {
  const table = new Array<number>(2 ** p);
  for (const [r, b] of known) table[r] = b;
  const n = missing.length;
  missing.forEach((r, j) => (table[r] = Math.floor(k / 2 ** (n - 1 - j)) % 2));
  return table;
}

const tableBitsOf = (table: readonly number[]) => table.reduce((acc, b) => acc * 2 + b, 0);

/** Completion counts and the names they carry, for one (neuron, candidate, parent choice). */
interface LocalInfo {
  /** Number of surviving completions (a power of two except with two parents). */
  count: number;
  /** log2 of the number of completions before filtering (used for exact BigInt counts). */
  missing: number;
  /** Gate-name codes of the surviving completions (distinct, ascending). */
  names: number[];
}

function localInfo(tt: number, parentTts: readonly number[], m: number): LocalInfo {
  const p = parentTts.length;
  const partial = partialLocalTable(tt, parentTts, m);
  if (!partial) return { count: 0, missing: 0, names: [] };
  if (p > 2) return { count: 2 ** partial.missing, missing: partial.missing, names: [15 + p] };
  // At most 4 rows: enumerate the completions to drop XOR/XNOR and collect names.
  const rows = missingRows(partial.known, p);
  const names = new Set<number>();
  let count = 0;
  for (let k = 0; k < 2 ** rows.length; k++) {
    const bits = tableBitsOf(completion(partial.known, p, rows, k));
    if (isDroppedGate(p, bits)) continue;
    count++;
    names.add(gateNameCode(p, bits));
  }
  return { count, missing: partial.missing, names: [...names].sort((a, b) => a - b) };
}

// ---------------------------------------------------------------------------------------------
// Compiled tables
// ---------------------------------------------------------------------------------------------

/**
 * Per-neuron lookup tables: for candidate c and parent choice `pidx` (the parents' candidate indices
 * as a mixed-radix number, first parent most significant), entry `c * nParentChoices + pidx`.
 */
interface CompiledNeuron {
  readonly nCand: number;
  readonly parents: readonly number[];
  /** Multiplier of each parent's candidate index in `pidx`. */
  readonly parentMul: readonly number[];
  readonly nParentChoices: number;
  readonly count: Float64Array;
  readonly missing: Int32Array;
  readonly names: readonly (readonly number[])[];
}

interface Compiled {
  readonly problem: GroundingProblem;
  readonly neurons: readonly CompiledNeuron[];
  /** Ranges [start, end) of `neurons` per non-empty layer. */
  readonly groups: readonly { start: number; end: number }[];
}

const compiledCache = new WeakMap<GroundingProblem, Compiled>();

function compile(problem: GroundingProblem): Compiled {
  let c = compiledCache.get(problem);
  if (!c) {
    c = { problem, neurons: problem.neurons.map((_, i) => compileNeuron(problem, i)), groups: layerGroups(problem) };
    compiledCache.set(problem, c);
  }
  return c;
}

function compileNeuron(problem: GroundingProblem, i: number): CompiledNeuron {
  const n = problem.neurons[i]!;
  const nCand = n.tts.length;
  if (n.parents === null) {
    // Layer 1: local table = global table, one "completion", no filter (G3).
    return {
      nCand, parents: [], parentMul: [], nParentChoices: 1,
      count: new Float64Array(nCand).fill(1), missing: new Int32Array(nCand),
      names: n.nameCodes!.map((code) => [code]),
    };
  }
  const parents = n.parents;
  if (parents.length > MAX_PARENTS) {
    throw new LimitError(`neuron ${n.key} has ${parents.length} grounded parents; at most ${MAX_PARENTS} are supported`);
  }
  const radix = parents.map((p) => problem.neurons[p]!.tts.length);
  const parentMul = radix.map((_, j) => radix.slice(j + 1).reduce((a, b) => a * b, 1));
  const nParentChoices = radix.reduce((a, b) => a * b, 1);
  if (nCand * nParentChoices > MAX_LAYER_STATES) {
    throw tableTooLarge(`neuron ${n.key}'s table of (candidate, parents' candidates) pairs`, nCand * nParentChoices);
  }
  const count = new Float64Array(nCand * nParentChoices);
  const missing = new Int32Array(nCand * nParentChoices);
  const names: number[][] = new Array(nCand * nParentChoices);
  const m = problem.inputs.length;
  for (let pidx = 0; pidx < nParentChoices; pidx++) {
    const parentTts = parents.map((p, j) => problem.neurons[p]!.tts[Math.floor(pidx / parentMul[j]!) % radix[j]!]!);
    for (let c = 0; c < nCand; c++) {
      const info = localInfo(n.tts[c]!, parentTts, m);
      const e = c * nParentChoices + pidx;
      count[e] = info.count;
      missing[e] = info.missing;
      names[e] = info.names;
    }
  }
  return { nCand, parents, parentMul, nParentChoices, count, missing, names };
}

function layerGroups(problem: GroundingProblem): { start: number; end: number }[] {
  const groups: { start: number; end: number }[] = [];
  problem.neurons.forEach((n, i) => {
    const last = groups[groups.length - 1];
    if (last && problem.neurons[last.start]!.layer === n.layer) last.end = i + 1;
    else groups.push({ start: i, end: i + 1 });
  });
  return groups;
}

/** The table entry of neuron `i` for candidate `c`, given every neuron's chosen candidate. */
function entryOf(cn: CompiledNeuron, c: number, cand: ArrayLike<number>): number {
  let pidx = 0;
  for (let j = 0; j < cn.parents.length; j++) pidx += cand[cn.parents[j]!]! * cn.parentMul[j]!;
  return c * cn.nParentChoices + pidx;
}

// ---------------------------------------------------------------------------------------------
// Counting
// ---------------------------------------------------------------------------------------------

/**
 * The exact number of groundings (what the reference's `len(circuit.ground(...))` returns),
 * by dynamic programming over layers: the state is one layer's tuple of candidate indices, and a
 * transition weighs the next layer's tuple by the product of its neurons' completion counts.
 * Runs in float64 while every intermediate value is an exact integer, else redoes it in BigInt.
 */
export function countGroundings(problem: GroundingProblem): bigint {
  const compiled = compile(problem);
  const fast = countDp(compiled, numberArith);
  return fast !== null ? BigInt(fast) : countDp(compiled, bigintArith)!;
}

interface Arith<T> {
  zero: T;
  one: T;
  /** Completion count of a table entry. */
  weight(cn: CompiledNeuron, e: number): T;
  mul(a: T, b: T): T;
  add(a: T, b: T): T;
  isZero(a: T): boolean;
  /** False once a value is no longer exact (float64 past 2^53). */
  exact(a: T): boolean;
}

const numberArith: Arith<number> = {
  zero: 0, one: 1,
  weight: (cn, e) => cn.count[e]!,
  mul: (a, b) => a * b,
  add: (a, b) => a + b,
  isZero: (a) => a === 0,
  // Non-negative integer arithmetic is exact below 2^53, and a true value past it reads >= 2^53.
  exact: (a) => a <= Number.MAX_SAFE_INTEGER,
};

const bigintArith: Arith<bigint> = {
  zero: 0n, one: 1n,
  // Without a filter the count is 2^missing; float64 holds it exactly, but only BigInt past 2^1023.
  weight: (cn, e) => (cn.count[e] === 0 ? 0n : cn.parents.length > 2 ? 1n << BigInt(cn.missing[e]!) : BigInt(cn.count[e]!)),
  mul: (a, b) => a * b,
  add: (a, b) => a + b,
  isZero: (a) => a === 0n,
  exact: () => true,
};

/** The layer DP; `null` when the arithmetic lost exactness. */
function countDp<T>(compiled: Compiled, ar: Arith<T>): T | null {
  const { neurons, groups } = compiled;
  let f: T[] = [ar.one]; // weights of the previous layer's states (a single empty state at first)
  let prev: { start: number; end: number } | null = null;
  for (const g of groups) {
    const radix = neurons.slice(g.start, g.end).map((cn) => cn.nCand);
    const nStates = checkedStates(radix, compiled.problem.neurons[g.start]!.layer);
    const pidx = parentChoicesPerState(compiled, prev, g, f.length);
    const live = f.map((_, s) => s).filter((s) => !ar.isZero(f[s] as T));
    const next = new Array<T>(nStates);
    const c = new Int32Array(radix.length);
    for (let s2 = 0; s2 < nStates; s2++) {
      decodeState(s2, radix, c);
      let acc = ar.zero;
      for (const s of live) {
        let w = f[s] as T;
        for (let j = 0; j < radix.length && !ar.isZero(w); j++) {
          const cn = neurons[g.start + j]!;
          w = ar.mul(w, ar.weight(cn, c[j]! * cn.nParentChoices + pidx[s * radix.length + j]!));
        }
        acc = ar.add(acc, w);
      }
      if (!ar.exact(acc)) return null;
      next[s2] = acc;
    }
    f = next;
    prev = g;
  }
  return f.reduce((a, b) => ar.add(a, b), ar.zero);
}

/**
 * The counting DP refuses tables past {@link MAX_LAYER_STATES} entries before allocating them.
 * Candidates per neuron grow with the distinct grounding inputs (one threshold between each two
 * values), and tables with the neurons a layer keeps: those are the two things to reduce.
 */
function tableTooLarge(what: string, entries: number): LimitError {
  const mib = Math.ceil((entries * 16) / 2 ** 20); // at least a float64 and an int32 per entry, with overhead
  return new LimitError(
    `grounding: ${what} would have ${entries.toLocaleString('en-US')} entries (${mib.toLocaleString('en-US')} MiB or more), ` +
      `more than the ${MAX_LAYER_STATES.toLocaleString('en-US')} the counting accepts: ground on fewer distinct input rows ` +
      `(--ground-data; fewer candidate thresholds per neuron), or raise the min sparsity so that circuits keep fewer neurons per layer`,
  );
}

function checkedStates(radix: readonly number[], layer: number): number {
  const n = radix.reduce((a, b) => a * b, 1);
  if (n > MAX_LAYER_STATES) {
    throw tableTooLarge(`layer ${layer}'s joint candidate choices`, n);
  }
  return n;
}

/** Mixed-radix decoding, first neuron most significant. */
function decodeState(s: number, radix: readonly number[], out: Int32Array): void {
  for (let j = radix.length - 1; j >= 0; j--) {
    out[j] = s % radix[j]!;
    s = Math.floor(s / radix[j]!);
  }
}

/** For each previous-layer state, each neuron's parent-choice index `pidx` (row-major). */
function parentChoicesPerState(
  compiled: Compiled,
  prev: { start: number; end: number } | null,
  g: { start: number; end: number },
  nPrevStates: number,
): Int32Array {
  const width = g.end - g.start;
  const out = new Int32Array(nPrevStates * width);
  if (!prev) return out; // no previous layer: every neuron has pidx 0
  const radix = compiled.neurons.slice(prev.start, prev.end).map((cn) => cn.nCand);
  const local = new Int32Array(radix.length);
  const cand = new Int32Array(compiled.neurons.length);
  for (let s = 0; s < nPrevStates; s++) {
    decodeState(s, radix, local);
    cand.set(local, prev.start);
    for (let j = 0; j < width; j++) out[s * width + j] = entryOf(compiled.neurons[g.start + j]!, 0, cand);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Enumeration
// ---------------------------------------------------------------------------------------------

/** One neuron's part of a grounding (the reference's assignment record). */
export interface GroundingStep {
  /** `"(layer,index)"`. */
  neuron: string;
  /** Gate name of the local truth table. */
  gate: string;
  /** The threshold between two consecutive activation values (float64). */
  separator: number;
  /** Global truth table: `globalTt[i]` is the output (0/1) on `problem.inputs[i]`. */
  globalTt: number[];
  /**
   * Local truth table. Layer 1 (`parents === 'inputs'`): the global table, indexed like `globalTt`.
   * Otherwise `localTt[r]` for parent-bit row r, the first parent being the most significant bit
   * (row `0b01` = first parent 0, second parent 1); length 2^(number of parents).
   */
  localTt: number[];
  /** `'inputs'` for layer 1, else the parents as `[layer, index]` in index order. */
  parents: 'inputs' | [number, number][];
}

/** A grounding: the gate dict (what the reference's `Grounding` dict holds) and the full record. */
export interface Grounding {
  /** `"(layer,index)"` -> gate name, keys in grounding order. */
  gates: Record<string, string>;
  detail: GroundingStep[];
}

/**
 * A grounding as choices: for neuron i (in `problem.neurons` order), candidate `cand[i]` and
 * `completion[i]`, the index among its surviving local completions in reference order.
 */
export interface GroundingChoice {
  cand: ArrayLike<number>;
  completion: ArrayLike<number>;
}

/**
 * Every grounding in exactly the reference order (neuron by neuron, the first neuron varying
 * slowest; per neuron candidates by separator, then local completions in itertools order).
 */
export function* iterateGroundings(problem: GroundingProblem): Generator<Grounding, void, undefined> {
  for (const choice of iterateChoices(problem)) yield decodeGrounding(problem, choice);
}

/**
 * The groundings as {@link GroundingChoice}s (the same order as {@link iterateGroundings}).
 * The yielded arrays are reused: copy them to keep them.
 */
export function* iterateChoices(problem: GroundingProblem): Generator<GroundingChoice, void, undefined> {
  const { neurons } = compile(problem);
  const N = neurons.length;
  if (N === 0) {
    yield { cand: [], completion: [] }; // the empty product: one empty grounding (G3)
    return;
  }
  const cand = new Int32Array(N);
  const completionIdx = new Float64Array(N);
  const choice = { cand, completion: completionIdx };
  // Odometer DFS: advance neuron i to its next valid option, descend on success, back up on failure.
  let i = 0;
  completionIdx[0] = -1;
  while (i >= 0) {
    if (nextOption(neurons, i, cand, completionIdx)) {
      if (i === N - 1) yield choice;
      else {
        i++;
        cand[i] = 0;
        completionIdx[i] = -1;
      }
    } else i--;
  }
}

function nextOption(neurons: readonly CompiledNeuron[], i: number, cand: Int32Array, completionIdx: Float64Array): boolean {
  const cn = neurons[i]!;
  let k = completionIdx[i]! + 1;
  for (let c = cand[i]!; c < cn.nCand; c++, k = 0) {
    if (k < cn.count[entryOf(cn, c, cand)]!) {
      cand[i] = c;
      completionIdx[i] = k;
      return true;
    }
  }
  return false;
}

/** Builds the full {@link Grounding} of a choice (as the Wasm enumeration returns them). */
export function decodeGrounding(problem: GroundingProblem, choice: GroundingChoice): Grounding {
  const compiled = compile(problem);
  const gates: Record<string, string> = {};
  const detail = problem.neurons.map((n, i): GroundingStep => {
    const c = choice.cand[i]!;
    const globalTt = bitsOf(n.tts[c]!, problem.inputs.length);
    let gate: string;
    let localTt: number[];
    let parents: GroundingStep['parents'];
    if (n.parents === null) {
      const code = n.nameCodes![c]!;
      if (code < 0) throw unnamable(problem, n);
      gate = gateNameOfCode(code);
      localTt = globalTt.slice();
      parents = 'inputs';
    } else {
      const p = n.parents.length;
      localTt = localTables(compiled, i, entryOf(compiled.neurons[i]!, c, choice.cand), choice.completion[i]!).slice();
      gate = gateNameOfCode(gateNameCode(p, p <= 2 ? tableBitsOf(localTt) : 0));
      parents = n.parents.map((q) => [problem.neurons[q]!.layer, problem.neurons[q]!.index]);
    }
    gates[n.key] = gate;
    return { neuron: n.key, gate, separator: n.separators[c]!, globalTt, localTt, parents };
  });
  return { gates, detail };
}

function bitsOf(mask: number, m: number): number[] {
  const bits: number[] = [];
  for (let j = 0; j < m; j++) bits.push((mask >>> j) & 1);
  return bits;
}

/** Small completion lists are cached per (neuron, table entry): decoding is then a lookup. */
const CACHED_COMPLETIONS = 64;
const completionCache = new WeakMap<Compiled, Map<number, number[][]>[]>();

/** The k-th surviving completion of neuron i's local table for table entry e. */
function localTables(compiled: Compiled, i: number, e: number, k: number): number[] {
  let perNeuron = completionCache.get(compiled);
  if (!perNeuron) completionCache.set(compiled, (perNeuron = compiled.neurons.map(() => new Map())));
  const cached = perNeuron[i]!.get(e);
  if (cached) return cached[k]!;
  const cn = compiled.neurons[i]!;
  const n = compiled.problem.neurons[i]!;
  if (cn.count[e]! <= CACHED_COMPLETIONS) {
    const all = Array.from({ length: cn.count[e]! }, (_, j) => localTableAt(compiled, i, e, j));
    perNeuron[i]!.set(e, all);
    return all[k]!;
  }
  if (k >= cn.count[e]!) throw new InputError(`neuron ${n.key}: completion ${k} does not exist`);
  return localTableAt(compiled, i, e, k);
}

function localTableAt(compiled: Compiled, i: number, e: number, k: number): number[] {
  const cn = compiled.neurons[i]!;
  const n = compiled.problem.neurons[i]!;
  const pidx = e % cn.nParentChoices;
  const parentTts = cn.parents.map((q, j) => compiled.problem.neurons[q]!.tts[Math.floor(pidx / cn.parentMul[j]!) % compiled.neurons[q]!.nCand]!);
  const p = parentTts.length;
  const partial = partialLocalTable(n.tts[Math.floor(e / cn.nParentChoices)]!, parentTts, compiled.problem.inputs.length);
  if (!partial) throw new InputError(`neuron ${n.key}: inconsistent local truth table in a grounding choice`);
  if (p > 16) throw new LimitError(`neuron ${n.key} has ${p} parents: its local truth table (2^${p} rows) is too large to list`);
  const rows = missingRows(partial.known, p);
  if (p !== 2) return completion(partial.known, p, rows, k); // no filter: completion k is the k-th raw one
  for (let raw = 0, seen = 0; raw < 2 ** rows.length; raw++) {
    const table = completion(partial.known, p, rows, raw);
    if (!isDroppedGate(p, tableBitsOf(table)) && seen++ === k) return table;
  }
  throw new InputError(`neuron ${n.key}: completion ${k} does not exist`);
}

function unnamable(problem: GroundingProblem, n: GroundingNeuron): InputError {
  return new InputError(
    `neuron ${n.key}: the grounding inputs truncate to ${problem.inputs.length} distinct rows, more than a ` +
      `${problem.inputWidth}-input truth table has, so its gate cannot be named (the reference fails here too)`,
  );
}

// ---------------------------------------------------------------------------------------------
// Distinct gate dicts
// ---------------------------------------------------------------------------------------------

/** Default cap on the number of groundings for {@link distinctGateDicts}. */
export const DEFAULT_DISTINCT_CAP = 5_000_000;

/**
 * Number of distinct gate dicts among the groundings (groundings differing only in separators or
 * unnamed details collapse). Refuses with a {@link LimitError} when the circuit has more than `cap`
 * groundings. Works on candidate assignments: each consistent assignment contributes the product
 * of its neurons' name sets.
 */
export function distinctGateDicts(problem: GroundingProblem, options: { cap?: number } = {}): number {
  checkDistinctCap(problem, countGroundings(problem), options.cap ?? DEFAULT_DISTINCT_CAP);
  const { neurons } = compile(problem);
  const N = neurons.length;
  if (N === 0) return 1;
  const dicts = new Set<string>();
  const seenTuples = new Set<string>();
  const sets: (readonly number[])[] = new Array(N);
  const cand = new Int32Array(N);
  const visit = (i: number): void => {
    const cn = neurons[i]!;
    for (let c = 0; c < cn.nCand; c++) {
      const e = entryOf(cn, c, cand);
      if (cn.count[e] === 0) continue;
      cand[i] = c;
      sets[i] = cn.names[e]!;
      if (i < N - 1) visit(i + 1);
      else addProduct(problem, sets, seenTuples, dicts);
    }
  };
  visit(0);
  return dicts.size;
}

/**
 * Preconditions of counting distinct gate dicts, shared with the Wasm backend: a {@link LimitError}
 * past the cap, an {@link InputError} if some layer-1 gate cannot be named.
 */
export function checkDistinctCap(problem: GroundingProblem, count: bigint, cap: number): void {
  if (count > BigInt(Math.floor(cap))) {
    throw new LimitError(
      `counting distinct gate dicts would go through ${count} groundings, more than the cap of ${cap}: this count enumerates groundings (the plain grounding counts do not), so leave out ` +
        `--distinct (API: distinctGateDicts) for this model, or call distinctGateDicts(problem, { cap }) with a higher cap`,
    );
  }
  problem.neurons.forEach((n) => {
    if (n.nameCodes?.some((c) => c < 0)) throw unnamable(problem, n);
  });
}

/** Adds every dict of the product of per-neuron name sets (once per distinct tuple of sets). */
function addProduct(problem: GroundingProblem, sets: readonly (readonly number[])[], seenTuples: Set<string>, dicts: Set<string>): void {
  const tupleKey = sets.map((s) => s.join(',')).join('|');
  if (seenTuples.has(tupleKey)) return;
  seenTuples.add(tupleKey);
  const idx = new Array<number>(sets.length).fill(0);
  for (;;) {
    dicts.add(String.fromCharCode(...idx.map((k, j) => 48 + sets[j]![k]!)));
    let j = sets.length - 1;
    while (j >= 0 && ++idx[j]! === sets[j]!.length) idx[j--] = 0;
    if (j < 0) return;
  }
}

/** The oracle's serialisation of a gate dict: `"(1,0)=OR;(1,1)=AND;..."`, keys in grounding order. */
export function gateDictString(gates: Record<string, string>): string {
  return Object.entries(gates).map(([k, v]) => `${k}=${v}`).join(';');
}
