// The reference trainer's fused kernel: the same bits as torchBatches (train-torch.ts), laid out
// for throughput. Every operation of torch 1.13's step is done in the same order on the same
// float32 values; only the data layout and the order in which independent values are computed
// differ:
// - values are kept as f64 holding float32 values, two samples per f64x2 vector (feature-major
//   [neuron][row] blocks), so torch's fused multiply-add (a float64 product, exact, and sum, then
//   one rounding to float32) needs no conversions, and a float32 add or multiply is the f64 one
//   rounded to float32 (exact: a double has more than 2 x 24 + 2 bits);
// - every sum over the rows of the batch (weight gradients) is a chain of its own, and four chains
//   advance together with their accumulators in registers, so that they are independent work
//   instead of one latency-bound chain each;
// - a multiply-add whose float64 sum might round twice (a float32 tie or float32's subnormal
//   range, as train-torch.ts's fma32 tests) and is inexact is redone lane by lane with fma32 (a
//   weight-gradient group, tested once at its end, is redone whole, each multiply-add checked).
//
// Scratch layout (one block from JS, torchFusedScratchBytes bytes; B2 = the batch rounded up to
// even, rs_l = size_l rounded up to even; every region 16-byte aligned):
// - a header of per-layer byte offsets (HDR_* below);
// - act_l: f64[size_l][B2] activations, l = 0..L (act_0 the batch's inputs);
// - z_l, gz_l: f64[size_l][B2] pre-activations and their gradients, l = 1..L;
// - arm_l: f64[B2][rs_l] the activations of layer l again, row-major (the weight gradients' vectors
//   pair two inputs of one row), l = 0..L-1, pad columns zero;
// - acc_l: f64[size_{l+1}][rs_l] the weight-gradient chains of layer l;
// - ytab: f64[nOut][B2] the batch's labels; sq: f32[B2 * nOut] squared errors, row-major;
// - wd: f64[nParams] the parameters as f64 (refreshed after every step);
// - cells: the weight-gradient chains (see chainTable), CELL_BYTES each.
import { HDR_ACC, HDR_ACT, HDR_ARM, HDR_GZ, HDR_Z, HEADER_BYTES, MAX_LAYERS, hdr, put, sizeAt, stageRows } from './train-scratch';
import { cascadePower, contiguousSum, fma32 } from './train-torch';

// A weight-gradient chain: i32 address of its activations in row 0, their row stride in bytes,
// the address of its gradient in row 0, the address of its accumulator, whether its high lane counts.
const CELL_BYTES = 32;
// Chains advanced together, their accumulators in registers (enough to hide an fma's latency).
const CHAINS = 4;

const TIE_BITS: i64 = 0x1fffffff;
const TIE_VALUE: i64 = 0x10000000;
const MIN_NORMAL_F32: f64 = 1.1754943508222875e-38;

// @ts-ignore: decorator
@inline function even(x: i32): i32 {
  return (x + 1) & ~1;
}

/** Rounds both f64 lanes to float32 (and back). */
// @ts-ignore: decorator
@inline function round2(s: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(s));
}

/** The lanes of an f64 sum that might round twice on the way to float32 (as train-torch.ts's risky). */
// @ts-ignore: decorator
@inline function risky2(s: v128): v128 {
  const tie = i64x2.eq(v128.and(s, i64x2.splat(TIE_BITS)), i64x2.splat(TIE_VALUE));
  return v128.or(tie, f64x2.lt(f64x2.abs(s), f64x2.splat(MIN_NORMAL_F32)));
}

/** fma32 on two lanes of float32 values held as f64 (see checkedFma). */
// @ts-ignore: decorator
@inline function fma2(a: v128, b: v128, c: v128): v128 {
  return checkedFma(a, b, c, f64x2.add(f64x2.mul(a, b), c));
}

/**
 * fma32 of two lanes given t = a b + c in float64: t rounded once, unless a lane is risky and
 * its sum inexact, then fma32 lane by lane. An exact sum has one rounding, to float32, which is
 * fma32's: clean 0/1 inputs make many float32 ties (and zeros) that are exact sums of two
 * float32 values.
 */
// @ts-ignore: decorator
@inline function checkedFma(a: v128, b: v128, c: v128, t: v128): v128 {
  const risky = risky2(t);
  if (v128.any_true(risky) && v128.any_true(v128.and(risky, inexact2(f64x2.mul(a, b), c, t)))) return fma2Slow(a, b, c);
  return round2(t);
}

/**
 * The lanes where t = fl(p + c) is not p + c exactly: with |p| >= |c|, t - p is exact (Dekker's
 * Fast2Sum) and equals c only for an exact sum; with |c| > |p| the same holds for t - c. So both
 * differences give back the other operand when, and only when, the sum is exact.
 */
// @ts-ignore: decorator
@inline function inexact2(p: v128, c: v128, t: v128): v128 {
  return v128.not(v128.and(f64x2.eq(f64x2.sub(t, p), c), f64x2.eq(f64x2.sub(t, c), p)));
}

let slowPairs = 0;

function fma2Slow(a: v128, b: v128, c: v128): v128 {
  slowPairs++;
  const r0 = fma32(<f32>f64x2.extract_lane(a, 0), <f32>f64x2.extract_lane(b, 0), <f32>f64x2.extract_lane(c, 0));
  const r1 = fma32(<f32>f64x2.extract_lane(a, 1), <f32>f64x2.extract_lane(b, 1), <f32>f64x2.extract_lane(c, 1));
  return f64x2.replace_lane(f64x2.splat(<f64>r0), 1, <f64>r1);
}

/** LeakyReLU on two lanes: z > 0 ? z : fl(z slope). */
// @ts-ignore: decorator
@inline function leaky2(z: v128, slope: v128): v128 {
  return v128.bitselect(z, round2(f64x2.mul(z, slope)), f64x2.gt(z, f64x2.splat(0)));
}

// ---- torch's float32 sums over f64-held values (the orders of train-torch.ts's cascade, rowSum, contiguousSum) ----

// @ts-ignore: decorator
@inline function at64(v: usize, i: i32): f32 {
  return <f32>load<f64>(v + (<usize>i << 3));
}

function cascade64(v: usize, stride: i32, size: i32): f32 {
  const power = cascadePower(size);
  const step = 1 << power;
  const mask = step - 1;
  let a0: f32 = 0;
  let a1: f32 = 0;
  let a2: f32 = 0;
  let a3: f32 = 0;
  let i = 0;
  while (i + step <= size) {
    for (let j = 0; j < step; j++, i++) a0 = a0 + at64(v, i * stride);
    a1 = a1 + a0;
    a0 = 0;
    if ((i & (mask << power)) != 0) continue;
    a2 = a2 + a1;
    a1 = 0;
    if ((i & (mask << (2 * power))) != 0) continue;
    a3 = a3 + a2;
    a2 = 0;
  }
  for (; i < size; i++) a0 = a0 + at64(v, i * stride);
  a0 = a0 + a1;
  a0 = a0 + a2;
  a0 = a0 + a3;
  return a0;
}

function rowSum64(v: usize, stride: i32, size: i32): f32 {
  const groups = size >> 2;
  const g = stride << 2;
  let s = cascade64(v, g, groups);
  const c1 = cascade64(v + (<usize>stride << 3), g, groups);
  const c2 = cascade64(v + (<usize>(2 * stride) << 3), g, groups);
  const c3 = cascade64(v + (<usize>(3 * stride) << 3), g, groups);
  for (let i = groups << 2; i < size; i++) s = s + at64(v, i * stride);
  s = s + c1;
  s = s + c2;
  s = s + c3;
  return s;
}

function contiguousSum64(v: usize, n: i32): f32 {
  if (n < 8) return rowSum64(v, 1, n);
  const vectors = n >> 3;
  let s: f32 = 0;
  for (let i = vectors << 3; i < n; i++) s = s + at64(v, i);
  for (let lane = 0; lane < 8; lane++) s = s + rowSum64(v + (<usize>lane << 3), 8, vectors);
  return s;
}

/** `gz.sum(0)` of a [rows, cols] gradient held feature-major (column c at x + c * B2): torch's orders. */
function columnSums64(x: usize, rows: i32, cols: i32, b2: i32, out: usize): void {
  if (cols == 1) {
    store<f32>(out, contiguousSum64(x, rows));
    return;
  }
  const cascaded = cols < 8 ? (cols >> 2) << 2 : (cols >> 5) << 5;
  for (let c = 0; c < cols; c++) {
    const col = x + (<usize>(c * b2) << 3);
    store<f32>(out + (<usize>c << 2), c < cascaded ? cascade64(col, 1, rows) : rowSum64(col, 1, rows));
  }
}

// ---- the layout ----

/** Writes the header of per-layer offsets (scratch 0: only measures) and returns the scratch size in bytes. */
function layout(L: i32, sizes: usize, batch: i32, nParams: i32, scratch: usize): i32 {
  const b2 = even(batch);
  let at = HEADER_BYTES;
  for (let l = 0; l <= L; l++) at = put(scratch, HDR_ACT, l, sizeAt(sizes, l) * b2 * 8, at);
  for (let l = 0; l <= L; l++) at = put(scratch, HDR_Z, l, sizeAt(sizes, l) * b2 * 8, at);
  for (let l = 0; l <= L; l++) at = put(scratch, HDR_GZ, l, sizeAt(sizes, l) * b2 * 8, at);
  for (let l = 0; l < L; l++) at = put(scratch, HDR_ARM, l, b2 * even(sizeAt(sizes, l)) * 8, at);
  for (let l = 0; l < L; l++) at = put(scratch, HDR_ACC, l, sizeAt(sizes, l + 1) * even(sizeAt(sizes, l)) * 8, at);
  const nOut = sizeAt(sizes, L);
  // ytab, sq (with slack) and wd, in the slots of layer index MAX_LAYERS - 1.
  at = put(scratch, HDR_ACT, MAX_LAYERS - 1, nOut * b2 * 8, at);
  at = put(scratch, HDR_Z, MAX_LAYERS - 1, nOut * b2 * 4 + 32, at);
  at = put(scratch, HDR_GZ, MAX_LAYERS - 1, nParams * 8, at);
  // The weight-gradient chains' table (CELL_BYTES each; fewer chains than parameters).
  at = put(scratch, HDR_ARM, MAX_LAYERS - 1, nParams * CELL_BYTES, at);
  return at;
}

/** Bytes of scratch torchFusedBatches needs for these layer sizes and batch size (0 past its limits). */
export function torchFusedScratchBytes(L: i32, sizes: usize, batch: i32, nParams: i32): i32 {
  if (L < 1 || L >= MAX_LAYERS - 1) return 0;
  return layout(L, sizes, batch, nParams, 0);
}

/** Copies the float32 parameters into their f64 copy. */
function refreshWeights(params: usize, wd: usize, nParams: i32): void {
  for (let i = 0; i < nParams; i++) store<f64>(wd + (<usize>i << 3), <f64>load<f32>(params + (<usize>i << 2)));
}

/** Forward pass of the batch in act_0 (`pairs` row pairs): pre-activations, activations, their row-major copies. */
function forward(L: i32, sizes: usize, wd: usize, scratch: usize, pairs: i32, b2: i32, slope: v128): void {
  let w = wd;
  const col = <usize>b2 << 3; // bytes per neuron in a feature-major block
  for (let l = 0; l < L; l++) {
    const nIn = sizeAt(sizes, l);
    const nOut = sizeAt(sizes, l + 1);
    const aIn = hdr(scratch, HDR_ACT, l);
    const aOut = hdr(scratch, HDR_ACT, l + 1);
    const zOut = hdr(scratch, HDR_Z, l + 1);
    const rm = l + 1 < L ? hdr(scratch, HDR_ARM, l + 1) : 0;
    const rs = <usize>even(nOut) << 3; // bytes per row of arm_{l+1}
    const bias = w + (<usize>(nOut * nIn) << 3);
    for (let p = 0; p < pairs; p++) {
      const at = <usize>p << 4;
      for (let o = 0; o < nOut; o++) {
        const wr = w + (<usize>(o * nIn) << 3);
        let acc = round2(f64x2.mul(v128.load(aIn + at), v128.load64_splat(wr)));
        for (let k = 1; k < nIn; k++) acc = fma2(v128.load(aIn + <usize>k * col + at), v128.load64_splat(wr + (<usize>k << 3)), acc);
        const z = round2(f64x2.add(acc, v128.load64_splat(bias + (<usize>o << 3))));
        const a = leaky2(z, slope);
        const oc = <usize>o * col + at;
        v128.store(zOut + oc, z);
        v128.store(aOut + oc, a);
        if (rm) {
          const cell = rm + <usize>(2 * p) * rs + (<usize>o << 3);
          v128.store64_lane(cell, a, 0);
          v128.store64_lane(cell + rs, a, 1);
        }
      }
    }
    w = bias + (<usize>nOut << 3);
  }
}

/**
 * The batch's inputs (both layouts) and labels from its staged records (`rows` in a row, inputs
 * then labels); an odd batch's pad row repeats its last row.
 */
function gather(rows0: usize, rows: i32, nIn0: i32, nOut: i32, scratch: usize, b2: i32): void {
  const col = <usize>b2 << 3;
  const act0 = hdr(scratch, HDR_ACT, 0);
  const arm0 = hdr(scratch, HDR_ARM, 0);
  const ytab = hdr(scratch, HDR_ACT, MAX_LAYERS - 1);
  const rs0 = <usize>even(nIn0) << 3;
  const w = nIn0 + nOut;
  const end = (rows + 1) & ~1;
  for (let r = 0; r < end; r++) {
    const src = rows0 + (<usize>(min(r, rows - 1) * w) << 2);
    for (let k = 0; k < nIn0; k++) {
      const xv = <f64>load<f32>(src + (<usize>k << 2));
      store<f64>(act0 + <usize>k * col + (<usize>r << 3), xv);
      store<f64>(arm0 + <usize>r * rs0 + (<usize>k << 3), xv);
    }
    for (let o = 0; o < nOut; o++) store<f64>(ytab + <usize>o * col + (<usize>r << 3), <f64>load<f32>(src + (<usize>(nIn0 + o) << 2)));
  }
}

/** The MSE loss (returned) and its gradient through the output's LeakyReLU (gz_L). */
function lossAndOutputGradient(L: i32, rows: i32, nOut: i32, scratch: usize, b2: i32, slope: v128): f32 {
  const col = <usize>b2 << 3;
  const outAct = hdr(scratch, HDR_ACT, L);
  const outZ = hdr(scratch, HDR_Z, L);
  const outGz = hdr(scratch, HDR_GZ, L);
  const ytab = hdr(scratch, HDR_ACT, MAX_LAYERS - 1);
  const sq = hdr(scratch, HDR_Z, MAX_LAYERS - 1);
  const N = rows * nOut;
  const g2 = f64x2.splat(<f64><f32>(2.0 / <f64>N));
  const pairs = (rows + 1) >> 1;
  for (let p = 0; p < pairs; p++) {
    const at = <usize>p << 4;
    for (let o = 0; o < nOut; o++) {
      const oc = <usize>o * col + at;
      const e = round2(f64x2.sub(v128.load(outAct + oc), v128.load(ytab + oc)));
      const sqv = f32x4.demote_f64x2_zero(f64x2.mul(e, e));
      store<f32>(sq + (<usize>(2 * p * nOut + o) << 2), f32x4.extract_lane(sqv, 0));
      store<f32>(sq + (<usize>((2 * p + 1) * nOut + o) << 2), f32x4.extract_lane(sqv, 1));
      const g = round2(f64x2.mul(e, g2));
      v128.store(outGz + oc, v128.bitselect(g, round2(f64x2.mul(g, slope)), f64x2.gt(v128.load(outZ + oc), f64x2.splat(0))));
    }
  }
  return contiguousSum(sq, N) / <f32>N;
}

/** Gradients of the hidden layers' pre-activations, last layer first: da = gz W (pre-step W). */
function backward(L: i32, sizes: usize, wd: usize, rows: i32, scratch: usize, b2: i32, slope: v128): void {
  const col = <usize>b2 << 3;
  const pairs = (rows + 1) >> 1;
  let wOff: usize = 0;
  for (let l = 0; l < L; l++) wOff += <usize>(sizeAt(sizes, l + 1) * (sizeAt(sizes, l) + 1));
  for (let l = L - 1; l >= 1; l--) {
    const nI = sizeAt(sizes, l);
    const nO = sizeAt(sizes, l + 1);
    wOff -= <usize>(nO * (nI + 1));
    const W = wd + (wOff << 3);
    const gzO = hdr(scratch, HDR_GZ, l + 1);
    const gzI = hdr(scratch, HDR_GZ, l);
    const zI = hdr(scratch, HDR_Z, l);
    for (let p = 0; p < pairs; p++) {
      const at = <usize>p << 4;
      for (let k = 0; k < nI; k++) {
        let s = round2(f64x2.mul(v128.load(gzO + at), v128.load64_splat(W + (<usize>k << 3))));
        for (let o = 1; o < nO; o++) s = fma2(v128.load(gzO + <usize>o * col + at), v128.load64_splat(W + (<usize>(o * nI + k) << 3)), s);
        const kc = <usize>k * col + at;
        v128.store(gzI + kc, v128.bitselect(s, round2(f64x2.mul(s, slope)), f64x2.gt(v128.load(zI + kc), f64x2.splat(0))));
      }
    }
  }
}

/** Writes the table of weight-gradient chains (two inputs of one output each) and returns their number. */
function chainTable(L: i32, sizes: usize, scratch: usize, b2: i32): i32 {
  const col = <usize>b2 << 3;
  const table = hdr(scratch, HDR_ARM, MAX_LAYERS - 1);
  let c = 0;
  for (let l = 0; l < L; l++) {
    const nI = sizeAt(sizes, l);
    const nO = sizeAt(sizes, l + 1);
    const kp = even(nI) >> 1;
    for (let o = 0; o < nO; o++) {
      for (let j = 0; j < kp; j++, c++) {
        const cell = table + <usize>c * CELL_BYTES;
        store<i32>(cell, <i32>(hdr(scratch, HDR_ARM, l) + (<usize>j << 4)));
        store<i32>(cell, kp << 4, 4);
        store<i32>(cell, <i32>(hdr(scratch, HDR_GZ, l + 1) + <usize>o * col), 8);
        store<i32>(cell, <i32>(hdr(scratch, HDR_ACC, l) + (<usize>(o * kp + j) << 4)), 12);
        store<i32>(cell, j + 1 < kp || (nI & 1) == 0 ? -1 : 0, 16);
      }
    }
  }
  return c;
}

/** The lanes of a chain that count: both, or the low one (an odd layer's last input). */
// @ts-ignore: decorator
@inline function laneMask(cell: usize): v128 {
  return i64x2.replace_lane(i64x2.splat(-1), 1, <i64>load<i32>(cell, 16));
}

/**
 * Chains first .. first + CHAINS - 1 of the table (fewer at the end: the last one repeats and is
 * not stored), their accumulators in registers: dW = fl(g_0 a_0), then fma(g_r, a_r, .) for
 * r = 1, 2, .... Returns whether a lane that counts might have rounded twice.
 */
function chainGroup(table: usize, first: i32, n: i32, rows: i32): bool {
  const c0 = table + <usize>first * CELL_BYTES;
  const c1 = table + <usize>min(first + 1, n - 1) * CELL_BYTES;
  const c2 = table + <usize>min(first + 2, n - 1) * CELL_BYTES;
  const c3 = table + <usize>min(first + 3, n - 1) * CELL_BYTES;
  let a0 = <usize>load<i32>(c0);
  let a1 = <usize>load<i32>(c1);
  let a2 = <usize>load<i32>(c2);
  let a3 = <usize>load<i32>(c3);
  const st0 = <usize>load<i32>(c0, 4);
  const st1 = <usize>load<i32>(c1, 4);
  const st2 = <usize>load<i32>(c2, 4);
  const st3 = <usize>load<i32>(c3, 4);
  let g0 = <usize>load<i32>(c0, 8);
  let g1 = <usize>load<i32>(c1, 8);
  let g2 = <usize>load<i32>(c2, 8);
  let g3 = <usize>load<i32>(c3, 8);
  const m0 = laneMask(c0);
  const m1 = laneMask(c1);
  const m2 = laneMask(c2);
  const m3 = laneMask(c3);
  let s0 = round2(f64x2.mul(v128.load64_splat(g0), v128.load(a0)));
  let s1 = round2(f64x2.mul(v128.load64_splat(g1), v128.load(a1)));
  let s2 = round2(f64x2.mul(v128.load64_splat(g2), v128.load(a2)));
  let s3 = round2(f64x2.mul(v128.load64_splat(g3), v128.load(a3)));
  let risk = i64x2.splat(0);
  for (let r = 1; r < rows; r++) {
    a0 += st0;
    a1 += st1;
    a2 += st2;
    a3 += st3;
    g0 += 8;
    g1 += 8;
    g2 += 8;
    g3 += 8;
    const t0 = f64x2.add(f64x2.mul(v128.load64_splat(g0), v128.load(a0)), s0);
    const t1 = f64x2.add(f64x2.mul(v128.load64_splat(g1), v128.load(a1)), s1);
    const t2 = f64x2.add(f64x2.mul(v128.load64_splat(g2), v128.load(a2)), s2);
    const t3 = f64x2.add(f64x2.mul(v128.load64_splat(g3), v128.load(a3)), s3);
    risk = v128.or(risk, v128.or(v128.or(v128.and(risky2(t0), m0), v128.and(risky2(t1), m1)), v128.or(v128.and(risky2(t2), m2), v128.and(risky2(t3), m3))));
    s0 = round2(t0);
    s1 = round2(t1);
    s2 = round2(t2);
    s3 = round2(t3);
  }
  v128.store(<usize>load<i32>(c0, 12), s0);
  if (first + 1 < n) v128.store(<usize>load<i32>(c1, 12), s1);
  if (first + 2 < n) v128.store(<usize>load<i32>(c2, 12), s2);
  if (first + 3 < n) v128.store(<usize>load<i32>(c3, 12), s3);
  return v128.any_true(risk);
}

/** One chain of the table, every multiply-add checked (the redo when a group was at risk). */
function chainExact(cell: usize, rows: i32): void {
  let a = <usize>load<i32>(cell);
  const st = <usize>load<i32>(cell, 4);
  let g = <usize>load<i32>(cell, 8);
  let s = round2(f64x2.mul(v128.load64_splat(g), v128.load(a)));
  for (let r = 1; r < rows; r++) {
    a += st;
    g += 8;
    s = fma2(v128.load64_splat(g), v128.load(a), s);
  }
  v128.store(<usize>load<i32>(cell, 12), s);
}

/**
 * Weight gradients dW[o, k] = fl(gz[0,o] a[0,k]), then fma(gz[r,o], a[r,k], .) for r = 1, 2, ...:
 * CHAINS chains at a time in registers, without a branch per fma; a group where a lane might have
 * rounded twice is redone exactly. Then the gradients out in torch's parameter order: per layer
 * the weights, then the bias (torch's column sums).
 */
function weightGradients(L: i32, sizes: usize, grads: usize, rows: i32, scratch: usize, b2: i32, nChains: i32): void {
  const table = hdr(scratch, HDR_ARM, MAX_LAYERS - 1);
  for (let c = 0; c < nChains; c += CHAINS) {
    if (chainGroup(table, c, nChains, rows)) {
      for (let k = c; k < min(c + CHAINS, nChains); k++) chainExact(table + <usize>k * CELL_BYTES, rows);
    }
  }
  let gOff: usize = 0;
  for (let l = 0; l < L; l++) {
    const nI = sizeAt(sizes, l);
    const nO = sizeAt(sizes, l + 1);
    const rsl = even(nI);
    const ACC = hdr(scratch, HDR_ACC, l);
    for (let o = 0; o < nO; o++) {
      for (let k = 0; k < nI; k++) store<f32>(grads + ((gOff + <usize>(o * nI + k)) << 2), <f32>load<f64>(ACC + (<usize>(o * rsl + k) << 3)));
    }
    gOff += <usize>(nO * nI);
    columnSums64(hdr(scratch, HDR_GZ, l + 1), rows, nO, b2, grads + (gOff << 2));
    gOff += <usize>nO;
  }
}

/** One AdamW step, torch 1.13's _single_tensor_adamw (as torchBatches), and the f64 copy of the parameters. */
function adamw(params: usize, grads: usize, m: usize, v: usize, nParams: i32, consts: usize, negStep: f32, bc2Sqrt: f32, wd: usize): void {
  const decay = load<f32>(consts);
  const beta1 = load<f32>(consts, 4);
  const oneMinusBeta1 = load<f32>(consts, 8);
  const beta2 = load<f32>(consts, 12);
  const oneMinusBeta2 = load<f32>(consts, 16);
  const eps = load<f32>(consts, 20);
  for (let i = 0; i < nParams; i++) {
    const gi = load<f32>(grads + (<usize>i << 2));
    const p = load<f32>(params + (<usize>i << 2)) * decay;
    const mi = fma32(oneMinusBeta1, gi, load<f32>(m + (<usize>i << 2)) * beta1);
    const vi = fma32(oneMinusBeta2 * gi, gi, load<f32>(v + (<usize>i << 2)) * beta2);
    const d = sqrt<f32>(vi) / bc2Sqrt + eps;
    const np = p + (negStep * mi) / d;
    store<f32>(params + (<usize>i << 2), np);
    store<f64>(wd + (<usize>i << 3), <f64>np);
    store<f32>(m + (<usize>i << 2), mi);
    store<f32>(v + (<usize>i << 2), vi);
  }
}

/** Bytes of the stage torchFusedBatches copies `batches` batches' records into. */
export function torchFusedStageBytes(L: i32, sizes: usize, batch: i32, batches: i32): i32 {
  return batches * batch * (sizeAt(sizes, 0) + sizeAt(sizes, L)) * 4;
}

/**
 * Batches first .. first + count - 1 of an epoch (perm order), each one optimiser step, the same
 * bits as torchBatches (same arguments, with the samples as records and one scratch block instead
 * of its buffers). `rec` holds per sample its nIn inputs then its nOut labels (f32); the rows of
 * `stageBatches` batches at a time are copied into `stage` first. Returns the number of lane pairs
 * redone with fma32.
 */
export function torchFusedBatches(
  L: i32, sizes: usize, params: usize, grads: usize, m: usize, v: usize, nParams: i32,
  rec: usize, n: i32, perm: usize, batch: i32, first: i32, count: i32, losses: usize,
  consts: usize, steps: usize, scratch: usize, stage: usize, stageBatches: i32,
): i32 {
  layout(L, sizes, batch, nParams, scratch);
  slowPairs = 0;
  const slope = f64x2.splat(<f64>load<f32>(consts, 24));
  const nIn0 = sizeAt(sizes, 0);
  const nOut = sizeAt(sizes, L);
  const w = nIn0 + nOut;
  const b2 = even(batch);
  const wd = hdr(scratch, HDR_GZ, MAX_LAYERS - 1);
  refreshWeights(params, wd, nParams);
  const nChains = chainTable(L, sizes, scratch, b2);
  for (let c0 = 0; c0 < count; c0 += stageBatches) {
    const cn = min(stageBatches, count - c0);
    const s0 = (first + c0) * batch;
    stageRows(rec, perm, s0, min(n, s0 + cn * batch), w, stage);
    for (let bi = c0; bi < c0 + cn; bi++) {
      const b = first + bi;
      const start = b * batch;
      const rows = min(batch, n - start);
      gather(stage + (<usize>((start - s0) * w) << 2), rows, nIn0, nOut, scratch, b2);
      forward(L, sizes, wd, scratch, (rows + 1) >> 1, b2, slope);
      store<f32>(losses + (<usize>b << 2), lossAndOutputGradient(L, rows, nOut, scratch, b2, slope));
      backward(L, sizes, wd, rows, scratch, b2, slope);
      weightGradients(L, sizes, grads, rows, scratch, b2, nChains);
      adamw(params, grads, m, v, nParams, consts, load<f32>(steps + (<usize>(2 * bi) << 2)), load<f32>(steps + (<usize>(2 * bi + 1) << 2)), wd);
    }
  }
  return slowPairs;
}
