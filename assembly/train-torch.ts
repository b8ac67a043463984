// The reference trainer's kernels (docs/semantics.md, N11): do_train's step as torch 1.13 executes
// it on the CPU, operation for operation, the same bits as src/train/torch-engine.ts (its
// TypeScript twin, which the tests hold to the recorded runs). Driven by src/train/wasm-torch-engine.ts.
//
// Layout (byte addresses in this instance's memory, written by JS):
// - sizes: i32[L + 1], neurons per layer, inputs first;
// - params / grads / m / v: f32, torch's order (per layer the weight row-major out x in, then the bias);
// - x: f32[n * nIn], y: f32[n * nOut], sample-major; perm: i32[n];
// - act, pre: per layer l, f32[batch][size_l] row-major (pre-activations from layer 1 on);
// - gz, gzPrev: f32[batch][maxSize]; sq: f32[batch * nOut]; wt: f32[maxSize * 4] scratch;
// - params, act, pre, gz and gzPrev have 4 floats of slack at the end: vectors of 4 lanes may
//   read (never write) past a row's last value;
// - consts: f32[8] = decay, beta1, 1 - beta1, beta2, 1 - beta2, eps, slope, 0 (see adamwScalars);
// - steps: f32[2 * count] = per step fl(-lr / (1 - beta1^t)), fl(sqrt(1 - beta2^t)) (JS computes
//   the powers, correctly rounded); losses: f32[...], one per batch.

// @ts-ignore: decorator
@inline function sizeAt(sizes: usize, l: i32): i32 {
  return load<i32>(sizes + (<usize>l << 2));
}

// @ts-ignore: decorator
@inline function f32At(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function setF32(p: usize, i: i32, v: f32): void {
  store<f32>(p + (<usize>i << 2), v);
}

/**
 * fma(a, b, c) rounded once to float32. a*b is exact in f64, and the f64 sum rounds once more; that
 * second rounding matters only when the f64 sum is exactly halfway between two float32 values
 * (its 29 low mantissa bits 1 followed by zeros) or in float32's subnormal range.
 */
// @ts-ignore: decorator
@inline export function fma32(a: f32, b: f32, c: f32): f32 {
  const p = <f64>a * <f64>b;
  const s = p + <f64>c;
  if ((reinterpret<u64>(s) & 0x1fffffff) != 0x10000000 && abs<f64>(s) >= 1.1754943508222875e-38) return <f32>s;
  return fmaSlow(p, <f64>c, s);
}

/** fma32 where the f64 sum may be a float32 tie: its error (TwoSum) says which way the exact sum lies. */
function fmaSlow(p: f64, c: f64, s: f64): f32 {
  const bb = s - p;
  const err = (p - (s - bb)) + (c - bb);
  const r = <f32>s;
  if (err == 0 || <f64>r == s || !isFinite<f32>(r)) return r;
  const other = s + (s - <f64>r);
  if (<f64><f32>other != other) return r;
  return (err > 0) == (other > <f64>r) ? <f32>other : r;
}

const TIE_BITS: i64 = 0x1fffffff;
const TIE_VALUE: i64 = 0x10000000;
const MIN_NORMAL_F32: f64 = 1.1754943508222875e-38;

/** The lanes of a vector of `valid` f32 lanes, as two f64x2 masks (low and high pairs). */
// @ts-ignore: decorator
@inline function maskLow(valid: i32): v128 {
  return i64x2(valid > 0 ? -1 : 0, valid > 1 ? -1 : 0);
}

// @ts-ignore: decorator
@inline function maskHigh(valid: i32): v128 {
  return i64x2(valid > 2 ? -1 : 0, valid > 3 ? -1 : 0);
}

/** Which f64 lanes of s might double-round (a float32 tie, or float32's subnormal range). */
// @ts-ignore: decorator
@inline function risky(s: v128): v128 {
  const tie = i64x2.eq(v128.and(s, i64x2.splat(TIE_BITS)), i64x2.splat(TIE_VALUE));
  return v128.or(tie, f64x2.lt(f64x2.abs(s), f64x2.splat(MIN_NORMAL_F32)));
}

/**
 * fma32 on four f32 lanes (two f64x2 halves). Lanes outside the masks are computed but never
 * sent to the slow path; any risky lane inside them redoes all four with the scalar fma32.
 */
// @ts-ignore: decorator
@inline function fma4(a: v128, b: v128, c: v128, mlo: v128, mhi: v128): v128 {
  const sl = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(a), f64x2.promote_low_f32x4(b)), f64x2.promote_low_f32x4(c));
  const ah = f32x4.shuffle(a, a, 2, 3, 2, 3);
  const bh = f32x4.shuffle(b, b, 2, 3, 2, 3);
  const ch = f32x4.shuffle(c, c, 2, 3, 2, 3);
  const sh = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(ah), f64x2.promote_low_f32x4(bh)), f64x2.promote_low_f32x4(ch));
  if (v128.any_true(v128.or(v128.and(risky(sl), mlo), v128.and(risky(sh), mhi)))) return fma4Slow(a, b, c);
  return f32x4.shuffle(f32x4.demote_f64x2_zero(sl), f32x4.demote_f64x2_zero(sh), 0, 1, 4, 5);
}

function fma4Slow(a: v128, b: v128, c: v128): v128 {
  return f32x4(
    fma32(f32x4.extract_lane(a, 0), f32x4.extract_lane(b, 0), f32x4.extract_lane(c, 0)),
    fma32(f32x4.extract_lane(a, 1), f32x4.extract_lane(b, 1), f32x4.extract_lane(c, 1)),
    fma32(f32x4.extract_lane(a, 2), f32x4.extract_lane(b, 2), f32x4.extract_lane(c, 2)),
    fma32(f32x4.extract_lane(a, 3), f32x4.extract_lane(b, 3), f32x4.extract_lane(c, 3)),
  );
}

/** log2 of the values per level of torch's multi_row_sum for `size` values (at least 4: 16 per level). */
export function cascadePower(size: i32): i32 {
  let power = 4;
  if (size > 2) {
    const c = 32 - clz<i32>(size - 1);
    if (c / 4 > power) power = c / 4;
  }
  return power;
}

/**
 * torch's multi_row_sum for one chain: `size` values at v + i*stride (floats); level 0 adds them
 * in order and is flushed into level 1 every 16 values (`step`), level 1 into level 2 every 256, ...
 */
export function cascade(v: usize, stride: i32, size: i32): f32 {
  const power = cascadePower(size);
  const step = 1 << power;
  const mask = step - 1;
  let a0: f32 = 0;
  let a1: f32 = 0;
  let a2: f32 = 0;
  let a3: f32 = 0;
  let i = 0;
  while (i + step <= size) {
    for (let j = 0; j < step; j++, i++) a0 = a0 + f32At(v, i * stride);
    a1 = a1 + a0;
    a0 = 0;
    if ((i & (mask << power)) != 0) continue;
    a2 = a2 + a1;
    a1 = 0;
    if ((i & (mask << (2 * power))) != 0) continue;
    a3 = a3 + a2;
    a2 = 0;
  }
  for (; i < size; i++) a0 = a0 + f32At(v, i * stride);
  a0 = a0 + a1;
  a0 = a0 + a2;
  a0 = a0 + a3;
  return a0;
}

/**
 * torch's row_sum: four chains over the values 4g + k (each a {@link cascade} of the groups), the
 * values past the last group of 4 added to chain 0, then ((c0 + c1) + c2) + c3.
 */
export function rowSum(v: usize, stride: i32, size: i32): f32 {
  const groups = size >> 2;
  const g = stride << 2;
  let s = cascade(v, g, groups);
  const c1 = cascade(v + (<usize>stride << 2), g, groups);
  const c2 = cascade(v + (<usize>(2 * stride) << 2), g, groups);
  const c3 = cascade(v + (<usize>(3 * stride) << 2), g, groups);
  for (let i = groups << 2; i < size; i++) s = s + f32At(v, i * stride);
  s = s + c1;
  s = s + c2;
  s = s + c3;
  return s;
}

/** A contiguous float32 sum as torch's AVX2 kernel computes it (8 lanes, then tail and lanes). */
export function contiguousSum(v: usize, n: i32): f32 {
  if (n < 8) return rowSum(v, 1, n);
  const vectors = n >> 3;
  let s: f32 = 0;
  for (let i = vectors << 3; i < n; i++) s = s + f32At(v, i);
  for (let lane = 0; lane < 8; lane++) s = s + rowSum(v + (<usize>lane << 2), 8, vectors);
  return s;
}

/** `x.sum(0)` of a [rows, cols] matrix into out[0..cols-1] (torch's column-sum orders). */
function columnSums(x: usize, rows: i32, cols: i32, out: usize): void {
  if (cols == 1) {
    setF32(out, 0, contiguousSum(x, rows));
    return;
  }
  const cascaded = cols < 8 ? (cols >> 2) << 2 : (cols >> 5) << 5;
  for (let c = 0; c < cols; c++) {
    const col = x + (<usize>c << 2);
    setF32(out, c, c < cascaded ? cascade(col, cols, rows) : rowSum(col, cols, rows));
  }
}

/**
 * dW[o, k] for every k: fl(gz[0,o] a[0,k]), then fma(gz[r,o], a[r,k], .) for r = 1, 2, ...; four
 * inputs per vector (a row's activations are contiguous; lanes past nI are computed and dropped).
 */
function weightGradients(gz: usize, a: usize, rows: i32, nO: i32, nI: i32, o: i32, out: usize): void {
  for (let k = 0; k < nI; k += 4) {
    const valid = min(4, nI - k);
    const mlo = maskLow(valid);
    const mhi = maskHigh(valid);
    let s = f32x4.mul(f32x4.splat(f32At(gz, o)), v128.load(a + (<usize>k << 2)));
    for (let r = 1; r < rows; r++) {
      s = fma4(f32x4.splat(f32At(gz, r * nO + o)), v128.load(a + (<usize>(r * nI + k) << 2)), s, mlo, mhi);
    }
    storeLanes(out + (<usize>k << 2), s, valid);
  }
}

/** Stores the first `valid` lanes of v at p. */
function storeLanes(p: usize, v: v128, valid: i32): void {
  if (valid == 4) {
    v128.store(p, v);
    return;
  }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (valid > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (valid > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/** Byte offset of layer l in a per-layer [batch][size] block. */
function layerOffset(sizes: usize, l: i32, batch: i32): usize {
  let off: usize = 0;
  for (let k = 0; k < l; k++) off += <usize>(sizeAt(sizes, k) * batch) << 2;
  return off;
}

/** LeakyReLU on four lanes: z > 0 ? z : fl(z slope). */
// @ts-ignore: decorator
@inline function leaky4(z: v128, slope: v128): v128 {
  return v128.bitselect(z, f32x4.mul(z, slope), f32x4.gt(z, f32x4.splat(0)));
}

/**
 * Forward pass of `rows` rows already in layer 0 of act: pre-activations and activations. Per row
 * and output: fl(x0 w0), then fma(xk, wk, .) in input order, then fl(. + b). Layers of 2 or more
 * outputs take four outputs per vector, from the weights transposed into `wt` (nIn x 4 floats).
 */
function forward(L: i32, sizes: usize, params: usize, act: usize, pre: usize, rows: i32, batch: i32, slope: f32, wt: usize): void {
  let w = params;
  let aIn = act;
  let zOut = pre + (<usize>(sizeAt(sizes, 0) * batch) << 2);
  const slope4 = f32x4.splat(slope);
  for (let l = 0; l < L; l++) {
    const nIn = sizeAt(sizes, l);
    const nOut = sizeAt(sizes, l + 1);
    const aOut = aIn + (<usize>(nIn * batch) << 2);
    const bias = w + (<usize>(nOut * nIn) << 2);
    if (nOut == 1) {
      for (let r = 0; r < rows; r++) {
        const xr = aIn + (<usize>(r * nIn) << 2);
        let s = load<f32>(xr) * load<f32>(w);
        for (let k = 1; k < nIn; k++) s = fma32(f32At(xr, k), f32At(w, k), s);
        const z = s + load<f32>(bias);
        setF32(zOut, r, z);
        setF32(aOut, r, z > 0 ? z : z * slope);
      }
    } else {
      for (let o = 0; o < nOut; o += 4) {
        const valid = min(4, nOut - o);
        const mlo = maskLow(valid);
        const mhi = maskHigh(valid);
        for (let k = 0; k < nIn; k++) {
          for (let j = 0; j < 4; j++) setF32(wt, 4 * k + j, j < valid ? f32At(w, (o + j) * nIn + k) : 0);
        }
        let b4 = f32x4.splat(0);
        b4 = f32x4.replace_lane(b4, 0, f32At(bias, o));
        if (valid > 1) b4 = f32x4.replace_lane(b4, 1, f32At(bias, o + 1));
        if (valid > 2) b4 = f32x4.replace_lane(b4, 2, f32At(bias, o + 2));
        if (valid > 3) b4 = f32x4.replace_lane(b4, 3, f32At(bias, o + 3));
        for (let r = 0; r < rows; r++) {
          const xr = aIn + (<usize>(r * nIn) << 2);
          let acc = f32x4.mul(f32x4.splat(load<f32>(xr)), v128.load(wt));
          for (let k = 1; k < nIn; k++) acc = fma4(f32x4.splat(f32At(xr, k)), v128.load(wt + (<usize>k << 4)), acc, mlo, mhi);
          const z = f32x4.add(acc, b4);
          const at = <usize>(r * nOut + o) << 2;
          storeLanes(zOut + at, z, valid);
          storeLanes(aOut + at, leaky4(z, slope4), valid);
        }
      }
    }
    w = bias + (<usize>nOut << 2);
    aIn = aOut;
    zOut += <usize>(nOut * batch) << 2;
  }
}

/**
 * Batches first .. first + count - 1 of an epoch (perm order), each one optimiser step; the loss of
 * batch b goes to losses[b]. Returns 0.
 */
export function torchBatches(
  L: i32, sizes: usize, params: usize, grads: usize, m: usize, v: usize, nParams: i32,
  x: usize, y: usize, n: i32, perm: usize, batch: i32, first: i32, count: i32, losses: usize,
  act: usize, pre: usize, gzA: usize, gzB: usize, sq: usize, consts: usize, steps: usize, wt: usize,
): i32 {
  const decay = f32At(consts, 0);
  const beta1 = f32At(consts, 1);
  const oneMinusBeta1 = f32At(consts, 2);
  const beta2 = f32At(consts, 3);
  const oneMinusBeta2 = f32At(consts, 4);
  const eps = f32At(consts, 5);
  const slope = f32At(consts, 6);
  const nIn0 = sizeAt(sizes, 0);
  const nOut = sizeAt(sizes, L);
  const outAct = act + layerOffset(sizes, L, batch);
  const outPre = pre + layerOffset(sizes, L, batch);
  const slope4 = f32x4.splat(slope);
  for (let bi = 0; bi < count; bi++) {
    const b = first + bi;
    const start = b * batch;
    const rows = min(batch, n - start);
    for (let r = 0; r < rows; r++) {
      const s = load<i32>(perm + (<usize>(start + r) << 2));
      for (let k = 0; k < nIn0; k++) setF32(act, r * nIn0 + k, f32At(x, s * nIn0 + k));
    }
    forward(L, sizes, params, act, pre, rows, batch, slope, wt);
    // MSE loss and its gradient through the output's LeakyReLU.
    const N = rows * nOut;
    const g2 = <f32>(2.0 / <f64>N);
    let gz = gzA;
    let gzPrev = gzB;
    for (let r = 0; r < rows; r++) {
      const t = load<i32>(perm + (<usize>(start + r) << 2)) * nOut;
      for (let o = 0; o < nOut; o++) {
        const i = r * nOut + o;
        const e = f32At(outAct, i) - f32At(y, t + o);
        setF32(sq, i, e * e);
        const g = e * g2;
        setF32(gz, i, f32At(outPre, i) > 0 ? g : g * slope);
      }
    }
    setF32(losses, b, contiguousSum(sq, N) / <f32>N);
    // Backward: dW = gz^T a (a fused chain over rows), db = torch's column sums, da = gz W.
    let wOff: usize = 0;
    for (let l = 0; l < L; l++) wOff += <usize>(sizeAt(sizes, l + 1) * (sizeAt(sizes, l) + 1)) << 2;
    for (let l = L - 1; l >= 0; l--) {
      const nI = sizeAt(sizes, l);
      const nO = sizeAt(sizes, l + 1);
      wOff -= <usize>(nO * (nI + 1)) << 2;
      const w = params + wOff;
      const gw = grads + wOff;
      const a = act + layerOffset(sizes, l, batch);
      for (let o = 0; o < nO; o++) weightGradients(gz, a, rows, nO, nI, o, gw + (<usize>(o * nI) << 2));
      columnSums(gz, rows, nO, gw + (<usize>(nO * nI) << 2));
      if (l == 0) break;
      // da[r, k] = fl(gz[r,0] W[0,k]), then fma(gz[r,o], W[o,k], .): four inputs per vector.
      const zPrev = pre + layerOffset(sizes, l, batch);
      for (let k = 0; k < nI; k += 4) {
        const valid = min(4, nI - k);
        const mlo = maskLow(valid);
        const mhi = maskHigh(valid);
        for (let r = 0; r < rows; r++) {
          const g = gz + (<usize>(r * nO) << 2);
          let acc = f32x4.mul(f32x4.splat(load<f32>(g)), v128.load(w + (<usize>k << 2)));
          for (let o = 1; o < nO; o++) acc = fma4(f32x4.splat(f32At(g, o)), v128.load(w + (<usize>(o * nI + k) << 2)), acc, mlo, mhi);
          const at = <usize>(r * nI + k) << 2;
          const back = v128.bitselect(acc, f32x4.mul(acc, slope4), f32x4.gt(v128.load(zPrev + at), f32x4.splat(0)));
          storeLanes(gzPrev + at, back, valid);
        }
      }
      const t = gz;
      gz = gzPrev;
      gzPrev = t;
    }
    // AdamW, torch 1.13's _single_tensor_adamw.
    const negStep = f32At(steps, 2 * bi);
    const bc2Sqrt = f32At(steps, 2 * bi + 1);
    for (let i = 0; i < nParams; i++) {
      const g = f32At(grads, i);
      const p = f32At(params, i) * decay;
      const mi = fma32(oneMinusBeta1, g, f32At(m, i) * beta1);
      const vi = fma32(oneMinusBeta2 * g, g, f32At(v, i) * beta2);
      const d = sqrt<f32>(vi) / bc2Sqrt + eps;
      setF32(params, i, p + (negStep * mi) / d);
      setF32(m, i, mi);
      setF32(v, i, vi);
    }
  }
  return 0;
}

/** do_eval's count: rows whose outputs, rounded half to even, all equal y. */
export function torchCountCorrect(L: i32, sizes: usize, params: usize, x: usize, y: usize, n: i32, act: usize, pre: usize, slope: f32, wt: usize): i32 {
  const nIn = sizeAt(sizes, 0);
  const nOut = sizeAt(sizes, L);
  memory.copy(act, x, <usize>(n * nIn) << 2);
  forward(L, sizes, params, act, pre, n, n, slope, wt);
  const out = act + layerOffset(sizes, L, n);
  let correct = 0;
  for (let r = 0; r < n; r++) {
    let ok = true;
    for (let o = 0; o < nOut; o++) if (nearest<f32>(f32At(out, r * nOut + o)) != f32At(y, r * nOut + o)) ok = false;
    if (ok) correct++;
  }
  return correct;
}
