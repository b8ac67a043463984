// Grounding counts for many circuits of one node combination in one call: each circuit's
// activations on the distinct grounding inputs (the circuit-search forward pass, so values are
// bit-identical to the TS reference), its candidate truth tables and parents, then the counting
// DP of grounding.ts. JS only reads the counts back.

import { computeLayer } from './forward';
import { groundingCount, groundingCountWide, groundingError, groundingOverflow, groundingPrepare } from './grounding';
import { alloc, mark, release } from './heap';
import { ERR_TOO_LARGE, GROUND_FALLBACK, GROUND_OK, GROUND_OVERFLOW, GROUND_WIDE, MAX_GROUNDING_INPUTS as MAX_INPUTS, WIDE_COUNT_LIMBS } from './layout';

/**
 * Counts the groundings of circuits `locals[0..n)` (local indices inside one node combination,
 * ascending) and writes u64 counts to `outCounts`, i32 statuses to `outStatus`, and for a status of
 * GROUND_WIDE the count as WIDE_COUNT_LIMBS u64 limbs (low first) to `outWide` (the same slot order).
 *
 * Model, node masks, edge choices and the activation scratch are laid out as for
 * evaluateCombinations (forward.ts); the scratch's layer-0 rows hold the m distinct grounding
 * inputs (the last row of each truncated input), `m` <= 32, padded to `nPairs` row pairs.
 */
export function groundCircuitBatch(
  L: i32, sizesPtr: usize, wPtr: usize, bPtr: usize, slopeValue: f64,
  nodeMaskPtr: usize, countsPtr: usize, choicesPtr: usize,
  m: i32, nPairs: i32, actPtr: usize,
  localsPtr: usize, n: i32, outCounts: usize, outStatus: usize, outWide: usize,
): void {
  const walk = startWalk(L, sizesPtr, wPtr, bPtr, slopeValue, nodeMaskPtr, countsPtr, choicesPtr, nPairs, actPtr);
  const totalNeurons = load<i32>(walk + WALK_NEURONS);
  const rowBytes = <usize>nPairs << 4;
  // Scratch for one circuit's problem: grounded neurons' (layer, index, position) and candidates.
  const sorted = alloc(MAX_INPUTS << 3);
  const posOf = alloc((totalNeurons + 1) << 2); // neuron position by flat (layer, index), -1 if not grounded
  const problemBytes = problemBytesFor(totalNeurons);

  for (let i = 0; i < n; i++) {
    walkTo(walk, load<i32>(localsPtr + (<usize>i << 2)));
    const before = mark();
    const problem = alloc(problemBytes);
    const status = buildProblem(L, sizesPtr, m, rowBytes, walkAct(walk), walkMasks(walk), walkChoices(walk), walkDigits(walk), sorted, posOf, problem, totalNeurons, 0, 0, 0);
    let count: u64 = 0;
    let st = status;
    if (st == GROUND_OK) {
      const ctx = groundingPrepare(problem);
      if (ctx == 0) st = GROUND_FALLBACK;
      else {
        count = groundingCount(ctx);
        if (groundingError() == ERR_TOO_LARGE) st = GROUND_FALLBACK;
        else if (groundingOverflow() != 0) {
          // Past 64 bits: the wide count, into this circuit's limbs (else JS counts in BigInt).
          st = groundingCountWide(ctx, outWide + (<usize>i * WIDE_COUNT_LIMBS << 3)) == 0 ? GROUND_WIDE : GROUND_OVERFLOW;
        }
      }
    }
    store<u64>(outCounts + (<usize>i << 3), count);
    store<i32>(outStatus + (<usize>i << 2), st);
    release(before);
  }
}

// A walk over circuits of one node combination (several batch kernels share it): the layer
// offsets, the current edge-choice digits, and the activations on the rows, recomputed from the
// first layer whose edge choice changed. Fields (byte offsets of the walk block):
const WALK_L = 0;
const WALK_SIZES = 4;
const WALK_SLOPE = 8; // f64
const WALK_PAIRS = 16;
const WALK_NEURONS = 20; // neurons of layers 1..L
const WALK_W = 24; // usize[L] weights of each layer
const WALK_B = 28; // usize[L] biases
const WALK_ACT = 32; // usize[L+1] activation rows of each layer
const WALK_MASK = 36; // usize[L+1] node masks (f64 0/1)
const WALK_CHOICES = 40; // usize[L] edge choices (u64 masks)
const WALK_COUNTS = 44; // i32[L] edge-choice counts
const WALK_DIGITS = 48; // i32[L] the current circuit's choices
const WALK_PREV = 52; // i32[L] the choices its activations were computed for (-1: none)
const WALK_BYTES = 56;

/**
 * Starts a walk over circuits of one node combination (laid out as for evaluateCombinations,
 * forward.ts) on the `nPairs` row pairs of `actPtr`, whose layer-0 rows hold the inputs.
 */
export function startWalk(
  L: i32, sizesPtr: usize, wPtr: usize, bPtr: usize, slopeValue: f64,
  nodeMaskPtr: usize, countsPtr: usize, choicesPtr: usize, nPairs: i32, actPtr: usize,
): usize {
  const walk = alloc(WALK_BYTES);
  const rowBytes = <usize>nPairs << 4;
  const wOff = alloc((L + 1) << 3);
  const bOff = alloc((L + 1) << 3);
  const aOff = alloc((L + 2) << 3);
  const mOff = alloc((L + 2) << 3);
  const cOff = alloc((L + 1) << 3);
  const digits = alloc((L + 1) << 2);
  const prevDigits = alloc((L + 1) << 2);
  let w = wPtr, b = bPtr, a = actPtr, nm = nodeMaskPtr, c = choicesPtr;
  let totalNeurons = 0;
  for (let l = 0; l <= L; l++) {
    const size = load<i32>(sizesPtr + (<usize>l << 2));
    if (l > 0) totalNeurons += size;
    store<usize>(aOff + (<usize>l << 3), a);
    store<usize>(mOff + (<usize>l << 3), nm);
    a += <usize>size * rowBytes;
    nm += <usize>size << 3;
    if (l < L) {
      const next = load<i32>(sizesPtr + (<usize>(l + 1) << 2));
      store<usize>(wOff + (<usize>l << 3), w);
      store<usize>(bOff + (<usize>l << 3), b);
      store<usize>(cOff + (<usize>l << 3), c);
      w += <usize>(size * next) << 3;
      b += <usize>next << 3;
      c += <usize>load<i32>(countsPtr + (<usize>l << 2)) << 3;
      store<i32>(prevDigits + (<usize>l << 2), -1);
    }
  }
  store<i32>(walk + WALK_L, L);
  store<usize>(walk + WALK_SIZES, sizesPtr);
  store<f64>(walk + WALK_SLOPE, slopeValue);
  store<i32>(walk + WALK_PAIRS, nPairs);
  store<i32>(walk + WALK_NEURONS, totalNeurons);
  store<usize>(walk + WALK_W, wOff);
  store<usize>(walk + WALK_B, bOff);
  store<usize>(walk + WALK_ACT, aOff);
  store<usize>(walk + WALK_MASK, mOff);
  store<usize>(walk + WALK_CHOICES, cOff);
  store<usize>(walk + WALK_COUNTS, countsPtr);
  store<usize>(walk + WALK_DIGITS, digits);
  store<usize>(walk + WALK_PREV, prevDigits);
  return walk;
}

/** Moves the walk to circuit `local` of the combination: decodes its choices, recomputes from the first changed layer. */
export function walkTo(walk: usize, local: i32): void {
  const L = load<i32>(walk + WALK_L);
  const countsPtr = load<usize>(walk + WALK_COUNTS);
  const digits = load<usize>(walk + WALK_DIGITS);
  const prevDigits = load<usize>(walk + WALK_PREV);
  let rest = local;
  for (let l = L - 1; l >= 0; l--) {
    const count = load<i32>(countsPtr + (<usize>l << 2));
    store<i32>(digits + (<usize>l << 2), rest % count);
    rest = rest / count;
  }
  let dirty = L;
  for (let l = 0; l < L; l++) {
    if (load<i32>(digits + (<usize>l << 2)) != load<i32>(prevDigits + (<usize>l << 2))) {
      dirty = l;
      break;
    }
  }
  for (let l = dirty; l < L; l++) {
    const d = load<i32>(digits + (<usize>l << 2));
    store<i32>(prevDigits + (<usize>l << 2), d);
    computeWalkLayer(walk, l, load<i32>(walk + WALK_PAIRS), walkActOf(walk, l), walkActOf(walk, l + 1));
  }
}

/** Layer l of the walk's current circuit on other rows: `nPairs` row pairs from `actIn` into `actOut`. */
export function computeWalkLayer(walk: usize, l: i32, nPairs: i32, actIn: usize, actOut: usize): void {
  const L = load<i32>(walk + WALK_L);
  const d = load<i32>(load<usize>(walk + WALK_DIGITS) + (<usize>l << 2));
  const edges = load<u64>(load<usize>(load<usize>(walk + WALK_CHOICES) + (<usize>l << 3)) + (<usize>d << 3));
  computeLayer(l, L, load<usize>(walk + WALK_SIZES), load<usize>(load<usize>(walk + WALK_W) + (<usize>l << 3)),
    load<usize>(load<usize>(walk + WALK_B) + (<usize>l << 3)), load<f64>(walk + WALK_SLOPE), nPairs,
    actIn, actOut, edges, load<usize>(load<usize>(walk + WALK_MASK) + (<usize>(l + 1) << 3)));
}

// @ts-ignore: decorator
@inline export function walkAct(walk: usize): usize {
  return load<usize>(walk + WALK_ACT);
}
// @ts-ignore: decorator
@inline export function walkActOf(walk: usize, l: i32): usize {
  return load<usize>(load<usize>(walk + WALK_ACT) + (<usize>l << 3));
}
// @ts-ignore: decorator
@inline export function walkMasks(walk: usize): usize {
  return load<usize>(walk + WALK_MASK);
}
// @ts-ignore: decorator
@inline export function walkChoices(walk: usize): usize {
  return load<usize>(walk + WALK_CHOICES);
}
// @ts-ignore: decorator
@inline export function walkDigits(walk: usize): usize {
  return load<usize>(walk + WALK_DIGITS);
}
// @ts-ignore: decorator
@inline export function walkNeurons(walk: usize): i32 {
  return load<i32>(walk + WALK_NEURONS);
}

/** Bytes of a grounding problem of at most `totalNeurons` neurons (grounding.ts layout). */
export function problemBytesFor(totalNeurons: i32): i32 {
  const maxCand = totalNeurons * (MAX_INPUTS - 1);
  return (5 + 6 * totalNeurons + 2 * maxCand + totalNeurons * totalNeurons + 8) << 2;
}

/**
 * Writes the grounding problem (grounding.ts layout) of the circuit whose activations are in the
 * scratch: per active neuron of layers 1..L, its candidate truth tables over the m inputs
 * (G2: thresholds between consecutive distinct values; output values rounded half to even), then
 * its parents (grounded previous-layer neurons with an edge into it). Constant neurons are skipped.
 *
 * With `sortedPtr` (not 0), the layer-1 candidates get their gate-name codes (src/grounding.ts
 * inputGateCode: the inputs in sorted order `sortedPtr`, i32[m], for an input width `width`; the
 * caller keeps widths past 48, whose codes a u64 name set cannot hold, away); otherwise codes
 * are 0, which counting never reads. With `sepsOut`, each candidate's separator (f64, candidate order).
 */
export function buildProblem(
  L: i32, sizesPtr: usize, m: i32, rowBytes: usize, aOff: usize, mOff: usize, cOff: usize, digits: usize,
  sorted: usize, posOf: usize, problem: usize, totalNeurons: i32, width: i32, sortedPtr: usize, sepsOut: usize,
): i32 {
  // Pass 1: candidates of every grounded neuron, into a temporary list after the records.
  const recs = problem + 20; // 6 words per neuron, filled as we go
  const ttTmp = recs + (<usize>(6 * totalNeurons) << 2);
  let N = 0;
  let totalCand = 0;
  let flat = 0; // flat index of this layer's first neuron (layer 1 starts at 0)
  let prevFlat = 0; // the previous layer's
  for (let l = 1; l <= L; l++) {
    const size = load<i32>(sizesPtr + (<usize>l << 2));
    const act = load<usize>(aOff + (<usize>l << 3));
    const nodeMask = load<usize>(mOff + (<usize>l << 3));
    const layerStart = N;
    for (let k = 0; k < size; k++) {
      store<i32>(posOf + (<usize>(flat + k) << 2), -1);
      if (load<f64>(nodeMask + (<usize>k << 3)) == 0) continue;
      const row = act + <usize>k * rowBytes;
      // Sorted copy of the m values (insertion sort: m is small).
      for (let r = 0; r < m; r++) {
        let v = load<f64>(row + (<usize>r << 3));
        if (l == L) v = nearest(v);
        let j = r;
        while (j > 0 && load<f64>(sorted + (<usize>(j - 1) << 3)) > v) {
          store<f64>(sorted + (<usize>j << 3), load<f64>(sorted + (<usize>(j - 1) << 3)));
          j--;
        }
        store<f64>(sorted + (<usize>j << 3), v);
      }
      const candStart = totalCand;
      for (let r = 0; r + 1 < m; r++) {
        const lo = load<f64>(sorted + (<usize>r << 3));
        const hi = load<f64>(sorted + (<usize>(r + 1) << 3));
        if (!(lo < hi)) continue;
        // numpy: two float32 values add in float32, the halving is float64; integer outputs add exactly.
        const sep = l == L ? (lo + hi) / 2 : <f64>(<f32>(lo + hi)) / 2;
        let tt: u32 = 0;
        for (let r2 = 0; r2 < m; r2++) {
          let v = load<f64>(row + (<usize>r2 << 3));
          if (l == L) v = nearest(v);
          if (v > sep) tt |= (<u32>1) << <u32>r2;
        }
        const full: u32 = m >= 32 ? 0xffffffff : ((<u32>1) << <u32>m) - 1;
        if (tt == 0 || tt == full) return GROUND_FALLBACK; // "Not allowed" in the reference
        store<u32>(ttTmp + (<usize>totalCand << 2), tt);
        if (sepsOut != 0) store<f64>(sepsOut + (<usize>totalCand << 3), sep);
        totalCand++;
      }
      const nCand = totalCand - candStart;
      if (nCand == 0) continue; // constant over the inputs: not grounded (G2)
      store<i32>(posOf + (<usize>(flat + k) << 2), N);
      const rec = recs + (<usize>(6 * N) << 2);
      store<i32>(rec, l);
      store<i32>(rec + 4, k);
      store<i32>(rec + 8, nCand);
      store<i32>(rec + 12, candStart);
      store<i32>(rec + 16, l == 1 ? -1 : 0); // parents filled in pass 2
      N++;
    }
    // Parents of this layer's neurons: the previous layer's grounded neurons with an edge.
    if (l >= 2) {
      const nIn = load<i32>(sizesPtr + (<usize>(l - 1) << 2));
      const edges = load<u64>(load<usize>(cOff + (<usize>(l - 1) << 3)) + (<usize>load<i32>(digits + (<usize>(l - 1) << 2)) << 3));
      for (let p = layerStart; p < N; p++) {
        const rec = recs + (<usize>(6 * p) << 2);
        const k = load<i32>(rec + 4);
        let nPar = 0;
        for (let j = 0; j < nIn; j++) {
          if (((edges >> <u64>(k * nIn + j)) & 1) == 0) continue;
          const pos = load<i32>(posOf + (<usize>(prevFlat + j) << 2));
          if (pos >= 0) nPar++;
        }
        store<i32>(rec + 16, nPar);
      }
    }
    prevFlat = flat;
    flat += size;
  }
  // Pass 2: lay out tts, name codes (0: counting never reads them) and parent links.
  store<i32>(problem, 1);
  store<i32>(problem + 4, m);
  store<i32>(problem + 8, N);
  store<i32>(problem + 12, totalCand);
  const tts = recs + (<usize>(6 * N) << 2);
  memory.copy(tts, ttTmp, <usize>totalCand << 2);
  const codes = tts + (<usize>totalCand << 2);
  memory.fill(codes, 0, <usize>totalCand << 2);
  if (sortedPtr != 0) {
    for (let p = 0; p < N; p++) {
      const rec = recs + (<usize>(6 * p) << 2);
      if (load<i32>(rec) != 1) break; // layer 1 comes first
      const start = load<i32>(rec + 12);
      for (let c = start; c < start + load<i32>(rec + 8); c++) {
        store<i32>(codes + (<usize>c << 2), inputGateCode(load<u32>(tts + (<usize>c << 2)), sortedPtr, m, width));
      }
    }
  }
  const links = codes + (<usize>totalCand << 2);
  let totalParents = 0;
  flat = 0;
  for (let p = 0; p < N; p++) {
    const rec = recs + (<usize>(6 * p) << 2);
    const l = load<i32>(rec);
    const nPar = load<i32>(rec + 16);
    store<i32>(rec + 20, totalParents);
    if (nPar <= 0) continue;
    const k = load<i32>(rec + 4);
    const nIn = load<i32>(sizesPtr + (<usize>(l - 1) << 2));
    let prevFlatL = 0;
    for (let q = 1; q < l - 1; q++) prevFlatL += load<i32>(sizesPtr + (<usize>q << 2));
    const edges = load<u64>(load<usize>(cOff + (<usize>(l - 1) << 3)) + (<usize>load<i32>(digits + (<usize>(l - 1) << 2)) << 3));
    for (let j = 0; j < nIn; j++) {
      if (((edges >> <u64>(k * nIn + j)) & 1) == 0) continue;
      const pos = load<i32>(posOf + (<usize>(prevFlatL + j) << 2));
      if (pos < 0) continue;
      store<i32>(links + (<usize>totalParents << 2), pos);
      totalParents++;
    }
  }
  store<i32>(problem + 16, totalParents);
  return GROUND_OK;
}

/**
 * `name_gate` of a layer-1 table (src/grounding.ts inputGateCode): the bits in sorted-input order,
 * first most significant, named for the input width; -1 where the reference would index past its
 * list (more distinct inputs than truth-table rows).
 */
function inputGateCode(tt: u32, sortedPtr: usize, m: i32, width: i32): i32 {
  if (width >= 3) return 15 + width;
  let bits: u64 = 0;
  for (let k = 0; k < m; k++) bits = (bits << 1) | <u64>((tt >>> <u32>load<i32>(sortedPtr + (<usize>k << 2))) & 1);
  const rows: u64 = (<u64>1) << (<u64>1 << <u64>width); // 2^(2^width) tables of `width` inputs
  if (bits >= rows) return -1;
  const b = <i32>bits;
  if (width == 0) return b != 0 ? 15 : 0;
  if (width == 1) return b == 0 ? 0 : b == 1 ? 16 : b == 2 ? 17 : 15;
  return b;
}
