// Batched masked forward passes for circuit search (the Wasm CPU fast path).
//
// One call evaluates a contiguous range of circuits of one node-mask combination on every data
// row. Circuits are decoded from their index in registers (mixed radix over the layers' edge-mask
// choices, last layer fastest), and a layer is recomputed only when its own edge choice or an
// earlier one changed, so most circuits cost one output layer.
//
// Arithmetic matches the TypeScript reference bit for bit: values are float32 held in f64 lanes;
// each multiply-add is done in f64 (a float32 x float32 product is exact there) and rounded to
// float32 once, which is torch's fused order (first product, fused multiply-adds, bias last).
// Two data rows share one f64x2 vector.

import { alloc, allocZeroed, mark, release } from './heap';

/** Rounds both f64 lanes to float32 and back. */
// @ts-ignore: decorator
@inline function fround2(v: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(v));
}

/** LeakyReLU on both lanes: v >= 0 ? v : fround(v * slope). */
// @ts-ignore: decorator
@inline function leaky2(v: v128, slope: v128): v128 {
  const neg = fround2(f64x2.mul(v, slope));
  return v128.bitselect(v, neg, f64x2.ge(v, f64x2.splat(0)));
}

/**
 * Computes neuron `r` of layer l+1 on every row pair (the reference's summation order). Input j's
 * rows are read at the address stored in `inRows[j]`, so memoised rows are used in place.
 */
// @ts-ignore: decorator
@inline function computeRow(
  r: i32, nIn: i32, hidden: bool, wOff: usize, bOff: usize, slope: v128, nPairs: i32,
  inRows: usize, out: usize, mask: u32, nextNodeMask: usize,
): void {
  const bias = f64x2.splat(load<f64>(bOff + (<usize>r << 3)));
  const keep = hidden ? f64x2.splat(load<f64>(nextNodeMask + (<usize>r << 3))) : f64x2.splat(1);
  for (let p = 0; p < nPairs; p++) {
    const pOff = <usize>p << 4;
    let bit = (mask >> <u32>(r * nIn)) & 1;
    let w = f64x2.splat(bit ? load<f64>(wOff + (<usize>(r * nIn) << 3)) : 0);
    let acc = fround2(f64x2.mul(v128.load(load<usize>(inRows) + pOff), w));
    for (let j = 1; j < nIn; j++) {
      bit = (mask >> <u32>(r * nIn + j)) & 1;
      w = f64x2.splat(bit ? load<f64>(wOff + (<usize>(r * nIn + j) << 3)) : 0);
      acc = fround2(f64x2.add(acc, f64x2.mul(v128.load(load<usize>(inRows + (<usize>j << alignof<usize>())) + pOff), w)));
    }
    let v = leaky2(fround2(f64x2.add(acc, bias)), slope);
    if (hidden) v = f64x2.mul(v, keep);
    v128.store(out + pOff, v);
  }
}

/**
 * Computes layer `l` for every row pair: reads layer l's (masked) inputs, writes layer l+1's
 * activations, multiplied by their node mask when the layer is hidden (the next layer's input mask).
 */
export function computeLayer(
  l: i32, L: i32, sizesPtr: usize, wOff: usize, bOff: usize, slopeValue: f64, nPairs: i32,
  actIn: usize, actOut: usize, mask: u32, nextNodeMask: usize,
): void {
  const slope = f64x2.splat(slopeValue);
  const nIn = load<i32>(sizesPtr + (<usize>l << 2));
  const nOut = load<i32>(sizesPtr + (<usize>(l + 1) << 2));
  const rowBytes = <usize>nPairs << 4;
  for (let j = 0; j < nIn; j++) setAt(scratchRows, j, actIn + <usize>j * rowBytes);
  computeLayerRows(l, L, nIn, nOut, wOff, bOff, slope, nPairs, scratchRows, actOut, mask, nextNodeMask);
}

/** Computes layer `l` reading inputs through the pointer table `inRows`, into contiguous rows. */
function computeLayerRows(
  l: i32, L: i32, nIn: i32, nOut: i32, wOff: usize, bOff: usize, slope: v128, nPairs: i32,
  inRows: usize, actOut: usize, mask: u32, nextNodeMask: usize,
): void {
  const rowBytes = <usize>nPairs << 4;
  for (let r = 0; r < nOut; r++) {
    computeRow(r, nIn, l < L - 1, wOff, bOff, slope, nPairs, inRows, actOut + <usize>r * rowBytes, mask, nextNodeMask);
  }
}

// Row pointer tables: `rowTables + l * MAX_WIDTH` holds where layer l's neuron rows are
// (contiguous activations, or memo slots); `scratchRows` serves computeLayer.
const MAX_WIDTH = 32;
const rowTables = memory.data((17 * MAX_WIDTH) * sizeof<usize>());
const scratchRows = memory.data(MAX_WIDTH * sizeof<usize>());
// @ts-ignore: decorator
@inline function rowTable(l: i32): usize {
  return rowTables + ((<usize>(l * MAX_WIDTH)) << alignof<usize>());
}

// The last layer's masked weights for its current edge choice, splatted (at most 32 edges).
const lastWeights = memory.data(32 * 16);

/** Fills {@link lastWeights} for edge mask `mask` of a layer of `nW` weights. */
function prepareLastWeights(wOff: usize, nW: i32, mask: u32): void {
  for (let k = 0; k < nW; k++) {
    const wk = ((mask >> <u32>k) & 1) != 0 ? load<f64>(wOff + (<usize>k << 3)) : 0;
    v128.store(lastWeights + (<usize>k << 4), f64x2.splat(wk));
  }
}

/** The output layer from {@link lastWeights}: the same arithmetic as computeRow, no mask tests. */
// @ts-ignore: decorator
@inline function computeLastLayer(nIn: i32, nOut: i32, bOff: usize, slope: v128, nPairs: i32, inRows: usize, actOut: usize): void {
  const rowBytes = <usize>nPairs << 4;
  for (let r = 0; r < nOut; r++) {
    const bias = f64x2.splat(load<f64>(bOff + (<usize>r << 3)));
    const wRow = lastWeights + (<usize>(r * nIn) << 4);
    for (let p = 0; p < nPairs; p++) {
      const pOff = <usize>p << 4;
      let acc = fround2(f64x2.mul(v128.load(load<usize>(inRows) + pOff), v128.load(wRow)));
      for (let j = 1; j < nIn; j++) {
        const x = v128.load(load<usize>(inRows + (<usize>j << alignof<usize>())) + pOff);
        acc = fround2(f64x2.add(acc, f64x2.mul(x, v128.load(wRow + (<usize>j << 4)))));
      }
      v128.store(actOut + <usize>r * rowBytes + pOff, leaky2(fround2(f64x2.add(acc, bias)), slope));
    }
  }
}

/** Layers with at most this many inputs memoise their neurons by edge pattern. */
const MEMO_MAX_INPUTS = 6;

/**
 * {@link computeLayer} with memoisation: a neuron's value depends only on the layer's inputs and
 * its own row of the edge mask, so while the inputs are unchanged (same generation `gen`) each
 * (neuron, row pattern) is computed once; the next layer reads it in place (row table l+1).
 */
// @ts-ignore: decorator
@inline function computeLayerMemo(
  l: i32, L: i32, sizesPtr: usize, wOff: usize, bOff: usize, slopeValue: f64, nPairs: i32,
  mask: u32, nextNodeMask: usize, memo: usize, stamps: usize, gen: i32,
): void {
  const slope = f64x2.splat(slopeValue);
  const nIn = load<i32>(sizesPtr + (<usize>l << 2));
  const nOut = load<i32>(sizesPtr + (<usize>(l + 1) << 2));
  const rowBytes = <usize>nPairs << 4;
  const patterns = 1 << nIn;
  const patternMask: u32 = (<u32>patterns) - 1;
  for (let r = 0; r < nOut; r++) {
    const slot = r * patterns + <i32>((mask >> <u32>(r * nIn)) & patternMask);
    const cached = memo + <usize>slot * rowBytes;
    const stamp = stamps + (<usize>slot << 2);
    if (load<i32>(stamp) != gen) {
      computeRow(r, nIn, l < L - 1, wOff, bOff, slope, nPairs, rowTable(l), cached, mask, nextNodeMask);
      store<i32>(stamp, gen);
    }
    setAt(rowTable(l + 1), r, cached); // the next layer reads the memo slot in place
  }
}

// Per-layer digits and offsets in static memory (below the heap, so a heap reset cannot touch
// them): at most 16 layers.
const MAX_LAYERS = 16;
const digits = memory.data(MAX_LAYERS * 4);
const wOff = memory.data(MAX_LAYERS * sizeof<usize>());
const bOff = memory.data(MAX_LAYERS * sizeof<usize>());
const choiceOff = memory.data(MAX_LAYERS * sizeof<usize>());
const actOff = memory.data((MAX_LAYERS + 1) * sizeof<usize>());
const maskOff = memory.data((MAX_LAYERS + 1) * sizeof<usize>());
const memoOff = memory.data(MAX_LAYERS * sizeof<usize>());
const stampOff = memory.data(MAX_LAYERS * sizeof<usize>());
const gens = memory.data(MAX_LAYERS * 4);

// @ts-ignore: decorator
@inline function getAt(base: usize, i: i32): usize {
  return load<usize>(base + (<usize>i << alignof<usize>()));
}
// @ts-ignore: decorator
@inline function setAt(base: usize, i: i32, v: usize): void {
  store<usize>(base + (<usize>i << alignof<usize>()), v);
}
// @ts-ignore: decorator
@inline function digit(i: i32): i32 {
  return load<i32>(digits + (<usize>i << 2));
}
// @ts-ignore: decorator
@inline function setDigit(i: i32, v: i32): void {
  store<i32>(digits + (<usize>i << 2), v);
}

/** Largest number of layers {@link evaluateCombinations} accepts. */
export const maxLayers = MAX_LAYERS;

/** Bytes per entry of the combination table read by {@link evaluateCombinations}. */
export const COMBO_BYTES = 32;

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
 *   (u32 masks, bit r*nIn+j, layers concatenated), i32 circuit count, f64 offset of its first circuit;
 * - actPtr: f64 scratch, sum(sizes) rows of 2*nPairs values; rows of layer 0 hold the inputs;
 * - yPtr: f64 labels, nOut rows of 2*nPairs; rowWeightPtr: f64 per row (0 for padding rows).
 */
export function evaluateCombinations(
  L: i32, sizesPtr: usize, wPtr: usize, bPtr: usize, slopeValue: f64,
  tablePtr: usize, c0: i32, c1: i32, firstFrom: i32, lastTo: i32,
  nPairs: i32, actPtr: usize, yPtr: usize, rowWeightPtr: usize,
  total: f64, threshold: f64, outPtr: usize,
): i32 {
  const rowBytes = <usize>nPairs << 4;
  let w = wPtr, b = bPtr, a = actPtr;
  for (let l = 0; l <= L; l++) {
    const n = load<i32>(sizesPtr + (<usize>l << 2));
    setAt(actOff, l, a);
    a += <usize>n * rowBytes;
    if (l < L) {
      const nNext = load<i32>(sizesPtr + (<usize>(l + 1) << 2));
      setAt(wOff, l, w);
      setAt(bOff, l, b);
      w += <usize>(n * nNext) << 3;
      b += <usize>nNext << 3;
    }
  }
  // Memo tables per layer (see computeLayerMemo): stamps start at 0, generations at 1, and every
  // new combination bumps the generations (its node masks differ).
  const top = mark();
  for (let l = 0; l < L; l++) {
    const nIn = load<i32>(sizesPtr + (<usize>l << 2));
    const nOut = load<i32>(sizesPtr + (<usize>(l + 1) << 2));
    // The last layer's inputs change with every circuit: memoising it would never hit.
    if (nIn > MEMO_MAX_INPUTS || l == L - 1) {
      setAt(memoOff, l, 0);
      continue;
    }
    const slots = nOut << nIn;
    setAt(memoOff, l, alloc(<i32>(<usize>slots * rowBytes)));
    setAt(stampOff, l, allocZeroed(<usize>slots << 2));
    store<i32>(gens + (<usize>l << 2), 1);
  }
  const nIn0 = load<i32>(sizesPtr);
  for (let j = 0; j < nIn0; j++) setAt(rowTable(0), j, getAt(actOff, 0) + <usize>j * rowBytes);
  let found = 0;
  for (let c = c0; c < c1; c++) {
    const entry = tablePtr + <usize>c * COMBO_BYTES;
    const count = load<i32>(entry + 12);
    const from = c == c0 ? firstFrom : 0;
    const to = c == c1 - 1 ? lastTo : count;
    let m = <usize>load<i32>(entry);
    let ch = <usize>load<i32>(entry + 8);
    const countsPtr = <usize>load<i32>(entry + 4);
    for (let l = 0; l <= L; l++) {
      setAt(maskOff, l, m);
      m += <usize>load<i32>(sizesPtr + (<usize>l << 2)) << 3;
      if (l < L) {
        setAt(choiceOff, l, ch);
        ch += <usize>load<i32>(countsPtr + (<usize>l << 2)) << 2;
        store<i32>(gens + (<usize>l << 2), load<i32>(gens + (<usize>l << 2)) + 1);
      }
    }
    found = evaluateRange(L, sizesPtr, countsPtr, slopeValue, nPairs, yPtr, rowWeightPtr, from, to, total, threshold,
      load<f64>(entry + 16), outPtr, found);
  }
  release(top);
  return found;
}

/**
 * Circuits `[from, to)` of the combination whose offsets are set up: appends the global indices
 * (`base` + local index, f64) of those that beat the threshold and returns the new count.
 */
function evaluateRange(
  L: i32, sizesPtr: usize, countsPtr: usize, slopeValue: f64, nPairs: i32, yPtr: usize, rowWeightPtr: usize,
  from: i32, to: i32, total: f64, threshold: f64, base: f64, outPtr: usize, found: i32,
): i32 {
  const rowBytes = <usize>nPairs << 4;
  // Decode `from` into digits, layer 0 slowest.
  let rest = from;
  for (let l = L - 1; l >= 0; l--) {
    const n = load<i32>(countsPtr + (<usize>l << 2));
    setDigit(l, rest % n);
    rest = rest / n;
  }
  const nOut = load<i32>(sizesPtr + (<usize>L << 2));
  const slope = f64x2.splat(slopeValue);
  let lastDigit = -1; // the output layer's edge choice that lastWeights holds
  let dirty = 0; // first layer whose activations must be recomputed
  // Layers computed into contiguous rows (not memoised) are read there by the next layer.
  for (let l = 0; l < L; l++) {
    if (getAt(memoOff, l) != 0) continue;
    const nNext = load<i32>(sizesPtr + (<usize>(l + 1) << 2));
    const out = getAt(actOff, l + 1);
    for (let r = 0; r < nNext; r++) setAt(rowTable(l + 1), r, out + <usize>r * rowBytes);
  }
  for (let idx = from; idx < to; idx++) {    for (let l = dirty; l < L; l++) {
      const mask = load<u32>(getAt(choiceOff, l) + (<usize>digit(l) << 2));
      const memo = getAt(memoOff, l);
      if (l == L - 1) {
        // The output layer: its weights are re-masked only when its own edge choice changes.
        const nIn = load<i32>(sizesPtr + (<usize>l << 2));
        const d = digit(l);
        if (d != lastDigit) {
          prepareLastWeights(getAt(wOff, l), nIn * nOut, mask);
          lastDigit = d;
        }
        computeLastLayer(nIn, nOut, getAt(bOff, l), slope, nPairs, rowTable(l), getAt(actOff, L));
        continue;
      }
      if (memo == 0) {
        const nIn = load<i32>(sizesPtr + (<usize>l << 2));
        const nNext = load<i32>(sizesPtr + (<usize>(l + 1) << 2));
        computeLayerRows(l, L, nIn, nNext, getAt(wOff, l), getAt(bOff, l), slope, nPairs, rowTable(l), getAt(actOff, l + 1), mask, getAt(maskOff, l + 1));
        continue;
      }
      // Layers above the lowest changed one see new inputs: their memo is stale.
      let gen = load<i32>(gens + (<usize>l << 2));
      if (l > dirty) store<i32>(gens + (<usize>l << 2), ++gen);
      computeLayerMemo(l, L, sizesPtr, getAt(wOff, l), getAt(bOff, l), slopeValue, nPairs,
        mask, getAt(maskOff, l + 1), memo, getAt(stampOff, l), gen);
    }
    // Weighted count of rows where every rounded output equals its label (round half to even).
    let correct = f64x2.splat(0);
    for (let p = 0; p < nPairs; p++) {
      const pOff = <usize>p << 4;
      let ok = i64x2.splat(-1); // all bits set: every output matches so far
      for (let o = 0; o < nOut; o++) {
        const out = v128.load(getAt(rowTable(L), o) + pOff);
        const y = v128.load(yPtr + <usize>o * rowBytes + pOff);
        ok = v128.and(ok, f64x2.eq(f64x2.nearest(out), y));
      }
      correct = f64x2.add(correct, v128.and(v128.load(rowWeightPtr + pOff), ok));
    }
    const n = f64x2.extract_lane(correct, 0) + f64x2.extract_lane(correct, 1);
    if (n / total > threshold) {
      store<f64>(outPtr + (<usize>found << 3), base + <f64>idx);
      found++;
    }
    // Advance the mixed-radix digits; the lowest layer that changed is recomputed next time.
    let l = L - 1;
    while (l >= 0) {
      const d = digit(l) + 1;
      if (d < load<i32>(countsPtr + (<usize>l << 2))) {
        setDigit(l, d);
        break;
      }
      setDigit(l, 0);
      l--;
    }
    dirty = l < 0 ? 0 : l;
  }
  return found;
}
