// The reference trainer's kernels (docs/semantics.md, N9): do_train's step as torch 1.13 executes
// it on the CPU, operation for operation, the same bits as src/train/torch-engine.ts (its
// TypeScript twin, which the tests hold to the recorded runs). Driven by src/train/wasm-torch-engine.ts.
//
// Layout (byte addresses in this instance's memory, written by JS):
// - sizes: i32[L + 1], neurons per layer, inputs first;
// - params / grads / m / v: f32, torch's order (per layer the weight row-major out x in, then the bias);
// - x: f32[n * nIn], y: f32[n * nOut], sample-major; perm: i32[n];
// - act, pre: per layer l, f32[batch][size_l] row-major (pre-activations from layer 1 on);
// - gz, gzPrev: f32[batch][maxSize]; sq: f32[batch * nOut];
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
@inline function fma32(a: f32, b: f32, c: f32): f32 {
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

/**
 * torch's multi_row_sum for one chain: `size` values at v + i*stride (floats); level 0 adds them
 * in order and is flushed into level 1 every 16 values (`step`), level 1 into level 2 every 256, ...
 */
function cascade(v: usize, stride: i32, size: i32): f32 {
  let power = 4;
  if (size > 2) {
    const c = 32 - clz<i32>(size - 1);
    if (c / 4 > power) power = c / 4;
  }
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
function rowSum(v: usize, stride: i32, size: i32): f32 {
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
function contiguousSum(v: usize, n: i32): f32 {
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
 * dW[o, k] for every k: fl(gz[0,o] a[0,k]), then fma(gz[r,o], a[r,k], .) for r = 1, 2, ... Four
 * inputs at a time share the loop over rows, so their chains overlap (each keeps its own order).
 */
function weightGradients(gz: usize, a: usize, rows: i32, nO: i32, nI: i32, o: i32, out: usize): void {
  let k = 0;
  for (; k + 4 <= nI; k += 4) {
    const g0 = f32At(gz, o);
    let s0 = g0 * f32At(a, k);
    let s1 = g0 * f32At(a, k + 1);
    let s2 = g0 * f32At(a, k + 2);
    let s3 = g0 * f32At(a, k + 3);
    for (let r = 1; r < rows; r++) {
      const g = f32At(gz, r * nO + o);
      const ar = a + (<usize>(r * nI + k) << 2);
      s0 = fma32(g, load<f32>(ar), s0);
      s1 = fma32(g, load<f32>(ar, 4), s1);
      s2 = fma32(g, load<f32>(ar, 8), s2);
      s3 = fma32(g, load<f32>(ar, 12), s3);
    }
    setF32(out, k, s0);
    setF32(out, k + 1, s1);
    setF32(out, k + 2, s2);
    setF32(out, k + 3, s3);
  }
  if (nI - k == 3) {
    const g0 = f32At(gz, o);
    let s0 = g0 * f32At(a, k);
    let s1 = g0 * f32At(a, k + 1);
    let s2 = g0 * f32At(a, k + 2);
    for (let r = 1; r < rows; r++) {
      const g = f32At(gz, r * nO + o);
      const ar = a + (<usize>(r * nI + k) << 2);
      s0 = fma32(g, load<f32>(ar), s0);
      s1 = fma32(g, load<f32>(ar, 4), s1);
      s2 = fma32(g, load<f32>(ar, 8), s2);
    }
    setF32(out, k, s0);
    setF32(out, k + 1, s1);
    setF32(out, k + 2, s2);
    return;
  }
  for (; k + 2 <= nI; k += 2) {
    const g0 = f32At(gz, o);
    let s0 = g0 * f32At(a, k);
    let s1 = g0 * f32At(a, k + 1);
    for (let r = 1; r < rows; r++) {
      const g = f32At(gz, r * nO + o);
      const ar = a + (<usize>(r * nI + k) << 2);
      s0 = fma32(g, load<f32>(ar), s0);
      s1 = fma32(g, load<f32>(ar, 4), s1);
    }
    setF32(out, k, s0);
    setF32(out, k + 1, s1);
  }
  for (; k < nI; k++) {
    let s = f32At(gz, o) * f32At(a, k);
    for (let r = 1; r < rows; r++) s = fma32(f32At(gz, r * nO + o), f32At(a, r * nI + k), s);
    setF32(out, k, s);
  }
}

/** Byte offset of layer l in a per-layer [batch][size] block. */
function layerOffset(sizes: usize, l: i32, batch: i32): usize {
  let off: usize = 0;
  for (let k = 0; k < l; k++) off += <usize>(sizeAt(sizes, k) * batch) << 2;
  return off;
}

/** Forward pass of `rows` rows already in layer 0 of act: pre-activations and activations. */
function forward(L: i32, sizes: usize, params: usize, act: usize, pre: usize, rows: i32, batch: i32, slope: f32): void {
  let w = params;
  let aIn = act;
  let zOut = pre + (<usize>(sizeAt(sizes, 0) * batch) << 2);
  for (let l = 0; l < L; l++) {
    const nIn = sizeAt(sizes, l);
    const nOut = sizeAt(sizes, l + 1);
    const aOut = aIn + (<usize>(nIn * batch) << 2);
    const bias = w + (<usize>(nOut * nIn) << 2);
    for (let r = 0; r < rows; r++) {
      const xr = aIn + (<usize>(r * nIn) << 2);
      for (let o = 0; o < nOut; o++) {
        const wr = w + (<usize>(o * nIn) << 2);
        let s = load<f32>(xr) * load<f32>(wr);
        for (let k = 1; k < nIn; k++) s = fma32(f32At(xr, k), f32At(wr, k), s);
        const z = s + f32At(bias, o);
        const i = r * nOut + o;
        setF32(zOut, i, z);
        setF32(aOut, i, z > 0 ? z : z * slope);
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
  act: usize, pre: usize, gzA: usize, gzB: usize, sq: usize, consts: usize, steps: usize,
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
  for (let bi = 0; bi < count; bi++) {
    const b = first + bi;
    const start = b * batch;
    const rows = min(batch, n - start);
    for (let r = 0; r < rows; r++) {
      const s = load<i32>(perm + (<usize>(start + r) << 2));
      for (let k = 0; k < nIn0; k++) setF32(act, r * nIn0 + k, f32At(x, s * nIn0 + k));
    }
    forward(L, sizes, params, act, pre, rows, batch, slope);
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
      const zPrev = pre + layerOffset(sizes, l, batch);
      for (let r = 0; r < rows; r++) {
        for (let k = 0; k < nI; k++) {
          let s = f32At(gz, r * nO) * f32At(w, k);
          for (let o = 1; o < nO; o++) s = fma32(f32At(gz, r * nO + o), f32At(w, o * nI + k), s);
          const i = r * nI + k;
          setF32(gzPrev, i, f32At(zPrev, i) > 0 ? s : s * slope);
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
export function torchCountCorrect(L: i32, sizes: usize, params: usize, x: usize, y: usize, n: i32, act: usize, pre: usize, slope: f32): i32 {
  const nIn = sizeAt(sizes, 0);
  const nOut = sizeAt(sizes, L);
  memory.copy(act, x, <usize>(n * nIn) << 2);
  forward(L, sizes, params, act, pre, n, n, slope);
  const out = act + layerOffset(sizes, L, n);
  let correct = 0;
  for (let r = 0; r < n; r++) {
    let ok = true;
    for (let o = 0; o < nOut; o++) if (nearest<f32>(f32At(out, r * nOut + o)) != f32At(y, r * nOut + o)) ok = false;
    if (ok) correct++;
  }
  return correct;
}
