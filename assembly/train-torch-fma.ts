// The reference trainer's kernel on the hardware's fused multiply-add: the same bits as
// torchBatches (train-torch.ts) and torchFusedBatches (train-torch-fused.ts), for engines whose
// relaxed SIMD multiply-add is fused (one rounding). Compiled only into build/kernels-fma.wasm
// (assembly/fma.ts, with relaxed SIMD enabled); the engine uses it only after fmaIsFused() says so.
//
// torch 1.13's CPU step is float32 arithmetic in which every multiply-add is fused. Here each is
// one f32x4.relaxed_madd on four samples, where the other kernels emulate it in float64 and check
// for double rounding. Every add, multiply, divide and square root is the float32 operation itself;
// the orders are the fused kernel's:
// - values are float32, four samples per vector (feature-major [neuron][row] blocks);
// - every sum over the rows of the batch (weight gradients) is a chain of its own, four inputs of
//   one output per vector, CHAINS vectors advancing together in registers;
// - AdamW updates four parameters per vector (its operations are lane by lane).
//
// Scratch layout (one block from JS, torchFmaScratchBytes bytes; B4 = the batch rounded up to a
// multiple of 4, rs_l = size_l rounded up likewise; every region 16-byte aligned):
// - a header of per-layer byte offsets (HDR_* below);
// - act_l: f32[size_l][B4] activations, l = 0..L (act_0 the batch's inputs);
// - z_l, gz_l: f32[size_l][B4] pre-activations and their gradients, l = 1..L;
// - arm_l: f32[B4][rs_l] the activations of layer l again, row-major (a weight-gradient vector
//   holds four inputs of one row), l = 0..L-1, pad columns zero;
// - acc_l: f32[size_{l+1}][rs_l] the weight-gradient chains of layer l;
// - ytab: f32[nOut][B4] the batch's labels; sq: f32[B4 * nOut] squared errors, row-major;
// - cells: the weight-gradient chains (see chainTable), CELL_BYTES each.
// params, grads, m and v need 4 floats of slack past their last value: AdamW's last vector
// reads and writes there.
import { HDR_ACC, HDR_ACT, HDR_ARM, HDR_GZ, HDR_Z, HEADER_BYTES, MAX_LAYERS, hdr, put, sizeAt, stageRows } from './train-scratch';
import { cascade, cascadePower } from './train-torch';

// A weight-gradient chain: i32 address of its activations in row 0, their row stride in bytes,
// the address of its gradient in row 0, the address of its accumulator.
const CELL_BYTES = 16;
// Chains advanced together (a multiply-add's latency is about four of its issue slots).
const CHAINS = 4;

// @ts-ignore: decorator
@inline function quad(x: i32): i32 {
  return (x + 3) & ~3;
}

/** a b + c on four lanes, rounded once (where fmaIsFused holds). */
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  return f32x4.relaxed_madd(a, b, c);
}

/** LeakyReLU's value or gradient on four lanes: z > 0 ? v : fl(v slope). */
// @ts-ignore: decorator
@inline function leaky(v: v128, z: v128, slope: v128): v128 {
  return v128.bitselect(v, f32x4.mul(v, slope), f32x4.gt(z, f32x4.splat(0)));
}

/**
 * Whether this engine's f32x4.relaxed_madd rounds once: (1 + 2^-12)(1 - 2^-12) - 1 is -2^-24
 * fused and 0 with the product rounded first. `zero` is a 0 read from memory, so that no
 * optimiser can fold the test into a constant of its own choosing.
 */
// @ts-ignore: decorator
@inline function fusedWith(zero: f32): bool {
  const a = f32x4.splat(<f32>1.000244140625 + zero);
  const b = f32x4.splat(<f32>0.999755859375 + zero);
  const r = madd(a, b, f32x4.splat(<f32>-1 + zero));
  return f32x4.extract_lane(r, 0) == <f32>-5.9604644775390625e-8;
}

/** Whether f32x4.relaxed_madd rounds once here (`zeroAt`: the address of a float32 zero). */
export function fmaIsFused(zeroAt: usize): bool {
  return fusedWith(load<f32>(zeroAt));
}

// ---- torch's float32 sums (train-torch.ts's cascade, rowSum, contiguousSum), four chains per vector ----

/**
 * train-torch.ts's cascade on four chains of equal length at once: lane k of item i is at
 * v + i * strideBytes + 4k. Each lane does the scalar cascade's adds, in its order.
 */
function cascade4(v: usize, strideBytes: usize, size: i32): v128 {
  const power = cascadePower(size);
  const step = 1 << power;
  const mask = step - 1;
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0);
  let i = 0;
  while (i + step <= size) {
    for (let j = 0; j < step; j++, i++) a0 = f32x4.add(a0, v128.load(v + <usize>i * strideBytes));
    a1 = f32x4.add(a1, a0);
    a0 = f32x4.splat(0);
    if ((i & (mask << power)) != 0) continue;
    a2 = f32x4.add(a2, a1);
    a1 = f32x4.splat(0);
    if ((i & (mask << (2 * power))) != 0) continue;
    a3 = f32x4.add(a3, a2);
    a2 = f32x4.splat(0);
  }
  for (; i < size; i++) a0 = f32x4.add(a0, v128.load(v + <usize>i * strideBytes));
  a0 = f32x4.add(a0, a1);
  a0 = f32x4.add(a0, a2);
  return f32x4.add(a0, a3);
}

/** train-torch.ts's rowSum(v, 1, size): its four chains (the values 4i + k) as the lanes of one cascade4. */
function rowSum1(v: usize, size: i32): f32 {
  const groups = size >> 2;
  const c = cascade4(v, 16, groups);
  let s = f32x4.extract_lane(c, 0);
  for (let i = groups << 2; i < size; i++) s = s + load<f32>(v + (<usize>i << 2));
  s = s + f32x4.extract_lane(c, 1);
  s = s + f32x4.extract_lane(c, 2);
  return s + f32x4.extract_lane(c, 3);
}

/**
 * train-torch.ts's contiguousSum: its eight lanes' rowSum(v + j, 8, n / 8) as two vectors of
 * four, each chain k of them a cascade4 over the values 32i + 8k + j.
 */
function contiguousSum(v: usize, n: i32): f32 {
  if (n < 8) return rowSum1(v, n);
  const vectors = n >> 3;
  const groups = vectors >> 2;
  let s: f32 = 0;
  for (let i = vectors << 3; i < n; i++) s = s + load<f32>(v + (<usize>i << 2));
  for (let h = 0; h < 2; h++) {
    const base = v + (<usize>h << 4);
    let lanes = cascade4(base, 128, groups);
    for (let i = groups << 2; i < vectors; i++) lanes = f32x4.add(lanes, v128.load(base + (<usize>i << 5)));
    lanes = f32x4.add(lanes, cascade4(base + 32, 128, groups));
    lanes = f32x4.add(lanes, cascade4(base + 64, 128, groups));
    lanes = f32x4.add(lanes, cascade4(base + 96, 128, groups));
    s = s + f32x4.extract_lane(lanes, 0);
    s = s + f32x4.extract_lane(lanes, 1);
    s = s + f32x4.extract_lane(lanes, 2);
    s = s + f32x4.extract_lane(lanes, 3);
  }
  return s;
}

/** `gz.sum(0)` of a [rows, cols] gradient held feature-major (column c at x + c * B4 floats): torch's orders. */
function columnSums(x: usize, rows: i32, cols: i32, b4: i32, out: usize): void {
  if (cols == 1) {
    store<f32>(out, contiguousSum(x, rows));
    return;
  }
  const cascaded = cols < 8 ? (cols >> 2) << 2 : (cols >> 5) << 5;
  for (let c = 0; c < cols; c++) {
    const col = x + (<usize>(c * b4) << 2);
    store<f32>(out + (<usize>c << 2), c < cascaded ? cascade(col, 1, rows) : rowSum1(col, rows));
  }
}

/** Writes the header of per-layer offsets (scratch 0: only measures) and returns the scratch size in bytes. */
function layout(L: i32, sizes: usize, batch: i32, nParams: i32, scratch: usize): i32 {
  const b4 = quad(batch);
  let at = HEADER_BYTES;
  for (let l = 0; l <= L; l++) at = put(scratch, HDR_ACT, l, sizeAt(sizes, l) * b4 * 4, at);
  for (let l = 0; l <= L; l++) at = put(scratch, HDR_Z, l, sizeAt(sizes, l) * b4 * 4, at);
  for (let l = 0; l <= L; l++) at = put(scratch, HDR_GZ, l, sizeAt(sizes, l) * b4 * 4, at);
  for (let l = 0; l < L; l++) at = put(scratch, HDR_ARM, l, b4 * quad(sizeAt(sizes, l)) * 4, at);
  for (let l = 0; l < L; l++) at = put(scratch, HDR_ACC, l, sizeAt(sizes, l + 1) * quad(sizeAt(sizes, l)) * 4, at);
  const nOut = sizeAt(sizes, L);
  // ytab, sq and the chain table, in the slots of layer index MAX_LAYERS - 1.
  at = put(scratch, HDR_ACT, MAX_LAYERS - 1, nOut * b4 * 4, at);
  at = put(scratch, HDR_Z, MAX_LAYERS - 1, nOut * b4 * 4 + 32, at);
  at = put(scratch, HDR_ARM, MAX_LAYERS - 1, nParams * CELL_BYTES, at);
  return at;
}

/** Bytes of scratch torchFmaBatches needs for these layer sizes and batch size (0 past its limits). */
export function torchFmaScratchBytes(L: i32, sizes: usize, batch: i32, nParams: i32): i32 {
  if (L < 1 || L >= MAX_LAYERS - 1) return 0;
  return layout(L, sizes, batch, nParams, 0);
}

/** Bytes of the stage torchFmaBatches copies `batches` batches' records into. */
export function torchFmaStageBytes(L: i32, sizes: usize, batch: i32, batches: i32): i32 {
  return batches * batch * (sizeAt(sizes, 0) + sizeAt(sizes, L)) * 4;
}

/**
 * The batch's inputs (both layouts) and labels from its staged records; the pad rows up to B4
 * repeat the last row (their lanes are computed and never summed).
 */
function gather(rows0: usize, rows: i32, nIn0: i32, nOut: i32, scratch: usize, b4: i32): void {
  const col = <usize>b4 << 2;
  const act0 = hdr(scratch, HDR_ACT, 0);
  const arm0 = hdr(scratch, HDR_ARM, 0);
  const ytab = hdr(scratch, HDR_ACT, MAX_LAYERS - 1);
  const rs0 = <usize>quad(nIn0) << 2;
  const w = nIn0 + nOut;
  let r = 0;
  if (nIn0 == 2 && nOut == 1) {
    // The paper's networks: four records (12 floats, x0 x1 y each) as three vectors, unzipped.
    for (; r + 4 <= rows; r += 4) {
      const src = rows0 + <usize>r * 12;
      const a = v128.load(src);
      const b = v128.load(src, 16);
      const c = v128.load(src, 32);
      const x0 = v128.shuffle<f32>(v128.shuffle<f32>(a, b, 0, 3, 6, 0), c, 0, 1, 2, 5);
      const x1 = v128.shuffle<f32>(v128.shuffle<f32>(a, b, 1, 4, 7, 0), c, 0, 1, 2, 6);
      const y = v128.shuffle<f32>(v128.shuffle<f32>(a, b, 2, 5, 0, 0), c, 0, 1, 4, 7);
      const rc = <usize>r << 2;
      v128.store(act0 + rc, x0);
      v128.store(act0 + col + rc, x1);
      v128.store(ytab + rc, y);
      const lo = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
      const hi = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
      const row = arm0 + <usize>r * rs0;
      v128.store64_lane(row, lo, 0);
      v128.store64_lane(row + rs0, lo, 1);
      v128.store64_lane(row + 2 * rs0, hi, 0);
      v128.store64_lane(row + 3 * rs0, hi, 1);
    }
  }
  const end = quad(rows);
  for (; r < end; r++) {
    const src = rows0 + (<usize>(min(r, rows - 1) * w) << 2);
    const rc = <usize>r << 2;
    for (let k = 0; k < nIn0; k++) {
      const xv = load<f32>(src + (<usize>k << 2));
      store<f32>(act0 + <usize>k * col + rc, xv);
      store<f32>(arm0 + <usize>r * rs0 + (<usize>k << 2), xv);
    }
    for (let o = 0; o < nOut; o++) store<f32>(ytab + <usize>o * col + rc, load<f32>(src + (<usize>(nIn0 + o) << 2)));
  }
}

/** Forward pass of the batch in act_0 (`quads` groups of four rows): pre-activations, activations, their row-major copies. */
function forward(L: i32, sizes: usize, params: usize, scratch: usize, quads: i32, b4: i32, slope: v128): void {
  let w = params;
  const col = <usize>b4 << 2;
  for (let l = 0; l < L; l++) {
    const nIn = sizeAt(sizes, l);
    const nOut = sizeAt(sizes, l + 1);
    const aIn = hdr(scratch, HDR_ACT, l);
    const aOut = hdr(scratch, HDR_ACT, l + 1);
    const zOut = hdr(scratch, HDR_Z, l + 1);
    const rm = l + 1 < L ? hdr(scratch, HDR_ARM, l + 1) : 0;
    const rs = <usize>quad(nOut) << 2;
    const bias = w + (<usize>(nOut * nIn) << 2);
    for (let p = 0; p < quads; p++) {
      const at = <usize>p << 4;
      for (let o = 0; o < nOut; o++) {
        const wr = w + (<usize>(o * nIn) << 2);
        let acc = f32x4.mul(v128.load(aIn + at), v128.load32_splat(wr));
        for (let k = 1; k < nIn; k++) acc = madd(v128.load(aIn + <usize>k * col + at), v128.load32_splat(wr + (<usize>k << 2)), acc);
        const z = f32x4.add(acc, v128.load32_splat(bias + (<usize>o << 2)));
        const a = leaky(z, z, slope);
        const oc = <usize>o * col + at;
        v128.store(zOut + oc, z);
        v128.store(aOut + oc, a);
      }
      if (rm) transposeQuad(aOut, col, nOut, at, rm + <usize>(4 * p) * rs, rs);
    }
    w = bias + (<usize>nOut << 2);
  }
}

/**
 * The row-major copy of four rows (at byte `at` of each neuron's block) of a layer's activations:
 * four neurons at a time, a 4 x 4 transpose; the pad columns past nOut get zeros.
 */
// @ts-ignore: decorator
@inline function transposeQuad(a: usize, col: usize, nOut: i32, at: usize, out: usize, rs: usize): void {
  for (let o = 0; o < nOut; o += 4) {
    const p = a + <usize>o * col + at;
    const a0 = v128.load(p);
    const a1 = o + 1 < nOut ? v128.load(p + col) : f32x4.splat(0);
    const a2 = o + 2 < nOut ? v128.load(p + 2 * col) : f32x4.splat(0);
    const a3 = o + 3 < nOut ? v128.load(p + 3 * col) : f32x4.splat(0);
    const t0 = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5);
    const t1 = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5);
    const t2 = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7);
    const t3 = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
    const q = out + (<usize>o << 2);
    v128.store(q, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
    v128.store(q + rs, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
    v128.store(q + 2 * rs, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
    v128.store(q + 3 * rs, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
  }
}

/** The MSE loss (returned) and its gradient through the output's LeakyReLU (gz_L). */
function lossAndOutputGradient(L: i32, rows: i32, nOut: i32, scratch: usize, b4: i32, slope: v128): f32 {
  const col = <usize>b4 << 2;
  const outAct = hdr(scratch, HDR_ACT, L);
  const outZ = hdr(scratch, HDR_Z, L);
  const outGz = hdr(scratch, HDR_GZ, L);
  const ytab = hdr(scratch, HDR_ACT, MAX_LAYERS - 1);
  const sq = hdr(scratch, HDR_Z, MAX_LAYERS - 1);
  const N = rows * nOut;
  const g2 = f32x4.splat(<f32>(2.0 / <f64>N));
  const quads = quad(rows) >> 2;
  for (let p = 0; p < quads; p++) {
    const at = <usize>p << 4;
    for (let o = 0; o < nOut; o++) {
      const oc = <usize>o * col + at;
      const e = f32x4.sub(v128.load(outAct + oc), v128.load(ytab + oc));
      const sqv = f32x4.mul(e, e);
      if (nOut == 1) v128.store(sq + at, sqv);
      else {
        const r0 = sq + (<usize>(4 * p * nOut + o) << 2);
        const rs = <usize>nOut << 2;
        v128.store32_lane(r0, sqv, 0);
        v128.store32_lane(r0 + rs, sqv, 1);
        v128.store32_lane(r0 + 2 * rs, sqv, 2);
        v128.store32_lane(r0 + 3 * rs, sqv, 3);
      }
      v128.store(outGz + oc, leaky(f32x4.mul(e, g2), v128.load(outZ + oc), slope));
    }
  }
  return contiguousSum(sq, N) / <f32>N;
}

/** Gradients of the hidden layers' pre-activations, last layer first: da = gz W (pre-step W). */
function backward(L: i32, sizes: usize, params: usize, rows: i32, scratch: usize, b4: i32, slope: v128): void {
  const col = <usize>b4 << 2;
  const quads = quad(rows) >> 2;
  let wOff: usize = 0;
  for (let l = 0; l < L; l++) wOff += <usize>(sizeAt(sizes, l + 1) * (sizeAt(sizes, l) + 1));
  for (let l = L - 1; l >= 1; l--) {
    const nI = sizeAt(sizes, l);
    const nO = sizeAt(sizes, l + 1);
    wOff -= <usize>(nO * (nI + 1));
    const W = params + (wOff << 2);
    const gzO = hdr(scratch, HDR_GZ, l + 1);
    const gzI = hdr(scratch, HDR_GZ, l);
    const zI = hdr(scratch, HDR_Z, l);
    for (let p = 0; p < quads; p++) {
      const at = <usize>p << 4;
      for (let k = 0; k < nI; k++) {
        let s = f32x4.mul(v128.load(gzO + at), v128.load32_splat(W + (<usize>k << 2)));
        for (let o = 1; o < nO; o++) s = madd(v128.load(gzO + <usize>o * col + at), v128.load32_splat(W + (<usize>(o * nI + k) << 2)), s);
        const kc = <usize>k * col + at;
        v128.store(gzI + kc, leaky(s, v128.load(zI + kc), slope));
      }
    }
  }
}

/** Writes the table of weight-gradient chains (four inputs of one output each) and returns their number. */
function chainTable(L: i32, sizes: usize, scratch: usize, b4: i32): i32 {
  const col = <usize>b4 << 2;
  const table = hdr(scratch, HDR_ARM, MAX_LAYERS - 1);
  let c = 0;
  for (let l = 0; l < L; l++) {
    const nI = sizeAt(sizes, l);
    const nO = sizeAt(sizes, l + 1);
    const kq = quad(nI) >> 2;
    for (let o = 0; o < nO; o++) {
      for (let j = 0; j < kq; j++, c++) {
        const cell = table + <usize>c * CELL_BYTES;
        store<i32>(cell, <i32>(hdr(scratch, HDR_ARM, l) + (<usize>j << 4)));
        store<i32>(cell, kq << 4, 4);
        store<i32>(cell, <i32>(hdr(scratch, HDR_GZ, l + 1) + <usize>o * col), 8);
        store<i32>(cell, <i32>(hdr(scratch, HDR_ACC, l) + (<usize>(o * kq + j) << 4)), 12);
      }
    }
  }
  return c;
}

/**
 * Chains first .. first + CHAINS - 1 of the table (fewer at the end: the last one repeats and is
 * not stored), their accumulators in registers: dW = fl(g_0 a_0), then fma(g_r, a_r, .) for
 * r = 1, 2, ....
 */
function chainGroup(table: usize, first: i32, n: i32, rows: i32): void {
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
  let s0 = f32x4.mul(v128.load32_splat(g0), v128.load(a0));
  let s1 = f32x4.mul(v128.load32_splat(g1), v128.load(a1));
  let s2 = f32x4.mul(v128.load32_splat(g2), v128.load(a2));
  let s3 = f32x4.mul(v128.load32_splat(g3), v128.load(a3));
  for (let r = 1; r < rows; r++) {
    a0 += st0;
    a1 += st1;
    a2 += st2;
    a3 += st3;
    g0 += 4;
    g1 += 4;
    g2 += 4;
    g3 += 4;
    s0 = madd(v128.load32_splat(g0), v128.load(a0), s0);
    s1 = madd(v128.load32_splat(g1), v128.load(a1), s1);
    s2 = madd(v128.load32_splat(g2), v128.load(a2), s2);
    s3 = madd(v128.load32_splat(g3), v128.load(a3), s3);
  }
  v128.store(<usize>load<i32>(c0, 12), s0);
  if (first + 1 < n) v128.store(<usize>load<i32>(c1, 12), s1);
  if (first + 2 < n) v128.store(<usize>load<i32>(c2, 12), s2);
  if (first + 3 < n) v128.store(<usize>load<i32>(c3, 12), s3);
}

/**
 * Weight gradients dW[o, k] = fl(gz[0,o] a[0,k]), then fma(gz[r,o], a[r,k], .) for r = 1, 2, ...,
 * CHAINS chains at a time; then the gradients out in torch's parameter order: per layer the
 * weights, then the bias (torch's column sums).
 */
function weightGradients(L: i32, sizes: usize, grads: usize, rows: i32, scratch: usize, b4: i32, nChains: i32): void {
  const table = hdr(scratch, HDR_ARM, MAX_LAYERS - 1);
  for (let c = 0; c < nChains; c += CHAINS) chainGroup(table, c, nChains, rows);
  let gOff: usize = 0;
  for (let l = 0; l < L; l++) {
    const nI = sizeAt(sizes, l);
    const nO = sizeAt(sizes, l + 1);
    const rsl = quad(nI);
    const ACC = hdr(scratch, HDR_ACC, l);
    for (let o = 0; o < nO; o++) {
      for (let k = 0; k < nI; k++) store<f32>(grads + ((gOff + <usize>(o * nI + k)) << 2), load<f32>(ACC + (<usize>(o * rsl + k) << 2)));
    }
    gOff += <usize>(nO * nI);
    columnSums(hdr(scratch, HDR_GZ, l + 1), rows, nO, b4, grads + (gOff << 2));
    gOff += <usize>nO;
  }
}

/**
 * One AdamW step, torch 1.13's _single_tensor_adamw (as torchBatches), four parameters per vector;
 * the last vector's lanes past nParams fall in the arrays' slack.
 */
function adamw(params: usize, grads: usize, m: usize, v: usize, nParams: i32, consts: usize, negStep: f32, bc2Sqrt: f32): void {
  const decay = v128.load32_splat(consts);
  const beta1 = v128.load32_splat(consts + 4);
  const oneMinusBeta1 = v128.load32_splat(consts + 8);
  const beta2 = v128.load32_splat(consts + 12);
  const oneMinusBeta2 = v128.load32_splat(consts + 16);
  const eps = v128.load32_splat(consts + 20);
  const step = f32x4.splat(negStep);
  const bc2 = f32x4.splat(bc2Sqrt);
  for (let i = 0; i < nParams; i += 4) {
    const at = <usize>i << 2;
    const gi = v128.load(grads + at);
    const p = f32x4.mul(v128.load(params + at), decay);
    const mi = madd(oneMinusBeta1, gi, f32x4.mul(v128.load(m + at), beta1));
    const vi = madd(f32x4.mul(oneMinusBeta2, gi), gi, f32x4.mul(v128.load(v + at), beta2));
    const d = f32x4.add(f32x4.div(f32x4.sqrt(vi), bc2), eps);
    v128.store(params + at, f32x4.add(p, f32x4.div(f32x4.mul(step, mi), d)));
    v128.store(m + at, mi);
    v128.store(v + at, vi);
  }
}

/**
 * Batches first .. first + count - 1 of an epoch (perm order), each one optimiser step, the same
 * bits as torchFusedBatches (same arguments; params, grads, m and v with 4 floats of slack).
 * Returns 0, or -1 without a step when this engine's relaxed multiply-add does not round once
 * (the caller then steps with torchFusedBatches).
 */
export function torchFmaBatches(
  L: i32, sizes: usize, params: usize, grads: usize, m: usize, v: usize, nParams: i32,
  rec: usize, n: i32, perm: usize, batch: i32, first: i32, count: i32, losses: usize,
  consts: usize, steps: usize, scratch: usize, stage: usize, stageBatches: i32,
): i32 {
  // consts[7] is 0: the test of fmaIsFused, in this function, on every call.
  if (!fusedWith(load<f32>(consts, 28))) return -1;
  layout(L, sizes, batch, nParams, scratch);
  const slope = v128.load32_splat(consts + 24);
  const nIn0 = sizeAt(sizes, 0);
  const nOut = sizeAt(sizes, L);
  const w = nIn0 + nOut;
  const b4 = quad(batch);
  const nChains = chainTable(L, sizes, scratch, b4);
  for (let c0 = 0; c0 < count; c0 += stageBatches) {
    const cn = min(stageBatches, count - c0);
    const s0 = (first + c0) * batch;
    stageRows(rec, perm, s0, min(n, s0 + cn * batch), w, stage);
    for (let bi = c0; bi < c0 + cn; bi++) {
      const b = first + bi;
      const start = b * batch;
      const rows = min(batch, n - start);
      gather(stage + (<usize>((start - s0) * w) << 2), rows, nIn0, nOut, scratch, b4);
      forward(L, sizes, params, scratch, quad(rows) >> 2, b4, slope);
      store<f32>(losses + (<usize>b << 2), lossAndOutputGradient(L, rows, nOut, scratch, b4, slope));
      backward(L, sizes, params, rows, scratch, b4, slope);
      weightGradients(L, sizes, grads, rows, scratch, b4, nChains);
      adamw(params, grads, m, v, nParams, consts, load<f32>(steps + (<usize>(2 * bi) << 2)), load<f32>(steps + (<usize>(2 * bi + 1) << 2)));
    }
  }
  return 0;
}
