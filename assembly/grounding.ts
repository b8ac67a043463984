// Grounding kernels (docs/semantics.md, G1–G5): count, distinct gate dicts, streaming enumeration.
// Mirrors src/grounding.ts on a flat problem that JS writes into linear memory; no GC objects.
//
// Problem layout (i32 words from `problem`, written by src/backends/wasm-grounding.ts):
//   [0] version (1)   [1] m = distinct inputs (<= 32)   [2] N = grounded neurons
//   [3] total candidates   [4] total parent links
//   N neuron records of 6 words: layer, index, nCand, candStart, nParents (-1 = the global inputs), parentStart
//   then the candidate truth tables (u32 bitmask over the m inputs, one per candidate),
//   then one gate-name code per candidate (layer 1 only; -1 = unnamable),
//   then the parent links (positions of parent neurons).
//
// Gate-name codes (< 64, so a set of names is a u64 mask): 0..15 the two-input names,
// 16 IDENTITY, 17 NOT, 15 + k for "kINPUTS" (k >= 3).
//
// Causal groundings (`grounding-causal`, docs/semantics.md K4; src/criteria/grounding-causal.ts):
// groundingPrepareCausal compiles the same problem with one more row constraint per interchange
// scenario on each later neuron's local table, so count, distinct and enumeration then see only
// the groundings that hold under single-neuron interchange.

import { alloc, allocZeroed } from './heap';
import {
  ERR_BAD_PROBLEM, ERR_COMPLETION_INDEX, ERR_NONE, ERR_TOO_LARGE, ERR_UNNAMABLE,
  MAX_GROUNDING_INPUTS as MAX_INPUTS, MAX_GROUNDING_PARENTS as MAX_PARENTS, MAX_GROUNDING_STATES as MAX_STATES,
  PROBLEM_HEADER_WORDS as HEADER_WORDS, PROBLEM_NEURON_WORDS, PROBLEM_VERSION as VERSION, WIDE_COUNT_LIMBS,
} from './layout';

// Context fields (byte offsets).
const CTX_PROBLEM = 0;
const CTX_N = 4;
const CTX_M = 8;
const CTX_NGROUPS = 12;
const CTX_GROUPS = 16; // i32 pairs [start, end) of neurons per non-empty layer
const CTX_NEURONS = 20; // compiled neuron records
const CTX_CAND = 24; // i32[N] chosen candidate per neuron (DFS / odometer)
const CTX_COMPL = 28; // u64[N] chosen completion per neuron (odometer)
const CTX_ITER = 32; // odometer state: 0 fresh, 1 running, 2 done
const CTX_SETS = 36; // u64[N] name sets along the DFS
const CTX_UNNAMABLE = 40; // 1 if some layer-1 candidate has no name
const CTX_OVERFLOW = 44; // 1 if some completion count does not fit a u64
const CTX_BYTES = 48;

// Compiled neuron record fields (byte offsets).
const NR_NCAND = 0;
const NR_NPAR = 4;
const NR_PARENTS = 8; // i32[nPar] parent positions
const NR_MUL = 12; // i32[nPar] multiplier of each parent's candidate in pidx
const NR_PCH = 16; // number of parent choices P
const NR_COUNT = 20; // u64[nCand * P] surviving completions of (candidate, pidx)
const NR_NAMES = 24; // u64[nCand * P] name codes of those completions, as a bit set
const NR_BYTES = 28;

let overflow: i32 = 0;
let lastError: i32 = 0;

// The scenarios of groundingPrepareCausal while it compiles (0 scenarios: the paper's problem).
let causalScenarios: i32 = 0;
/** f64 separator of every candidate, in the problem's candidate order. */
let causalSeparators: usize = 0;
/** i32 layer of each scenario's intervened neuron. */
let causalLayers: usize = 0;
/** f64 value of every grounded neuron in each scenario, `[scenario][neuron]`. */
let causalValues: usize = 0;

/** 1 if the last count did not fit in a u64 (JS then counts in BigInt). */
export function groundingOverflow(): i32 {
  return overflow;
}

/** The last error code (ERR_*), 0 if none. */
export function groundingError(): i32 {
  return lastError;
}

// ----------------------------------------------------------------------------------------------
// Problem access
// ----------------------------------------------------------------------------------------------

@inline function word(ptr: usize, i: i32): i32 {
  return load<i32>(ptr + (<usize>i << 2));
}

@inline function setWord(ptr: usize, i: i32, v: i32): void {
  store<i32>(ptr + (<usize>i << 2), v);
}

@inline function u64At(ptr: usize, i: i32): u64 {
  return load<u64>(ptr + (<usize>i << 3));
}

@inline function setU64(ptr: usize, i: i32, v: u64): void {
  store<u64>(ptr + (<usize>i << 3), v);
}

@inline function neuronField(problem: usize, n: i32, f: i32): i32 {
  return word(problem, HEADER_WORDS + n * PROBLEM_NEURON_WORDS + f);
}

@inline function ttsBase(problem: usize): usize {
  return problem + (<usize>(HEADER_WORDS + word(problem, 2) * PROBLEM_NEURON_WORDS) << 2);
}

@inline function namesBase(problem: usize): usize {
  return ttsBase(problem) + (<usize>word(problem, 3) << 2);
}

@inline function parentsBase(problem: usize): usize {
  return namesBase(problem) + (<usize>word(problem, 3) << 2);
}

@inline function candTt(problem: usize, n: i32, c: i32): u32 {
  return load<u32>(ttsBase(problem) + (<usize>(neuronField(problem, n, 3) + c) << 2));
}

@inline function rec(ctx: usize, n: i32): usize {
  return load<usize>(ctx + CTX_NEURONS) + <usize>(n * NR_BYTES);
}

// ----------------------------------------------------------------------------------------------
// Preparation: per-neuron completion tables
// ----------------------------------------------------------------------------------------------

/**
 * Compiles the problem at `problem` into lookup tables and returns a context pointer,
 * or 0 on error (see groundingError()).
 */
export function groundingPrepare(problem: usize): usize {
  causalScenarios = 0;
  return prepare(problem);
}

/**
 * {@link groundingPrepare} for the groundings that hold under single-neuron interchange: each of
 * the `nScenarios` scenarios (intervened neuron's layer in `layers`, i32; every grounded neuron's
 * value in it in `values`, f64 `[scenario][neuron]`) adds, to the local table of every neuron
 * after the intervened one's layer, the row of its parents' actual bits (thresholded at their
 * candidates' separators, `separators`: f64 per candidate) mapped to its own actual bit. The
 * constraints of one entry are exactly src/criteria/grounding-causal.ts entryInfo's.
 */
export function groundingPrepareCausal(problem: usize, separators: usize, nScenarios: i32, layers: usize, values: usize): usize {
  causalScenarios = nScenarios;
  causalSeparators = separators;
  causalLayers = layers;
  causalValues = values;
  const ctx = prepare(problem);
  causalScenarios = 0;
  return ctx;
}

function prepare(problem: usize): usize {
  lastError = ERR_NONE;
  overflow = 0;
  cachedCtx = 0; // a new problem may sit where the cached one was
  const m = word(problem, 1);
  const N = word(problem, 2);
  if (word(problem, 0) != VERSION || m < 1 || m > MAX_INPUTS || N < 0) {
    lastError = ERR_BAD_PROBLEM;
    return 0;
  }
  const ctx = allocZeroed(CTX_BYTES);
  store<usize>(ctx + CTX_PROBLEM, problem);
  store<i32>(ctx + CTX_N, N);
  store<i32>(ctx + CTX_M, m);
  store<usize>(ctx + CTX_NEURONS, allocZeroed(<usize>(N * NR_BYTES)));
  store<usize>(ctx + CTX_CAND, allocZeroed(<usize>(N << 2) + 4));
  store<usize>(ctx + CTX_COMPL, allocZeroed(<usize>(N << 3) + 8));
  store<usize>(ctx + CTX_SETS, allocZeroed(<usize>(N << 3) + 8));
  // Known rows and their bits (the inputs', then the scenarios'), the parents' tables, and per
  // scenario its row and the neuron's value.
  const known = MAX_INPUTS + causalScenarios;
  const scratch = allocZeroed(<usize>((known * 2 + MAX_PARENTS) << 2));
  const scenarioRows = causalScenarios > 0 ? allocZeroed(<usize>(causalScenarios * 12)) : 0;
  for (let n = 0; n < N; n++) {
    if (!compileNeuron(ctx, problem, n, scratch, known, scenarioRows)) return 0;
  }
  buildGroups(ctx, problem, N);
  store<i32>(ctx + CTX_OVERFLOW, overflow);
  return ctx;
}

function compileNeuron(ctx: usize, problem: usize, n: i32, scratch: usize, known: i32, scenarioRows: usize): bool {
  const r = rec(ctx, n);
  const nCand = neuronField(problem, n, 2);
  const nPar = neuronField(problem, n, 4);
  store<i32>(r + NR_NCAND, nCand);
  if (nPar < 0) {
    // Layer 1: the local table is the global one; one completion, named by JS.
    store<i32>(r + NR_NPAR, 0);
    store<i32>(r + NR_PCH, 1);
    const counts = allocZeroed(<usize>(nCand << 3));
    const names = allocZeroed(<usize>(nCand << 3));
    const codes = namesBase(problem) + (<usize>neuronField(problem, n, 3) << 2);
    for (let c = 0; c < nCand; c++) {
      setU64(counts, c, 1);
      const code = word(codes, c);
      if (code < 0 || code >= 64) store<i32>(ctx + CTX_UNNAMABLE, 1);
      else setU64(names, c, (<u64>1) << (<u64>code));
    }
    store<usize>(r + NR_COUNT, counts);
    store<usize>(r + NR_NAMES, names);
    return true;
  }
  if (nPar > MAX_PARENTS) {
    lastError = ERR_TOO_LARGE;
    return false;
  }
  const parents = parentsBase(problem) + (<usize>neuronField(problem, n, 5) << 2);
  const mul = allocZeroed(<usize>(nPar << 2) + 4);
  let P: i64 = 1;
  for (let j = nPar - 1; j >= 0; j--) {
    setWord(mul, j, <i32>P);
    P *= <i64>neuronField(problem, word(parents, j), 2);
    if (P * <i64>nCand > <i64>MAX_STATES) {
      lastError = ERR_TOO_LARGE;
      return false;
    }
  }
  const nP = <i32>P;
  store<i32>(r + NR_NPAR, nPar);
  store<usize>(r + NR_PARENTS, parents);
  store<usize>(r + NR_MUL, mul);
  store<i32>(r + NR_PCH, nP);
  const counts = allocZeroed(<usize>(nCand * nP) << 3);
  const names = allocZeroed(<usize>(nCand * nP) << 3);
  store<usize>(r + NR_COUNT, counts);
  store<usize>(r + NR_NAMES, names);
  const m = word(problem, 1);
  const N = word(problem, 2);
  const rows = scratch;
  const bits = scratch + (<usize>known << 2);
  const parentTts = scratch + (<usize>(known * 2) << 2);
  // The scenarios that intervene below this neuron's layer: their rows (per parents' choice) and
  // this neuron's value in each.
  const layer = neuronField(problem, n, 0);
  const extraRows = scenarioRows;
  const extraValues = scenarioRows + (<usize>causalScenarios << 2);
  let nExtra = 0;
  for (let t = 0; t < causalScenarios; t++) {
    if (load<i32>(causalLayers + (<usize>t << 2)) >= layer) continue;
    store<f64>(extraValues + (<usize>nExtra << 3), load<f64>(causalValues + (<usize>(t * N + n) << 3)));
    nExtra++;
  }
  const ownSeparators = causalSeparators + (<usize>neuronField(problem, n, 3) << 3);
  for (let pidx = 0; pidx < nP; pidx++) {
    for (let j = 0; j < nPar; j++) {
      const q = word(parents, j);
      const cq = (pidx / word(mul, j)) % neuronField(problem, q, 2);
      store<u32>(parentTts + (<usize>j << 2), candTt(problem, q, cq));
    }
    if (nExtra > 0) {
      // Each scenario's row: its parents' actual bits at their chosen candidates' separators.
      let k = 0;
      for (let t = 0; t < causalScenarios; t++) {
        if (load<i32>(causalLayers + (<usize>t << 2)) >= layer) continue;
        let row = 0;
        for (let j = 0; j < nPar; j++) {
          const q = word(parents, j);
          const cq = (pidx / word(mul, j)) % neuronField(problem, q, 2);
          const sep = load<f64>(causalSeparators + (<usize>(neuronField(problem, q, 3) + cq) << 3));
          row = (row << 1) | (load<f64>(causalValues + (<usize>(t * N + q) << 3)) > sep ? 1 : 0);
        }
        setWord(extraRows, k, row);
        k++;
      }
    }
    for (let c = 0; c < nCand; c++) {
      const e = c * nP + pidx;
      const sep = nExtra > 0 ? load<f64>(ownSeparators + (<usize>c << 3)) : 0;
      analyse(candTt(problem, n, c), parentTts, nPar, m, rows, bits, nExtra, extraRows, extraValues, sep,
        counts + (<usize>e << 3), names + (<usize>e << 3));
    }
  }
  return true;
}

@inline function nameCode(p: i32, bits: i32): i32 {
  if (p == 0) return bits != 0 ? 15 : 0;
  if (p == 1) return bits == 0 ? 0 : bits == 1 ? 16 : bits == 2 ? 17 : 15;
  if (p == 2) return bits;
  return 15 + p;
}

/**
 * `compute_local_tts` for one candidate: writes the number of surviving completions and their
 * name set, or 0 if two inputs with the same parent bits disagree. `rows` and `bits` hold the
 * known rows (room for m + nExtra). The `nExtra` scenario constraints add row `extraRows[t]`
 * with the bit `extraValues[t] > sep`.
 */
function analyse(
  tt: u32, parentTts: usize, p: i32, m: i32, rows: usize, bits: usize,
  nExtra: i32, extraRows: usize, extraValues: usize, sep: f64, countOut: usize, namesOut: usize,
): void {
  let nKnown = 0;
  for (let i = 0; i < m + nExtra; i++) {
    let row = 0;
    let bit = 0;
    if (i < m) {
      for (let j = 0; j < p; j++) row = (row << 1) | <i32>((load<u32>(parentTts + (<usize>j << 2)) >>> <u32>i) & 1);
      bit = <i32>((tt >>> <u32>i) & 1);
    } else {
      row = word(extraRows, i - m);
      bit = load<f64>(extraValues + (<usize>(i - m) << 3)) > sep ? 1 : 0;
    }
    let k = 0;
    while (k < nKnown && word(rows, k) != row) k++;
    if (k < nKnown) {
      if (word(bits, k) != bit) {
        store<u64>(countOut, 0);
        store<u64>(namesOut, 0);
        return;
      }
    } else {
      setWord(rows, nKnown, row);
      setWord(bits, nKnown, bit);
      nKnown++;
    }
  }
  const missing = (1 << p) - nKnown;
  if (p > 2) {
    // No filter: every completion survives, and all share the generic name.
    if (missing >= 64) {
      overflow = 1;
      store<u64>(countOut, u64.MAX_VALUE);
    } else {
      store<u64>(countOut, (<u64>1) << (<u64>missing));
    }
    store<u64>(namesOut, (<u64>1) << (<u64>(15 + p)));
    return;
  }
  // At most 4 rows: list the completions (first missing row = most significant bit of k).
  const nRows = 1 << p;
  let count: u64 = 0;
  let names: u64 = 0;
  for (let k = 0; k < 1 << missing; k++) {
    let table = 0;
    let used = 0;
    for (let r = 0; r < nRows; r++) {
      let b = -1;
      for (let q = 0; q < nKnown; q++) if (word(rows, q) == r) b = word(bits, q);
      if (b < 0) {
        b = (k >> (missing - 1 - used)) & 1;
        used++;
      }
      table = (table << 1) | b;
    }
    if (p == 2 && (table == 6 || table == 9)) continue; // XOR / XNOR are dropped
    count++;
    names |= (<u64>1) << (<u64>nameCode(p, table));
  }
  store<u64>(countOut, count);
  store<u64>(namesOut, names);
}

function buildGroups(ctx: usize, problem: usize, N: i32): void {
  const groups = allocZeroed(<usize>(N << 3) + 8);
  let nGroups = 0;
  for (let n = 0; n < N; n++) {
    if (nGroups > 0 && neuronField(problem, word(groups, 2 * (nGroups - 1)), 0) == neuronField(problem, n, 0)) {
      setWord(groups, 2 * (nGroups - 1) + 1, n + 1);
    } else {
      setWord(groups, 2 * nGroups, n);
      setWord(groups, 2 * nGroups + 1, n + 1);
      nGroups++;
    }
  }
  store<usize>(ctx + CTX_GROUPS, groups);
  store<i32>(ctx + CTX_NGROUPS, nGroups);
}

/** Table entry of neuron n for candidate c, given the chosen candidates of its parents. */
@inline function entryOf(r: usize, c: i32, cand: usize): i32 {
  const nPar = load<i32>(r + NR_NPAR);
  const parents = load<usize>(r + NR_PARENTS);
  const mul = load<usize>(r + NR_MUL);
  let pidx = 0;
  for (let j = 0; j < nPar; j++) pidx += word(cand, word(parents, j)) * word(mul, j);
  return c * load<i32>(r + NR_PCH) + pidx;
}

// ----------------------------------------------------------------------------------------------
// Counting: dynamic programming over layers
// ----------------------------------------------------------------------------------------------

@inline function mulChecked(a: u64, b: u64): u64 {
  if (a != 0 && b > u64.MAX_VALUE / a) {
    overflow = 1;
    return u64.MAX_VALUE;
  }
  return a * b;
}

@inline function addChecked(a: u64, b: u64): u64 {
  const s = a + b;
  if (s < a) {
    overflow = 1;
    return u64.MAX_VALUE;
  }
  return s;
}

/** The number of states (candidate tuples) of neurons [start, end), or -1 past MAX_STATES (ERR_TOO_LARGE set). */
function groupStates(ctx: usize, start: i32, end: i32): i64 {
  let nStates: i64 = 1;
  for (let n = start; n < end; n++) {
    nStates *= <i64>load<i32>(rec(ctx, n) + NR_NCAND);
    if (nStates > <i64>MAX_STATES) {
      lastError = ERR_TOO_LARGE;
      return -1;
    }
  }
  return nStates;
}

/** pidx of each of the w next-layer neurons from `start` for each of the nPrev previous states. */
function parentIndices(ctx: usize, nPrev: i32, prevStart: i32, prevEnd: i32, start: i32, w: i32, cand: usize): usize {
  const pidx = allocZeroed(<usize>(nPrev * w) << 2);
  for (let s = 0; s < nPrev; s++) {
    decodeState(ctx, s, prevStart, prevEnd, cand);
    for (let j = 0; j < w; j++) setWord(pidx, s * w + j, entryOf(rec(ctx, start + j), 0, cand));
  }
  return pidx;
}

/** The most candidates any of neurons [start, start + w) has (at least 1). */
function maxCandidates(ctx: usize, start: i32, w: i32): i32 {
  let maxCand = 1;
  for (let j = 0; j < w; j++) maxCand = max(maxCand, load<i32>(rec(ctx, start + j) + NR_NCAND));
  return maxCand;
}

/**
 * For previous state s: g[j][c], neuron j's completion count with candidate c given its parents'
 * candidates in s, into gRows (rows of maxCand); and every digit of the next state set to 0.
 */
function stateCounts(ctx: usize, start: i32, w: i32, pidx: usize, s: i32, maxCand: i32, gRows: usize, digits: usize): void {
  for (let j = 0; j < w; j++) {
    const r = rec(ctx, start + j);
    const nCand = load<i32>(r + NR_NCAND);
    const pch = load<i32>(r + NR_PCH);
    const counts = load<usize>(r + NR_COUNT);
    const pid = word(pidx, s * w + j);
    for (let c = 0; c < nCand; c++) setU64(gRows, j * maxCand + c, u64At(counts, c * pch + pid));
    setWord(digits, j, 0);
  }
}

/** Adds one to digit j (the ones below it are 0), carrying upwards; the digit that changed, -1 past the last state. */
function advanceDigits(digits: usize, radices: usize, j: i32): i32 {
  while (j >= 0) {
    const d = word(digits, j) + 1;
    if (d < word(radices, j)) {
      setWord(digits, j, d);
      return j;
    }
    setWord(digits, j, 0);
    j--;
  }
  return -1;
}

/** Candidates per neuron of [start, start + w) and each one's stride in the layer's state index. */
function layerRadices(ctx: usize, start: i32, w: i32, radices: usize, strides: usize): void {
  let stride = 1;
  for (let j = w - 1; j >= 0; j--) {
    const radix = load<i32>(rec(ctx, start + j) + NR_NCAND);
    setWord(radices, j, radix);
    setWord(strides, j, stride);
    stride *= radix;
  }
}

/** Mixed-radix decode of state s over neurons [start, end) into cand[start..end). */
function decodeState(ctx: usize, s: i32, start: i32, end: i32, cand: usize): void {
  for (let n = end - 1; n >= start; n--) {
    const radix = load<i32>(rec(ctx, n) + NR_NCAND);
    setWord(cand, n, s % radix);
    s = s / radix;
  }
}

/**
 * The count in u64 (overflow: flagged, and the walk stops after the layer it happened in).
 * The state of a layer is its tuple of chosen candidates; a transition weighs the next tuple by
 * the product of the next layer's completion counts given the parents' candidates.
 */
function countU64(ctx: usize): u64 {
  overflow = load<i32>(ctx + CTX_OVERFLOW); // a saturated table entry already spoils the count
  lastError = ERR_NONE;
  const nGroups = load<i32>(ctx + CTX_NGROUPS);
  const groups = load<usize>(ctx + CTX_GROUPS);
  const cand = load<usize>(ctx + CTX_CAND);
  let f = allocZeroed(8);
  setU64(f, 0, 1);
  let nPrev = 1;
  let prevStart = 0;
  let prevEnd = 0; // empty: the virtual state before layer 1
  for (let g = 0; g < nGroups; g++) {
    const start = word(groups, 2 * g);
    const end = word(groups, 2 * g + 1);
    const w = end - start;
    const nStates = groupStates(ctx, start, end);
    if (nStates < 0) return 0;
    const pidx = parentIndices(ctx, nPrev, prevStart, prevEnd, start, w, cand);
    // next[s2] = sum over s of f[s] * prod_j count_j(c_j | parents' candidates in s). For each s,
    // walk the next states in index order (the last neuron's candidate fastest) with the running
    // products kept per neuron: about one multiplication per (s, s2) instead of w. The products
    // and sums are the same, in the same order, so overflow is detected alike.
    const next = allocZeroed(<usize>nStates << 3);
    const maxCand = maxCandidates(ctx, start, w);
    const gRows = alloc((w * maxCand) << 3); // g[j][c]: neuron j's count with candidate c, given s
    const prefix = alloc((w + 1) << 3); // prefix[j]: f[s] times g[0][d0] ... g[j-1][d(j-1)]
    const digits = alloc(w << 2);
    const radices = alloc(w << 2);
    const strides = alloc(w << 2);
    layerRadices(ctx, start, w, radices, strides);
    for (let s = 0; s < nPrev; s++) {
      const fs = u64At(f, s);
      if (fs == 0) continue;
      stateCounts(ctx, start, w, pidx, s, maxCand, gRows, digits);
      setU64(prefix, 0, fs);
      let from = 0; // the first neuron whose running product must be recomputed
      for (let s2 = 0; ; ) {
        // A zero product zeroes every state below it: skip them (their terms add nothing).
        let j = w - 1;
        let step = 1;
        for (let k = from; k < w; k++) {
          const v = mulChecked(u64At(prefix, k), u64At(gRows, k * maxCand + word(digits, k)));
          if (v == 0) {
            j = k;
            step = word(strides, k);
            break;
          }
          setU64(prefix, k + 1, v);
          if (k == w - 1) setU64(next, s2, addChecked(u64At(next, s2), v));
        }
        // Next state: the last neuron's candidate fastest (digits below j are all 0 here).
        j = advanceDigits(digits, radices, j);
        if (j < 0) break;
        from = j;
        s2 += step;
      }
    }
    // Past 64 bits the value is meaningless: stop, the caller counts in wide integers.
    if (overflow != 0) return 0;
    f = next;
    nPrev = <i32>nStates;
    prevStart = start;
    prevEnd = end;
  }
  let total: u64 = 0;
  for (let s = 0; s < nPrev; s++) total = addChecked(total, u64At(f, s));
  return total;
}

// Wide first: once a count has overflowed a u64, the next problems (a batch's circuits are alike)
// are counted in wide integers straight away, skipping a u64 pass that would overflow again. The
// wide count is kept for groundingCountWide on the same problem. Counts are the same either way.
let preferWide = false;
let cachedCtx: usize = 0; // the problem whose wide count is in cachedWide (0: none)
let cachedStatus: i32 = 0;
const cachedWide = memory.data(WIDE_COUNT_LIMBS << 3, 16);

/**
 * Number of groundings; on a u64 overflow groundingOverflow() is 1 and the value is meaningless
 * (groundingCountWide then gives it), on ERR_TOO_LARGE groundingError() says so.
 */
export function groundingCount(ctx: usize): u64 {
  if (!preferWide) {
    const n = countU64(ctx);
    if (overflow != 0 && lastError == ERR_NONE) preferWide = true;
    return n;
  }
  lastError = ERR_NONE;
  overflow = 0;
  cachedStatus = countWide(ctx, cachedWide);
  cachedCtx = ctx;
  if (lastError != ERR_NONE) return 0;
  if (cachedStatus == 0 && wideFitsU64(cachedWide)) {
    preferWide = false;
    return load<u64>(cachedWide);
  }
  overflow = 1;
  return 0;
}

/** Whether the WIDE_COUNT_LIMBS-limb integer at `a` is below 2^64. */
function wideFitsU64(a: usize): bool {
  for (let i = 1; i < WIDE_COUNT_LIMBS; i++) if (load<u64>(a + (<usize>i << 3)) != 0) return false;
  return true;
}

/** a (WIDE_COUNT_LIMBS limbs at `a`) *= m, in place; false when the product needs more limbs. */
function wideMulSmall(a: usize, m: u64): bool {
  // Limbs above the highest non-zero one stay zero but for the carry into the next.
  let top = WIDE_COUNT_LIMBS - 1;
  while (top > 0 && load<u64>(a + (<usize>top << 3)) == 0) top--;
  const m0 = m & 0xffffffff;
  const m1 = m >> 32;
  let carry: u64 = 0;
  for (let i = 0; i <= top; i++) {
    const x = load<u64>(a + (<usize>i << 3));
    const x0 = x & 0xffffffff;
    const x1 = x >> 32;
    // The 128-bit product x * m from four 32 x 32 products, plus the carry in.
    const p00 = x0 * m0;
    const p01 = x0 * m1;
    const p10 = x1 * m0;
    const p11 = x1 * m1;
    const mid = (p00 >> 32) + (p01 & 0xffffffff) + (p10 & 0xffffffff);
    let lo = (p00 & 0xffffffff) | (mid << 32);
    let hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    lo += carry;
    if (lo < carry) hi++;
    store<u64>(a + (<usize>i << 3), lo);
    carry = hi;
  }
  if (carry == 0) return true;
  if (top + 1 >= WIDE_COUNT_LIMBS) return false;
  store<u64>(a + (<usize>(top + 1) << 3), carry);
  return true;
}

/** a += b (WIDE_COUNT_LIMBS limbs each); false on a carry out of the last limb. */
function wideAdd(a: usize, b: usize): bool {
  let carry: u64 = 0;
  for (let i = 0; i < WIDE_COUNT_LIMBS; i++) {
    const x = load<u64>(a + (<usize>i << 3));
    const y = load<u64>(b + (<usize>i << 3));
    let s = x + y;
    const c1: u64 = s < x ? 1 : 0;
    s += carry;
    const c2: u64 = s < carry ? 1 : 0;
    store<u64>(a + (<usize>i << 3), s);
    carry = c1 + c2;
  }
  return carry == 0;
}

/** a = b * m (WIDE_COUNT_LIMBS limbs each); false when the product needs more limbs. */
function wideMulInto(a: usize, b: usize, m: u64): bool {
  memory.copy(a, b, <usize>WIDE_COUNT_LIMBS << 3);
  return wideMulSmall(a, m);
}

/** Whether the WIDE_COUNT_LIMBS-limb integer at `a` is zero. */
function wideIsZero(a: usize): bool {
  for (let i = 0; i < WIDE_COUNT_LIMBS; i++) if (load<u64>(a + (<usize>i << 3)) != 0) return false;
  return true;
}

/**
 * {@link groundingCount} in WIDE_COUNT_LIMBS-limb integers (256 bits), for the counts a u64 cannot
 * hold: writes the limbs (low first) to `out` and returns 0, or 1 when even that overflows or a
 * completion count itself did not fit a u64 (JS then counts in BigInt). The same walk as the u64
 * count (running products per neuron, the last neuron's candidate fastest): every product is the
 * same partial product f[s] * g0 * ... in the same order, and every term is non-negative, so a
 * result that overflows here overflows in any order.
 */
export function groundingCountWide(ctx: usize, out: usize): i32 {
  if (ctx != 0 && ctx == cachedCtx) {
    memory.copy(out, cachedWide, <usize>WIDE_COUNT_LIMBS << 3);
    return cachedStatus;
  }
  return countWide(ctx, out);
}

function countWide(ctx: usize, out: usize): i32 {
  if (load<i32>(ctx + CTX_OVERFLOW) != 0) return 1;
  lastError = ERR_NONE;
  const nGroups = load<i32>(ctx + CTX_NGROUPS);
  const groups = load<usize>(ctx + CTX_GROUPS);
  const cand = load<usize>(ctx + CTX_CAND);
  const limbBytes = <usize>WIDE_COUNT_LIMBS << 3;
  let f = allocZeroed(limbBytes);
  store<u64>(f, 1);
  let nPrev = 1;
  let prevStart = 0;
  let prevEnd = 0;
  for (let g = 0; g < nGroups; g++) {
    const start = word(groups, 2 * g);
    const end = word(groups, 2 * g + 1);
    const w = end - start;
    const nStates = groupStates(ctx, start, end);
    if (nStates < 0) return 1;
    const pidx = parentIndices(ctx, nPrev, prevStart, prevEnd, start, w, cand);
    const next = allocZeroed(<usize>nStates * limbBytes);
    const maxCand = maxCandidates(ctx, start, w);
    const gRows = alloc((w * maxCand) << 3);
    const prefix = alloc(<i32>(<usize>(w + 1) * limbBytes)); // prefix[j]: f[s] * g[0][d0] ... g[j-1][d(j-1)]
    const digits = alloc(w << 2);
    const radices = alloc(w << 2);
    const strides = alloc(w << 2);
    layerRadices(ctx, start, w, radices, strides);
    for (let s = 0; s < nPrev; s++) {
      const fs = f + <usize>s * limbBytes;
      if (wideIsZero(fs)) continue;
      stateCounts(ctx, start, w, pidx, s, maxCand, gRows, digits);
      memory.copy(prefix, fs, limbBytes);
      let from = 0;
      for (let s2 = 0; ; ) {
        let j = w - 1;
        let step = 1;
        for (let k = from; k < w; k++) {
          const c = u64At(gRows, k * maxCand + word(digits, k));
          if (c == 0) {
            j = k;
            step = word(strides, k);
            break;
          }
          if (!wideMulInto(prefix + <usize>(k + 1) * limbBytes, prefix + <usize>k * limbBytes, c)) return 1;
          if (k == w - 1 && !wideAdd(next + <usize>s2 * limbBytes, prefix + <usize>w * limbBytes)) return 1;
        }
        j = advanceDigits(digits, radices, j);
        if (j < 0) break;
        from = j;
        s2 += step;
      }
    }
    f = next;
    nPrev = <i32>nStates;
    prevStart = start;
    prevEnd = end;
  }
  memory.fill(out, 0, limbBytes);
  for (let s = 0; s < nPrev; s++) if (!wideAdd(out, f + <usize>s * limbBytes)) return 1;
  return 0;
}

// ----------------------------------------------------------------------------------------------
// Distinct gate dicts: hash sets in linear memory
// ----------------------------------------------------------------------------------------------

// Hash set of fixed-size keys (a multiple of 8 bytes), open addressing, linear probing.
const HS_CAP = 0;
const HS_SIZE = 4;
const HS_KEYBYTES = 8;
const HS_SLOTS = 12;
const HS_USED = 16;
const HS_BYTES = 20;

function hsNew(keyBytes: i32, cap: i32): usize {
  const hs = allocZeroed(HS_BYTES);
  store<i32>(hs + HS_CAP, cap);
  store<i32>(hs + HS_KEYBYTES, keyBytes);
  store<usize>(hs + HS_SLOTS, allocZeroed(<usize>cap * <usize>keyBytes));
  store<usize>(hs + HS_USED, allocZeroed(<usize>cap));
  return hs;
}

function hashKey(key: usize, keyBytes: i32): u32 {
  let h: u64 = 0x9e3779b97f4a7c15;
  for (let o = 0; o < keyBytes; o += 8) {
    h ^= load<u64>(key + <usize>o);
    h *= 0xff51afd7ed558ccd;
    h ^= h >> 32;
  }
  h *= 0xc4ceb9fe1a85ec53;
  return <u32>(h ^ (h >> 29));
}

/** Inserts the key; returns true if it was new. */
function hsInsert(hs: usize, key: usize): bool {
  const cap = load<i32>(hs + HS_CAP);
  const kb = load<i32>(hs + HS_KEYBYTES);
  const slots = load<usize>(hs + HS_SLOTS);
  const used = load<usize>(hs + HS_USED);
  let i = <i32>(hashKey(key, kb) & <u32>(cap - 1));
  // The table is at most half full, so the probe always ends.
  while (load<u8>(used + <usize>i) != 0) {
    if (memory.compare(slots + <usize>i * <usize>kb, key, <usize>kb) == 0) return false;
    i = (i + 1) & (cap - 1);
  }
  memory.copy(slots + <usize>i * <usize>kb, key, <usize>kb);
  store<u8>(used + <usize>i, 1);
  const size = load<i32>(hs + HS_SIZE) + 1;
  store<i32>(hs + HS_SIZE, size);
  if (size * 2 > cap) hsGrow(hs);
  return true;
}

function hsGrow(hs: usize): void {
  const cap = load<i32>(hs + HS_CAP);
  const kb = load<i32>(hs + HS_KEYBYTES);
  const slots = load<usize>(hs + HS_SLOTS);
  const used = load<usize>(hs + HS_USED);
  const newCap = cap * 2;
  store<i32>(hs + HS_CAP, newCap);
  store<i32>(hs + HS_SIZE, 0);
  store<usize>(hs + HS_SLOTS, allocZeroed(<usize>newCap * <usize>kb));
  store<usize>(hs + HS_USED, allocZeroed(<usize>newCap));
  for (let i = 0; i < cap; i++) {
    if (load<u8>(used + <usize>i) != 0) hsInsert(hs, slots + <usize>i * <usize>kb);
  }
}

/**
 * Number of distinct gate dicts, or -1 on error (ERR_UNNAMABLE: a layer-1 gate has no name).
 * Walks the consistent candidate assignments; each contributes the product of its neurons' name
 * sets, expanded once per distinct tuple of sets.
 */
export function groundingDistinct(ctx: usize): i64 {
  lastError = ERR_NONE;
  if (load<i32>(ctx + CTX_UNNAMABLE) != 0) {
    lastError = ERR_UNNAMABLE;
    return -1;
  }
  const N = load<i32>(ctx + CTX_N);
  if (N == 0) return 1;
  const tuples = hsNew(N << 3, 64);
  const dictBytes = (N + 7) & ~7;
  const dicts = hsNew(dictBytes, 64);
  const key = allocZeroed(<usize>dictBytes);
  const idx = allocZeroed(<usize>(N << 3));
  visit(ctx, 0, N, tuples, dicts, key, idx);
  return <i64>load<i32>(dicts + HS_SIZE);
}

function visit(ctx: usize, i: i32, N: i32, tuples: usize, dicts: usize, key: usize, idx: usize): void {
  const r = rec(ctx, i);
  const cand = load<usize>(ctx + CTX_CAND);
  const sets = load<usize>(ctx + CTX_SETS);
  const nCand = load<i32>(r + NR_NCAND);
  for (let c = 0; c < nCand; c++) {
    const e = entryOf(r, c, cand);
    if (u64At(load<usize>(r + NR_COUNT), e) == 0) continue;
    setWord(cand, i, c);
    setU64(sets, i, u64At(load<usize>(r + NR_NAMES), e));
    if (i < N - 1) visit(ctx, i + 1, N, tuples, dicts, key, idx);
    else if (hsInsert(tuples, sets)) addProduct(sets, N, dicts, key, idx);
  }
}

/** Inserts every dict of the product of the name sets: an odometer over each set's bits. */
function addProduct(sets: usize, N: i32, dicts: usize, key: usize, idx: usize): void {
  // idx[j] = the remaining bits of set j not yet visited at this position (current = lowest).
  for (let j = 0; j < N; j++) setU64(idx, j, u64At(sets, j));
  for (;;) {
    for (let j = 0; j < N; j++) store<u8>(key + <usize>j, <u8>ctz(u64At(idx, j)));
    hsInsert(dicts, key);
    let j = N - 1;
    for (; j >= 0; j--) {
      const rest = u64At(idx, j) & (u64At(idx, j) - 1); // drop the lowest bit
      if (rest != 0) {
        setU64(idx, j, rest);
        break;
      }
      setU64(idx, j, u64At(sets, j));
    }
    if (j < 0) return;
  }
}

// ----------------------------------------------------------------------------------------------
// Streaming enumeration (reference order)
// ----------------------------------------------------------------------------------------------

/** Restarts the enumeration of the context's groundings. */
export function groundingIterStart(ctx: usize): void {
  store<i32>(ctx + CTX_ITER, 0);
}

/**
 * Writes up to `k` next groundings to `buf`, each as N pairs of i32 (candidate index, completion
 * index) in neuron order, and returns how many; 0 when done, -1 on error (a completion index that
 * does not fit an i32). Resumable: the next call continues where this one stopped.
 */
export function groundingIterNext(ctx: usize, buf: usize, k: i32): i32 {
  lastError = ERR_NONE;
  const N = load<i32>(ctx + CTX_N);
  const cand = load<usize>(ctx + CTX_CAND);
  const compl = load<usize>(ctx + CTX_COMPL);
  let written = 0;
  while (written < k && advance(ctx, N, cand, compl)) {
    const out = buf + (<usize>(written * 2 * N) << 2);
    for (let i = 0; i < N; i++) {
      const ki = u64At(compl, i);
      if (ki > 0x7fffffff) {
        lastError = ERR_COMPLETION_INDEX;
        return -1;
      }
      setWord(out, 2 * i, word(cand, i));
      setWord(out, 2 * i + 1, <i32>ki);
    }
    written++;
  }
  return written;
}

/**
 * Puts the odometer on a grounding previously returned by groundingIterNext (JS re-loads a problem
 * after other kernels reset the heap): `state` holds cand as i32[N], then, 8-byte aligned, the
 * completion indices as u64[N]. The next groundingIterNext continues after it.
 */
export function groundingIterRestore(ctx: usize, state: usize): void {
  const N = load<i32>(ctx + CTX_N);
  const cand = load<usize>(ctx + CTX_CAND);
  const compl = load<usize>(ctx + CTX_COMPL);
  const complIn = state + ((<usize>(N << 2) + 7) & ~(<usize>7));
  for (let i = 0; i < N; i++) {
    setWord(cand, i, word(state, i));
    setU64(compl, i, u64At(complIn, i));
  }
  store<i32>(ctx + CTX_ITER, 1);
}

/** Moves the odometer to the next grounding (the last neuron varies fastest). */
function advance(ctx: usize, N: i32, cand: usize, compl: usize): bool {
  const state = load<i32>(ctx + CTX_ITER);
  if (state == 2) return false;
  if (N == 0) {
    // The empty product: exactly one (empty) grounding.
    store<i32>(ctx + CTX_ITER, state == 0 ? 1 : 2);
    return state == 0;
  }
  let i = N - 1;
  if (state == 0) {
    store<i32>(ctx + CTX_ITER, 1);
    i = 0;
    setWord(cand, 0, 0);
    setU64(compl, 0, u64.MAX_VALUE); // "before the first": +1 wraps to 0
  }
  while (i >= 0) {
    if (nextOption(ctx, i, cand, compl)) {
      if (i == N - 1) return true;
      i++;
      setWord(cand, i, 0);
      setU64(compl, i, u64.MAX_VALUE);
    } else {
      i--;
    }
  }
  store<i32>(ctx + CTX_ITER, 2);
  return false;
}

/** Next (candidate, completion) of neuron i after the current one, given its parents' choices. */
function nextOption(ctx: usize, i: i32, cand: usize, compl: usize): bool {
  const r = rec(ctx, i);
  const nCand = load<i32>(r + NR_NCAND);
  const counts = load<usize>(r + NR_COUNT);
  let k: u64 = u64At(compl, i) + 1;
  for (let c = word(cand, i); c < nCand; c++) {
    if (k < u64At(counts, entryOf(r, c, cand))) {
      setWord(cand, i, c);
      setU64(compl, i, k);
      return true;
    }
    k = 0;
  }
  return false;
}
