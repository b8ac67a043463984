// Batched masked forward passes for circuit search (the Wasm CPU fast path).
//
// One call evaluates a contiguous range of circuits of one or more node-mask combinations on
// every data row. Circuits are decoded from their index in registers (mixed radix over the
// layers' edge-mask choices, last layer fastest), and a layer is recomputed only when its own edge
// choice or an earlier one changed, so most circuits cost one output layer.
//
// Two arithmetic modes share one driver, picked at compile time by a marker type:
// - Exact (f64): matches the TypeScript reference bit for bit. Values are float32 held in f64
//   lanes; each multiply-add is done in f64 (a float32 x float32 product is exact there) and
//   rounded to float32 once, which is torch's fused order (first product, fused multiply-adds,
//   bias last). Two data rows share one f64x2 vector.
// - Fast (f32): plain f32x4 arithmetic, four rows per vector, products and sums rounded
//   separately. Its outputs are within a static bound E of the exact ones (computed per model
//   and data by src/backends/wasm-fast-bound.ts), so a row is decided by the fast value alone
//   when that value is farther than E from every rounding boundary k + 0.5. A circuit with any
//   undecided row is evaluated again in exact mode, so results are the exact mode's.
// - Ablated (exact arithmetic): pruned parts pass given replacement values instead of zero (the
//   mean- and resample-ablation criteria, docs/criteria.md, K2): a pruned edge j -> i adds
//   w_ij * rep_j in its place in the sum, the TS reference's order (src/circuits/ablation.ts). A
//   pruned node's edges are all pruned (C3), so it passes its replacement value downstream.

import { alloc, allocZeroed, mark, release } from './heap';
import { COMBO_BYTES, COMBO_CHOICES, COMBO_COUNT, COMBO_COUNTS, COMBO_NODE_MASKS, COMBO_OFFSET, MAX_LAYERS, MAX_WIDTH } from './layout';

/** Marker types for the modes (Ablated computes as Exact and shares its scratch). */
type Exact = f64;
type Fast = f32;
type Ablated = i64;

// @ts-ignore: decorator
@inline function isFast<T>(): bool {
  return sizeof<T>() == 4;
}

// @ts-ignore: decorator
@inline function isAblated<T>(): bool {
  return isInteger<T>();
}

/** Rounds both f64 lanes to float32 and back. */
// @ts-ignore: decorator
@inline function fround2(v: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(v));
}

/** A float32 value (stored as f64) in every lane. */
// @ts-ignore: decorator
@inline function vsplat<T>(x: f64): v128 {
  if (isFast<T>()) return f32x4.splat(<f32>x);
  return f64x2.splat(x);
}

/** The first term of a sum: x * w rounded to float32. */
// @ts-ignore: decorator
@inline function vfirst<T>(x: v128, w: v128): v128 {
  if (isFast<T>()) return f32x4.mul(x, w);
  return fround2(f64x2.mul(x, w));
}

/** acc + x * w: fused with one rounding (exact mode) or two roundings (fast mode). */
// @ts-ignore: decorator
@inline function vmulAdd<T>(acc: v128, x: v128, w: v128): v128 {
  if (isFast<T>()) return f32x4.add(acc, f32x4.mul(x, w));
  return fround2(f64x2.add(acc, f64x2.mul(x, w)));
}

/** a + b rounded to float32. */
// @ts-ignore: decorator
@inline function vadd<T>(a: v128, b: v128): v128 {
  if (isFast<T>()) return f32x4.add(a, b);
  return fround2(f64x2.add(a, b));
}

/** a * b where the product is exact (a node mask of 0 or 1). */
// @ts-ignore: decorator
@inline function vmulExact<T>(a: v128, b: v128): v128 {
  if (isFast<T>()) return f32x4.mul(a, b);
  return f64x2.mul(a, b);
}

/** LeakyReLU: v >= 0 ? v : v * slope rounded to float32. */
// @ts-ignore: decorator
@inline function vleaky<T>(v: v128, slope: v128): v128 {
  if (isFast<T>()) return v128.bitselect(v, f32x4.mul(v, slope), f32x4.ge(v, f32x4.splat(0)));
  return v128.bitselect(v, fround2(f64x2.mul(v, slope)), f64x2.ge(v, f64x2.splat(0)));
}

/**
 * Computes neuron `r` of layer l+1 on every vector of rows (the reference's summation order).
 * Input j's rows are read at the address stored in `inRows[j]`, so memoised rows are used in place.
 * Ablated mode: a pruned edge's term is its weight times input j's replacement row (`rep[j]`, the
 * layer's replacement table) instead of zero.
 */
// @ts-ignore: decorator
@inline function computeRow<T>(
  r: i32, nIn: i32, hidden: bool, wOff: usize, bOff: usize, slope: v128, nVec: i32,
  inRows: usize, out: usize, mask: u64, nextNodeMask: usize, rep: usize,
): void {
  const bias = vsplat<T>(load<f64>(bOff + (<usize>r << 3)));
  const keep = vsplat<T>(hidden ? load<f64>(nextNodeMask + (<usize>r << 3)) : 1);
  for (let p = 0; p < nVec; p++) {
    const pOff = <usize>p << 4;
    let bit = (mask >> <u64>(r * nIn)) & 1;
    let w: v128;
    let x: usize;
    if (isAblated<T>()) {
      w = vsplat<T>(load<f64>(wOff + (<usize>(r * nIn) << 3)));
      x = load<usize>(bit ? inRows : rep);
    } else {
      w = vsplat<T>(bit ? load<f64>(wOff + (<usize>(r * nIn) << 3)) : 0);
      x = load<usize>(inRows);
    }
    let acc = vfirst<T>(v128.load(x + pOff), w);
    for (let j = 1; j < nIn; j++) {
      bit = (mask >> <u64>(r * nIn + j)) & 1;
      const at = <usize>j << alignof<usize>();
      if (isAblated<T>()) {
        w = vsplat<T>(load<f64>(wOff + (<usize>(r * nIn + j) << 3)));
        x = load<usize>((bit ? inRows : rep) + at);
      } else {
        w = vsplat<T>(bit ? load<f64>(wOff + (<usize>(r * nIn + j) << 3)) : 0);
        x = load<usize>(inRows + at);
      }
      acc = vmulAdd<T>(acc, v128.load(x + pOff), w);
    }
    let v = vleaky<T>(vadd<T>(acc, bias), slope);
    if (hidden) v = vmulExact<T>(v, keep);
    v128.store(out + pOff, v);
  }
}

/**
 * Computes layer `l` exactly for every row pair: reads layer l's (masked) inputs, writes layer
 * l+1's activations, multiplied by their node mask when the layer is hidden (the next layer's
 * input mask). Used by the grounding kernel (ground-circuits.ts).
 */
export function computeLayer(
  l: i32, L: i32, sizesPtr: usize, wOff: usize, bOff: usize, slopeValue: f64, nPairs: i32,
  actIn: usize, actOut: usize, mask: u64, nextNodeMask: usize,
): void {
  const slope = f64x2.splat(slopeValue);
  const nIn = load<i32>(sizesPtr + (<usize>l << 2));
  const nOut = load<i32>(sizesPtr + (<usize>(l + 1) << 2));
  const rowBytes = <usize>nPairs << 4;
  for (let j = 0; j < nIn; j++) setAt(scratchRows, j, actIn + <usize>j * rowBytes);
  computeLayerRows<Exact>(l, L, nIn, nOut, wOff, bOff, slope, nPairs, scratchRows, actOut, mask, nextNodeMask, 0);
}

/** Computes layer `l` reading inputs through the pointer table `inRows`, into contiguous rows. */
function computeLayerRows<T>(
  l: i32, L: i32, nIn: i32, nOut: i32, wOff: usize, bOff: usize, slope: v128, nVec: i32,
  inRows: usize, actOut: usize, mask: u64, nextNodeMask: usize, rep: usize,
): void {
  const rowBytes = <usize>nVec << 4;
  for (let r = 0; r < nOut; r++) {
    computeRow<T>(r, nIn, l < L - 1, wOff, bOff, slope, nVec, inRows, actOut + <usize>r * rowBytes, mask, nextNodeMask, rep);
  }
}

// Static memory below the heap (a heap reset cannot touch it), one copy per mode where the
// modes' layouts differ. At most MAX_LAYERS layers of at most MAX_WIDTH neurons (layout.ts).
const scratchRows = memory.data(MAX_WIDTH * sizeof<usize>());
// Ablated mode: `repTables + l * MAX_WIDTH` holds where layer l's units' replacement rows are
// (exact mode's layout: two data rows per f64x2 vector).
const repTables = memory.data((MAX_LAYERS * MAX_WIDTH) * sizeof<usize>());
// Row pointer tables: `rowTables + l * MAX_WIDTH` holds where layer l's neuron rows are
// (contiguous activations, or memo slots).
const rowTablesExact = memory.data(((MAX_LAYERS + 1) * MAX_WIDTH) * sizeof<usize>());
const rowTablesFast = memory.data(((MAX_LAYERS + 1) * MAX_WIDTH) * sizeof<usize>());
// The last layer's masked weights for its current edge choice, splatted (at most 64 edges).
const lastWeightsExact = memory.data(64 * 16);
const lastWeightsFast = memory.data(64 * 16);
// The output layer's biases, splatted (at most 32 outputs).
const lastBiasesExact = memory.data(MAX_WIDTH * 16);
const lastBiasesFast = memory.data(MAX_WIDTH * 16);
// Mixed-radix digits of the current circuit (layer 0 slowest).
const digitsExact = memory.data(MAX_LAYERS * 4);
const digitsFast = memory.data(MAX_LAYERS * 4);
// Per layer: activation rows, memo slots and their stamps, memo generation.
const actOffExact = memory.data((MAX_LAYERS + 1) * sizeof<usize>());
const actOffFast = memory.data((MAX_LAYERS + 1) * sizeof<usize>());
const memoOffExact = memory.data(MAX_LAYERS * sizeof<usize>());
const memoOffFast = memory.data(MAX_LAYERS * sizeof<usize>());
const stampOffExact = memory.data(MAX_LAYERS * sizeof<usize>());
const stampOffFast = memory.data(MAX_LAYERS * sizeof<usize>());
const gensExact = memory.data(MAX_LAYERS * 4);
const gensFast = memory.data(MAX_LAYERS * 4);
// Per layer: the current list of row pointers of its neurons (see inRows).
const inRowsExact = memory.data((MAX_LAYERS + 1) * sizeof<usize>());
const inRowsFast = memory.data((MAX_LAYERS + 1) * sizeof<usize>());
// Per memo layer: for each edge choice, its neurons' memo rows (pointer lists) and the generation
// in which that list was last checked.
const choiceRowsExact = memory.data(MAX_LAYERS * sizeof<usize>());
const choiceRowsFast = memory.data(MAX_LAYERS * sizeof<usize>());
const choiceStampsExact = memory.data(MAX_LAYERS * sizeof<usize>());
const choiceStampsFast = memory.data(MAX_LAYERS * sizeof<usize>());
// Shared by both modes: weights, biases, node masks (f64 0/1) and edge choices of each layer.
const wOff = memory.data(MAX_LAYERS * sizeof<usize>());
const bOff = memory.data(MAX_LAYERS * sizeof<usize>());
const choiceOff = memory.data(MAX_LAYERS * sizeof<usize>());
const maskOff = memory.data((MAX_LAYERS + 1) * sizeof<usize>());

/** Per-mode data: vectors per row, labels and row weights (set by evaluateCombinations). */
let nVecExact = 0, nVecFast = 0;
/** Per-mode scratch (heap, set up per call): the output sums, and the incremental tail's prefix sums and rows. */
let sumsExact: usize = 0, sumsFast: usize = 0;
let prefixExact: usize = 0, prefixFast: usize = 0;
let tailRowsExact: usize = 0, tailRowsFast: usize = 0;
let liveExact: usize = 0, liveFast: usize = 0;
let yExact: usize = 0, yFast: usize = 0;
let rowWeightExact: usize = 0, rowWeightFast: usize = 0;
/** Fast mode: each row's decision margin per output, laid out as the labels. */
let marginsFast: usize = 0;

// @ts-ignore: decorator
@inline function pick<T>(exact: usize, fast: usize): usize {
  return isFast<T>() ? fast : exact;
}
// @ts-ignore: decorator
@inline function nVecOf<T>(): i32 {
  return isFast<T>() ? nVecFast : nVecExact;
}
/** Layer l's replacement table (ablated mode). */
// @ts-ignore: decorator
@inline function repTable(l: i32): usize {
  return repTables + ((<usize>(l * MAX_WIDTH)) << alignof<usize>());
}
// @ts-ignore: decorator
@inline function rowTable<T>(l: i32): usize {
  return pick<T>(rowTablesExact, rowTablesFast) + ((<usize>(l * MAX_WIDTH)) << alignof<usize>());
}
/** Where layer l's neuron rows are now: its row table, or a memo layer's list for its edge choice. */
// @ts-ignore: decorator
@inline function inRows<T>(l: i32): usize {
  return getAt(pick<T>(inRowsExact, inRowsFast), l);
}
// @ts-ignore: decorator
@inline function setInRows<T>(l: i32, rows: usize): void {
  setAt(pick<T>(inRowsExact, inRowsFast), l, rows);
}
// @ts-ignore: decorator
@inline function getAt(base: usize, i: i32): usize {
  return load<usize>(base + (<usize>i << alignof<usize>()));
}
// @ts-ignore: decorator
@inline function setAt(base: usize, i: i32, v: usize): void {
  store<usize>(base + (<usize>i << alignof<usize>()), v);
}
// @ts-ignore: decorator
@inline function digit<T>(i: i32): i32 {
  return load<i32>(pick<T>(digitsExact, digitsFast) + (<usize>i << 2));
}
// @ts-ignore: decorator
@inline function setDigit<T>(i: i32, v: i32): void {
  store<i32>(pick<T>(digitsExact, digitsFast) + (<usize>i << 2), v);
}
// @ts-ignore: decorator
@inline function sizeAt(sizesPtr: usize, l: i32): i32 {
  return load<i32>(sizesPtr + (<usize>l << 2));
}

/** Fills the mode's output-layer biases (`nOut` of them). */
function prepareLastBiases<T>(bOff: usize, nOut: i32): void {
  const out = pick<T>(lastBiasesExact, lastBiasesFast);
  for (let r = 0; r < nOut; r++) v128.store(out + (<usize>r << 4), vsplat<T>(load<f64>(bOff + (<usize>r << 3))));
}

/** Fills the mode's last-layer weights for edge mask `mask` of a layer of `nW` weights. */
function prepareLastWeights<T>(wOff: usize, nW: i32, mask: u64): void {
  const out = pick<T>(lastWeightsExact, lastWeightsFast);
  for (let k = 0; k < nW; k++) {
    const wk = ((mask >> <u64>k) & 1) != 0 ? load<f64>(wOff + (<usize>k << 3)) : 0;
    v128.store(out + (<usize>k << 4), vsplat<T>(wk));
  }
}

/** Layers with at most this many inputs memoise their neurons by edge pattern. */
const MEMO_MAX_INPUTS = 6;

/**
 * A hidden layer with memoisation: a neuron's value depends only on the layer's inputs and its
 * own row of the edge mask, so while the inputs are unchanged (same generation `gen`) each
 * (neuron, row pattern) is computed once. Writes where each neuron's row is to `rows`, which the
 * next layer reads in place.
 */
// @ts-ignore: decorator
@inline function computeLayerMemo<T>(
  l: i32, L: i32, sizesPtr: usize, wOff: usize, bOff: usize, slope: v128,
  mask: u64, nextNodeMask: usize, memo: usize, stamps: usize, gen: i32, rows: usize,
): void {
  const nVec = nVecOf<T>();
  const nIn = sizeAt(sizesPtr, l);
  const nOut = sizeAt(sizesPtr, l + 1);
  const rowBytes = <usize>nVec << 4;
  const patterns = 1 << nIn;
  const patternMask: u64 = (<u64>patterns) - 1;
  for (let r = 0; r < nOut; r++) {
    const slot = r * patterns + <i32>((mask >> <u64>(r * nIn)) & patternMask);
    const cached = memo + <usize>slot * rowBytes;
    const stamp = stamps + (<usize>slot << 2);
    if (load<i32>(stamp) != gen) {
      computeRow<T>(r, nIn, l < L - 1, wOff, bOff, slope, nVec, inRows<T>(l), cached, mask, nextNodeMask, repTable(l));
      store<i32>(stamp, gen);
    }
    setAt(rows, r, cached);
  }
}

/**
 * The output layer (from the prepared weights, the same arithmetic as computeRow): each output's
 * pre-activation sum without the bias, for every vector of rows, into the mode's sum scratch
 * (`[r][p]`), then {@link decideSums}. Ablated mode: the weights are unmasked, and a pruned edge
 * (bit r*nIn+j of `mask` clear) reads input j's replacement row from `rep`.
 */
// @ts-ignore: decorator
@inline function outputCorrect<T>(nIn: i32, nOut: i32, slope: v128, inRows: usize, mask: u64, rep: usize): f64 {
  const nVec = nVecOf<T>();
  const weights = pick<T>(lastWeightsExact, lastWeightsFast);
  const sums = isFast<T>() ? sumsFast : sumsExact;
  for (let p = 0; p < nVec; p++) {
    const pOff = <usize>p << 4;
    for (let r = 0; r < nOut; r++) {
      const wRow = weights + (<usize>(r * nIn) << 4);
      const from0 = isAblated<T>() && ((mask >> <u64>(r * nIn)) & 1) == 0 ? rep : inRows;
      let acc = vfirst<T>(v128.load(load<usize>(from0) + pOff), v128.load(wRow));
      for (let j = 1; j < nIn; j++) {
        const from = isAblated<T>() && ((mask >> <u64>(r * nIn + j)) & 1) == 0 ? rep : inRows;
        const x = v128.load(load<usize>(from + (<usize>j << alignof<usize>())) + pOff);
        acc = vmulAdd<T>(acc, x, v128.load(wRow + (<usize>j << 4)));
      }
      v128.store(sums + ((<usize>(r * nVec + p)) << 4), acc);
    }
  }
  return decideSums<T>(nOut, slope, sums, <usize>nVec << 4);
}

/**
 * The weighted count of rows where every output (bias added to its sum, LeakyReLU, rounded half
 * to even) equals its label; output r's sum of vector p is at `sums + r * rStride + p * 16`. In
 * fast mode: -1 when some row's output is too close to a rounding boundary for its bound to decide.
 */
// @ts-ignore: decorator
@inline function decideSums<T>(nOut: i32, slope: v128, sums: usize, rStride: usize): f64 {
  const nVec = nVecOf<T>();
  const rowBytes = <usize>nVec << 4;
  const y = isFast<T>() ? yFast : yExact;
  const biases = pick<T>(lastBiasesExact, lastBiasesFast);
  let correct = i32x4.splat(0); // fast: i32 per lane; exact: f64 per lane
  let close = i32x4.splat(0); // fast: lanes of real rows that a margin did not decide
  for (let p = 0; p < nVec; p++) {
    const pOff = <usize>p << 4;
    let ok = i32x4.splat(-1); // all bits set: every output matches so far
    let far = i32x4.splat(-1);
    for (let r = 0; r < nOut; r++) {
      const acc = v128.load(sums + <usize>r * rStride + pOff);
      const out = vleaky<T>(vadd<T>(acc, v128.load(biases + (<usize>r << 4))), slope);
      const label = v128.load(y + <usize>r * rowBytes + pOff);
      if (isFast<T>()) {
        const k = f32x4.nearest(out);
        ok = v128.and(ok, f32x4.eq(k, label));
        // |out - k| is exact; NaN fails the test and goes the exact way.
        far = v128.and(far, f32x4.lt(f32x4.abs(f32x4.sub(out, k)), v128.load(marginsFast + <usize>r * rowBytes + pOff)));
      } else {
        ok = v128.and(ok, f64x2.eq(f64x2.nearest(out), label));
      }
    }
    if (isFast<T>()) {
      const weight = v128.load(rowWeightFast + pOff); // i32 per row, 0 for padding
      close = v128.or(close, v128.andnot(i32x4.ne(weight, i32x4.splat(0)), far));
      correct = i32x4.add(correct, v128.and(weight, ok));
    } else {
      correct = f64x2.add(correct, v128.and(v128.load(rowWeightExact + pOff), ok));
    }
  }
  if (isFast<T>()) {
    if (v128.any_true(close)) return -1;
    return <f64>(i32x4.extract_lane(correct, 0) + i32x4.extract_lane(correct, 1) +
      i32x4.extract_lane(correct, 2) + i32x4.extract_lane(correct, 3));
  }
  return f64x2.extract_lane(correct, 0) + f64x2.extract_lane(correct, 1);
}

/**
 * decideSums for one output and one vector of rows (fast mode), its operands passed in registers:
 * the weighted count of correct rows, or -1 when a row is too close to a rounding boundary.
 */
// @ts-ignore: decorator
@inline function decideOne(sum: v128, bias: v128, label: v128, margin: v128, weight: v128, real: v128, slope: v128, allRows: bool, all: f64): f64 {
  const out = vleaky<Fast>(vadd<Fast>(sum, bias), slope);
  const k = f32x4.nearest(out);
  const far = f32x4.lt(f32x4.abs(f32x4.sub(out, k)), margin);
  if (allRows) {
    // Every row must be right: a decided row that is wrong rejects the circuit whatever the
    // undecided ones are (exact mode rounds a decided row the same way), so only a circuit whose
    // decided rows are all right and some row undecided goes to exact mode.
    if (v128.any_true(v128.and(v128.and(real, far), v128.not(f32x4.eq(k, label))))) return 0;
    return v128.any_true(v128.andnot(real, far)) ? -1 : all;
  }
  if (v128.any_true(v128.andnot(real, far))) return -1;
  const c = v128.and(weight, f32x4.eq(k, label));
  return <f64>(i32x4.extract_lane(c, 0) + i32x4.extract_lane(c, 1) + i32x4.extract_lane(c, 2) + i32x4.extract_lane(c, 3));
}

/**
 * decideOne's all-rows question as four comparisons of the sums (fast mode, one output, one
 * vector of rows). A row's output F(s) = LeakyReLU(s + bias) in float32 is non-decreasing in its
 * sum s when the slope is >= 0, so each of decideOne's tests on F is a threshold on s, found once
 * per (bias, label, margin, slope) by bisection over the float32 line with decideOne's own
 * operations:
 * - the row is decided right, |F - label| < margin, exactly when acceptFrom <= s < acceptBelow;
 * - F < label - 1 + margin (s < rejectBelow) or F > label + 1 - margin (s >= rejectFrom): the
 *   reference output is then more than 1/2 from the label (the margin is 1/2 less the error
 *   bound, src/backends/wasm-fast-bound.ts), so that row, and the circuit, is wrong.
 * Every row decided right gives `all`; a row surely wrong gives 0, and else -1 (exact mode
 * decides). Every answer is decideOne's, or the exact answer where decideOne would have asked
 * exact mode: a row decided wrong is below rejectBelow or from rejectFrom on, and a row beyond
 * them that decideOne calls undecided rounds off the label in exact mode too.
 */
const boundsKey = memory.data(64, 16); // bias, label, margin, slope of the thresholds below
const sumBounds = memory.data(64, 16); // acceptFrom, acceptBelow, rejectBelow, rejectFrom
let boundsReady = false;

/** A float32's place on the line of floats, as an i32 that orders like the floats (-0 just below +0). */
// @ts-ignore: decorator
@inline function floatRank(x: f32): i32 {
  const b = reinterpret<i32>(x);
  return b >= 0 ? b : b ^ 0x7fffffff;
}
// @ts-ignore: decorator
@inline function rankFloat(k: i32): f32 {
  return reinterpret<f32>(k >= 0 ? k : k ^ 0x7fffffff);
}

/** decideOne's output for a row sum: LeakyReLU(s + bias) in float32, as vleaky<Fast> computes it. */
// @ts-ignore: decorator
@inline function fastOutput(s: f32, bias: f32, slope: f32): f32 {
  const x = s + bias;
  return x >= 0 ? x : x * slope;
}

/** One row's test that switches on once as s grows (`kind` below), for a label, margin, bias, slope. */
function sumTest(kind: i32, s: f32, bias: f32, label: f32, margin: f32, slope: f32): bool {
  const out = fastOutput(s, bias, slope);
  if (kind == 0) return out - label > -margin; // acceptFrom
  if (kind == 1) return out - label >= margin; // acceptBelow
  if (kind == 2) return <f64>out >= <f64>label - 1 + <f64>margin; // rejectBelow
  return <f64>out > <f64>label + 1 - <f64>margin; // rejectFrom
}

/** The least finite float32 s for which sumTest holds (-Infinity: all do; Infinity: none does). */
function leastSum(kind: i32, bias: f32, label: f32, margin: f32, slope: f32): f32 {
  // ranks in i64: the distance between the two ends does not fit an i32
  let lo = <i64>floatRank(-f32.MAX_VALUE);
  let hi = <i64>floatRank(f32.MAX_VALUE);
  if (sumTest(kind, rankFloat(<i32>lo), bias, label, margin, slope)) return -Infinity;
  if (!sumTest(kind, rankFloat(<i32>hi), bias, label, margin, slope)) return Infinity;
  // the test fails at lo and holds at hi
  while (hi - lo > 1) {
    const mid = lo + ((hi - lo) >> 1);
    if (sumTest(kind, rankFloat(<i32>mid), bias, label, margin, slope)) hi = mid;
    else lo = mid;
  }
  return rankFloat(<i32>hi);
}

const boundsScratch = memory.data(80, 16); // the operands, lane by lane

/** Sets sumBounds for these operands (padding rows: every sum right, none wrong); false when the slope is negative. */
function prepareSumBounds(bias: v128, label: v128, margin: v128, real: v128, slope: v128): bool {
  if (boundsReady && i32x4.all_true(v128.and(
    v128.and(i32x4.eq(v128.load(boundsKey), bias), i32x4.eq(v128.load(boundsKey, 16), label)),
    v128.and(i32x4.eq(v128.load(boundsKey, 32), margin), i32x4.eq(v128.load(boundsKey, 48), slope)),
  ))) return true;
  boundsReady = false;
  const sl = f32x4.extract_lane(slope, 0);
  if (!(sl >= 0)) return false;
  v128.store(boundsScratch, bias);
  v128.store(boundsScratch, label, 16);
  v128.store(boundsScratch, margin, 32);
  v128.store(boundsScratch, real, 48);
  for (let lane = 0; lane < 4; lane++) {
    const at = <usize>lane << 2;
    const b = load<f32>(boundsScratch + at);
    const y = load<f32>(boundsScratch + at, 16);
    const m = load<f32>(boundsScratch + at, 32);
    const isReal = load<i32>(boundsScratch + at, 48) != 0;
    // A label that is no whole number is never the rounded output (decideOne's k == label), but
    // the band |F - label| < margin would accept outputs near it: such labels keep decideOne. So
    // do labels past 2^24, where float32 has no room for the whole numbers next to the label that
    // the four thresholds were worked out for.
    if (isReal && !(Mathf.floor(y) == y && Mathf.abs(y) <= 16777216)) return false;
    store<f32>(sumBounds + at, isReal ? leastSum(0, b, y, m, sl) : -Infinity);
    store<f32>(sumBounds + at, isReal ? leastSum(1, b, y, m, sl) : Infinity, 16);
    store<f32>(sumBounds + at, isReal ? leastSum(2, b, y, m, sl) : -Infinity, 32);
    store<f32>(sumBounds + at, isReal ? leastSum(3, b, y, m, sl) : Infinity, 48);
  }
  v128.store(boundsKey, bias);
  v128.store(boundsKey, label, 16);
  v128.store(boundsKey, margin, 32);
  v128.store(boundsKey, slope, 48);
  boundsReady = true;
  return true;
}

/** decideOne with allRows, on the thresholds of {@link prepareSumBounds}. */
// @ts-ignore: decorator
@inline function decideAllRows(sum: v128, acceptFrom: v128, acceptBelow: v128, rejectBelow: v128, rejectFrom: v128, all: f64): f64 {
  if (i32x4.all_true(v128.and(f32x4.ge(sum, acceptFrom), f32x4.lt(sum, acceptBelow)))) return all;
  return v128.any_true(v128.or(f32x4.lt(sum, rejectBelow), f32x4.ge(sum, rejectFrom))) ? 0 : -1;
}

// Branch and bound on the tail (evaluateIncremental, decisions by sums). For every circuit of a
// tail pass, live input i of the output adds a product p_i = h_i * w_i to the output's sum, where
// h_i is its neuron's row for one of its edge patterns. Each operation on the way (products,
// sums, LeakyReLU with a slope >= 0, the node mask's 0 or 1, the output weight) is monotone in
// its operands, and a pruned edge's term is x * 0, so running the same float32 operations on the
// least and the greatest term of every edge bounds p_i over all its patterns, and sums of those
// bounds, in the sums' order, bound the output's sum. Where the bounds of every circuit that shares
// the rows of inputs 0..f-1 put a row surely wrong (decideAllRows' reject, which never overlaps its
// accept), those circuits are rejected without being evaluated: exactly the circuits that
// evaluating them would reject, so results, orders and exact redos are unchanged.
let tailPruning = true;
/** Circuits the branch and bound rejected unevaluated in the last evaluateCombinations call. */
let prunedCircuits: f64 = 0;

/** How many circuits the last evaluateCombinations call rejected by the branch and bound alone. */
export function lastPrunedCircuits(): f64 {
  return prunedCircuits;
}

/** Turns the branch and bound on or off (on by default): results are the same either way; for tests and benchmarks. */
export function setTailPruning(on: bool): void {
  tailPruning = on;
}

const productLow = memory.data(MAX_WIDTH * 16, 16);
const productHigh = memory.data(MAX_WIDTH * 16, 16);

/** Whether every lane is a finite float32. */
// @ts-ignore: decorator
@inline function allFinite(v: v128): bool {
  return i32x4.all_true(f32x4.lt(f32x4.abs(v), f32x4.splat(Infinity)));
}

/**
 * Bounds on neuron r's row (one vector of rows) over every edge pattern of its inputs, each input
 * j's row between the rows at the addresses in the pointer tables inLow[j] and inHigh[j]: the
 * operations of computeRow<Fast> (a pruned edge's term is x * 0, a kept one's x * w, monotone in
 * x), into low and high. The next layer's node mask (keep) multiplies, as for a hidden layer.
 */
// @ts-ignore: decorator
@inline function neuronBounds(
  r: i32, nIn: i32, wOff: usize, bOff: usize, keepOff: usize, inLow: usize, inHigh: usize, slope: v128, low: usize, high: usize,
): void {
  const zero = f32x4.splat(0);
  let lo = zero;
  let hi = zero;
  for (let j = 0; j < nIn; j++) {
    const at = <usize>j << alignof<usize>();
    const xl = v128.load(load<usize>(inLow + at));
    const xh = v128.load(load<usize>(inHigh + at));
    const w = f32x4.splat(<f32>load<f64>(wOff + (<usize>(r * nIn + j) << 3)));
    const kl = f32x4.mul(xl, w);
    const kh = f32x4.mul(xh, w);
    const zl = f32x4.mul(xl, zero);
    const zh = f32x4.mul(xh, zero);
    const least = f32x4.min(f32x4.min(kl, kh), f32x4.min(zl, zh));
    const most = f32x4.max(f32x4.max(kl, kh), f32x4.max(zl, zh));
    lo = j == 0 ? least : f32x4.add(lo, least);
    hi = j == 0 ? most : f32x4.add(hi, most);
  }
  const bias = f32x4.splat(<f32>load<f64>(bOff + (<usize>r << 3)));
  const keep = f32x4.splat(<f32>load<f64>(keepOff + (<usize>r << 3)));
  v128.store(low, vmulExact<Fast>(vleaky<Fast>(f32x4.add(lo, bias), slope), keep));
  v128.store(high, vmulExact<Fast>(vleaky<Fast>(f32x4.add(hi, bias), slope), keep));
}

const neuronLow = memory.data(16, 16);
const neuronHigh = memory.data(16, 16);

/**
 * Fills productLow/productHigh: for live input i (neuron k = live[i] of the last hidden layer),
 * bounds on its product with its output weight over every edge pattern of its row, its inputs'
 * rows bounded by the pointer tables inLow/inHigh (the same table twice for known rows). False
 * when a bound is not finite: no pruning then.
 */
function prepareProductBounds(
  nLive: i32, live: usize, nInT: i32, tW: usize, tB: usize, hKeep: usize, inLow: usize, inHigh: usize, weights: usize, slope: v128,
): bool {
  let finite = true;
  for (let i = 0; i < nLive; i++) {
    const k = load<i32>(live + (<usize>i << 2));
    neuronBounds(k, nInT, tW, tB, hKeep, inLow, inHigh, slope, neuronLow, neuronHigh);
    const w = v128.load(weights + (<usize>k << 4));
    const a = f32x4.mul(v128.load(neuronLow), w);
    const b = f32x4.mul(v128.load(neuronHigh), w);
    const pLo = f32x4.min(a, b);
    const pHi = f32x4.max(a, b);
    v128.store(productLow + (<usize>i << 4), pLo);
    v128.store(productHigh + (<usize>i << 4), pHi);
    finite = finite && allFinite(pLo) && allFinite(pHi);
  }
  return finite;
}

// Two layers of row bounds (low, high; MAX_WIDTH rows each) and their pointer tables, in turn.
const layerBounds = memory.data(4 * MAX_WIDTH * 16, 16);
const layerTables = memory.data(4 * MAX_WIDTH * sizeof<usize>());

/**
 * Bounds on layer t's rows over every edge choice of the layers below it (the inputs' rows known,
 * each layer's bounds from the last one's, neuronBounds), as pointer tables: the low one's
 * address; the high one follows it at MAX_WIDTH pointers.
 */
function layerRowBounds(t: i32, sizesPtr: usize, inputs: usize, slope: v128): usize {
  let low = inputs;
  let high = inputs;
  for (let l = 0; l < t; l++) {
    const side = <usize>(l & 1);
    const nIn = sizeAt(sizesPtr, l);
    const nOut = sizeAt(sizesPtr, l + 1);
    const rows = layerBounds + side * (2 * MAX_WIDTH * 16);
    const table = layerTables + side * ((2 * MAX_WIDTH) << alignof<usize>());
    for (let r = 0; r < nOut; r++) {
      const lo = rows + (<usize>r << 4);
      const hi = rows + (<usize>(MAX_WIDTH + r) << 4);
      neuronBounds(r, nIn, getAt(wOff, l), getAt(bOff, l), getAt(maskOff, l + 1), low, high, slope, lo, hi);
      store<usize>(table + (<usize>r << alignof<usize>()), lo);
      store<usize>(table + (<usize>(MAX_WIDTH + r) << alignof<usize>()), hi);
    }
    low = table;
    high = table + (<usize>MAX_WIDTH << alignof<usize>());
  }
  return low;
}

/**
 * Whether every circuit whose live inputs 0..from-1 give the sum `pre` (unused when from is 0) is
 * rejected: the bounds of its output's sum, added in the sums' order, put a row surely wrong.
 */
// @ts-ignore: decorator
@inline function boundsReject(pre: v128, from: i32, nLive: i32, rejectBelow: v128, rejectFrom: v128): bool {
  let lo = from == 0 ? v128.load(productLow) : pre;
  let hi = from == 0 ? v128.load(productHigh) : pre;
  for (let i = from == 0 ? 1 : from; i < nLive; i++) {
    lo = f32x4.add(lo, v128.load(productLow + (<usize>i << 4)));
    hi = f32x4.add(hi, v128.load(productHigh + (<usize>i << 4)));
  }
  return v128.any_true(v128.or(f32x4.lt(hi, rejectBelow), f32x4.ge(lo, rejectFrom)));
}

/**
 * The smallest whole count c with c / total > threshold (the reference's float64 test): a count of
 * whole row weights passes exactly when it is at least this.
 */
function requiredCount(total: f64, threshold: f64): f64 {
  let c = Math.max(0, Math.floor(threshold * total));
  while (c <= total && !(c / total > threshold)) c++;
  while (c > 0 && (c - 1) / total > threshold) c--;
  return c;
}

/** Circuits that fast mode handed to exact mode in the last evaluateCombinations call. */
let exactRedos = 0;

/** How many circuits the last {@link evaluateCombinations} call evaluated again in exact mode. */
export function lastExactRedos(): i32 {
  return exactRedos;
}


/**
 * Evaluates the circuits of node combinations `[c0, c1)` of a space (the first from local index
 * `firstFrom`, the last up to `lastTo`) and writes the global indices (f64) of those whose
 * weighted accuracy exceeds `threshold` to `outPtr`, in order. Returns how many were written.
 *
 * Memory (all written by the caller):
 * - sizesPtr: i32[L+1] layer sizes; wPtr / bPtr: f64 weights (row-major out x in) and biases,
 *   layers concatenated;
 * - tablePtr: one {@link COMBO_BYTES} entry per combination: i32 node-mask pointer (f64 0/1 of
 *   every layer, concatenated), i32 edge-choice counts pointer (i32[L]), i32 edge choices pointer
 *   (u64 masks, bit r*nIn+j, layers concatenated), i32 circuit count, f64 offset of its first circuit;
 * - exact mode: actPtr, f64 scratch, sum(sizes) rows of 2*nPairs values (layer 0's rows hold the
 *   inputs); yPtr, f64 labels, nOut rows of 2*nPairs; rowWeightPtr, f64 per row (0 for padding);
 * - fast mode (off when marginsPtr is 0): the same three with 4*nQuads f32 / i32 values per row,
 *   and marginsPtr, f32 laid out as the labels: a row's output is decided when
 *   |out - round(out)| < its margin;
 * - ablated mode (when repPtr is not 0; fast mode must be off): repPtr, f64 replacement values of
 *   every unit of layers 0..L-1 (inputs, then hidden layers, layer-major), one row of 2*nPairs
 *   values per unit laid out as the activations.
 */
export function evaluateCombinations(
  L: i32, sizesPtr: usize, wPtr: usize, bPtr: usize, slopeValue: f64,
  tablePtr: usize, c0: i32, c1: i32, firstFrom: i32, lastTo: i32,
  nPairs: i32, actPtr: usize, yPtr: usize, rowWeightPtr: usize,
  nQuads: i32, actFastPtr: usize, yFastPtr: usize, rowWeightFastPtr: usize, marginsPtr: usize,
  total: f64, threshold: f64, outPtr: usize, repPtr: usize,
): i32 {
  const fast = marginsPtr != 0 && repPtr == 0;
  const ablated = repPtr != 0;
  exactRedos = 0;
  prunedCircuits = 0;
  nVecExact = nPairs;
  yExact = yPtr;
  rowWeightExact = rowWeightPtr;
  nVecFast = nQuads;
  yFast = yFastPtr;
  rowWeightFast = rowWeightFastPtr;
  marginsFast = marginsPtr;
  let w = wPtr, b = bPtr;
  for (let l = 0; l < L; l++) {
    setAt(wOff, l, w);
    setAt(bOff, l, b);
    w += <usize>(sizeAt(sizesPtr, l) * sizeAt(sizesPtr, l + 1)) << 3;
    b += <usize>sizeAt(sizesPtr, l + 1) << 3;
  }
  if (ablated) {
    const rowBytes = <usize>nPairs << 4;
    let unit: usize = repPtr;
    for (let l = 0; l < L; l++) {
      for (let j = 0; j < sizeAt(sizesPtr, l); j++) {
        setAt(repTable(l), j, unit);
        unit += rowBytes;
      }
    }
  }
  const top = mark();
  setUpMode<Exact>(L, sizesPtr, actPtr, tablePtr, c0, c1);
  if (fast) {
    setUpMode<Fast>(L, sizesPtr, actFastPtr, tablePtr, c0, c1);
  }
  let found = 0;
  for (let c = c0; c < c1; c++) {
    const entry = tablePtr + <usize>c * COMBO_BYTES;
    const count = load<i32>(entry + COMBO_COUNT);
    const from = c == c0 ? firstFrom : 0;
    const to = c == c1 - 1 ? lastTo : count;
    let m = <usize>load<i32>(entry + COMBO_NODE_MASKS);
    let ch = <usize>load<i32>(entry + COMBO_CHOICES);
    const countsPtr = <usize>load<i32>(entry + COMBO_COUNTS);
    for (let l = 0; l <= L; l++) {
      setAt(maskOff, l, m);
      m += <usize>sizeAt(sizesPtr, l) << 3;
      if (l < L) {
        setAt(choiceOff, l, ch);
        ch += <usize>load<i32>(countsPtr + (<usize>l << 2)) << 3;
      }
    }
    // New node masks: every memoised value is stale.
    bumpGenerations<Exact>(L);
    const base = load<f64>(entry + COMBO_OFFSET);
    if (ablated) {
      found = evaluateRange<Ablated>(L, sizesPtr, countsPtr, slopeValue, from, to, total, threshold, base, outPtr, found);
    } else if (fast) {
      bumpGenerations<Fast>(L);
      found = evaluateRange<Fast>(L, sizesPtr, countsPtr, slopeValue, from, to, total, threshold, base, outPtr, found);
    } else {
      found = evaluateRange<Exact>(L, sizesPtr, countsPtr, slopeValue, from, to, total, threshold, base, outPtr, found);
    }
  }
  release(top);
  return found;
}

/**
 * A mode's activation rows (from `actPtr`) and memo tables (stamps start at 0, generations at 1,
 * and every new combination bumps the generations).
 */
function setUpMode<T>(L: i32, sizesPtr: usize, actPtr: usize, tablePtr: usize, c0: i32, c1: i32): void {
  const rowBytes = <usize>nVecOf<T>() << 4;
  const actOff = pick<T>(actOffExact, actOffFast);
  const memoOff = pick<T>(memoOffExact, memoOffFast);
  const stampOff = pick<T>(stampOffExact, stampOffFast);
  const gens = pick<T>(gensExact, gensFast);
  let a = actPtr;
  for (let l = 0; l <= L; l++) {
    setAt(actOff, l, a);
    a += <usize>sizeAt(sizesPtr, l) * rowBytes;
  }
  for (let l = 0; l < L; l++) {
    const nIn = sizeAt(sizesPtr, l);
    // The last layer's inputs change with every circuit: memoising it would never hit.
    if (nIn > MEMO_MAX_INPUTS || l == L - 1) {
      setAt(memoOff, l, 0);
      continue;
    }
    const slots = sizeAt(sizesPtr, l + 1) << nIn;
    setAt(memoOff, l, alloc(<i32>(<usize>slots * rowBytes)));
    setAt(stampOff, l, allocZeroed(<usize>slots << 2));
    store<i32>(gens + (<usize>l << 2), 1);
    let choices = 0;
    for (let c = c0; c < c1; c++) {
      const counts = <usize>load<i32>(tablePtr + <usize>c * COMBO_BYTES + COMBO_COUNTS);
      choices = max(choices, load<i32>(counts + (<usize>l << 2)));
    }
    setAt(pick<T>(choiceRowsExact, choiceRowsFast), l, alloc(<i32>(<usize>(choices * sizeAt(sizesPtr, l + 1)) << alignof<usize>())));
    setAt(pick<T>(choiceStampsExact, choiceStampsFast), l, allocZeroed(<usize>choices << 2));
  }
  for (let j = 0; j < sizeAt(sizesPtr, 0); j++) setAt(rowTable<T>(0), j, getAt(actOff, 0) + <usize>j * rowBytes);
  setInRows<T>(0, rowTable<T>(0));
  // Hidden layers computed into contiguous rows (not memoised) are read there by the next layer.
  // (The output layer is never stored: outputCorrect decides from it in registers.)
  for (let l = 0; l < L - 1; l++) {
    if (getAt(memoOff, l) != 0) continue;
    const out = getAt(actOff, l + 1);
    for (let r = 0; r < sizeAt(sizesPtr, l + 1); r++) setAt(rowTable<T>(l + 1), r, out + <usize>r * rowBytes);
    setInRows<T>(l + 1, rowTable<T>(l + 1));
  }
  prepareLastBiases<T>(getAt(bOff, L - 1), sizeAt(sizesPtr, L));
  const nOut = sizeAt(sizesPtr, L);
  const nLast = sizeAt(sizesPtr, L - 1);
  const sums = alloc(<i32>(<usize>nOut * rowBytes));
  const prefix = alloc(<i32>(<usize>(nOut * (nLast + 1)) * rowBytes));
  const tailRows = alloc(nLast << alignof<usize>());
  const live = alloc(nLast << 2);
  if (isFast<T>()) {
    sumsFast = sums;
    prefixFast = prefix;
    tailRowsFast = tailRows;
    liveFast = live;
  } else {
    sumsExact = sums;
    prefixExact = prefix;
    tailRowsExact = tailRows;
    liveExact = live;
  }
}

/** Invalidates every memoised value of a mode. */
function bumpGenerations<T>(L: i32): void {
  const gens = pick<T>(gensExact, gensFast);
  for (let l = 0; l < L; l++) store<i32>(gens + (<usize>l << 2), load<i32>(gens + (<usize>l << 2)) + 1);
}

/**
 * Circuits `[from, to)` of the combination whose offsets are set up: appends the global indices
 * (`base` + local index, f64) of those that beat the threshold and returns the new count. Fast
 * mode hands each circuit it cannot decide to exact mode.
 *
 * The last two layers' digits change fastest, so an inner loop runs them with its state in
 * locals ("the tail": the output layer, and the last hidden layer when it is memoised); the
 * layers below are recomputed only when a digit of theirs changes.
 */
function evaluateRange<T>(
  L: i32, sizesPtr: usize, countsPtr: usize, slopeValue: f64,
  from: i32, to: i32, total: f64, threshold: f64, base: f64, outPtr: usize, found: i32,
): i32 {
  const actOff = pick<T>(actOffExact, actOffFast);
  const memoOff = pick<T>(memoOffExact, memoOffFast);
  const stampOff = pick<T>(stampOffExact, stampOffFast);
  const gens = pick<T>(gensExact, gensFast);
  const choiceRows = pick<T>(choiceRowsExact, choiceRowsFast);
  const choiceStamps = pick<T>(choiceStampsExact, choiceStampsFast);
  decodeDigits<T>(L, countsPtr, from);
  const nOut = sizeAt(sizesPtr, L);
  const slope = vsplat<T>(slopeValue);
  // One output edge choice (every single-output circuit): the last hidden layer's rows change
  // from the last one up, so the output's sums are kept per prefix of its inputs.
  // (Its sums skip the pruned inputs, which ablated mode must add: that mode takes the general tail.)
  if (!isAblated<T>() && L >= 2 && load<i32>(countsPtr + (<usize>(L - 1) << 2)) == 1) {
    return evaluateIncremental<T>(L, sizesPtr, countsPtr, slopeValue, from, to, total, threshold, base, outPtr, found);
  }
  // The tail: layer `tail` up to the output layer.
  const memoTail = L >= 2 && getAt(memoOff, L - 2) != 0;
  const tail = memoTail ? L - 2 : L - 1;
  const nLastChoices = load<i32>(countsPtr + (<usize>(L - 1) << 2));
  const nTailChoices = memoTail ? load<i32>(countsPtr + (<usize>(L - 2) << 2)) : 1;
  const lastIn = sizeAt(sizesPtr, L - 1);
  const lastW = getAt(wOff, L - 1);
  const lastChoices = getAt(choiceOff, L - 1);
  const tailMemo = memoTail ? getAt(memoOff, L - 2) : 0;
  const tailStamps = memoTail ? getAt(stampOff, L - 2) : 0;
  const tailChoiceRows = memoTail ? getAt(choiceRows, L - 2) : 0;
  const tailChoiceStamps = memoTail ? getAt(choiceStamps, L - 2) : 0;
  let lastDigit = -1; // the output layer's edge choice whose weights are prepared
  let dirty = 0; // first layer whose activations must be recomputed
  let idx = from;
  while (idx < to) {
    computeBelow<T>(L, sizesPtr, dirty, tail, slope);
    // The tail, circuit by circuit, until its digits wrap or the range ends.
    const tailGen = memoTail ? layerGeneration(gens, L - 2, dirty) : 0;
    let tailDigit = memoTail ? digit<T>(L - 2) : 0;
    let d = digit<T>(L - 1);
    let fresh = true; // the memoised layer's edge choice changed
    let lastRows = inRows<T>(L - 1); // where the output layer's inputs are
    while (true) {
      if (memoTail && fresh) {
        lastRows = memoRows<T>(L - 2, L, sizesPtr, tailDigit, slope, tailGen, tailMemo, tailStamps, tailChoiceRows, tailChoiceStamps, lastIn);
        fresh = false;
      }
      // The output layer's weights are re-masked only when its own edge choice changes (ablated
      // mode keeps them whole: its pruned edges read replacement rows instead).
      const lastMask = load<u64>(lastChoices + (<usize>d << 3));
      if (d != lastDigit) {
        prepareLastWeights<T>(lastW, lastIn * nOut, isAblated<T>() ? 0xffffffffffffffff : lastMask);
        lastDigit = d;
      }
      const n = outputCorrect<T>(lastIn, nOut, slope, lastRows, lastMask, repTable(L - 1));
      if (isFast<T>() && n < 0) {
        exactRedos++;
        found = evaluateRange<Exact>(L, sizesPtr, countsPtr, slopeValue, idx, idx + 1, total, threshold, base, outPtr, found);
      } else if (n / total > threshold) {
        store<f64>(outPtr + (<usize>found << 3), base + <f64>idx);
        found++;
      }
      if (++idx >= to) return found;
      if (++d < nLastChoices) continue;
      d = 0;
      if (++tailDigit >= nTailChoices) break;
      fresh = true;
    }
    // The tail wrapped: advance the digits below it; the lowest one that changed is recomputed.
    setDigit<T>(L - 1, 0);
    if (memoTail) setDigit<T>(L - 2, 0);
    dirty = advanceBelow<T>(tail, countsPtr);
  }
  return found;
}

/**
 * {@link evaluateRange} for a combination whose output layer has a single edge choice. The tail
 * loop runs the last hidden layer's edge choices (layer t = L-2 -> L-1). Its masks are listed
 * with the last row varying fastest (C3), so between consecutive choices only the rows from the
 * first changed one, K, differ; the output's sums are kept per prefix of its inputs (the running
 * sum after inputs 0..k-1, in the reference's order), and only inputs K.. are added again. Every
 * value is computed with exactly the operations, in the order, of a computation from scratch, so
 * results are bit for bit those of {@link evaluateRange} in each mode.
 */
function evaluateIncremental<T>(
  L: i32, sizesPtr: usize, countsPtr: usize, slopeValue: f64,
  from: i32, to: i32, total: f64, threshold: f64, base: f64, outPtr: usize, found: i32,
): i32 {
  const actOff = pick<T>(actOffExact, actOffFast);
  const memoOff = pick<T>(memoOffExact, memoOffFast);
  const stampOff = pick<T>(stampOffExact, stampOffFast);
  const gens = pick<T>(gensExact, gensFast);
  const choiceRows = pick<T>(choiceRowsExact, choiceRowsFast);
  const choiceStamps = pick<T>(choiceStampsExact, choiceStampsFast);
  decodeDigits<T>(L, countsPtr, from);
  const nVec = nVecOf<T>();
  const rowBytes = <usize>nVec << 4;
  const slope = vsplat<T>(slopeValue);
  const t = L - 2;
  const nOut = sizeAt(sizesPtr, L);
  const nH = sizeAt(sizesPtr, L - 1); // the last hidden layer: the output's inputs
  const nInT = sizeAt(sizesPtr, t);
  const nT = load<i32>(countsPtr + (<usize>t << 2));
  const rowBits: u64 = nInT >= 64 ? 0xffffffffffffffff : (<u64>1 << <u64>nInT) - 1;
  const tW = getAt(wOff, t);
  const tB = getAt(bOff, t);
  const tChoices = getAt(choiceOff, t);
  const hKeep = getAt(maskOff, L - 1);
  const hAct = getAt(actOff, L - 1);
  const tMemo = getAt(memoOff, t);
  const tStamps = tMemo != 0 ? getAt(stampOff, t) : 0;
  const patterns = 1 << nInT;
  const rows = isFast<T>() ? tailRowsFast : tailRowsExact;
  const prefix = isFast<T>() ? prefixFast : prefixExact;
  // The output's inputs that are in the circuit (every other one has no edge to it: weight 0,
  // whose products add nothing but, at most, the sign of a zero sum, which no decision reads).
  const live = isFast<T>() ? liveFast : liveExact;
  let nLive = 0;
  for (let k = 0; k < nH; k++) {
    if (load<f64>(hKeep + (<usize>k << 3)) != 0) {
      store<i32>(live + (<usize>nLive << 2), k);
      nLive++;
    }
  }
  const rStride = <usize>(nLive + 1) * rowBytes; // prefix[r][i][p] at prefix + r * rStride + i * rowBytes + p * 16
  // Fast mode with one output and at most four rows: the decision's operands stay in locals.
  const single = isFast<T>() && nVec == 1 && nOut == 1;
  const bias1 = single ? v128.load(lastBiasesFast) : i32x4.splat(0);
  const label1 = single ? v128.load(yFast) : i32x4.splat(0);
  const margin1 = single ? v128.load(marginsFast) : i32x4.splat(0);
  const weight1 = single ? v128.load(rowWeightFast) : i32x4.splat(0);
  const real1 = i32x4.ne(weight1, i32x4.splat(0)); // the rows that are not padding
  const need = requiredCount(total, threshold);
  // The weight of all four rows: when the threshold needs all of it, the decision only asks
  // whether every row is right (decideOne's allRows).
  const all1 = single ? <f64>(i32x4.extract_lane(weight1, 0) + i32x4.extract_lane(weight1, 1) + i32x4.extract_lane(weight1, 2) + i32x4.extract_lane(weight1, 3)) : 0;
  const allRows = single && all1 > 0 && need >= all1;
  // The all-rows decision as comparisons of the sums (decideAllRows), where the slope allows.
  const bySums = allRows && prepareSumBounds(bias1, label1, margin1, real1, slope);
  const allPass = all1 >= need; // every row right passes (not when the threshold asks for more than all)
  const acceptFrom = bySums ? v128.load(sumBounds) : i32x4.splat(0);
  const acceptBelow = bySums ? v128.load(sumBounds, 16) : i32x4.splat(0);
  const rejectBelow = bySums ? v128.load(sumBounds, 32) : i32x4.splat(0);
  const rejectFrom = bySums ? v128.load(sumBounds, 48) : i32x4.splat(0);
  // The last live input of the output: its row's shift in the tail layer's masks, the mask bits
  // of every row below it, and its output weight.
  const lastLive = nLive > 0 ? load<i32>(live + (<usize>(nLive - 1) << 2)) : 0;
  const lastShift = <u64>(lastLive * nInT);
  const belowLast: u64 = lastShift >= 64 ? 0xffffffffffffffff : (<u64>1 << lastShift) - 1;
  // No live input (not a valid circuit, but kept total): every sum is the empty one, zero.
  if (nLive == 0) memory.fill(prefix, 0, <usize>nOut * rStride);
  const weights = pick<T>(lastWeightsExact, lastWeightsFast);
  prepareLastWeights<T>(getAt(wOff, L - 1), nH * nOut, load<u64>(getAt(choiceOff, L - 1)));
  const lastWeight = single ? v128.load(weights + (<usize>lastLive << 4)) : i32x4.splat(0);
  // Branch and bound (see prepareProductBounds), where the reject band cannot overlap the accept one.
  const mayPrune = tailPruning && bySums && nLive > 0 && i32x4.all_true(v128.and(f32x4.le(rejectBelow, acceptFrom), f32x4.le(acceptBelow, rejectFrom)));
  if (mayPrune) {
    // The same bound over every edge choice of the layers below the tail too: where it rejects,
    // every circuit of the range is rejected, before any layer is computed.
    const low = layerRowBounds(t, sizesPtr, inRows<T>(0), slope);
    const high = t == 0 ? low : low + (<usize>MAX_WIDTH << alignof<usize>());
    if (prepareProductBounds(nLive, live, nInT, tW, tB, hKeep, low, high, weights, slope) && boundsReject(i32x4.splat(0), 0, nLive, rejectBelow, rejectFrom)) {
      prunedCircuits += <f64>(to - from);
      return found;
    }
  }
  let dirty = 0;
  let idx = from;
  while (idx < to) {
    computeBelow<T>(L, sizesPtr, dirty, t, slope);
    const gen = tMemo != 0 ? layerGeneration(gens, t, dirty) : 0;
    const inT = inRows<T>(t);
    let d = digit<T>(t);
    let prev: u64 = 0;
    let fresh = true;
    const prune = mayPrune && prepareProductBounds(nLive, live, nInT, tW, tB, hKeep, inT, inT, weights, slope);
    while (true) {
      const mask = load<u64>(tChoices + (<usize>d << 3));
      const changed: u64 = fresh ? 0xffffffffffffffff : mask ^ prev;
      if (prune) {
        // The first live input whose row changed since the last circuit evaluated: the circuits
        // from here that keep the rows below it share the kept prefix sum and its bounds.
        let f = 0;
        while (f < nLive && ((changed >> <u64>(load<i32>(live + (<usize>f << 2)) * nInT)) & rowBits) == 0) f++;
        if (f < nLive && boundsReject(f == 0 ? i32x4.splat(0) : v128.load(prefix + <usize>f * rowBytes), f, nLive, rejectBelow, rejectFrom)) {
          // All of them rejected: on to the first circuit that changes a row below input f (the
          // last one evaluated, its rows and prefix sums stay what `changed` is taken against).
          if (f == 0) {
            // No live input below: the rest of the pass (the rows of pruned neurons never change).
            const left = nT - d;
            if (<f64>idx + <f64>left >= <f64>to) {
              prunedCircuits += <f64>(to - idx);
              return found;
            }
            prunedCircuits += <f64>left;
            idx += left;
            d = nT;
            break;
          }
          const shift = <u64>(load<i32>(live + (<usize>f << 2)) * nInT);
          const shared: u64 = shift >= 64 ? 0xffffffffffffffff : (<u64>1 << shift) - 1;
          let next = mask;
          do {
            prunedCircuits++;
            if (++idx >= to) return found;
            if (++d >= nT) break;
            next = load<u64>(tChoices + (<usize>d << 3));
          } while (((next ^ mask) & shared) == 0);
          if (d >= nT) break;
          continue;
        }
      }
      if (bySums && !fresh && nLive > 0 && (changed & belowLast) == 0) {
        // A run of common steps (the usual case: about 30 of 31 steps at width 5), in a loop of
        // its own: the kept prefix sum in a register, the decision by comparisons of the sum.
        const pre = nLive == 1 ? i32x4.splat(0) : v128.load(prefix + <usize>(nLive - 1) * rowBytes);
        let m = mask;
        let row: usize = 0;
        while (true) {
          if (tMemo != 0) {
            const slot = lastLive * patterns + <i32>((m >> lastShift) & rowBits);
            row = tMemo + <usize>slot * rowBytes;
            const stamp = tStamps + (<usize>slot << 2);
            if (load<i32>(stamp) != gen) {
              computeRow<T>(lastLive, nInT, true, tW, tB, slope, nVec, inT, row, m, hKeep, repTable(t));
              store<i32>(stamp, gen);
            }
          } else {
            row = hAct + <usize>lastLive * rowBytes;
            computeRow<T>(lastLive, nInT, true, tW, tB, slope, nVec, inT, row, m, hKeep, repTable(t));
          }
          const product = f32x4.mul(v128.load(row), lastWeight);
          const sum = nLive == 1 ? product : f32x4.add(pre, product);
          if (i32x4.all_true(v128.and(f32x4.ge(sum, acceptFrom), f32x4.lt(sum, acceptBelow)))) {
            if (allPass) {
              store<f64>(outPtr + (<usize>found << 3), base + <f64>idx);
              found++;
            }
          } else if (!v128.any_true(v128.or(f32x4.lt(sum, rejectBelow), f32x4.ge(sum, rejectFrom)))) {
            exactRedos++;
            found = evaluateRange<Exact>(L, sizesPtr, countsPtr, slopeValue, idx, idx + 1, total, threshold, base, outPtr, found);
          }
          if (++idx >= to) return found;
          prev = m;
          if (++d >= nT) break;
          m = load<u64>(tChoices + (<usize>d << 3));
          if (((m ^ prev) & belowLast) != 0) break;
        }
        setAt(rows, nLive - 1, row);
        if (d >= nT) break;
        continue;
      }
      if (single && !fresh && nLive > 0 && (changed & belowLast) == 0) {
        // The common step: only the last live input's row changed. Its row (a memo slot, or
        // computed in place), one multiply-add on the kept prefix, the decision.
        let row: usize;
        if (tMemo != 0) {
          const slot = lastLive * patterns + <i32>((mask >> lastShift) & rowBits);
          row = tMemo + <usize>slot * rowBytes;
          const stamp = tStamps + (<usize>slot << 2);
          if (load<i32>(stamp) != gen) {
            computeRow<T>(lastLive, nInT, true, tW, tB, slope, nVec, inT, row, mask, hKeep, repTable(t));
            store<i32>(stamp, gen);
          }
        } else {
          row = hAct + <usize>lastLive * rowBytes;
          computeRow<T>(lastLive, nInT, true, tW, tB, slope, nVec, inT, row, mask, hKeep, repTable(t));
        }
        setAt(rows, nLive - 1, row);
        const sum = nLive == 1
          ? vfirst<T>(v128.load(row), lastWeight)
          : vmulAdd<T>(v128.load(prefix + <usize>(nLive - 1) * rowBytes), v128.load(row), lastWeight);
        const n1 = bySums
          ? decideAllRows(sum, acceptFrom, acceptBelow, rejectBelow, rejectFrom, all1)
          : decideOne(sum, bias1, label1, margin1, weight1, real1, slope, allRows, all1);
        if (n1 < 0) {
          exactRedos++;
          found = evaluateRange<Exact>(L, sizesPtr, countsPtr, slopeValue, idx, idx + 1, total, threshold, base, outPtr, found);
        } else if (n1 >= need) {
          store<f64>(outPtr + (<usize>found << 3), base + <f64>idx);
          found++;
        }
        if (++idx >= to) return found;
        prev = mask;
        if (++d >= nT) break;
        continue;
      }
      // The live inputs from the first whose row changed: their rows (memo slots, or computed in
      // place), then the output sums from there on the kept prefix.
      let first = nLive;
      for (let i = 0; i < nLive; i++) {
        const k = load<i32>(live + (<usize>i << 2));
        if (((changed >> <u64>(k * nInT)) & rowBits) == 0) continue;
        if (first == nLive) first = i;
        if (tMemo != 0) {
          const slot = k * patterns + <i32>((mask >> <u64>(k * nInT)) & rowBits);
          const cached = tMemo + <usize>slot * rowBytes;
          const stamp = tStamps + (<usize>slot << 2);
          if (load<i32>(stamp) != gen) {
            computeRow<T>(k, nInT, true, tW, tB, slope, nVec, inT, cached, mask, hKeep, repTable(t));
            store<i32>(stamp, gen);
          }
          setAt(rows, i, cached);
        } else {
          const out = hAct + <usize>k * rowBytes;
          computeRow<T>(k, nInT, true, tW, tB, slope, nVec, inT, out, mask, hKeep, repTable(t));
          setAt(rows, i, out);
        }
      }
      if (first < nLive) {
        for (let r = 0; r < nOut; r++) {
          const wRow = weights + (<usize>(r * nH) << 4);
          const pre = prefix + <usize>r * rStride;
          for (let p = 0; p < nVec; p++) {
            const pOff = <usize>p << 4;
            let i = first;
            let acc: v128;
            if (i == 0) {
              acc = vfirst<T>(v128.load(getAt(rows, 0) + pOff), v128.load(wRow + (<usize>load<i32>(live) << 4)));
              i = 1;
              v128.store(pre + rowBytes + pOff, acc);
            } else {
              acc = v128.load(pre + <usize>i * rowBytes + pOff);
            }
            for (; i < nLive; i++) {
              const w = v128.load(wRow + (<usize>load<i32>(live + (<usize>i << 2)) << 4));
              acc = vmulAdd<T>(acc, v128.load(getAt(rows, i) + pOff), w);
              v128.store(pre + <usize>(i + 1) * rowBytes + pOff, acc);
            }
          }
        }
      }
      const n = bySums
        ? decideAllRows(v128.load(prefix + <usize>nLive * rowBytes), acceptFrom, acceptBelow, rejectBelow, rejectFrom, all1)
        : single
        ? decideOne(v128.load(prefix + <usize>nLive * rowBytes), bias1, label1, margin1, weight1, real1, slope, allRows, all1)
        : decideSums<T>(nOut, slope, prefix + <usize>nLive * rowBytes, rStride);
      if (isFast<T>() && n < 0) {
        exactRedos++;
        found = evaluateRange<Exact>(L, sizesPtr, countsPtr, slopeValue, idx, idx + 1, total, threshold, base, outPtr, found);
      } else if (n >= need) {
        store<f64>(outPtr + (<usize>found << 3), base + <f64>idx);
        found++;
      }
      if (++idx >= to) return found;
      prev = mask;
      fresh = false;
      if (++d >= nT) break;
    }
    // The tail wrapped: advance the digits below it; the lowest one that changed is recomputed.
    setDigit<T>(t, 0);
    dirty = advanceBelow<T>(t, countsPtr);
  }
  return found;
}

/** Sets the mode's digits to circuit `from` of a combination (mixed radix, layer 0 slowest). */
// @ts-ignore: decorator
@inline function decodeDigits<T>(L: i32, countsPtr: usize, from: i32): void {
  let rest = from;
  for (let l = L - 1; l >= 0; l--) {
    const n = load<i32>(countsPtr + (<usize>l << 2));
    setDigit<T>(l, rest % n);
    rest = rest / n;
  }
}

/** Recomputes layers `dirty .. tail-1` for the current digits (memo layers through their memo). */
// @ts-ignore: decorator
@inline function computeBelow<T>(L: i32, sizesPtr: usize, dirty: i32, tail: i32, slope: v128): void {
  const memoOff = pick<T>(memoOffExact, memoOffFast);
  const actOff = pick<T>(actOffExact, actOffFast);
  for (let l = dirty; l < tail; l++) {
    const memo = getAt(memoOff, l);
    if (memo == 0) {
      const mask = load<u64>(getAt(choiceOff, l) + (<usize>digit<T>(l) << 3));
      computeLayerRows<T>(l, L, sizeAt(sizesPtr, l), sizeAt(sizesPtr, l + 1), getAt(wOff, l), getAt(bOff, l), slope,
        nVecOf<T>(), inRows<T>(l), getAt(actOff, l + 1), mask, getAt(maskOff, l + 1), repTable(l));
    } else {
      const gen = layerGeneration(pick<T>(gensExact, gensFast), l, dirty);
      setInRows<T>(l + 1, memoRows<T>(l, L, sizesPtr, digit<T>(l), slope, gen, memo, getAt(pick<T>(stampOffExact, stampOffFast), l),
        getAt(pick<T>(choiceRowsExact, choiceRowsFast), l), getAt(pick<T>(choiceStampsExact, choiceStampsFast), l), sizeAt(sizesPtr, l + 1)));
    }
  }
}

/**
 * After the tail wrapped: advances the digits below layer `tail` (the highest of them fastest)
 * and returns the lowest layer that changed, from which layers are recomputed.
 */
// @ts-ignore: decorator
@inline function advanceBelow<T>(tail: i32, countsPtr: usize): i32 {
  let l = tail - 1;
  while (l >= 0) {
    const next = digit<T>(l) + 1;
    if (next < load<i32>(countsPtr + (<usize>l << 2))) {
      setDigit<T>(l, next);
      break;
    }
    setDigit<T>(l, 0);
    l--;
  }
  return l < 0 ? 0 : l;
}

/**
 * The generation of memo layer `l` for this pass: layers above the lowest changed one (`dirty`)
 * see new inputs, so their memo is stale and the generation moves on.
 */
// @ts-ignore: decorator
@inline function layerGeneration(gens: usize, l: i32, dirty: i32): i32 {
  let gen = load<i32>(gens + (<usize>l << 2));
  if (l > dirty) store<i32>(gens + (<usize>l << 2), ++gen);
  return gen;
}

/**
 * Memo layer `l`'s neuron rows for edge choice `d` (mask `mask`) as a pointer list: each choice's
 * list (in `choiceRows`, stamped in `choiceStamps`) is checked once per generation, then reused.
 */
// @ts-ignore: decorator
@inline function memoRows<T>(
  l: i32, L: i32, sizesPtr: usize, d: i32, slope: v128, gen: i32,
  memo: usize, stamps: usize, choiceRows: usize, choiceStamps: usize, width: i32,
): usize {
  const rows = choiceRows + (<usize>(d * width) << alignof<usize>());
  const stamp = choiceStamps + (<usize>d << 2);
  if (load<i32>(stamp) != gen) {
    const mask = load<u64>(getAt(choiceOff, l) + (<usize>d << 3));
    computeLayerMemo<T>(l, L, sizesPtr, getAt(wOff, l), getAt(bOff, l), slope, mask, getAt(maskOff, l + 1), memo, stamps, gen, rows);
    store<i32>(stamp, gen);
  }
  return rows;
}
