// Training kernels: mini-batch MSE gradient descent with AdamW for LeakyReLU MLPs of any layer
// sizes (src/train/wasm-engine.ts drives them; src/train/reference.ts is the same arithmetic in
// TypeScript, bit for bit).
//
// Determinism: every value is float32 and every operation is a plain IEEE f32 operation
// (add, mul, div, sqrt, compare) in a fixed order, so results are identical on every engine.
// There are no fused multiply-adds and no transcendental functions on the weights' path.
//
// Layout (all pointers are byte addresses in this instance's memory, written by JS):
// - sizes: i32[L + 1], neurons per layer, inputs first;
// - params / grads / m / v: f32, per layer l the weights (row-major out x in) then the biases,
//   layers one after another, padded with zeros to a multiple of 4 floats;
// - x: f32[n * nIn] and y: f32[n * nOut], sample-major;
// - acts: per layer l, f32[size_l][bp] feature-major (bp = the batch rounded up to 4), so four
//   samples of one neuron form one f32x4 vector; deltas: two f32[maxSize][bp] buffers;
// - hyper: f64[HYPER_LEN] (the H_* slots below); the step count and beta powers are updated here.
//
// Summation orders (what the TypeScript reference repeats):
// - pre-activation of one sample: w0*a0, then + w_j*a_j for j ascending, then + bias;
// - a sum over the batch (weight and bias gradients): four lane accumulators over samples
//   b = lane, lane + 4, ... then (lane0 + lane1) + (lane2 + lane3);
// - a back-propagated delta: w_0j*d_0, then + w_oj*d_o for o ascending, times the LeakyReLU slope.
// Wide layers are computed four outputs (forward) or four inputs (weight gradients) at a time, to
// share loads; each value still has its own accumulator and the order above.

/** hyper[] slots. */
const H_LR = 0;
const H_BETA1 = 1;
const H_BETA2 = 2;
const H_EPS = 3;
const H_WEIGHT_DECAY = 4;
const H_SLOPE = 5;
const H_STEP = 6;
const H_BETA1_POW = 7;
const H_BETA2_POW = 8;

// @ts-ignore: decorator
@inline function sizeAt(sizes: usize, l: i32): i32 {
  return load<i32>(sizes + (<usize>l << 2));
}

// @ts-ignore: decorator
@inline function hyperAt(hyper: usize, slot: i32): f64 {
  return load<f64>(hyper + (<usize>slot << 3));
}

/** Byte offset of layer l's weights in the parameter block. */
function paramOffset(sizes: usize, l: i32): usize {
  let off: usize = 0;
  for (let k = 0; k < l; k++) off += <usize>(sizeAt(sizes, k + 1) * (sizeAt(sizes, k) + 1)) << 2;
  return off;
}

/** Byte offset of layer l's activations in the activation block, for a batch stride of bp. */
function actOffset(sizes: usize, l: i32, bp: i32): usize {
  let off: usize = 0;
  for (let k = 0; k < l; k++) off += <usize>(sizeAt(sizes, k) * bp) << 2;
  return off;
}

/**
 * Copies samples into layer 0's feature-major block: lane b is sample perm[start + b] (or
 * start + b when perm is 0). Lanes count..bp-1 are zero.
 */
function loadBatch(x: usize, nIn: i32, perm: usize, start: i32, count: i32, act0: usize, bp: i32): void {
  for (let b = 0; b < bp; b++) {
    if (b < count) {
      const s = perm ? load<i32>(perm + (<usize>(start + b) << 2)) : start + b;
      const src = x + (<usize>(s * nIn) << 2);
      for (let j = 0; j < nIn; j++) store<f32>(act0 + (<usize>(j * bp + b) << 2), load<f32>(src + (<usize>j << 2)));
    } else {
      for (let j = 0; j < nIn; j++) store<f32>(act0 + (<usize>(j * bp + b) << 2), 0);
    }
  }
}

/** Forward pass of one batch already in layer 0: every layer's activations, LeakyReLU everywhere. */
function forwardBatch(L: i32, sizes: usize, params: usize, acts: usize, bp: i32, slopeValue: f32): void {
  let p = params;
  let aIn = acts;
  for (let l = 0; l < L; l++) {
    const nIn = sizeAt(sizes, l);
    const nOut = sizeAt(sizes, l + 1);
    const aOut = aIn + (<usize>(nIn * bp) << 2);
    const biases = p + (<usize>(nOut * nIn) << 2);
    // Four outputs at a time share each activation load (about 1.8x faster on 784-128 layers);
    // every output keeps its own accumulator and summation order, so results do not change.
    let o = 0;
    for (; o + 4 <= nOut; o += 4) forwardFour(p, biases, o, nIn, aIn, aOut, bp, slopeValue);
    for (; o < nOut; o++) forwardOne(p, biases, o, nIn, aIn, aOut, bp, slopeValue);
    p = biases + (<usize>nOut << 2);
    aIn = aOut;
  }
}

/** LeakyReLU of a pre-activation vector. */
// @ts-ignore: decorator
@inline function leaky4(z: v128, slope: v128): v128 {
  return v128.bitselect(z, f32x4.mul(z, slope), f32x4.gt(z, f32x4.splat(0)));
}

/** Output o of a layer for the whole batch: w_o0*a_0, then + w_oj*a_j for j ascending, then + bias. */
function forwardOne(w: usize, biases: usize, o: i32, nIn: i32, aIn: usize, aOut: usize, bp: i32, slopeValue: f32): void {
  const slope = f32x4.splat(slopeValue);
  const row = w + (<usize>(o * nIn) << 2);
  const bias = f32x4.splat(load<f32>(biases + (<usize>o << 2)));
  const w0 = f32x4.splat(load<f32>(row));
  for (let b = 0; b < bp; b += 4) {
    let acc = f32x4.mul(w0, v128.load(aIn + (<usize>b << 2)));
    for (let j = 1; j < nIn; j++) {
      const wj = f32x4.splat(load<f32>(row + (<usize>j << 2)));
      acc = f32x4.add(acc, f32x4.mul(wj, v128.load(aIn + (<usize>(j * bp + b) << 2))));
    }
    v128.store(aOut + (<usize>(o * bp + b) << 2), leaky4(f32x4.add(acc, bias), slope));
  }
}

/** Outputs o..o+3 of a layer, in the order of {@link forwardOne} for each. */
function forwardFour(w: usize, biases: usize, o: i32, nIn: i32, aIn: usize, aOut: usize, bp: i32, slopeValue: f32): void {
  const slope = f32x4.splat(slopeValue);
  const stride = <usize>nIn << 2;
  const r0 = w + (<usize>(o * nIn) << 2);
  const r1 = r0 + stride;
  const r2 = r1 + stride;
  const r3 = r2 + stride;
  for (let b = 0; b < bp; b += 4) {
    const a0 = v128.load(aIn + (<usize>b << 2));
    let c0 = f32x4.mul(f32x4.splat(load<f32>(r0)), a0);
    let c1 = f32x4.mul(f32x4.splat(load<f32>(r1)), a0);
    let c2 = f32x4.mul(f32x4.splat(load<f32>(r2)), a0);
    let c3 = f32x4.mul(f32x4.splat(load<f32>(r3)), a0);
    for (let j = 1; j < nIn; j++) {
      const a = v128.load(aIn + (<usize>(j * bp + b) << 2));
      const k = <usize>j << 2;
      c0 = f32x4.add(c0, f32x4.mul(f32x4.splat(load<f32>(r0 + k)), a));
      c1 = f32x4.add(c1, f32x4.mul(f32x4.splat(load<f32>(r1 + k)), a));
      c2 = f32x4.add(c2, f32x4.mul(f32x4.splat(load<f32>(r2 + k)), a));
      c3 = f32x4.add(c3, f32x4.mul(f32x4.splat(load<f32>(r3 + k)), a));
    }
    const out = aOut + (<usize>(o * bp + b) << 2);
    const rowBytes = <usize>bp << 2;
    v128.store(out, leaky4(f32x4.add(c0, f32x4.splat(load<f32>(biases + (<usize>o << 2)))), slope));
    v128.store(out + rowBytes, leaky4(f32x4.add(c1, f32x4.splat(load<f32>(biases + (<usize>(o + 1) << 2)))), slope));
    v128.store(out + 2 * rowBytes, leaky4(f32x4.add(c2, f32x4.splat(load<f32>(biases + (<usize>(o + 2) << 2)))), slope));
    v128.store(out + 3 * rowBytes, leaky4(f32x4.add(c3, f32x4.splat(load<f32>(biases + (<usize>(o + 3) << 2)))), slope));
  }
}

/** The horizontal sum of batchSum: (lane0 + lane1) + (lane2 + lane3). */
// @ts-ignore: decorator
@inline function laneSum(acc: v128): f32 {
  return (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
}

/** Sum over the batch of a[i] * c[i] (or of a[i] when c is 0), in the documented lane order. */
// @ts-ignore: decorator
@inline function batchSum(a: usize, c: usize, bp: i32): f32 {
  let acc = f32x4.splat(0);
  for (let b = 0; b < bp; b += 4) {
    const va = v128.load(a + (<usize>b << 2));
    acc = f32x4.add(acc, c ? f32x4.mul(va, v128.load(c + (<usize>b << 2))) : va);
  }
  return laneSum(acc);
}

/**
 * batchSum(a, c_k) for the four consecutive activation rows c_0..c_3 starting at `c` (stride
 * bp), stored to out[0..3].
 */
function batchSumFour(a: usize, c: usize, bp: i32, out: usize): void {
  const row = <usize>bp << 2;
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let s2 = f32x4.splat(0);
  let s3 = f32x4.splat(0);
  for (let b = 0; b < bp; b += 4) {
    const at = <usize>b << 2;
    const va = v128.load(a + at);
    s0 = f32x4.add(s0, f32x4.mul(va, v128.load(c + at)));
    s1 = f32x4.add(s1, f32x4.mul(va, v128.load(c + row + at)));
    s2 = f32x4.add(s2, f32x4.mul(va, v128.load(c + 2 * row + at)));
    s3 = f32x4.add(s3, f32x4.mul(va, v128.load(c + 3 * row + at)));
  }
  store<f32>(out, laneSum(s0));
  store<f32>(out + 4, laneSum(s1));
  store<f32>(out + 8, laneSum(s2));
  store<f32>(out + 12, laneSum(s3));
}

/**
 * MSE loss of the batch (mean over samples and outputs) and the output deltas dLoss/dz.
 * Returns the loss as a float32 value.
 */
function lossAndOutputDelta(
  nOut: i32, out: usize, y: usize, perm: usize, start: i32, count: i32, bp: i32, delta: usize, slope: f32,
): f32 {
  const denom = <f64>(count * nOut);
  const scale = <f32>(2.0 / denom);
  let sum: f64 = 0;
  for (let o = 0; o < nOut; o++) {
    for (let b = 0; b < bp; b++) {
      const at = <usize>(o * bp + b) << 2;
      if (b >= count) {
        store<f32>(delta + at, 0);
        continue;
      }
      const s = perm ? load<i32>(perm + (<usize>(start + b) << 2)) : start + b;
      const a = load<f32>(out + at);
      const diff = a - load<f32>(y + (<usize>(s * nOut + o) << 2));
      sum += <f64>(diff * diff);
      const g = diff * scale;
      store<f32>(delta + at, a > 0 ? g : g * slope);
    }
  }
  return <f32>(sum / denom);
}

/** Backward pass: weight and bias gradients of every layer (overwritten, not accumulated). */
function backwardBatch(
  L: i32, sizes: usize, params: usize, grads: usize, acts: usize, bp: i32, deltaA: usize, deltaB: usize, slopeValue: f32,
): void {
  const slope = f32x4.splat(slopeValue);
  const zero = f32x4.splat(0);
  let delta = deltaA;
  let other = deltaB;
  for (let l = L - 1; l >= 0; l--) {
    const nIn = sizeAt(sizes, l);
    const nOut = sizeAt(sizes, l + 1);
    const pOff = paramOffset(sizes, l);
    const w = params + pOff;
    const gw = grads + pOff;
    const gb = gw + (<usize>(nOut * nIn) << 2);
    const aIn = acts + actOffset(sizes, l, bp);
    for (let o = 0; o < nOut; o++) {
      const d = delta + (<usize>(o * bp) << 2);
      const g = gw + (<usize>(o * nIn) << 2);
      // Four inputs at a time share each delta load; each sum keeps batchSum's order.
      let j = 0;
      for (; j + 4 <= nIn; j += 4) batchSumFour(d, aIn + (<usize>(j * bp) << 2), bp, g + (<usize>j << 2));
      for (; j < nIn; j++) store<f32>(g + (<usize>j << 2), batchSum(d, aIn + (<usize>(j * bp) << 2), bp));
      store<f32>(gb + (<usize>o << 2), batchSum(d, 0, bp));
    }
    if (l == 0) break;
    // Deltas of layer l's neurons: W^T delta, times the LeakyReLU derivative (read from the
    // activation: leaky(z) > 0 exactly when z > 0).
    for (let j = 0; j < nIn; j++) {
      for (let b = 0; b < bp; b += 4) {
        let acc = f32x4.mul(f32x4.splat(load<f32>(w + (<usize>j << 2))), v128.load(delta + (<usize>b << 2)));
        for (let o = 1; o < nOut; o++) {
          const wv = f32x4.splat(load<f32>(w + (<usize>(o * nIn + j) << 2)));
          acc = f32x4.add(acc, f32x4.mul(wv, v128.load(delta + (<usize>(o * bp + b) << 2))));
        }
        const a = v128.load(aIn + (<usize>(j * bp + b) << 2));
        v128.store(other + (<usize>(j * bp + b) << 2), v128.bitselect(acc, f32x4.mul(acc, slope), f32x4.gt(a, zero)));
      }
    }
    const t = delta;
    delta = other;
    other = t;
  }
}

/**
 * One AdamW step over `nPadded` parameters (a multiple of 4), as torch's AdamW: decoupled weight
 * decay, then the moment updates, then the bias-corrected step. Advances the step count.
 */
function adamwStep(params: usize, grads: usize, m: usize, v: usize, nPadded: i32, hyper: usize): void {
  const lr = hyperAt(hyper, H_LR);
  const beta1 = hyperAt(hyper, H_BETA1);
  const beta2 = hyperAt(hyper, H_BETA2);
  // Powers by repeated multiplication (not pow), so that they are exact IEEE results everywhere.
  const b1pow = hyperAt(hyper, H_BETA1_POW) * beta1;
  const b2pow = hyperAt(hyper, H_BETA2_POW) * beta2;
  store<f64>(hyper + (<usize>H_BETA1_POW << 3), b1pow);
  store<f64>(hyper + (<usize>H_BETA2_POW << 3), b2pow);
  store<f64>(hyper + (<usize>H_STEP << 3), hyperAt(hyper, H_STEP) + 1);
  const decay = f32x4.splat(<f32>(1 - lr * hyperAt(hyper, H_WEIGHT_DECAY)));
  const oneMinusB1 = f32x4.splat(<f32>(1 - beta1));
  const b2 = f32x4.splat(<f32>beta2);
  const oneMinusB2 = f32x4.splat(<f32>(1 - beta2));
  const stepSize = f32x4.splat(<f32>(lr / (1 - b1pow)));
  const bc2Sqrt = f32x4.splat(<f32>Math.sqrt(1 - b2pow));
  const eps = f32x4.splat(<f32>hyperAt(hyper, H_EPS));
  for (let i = 0; i < nPadded; i += 4) {
    const at = <usize>i << 2;
    const g = v128.load(grads + at);
    const p = f32x4.mul(v128.load(params + at), decay);
    let mi = v128.load(m + at);
    mi = f32x4.add(mi, f32x4.mul(f32x4.sub(g, mi), oneMinusB1));
    const vi = f32x4.add(f32x4.mul(v128.load(v + at), b2), f32x4.mul(f32x4.mul(g, g), oneMinusB2));
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(vi), bc2Sqrt), eps);
    v128.store(params + at, f32x4.sub(p, f32x4.mul(stepSize, f32x4.div(mi, denom))));
    v128.store(m + at, mi);
    v128.store(v + at, vi);
  }
}

/**
 * One epoch of mini-batch training over the samples in `perm` order (batches of `batch`, the
 * last one smaller). Returns the sum of the batches' float32 losses (JS divides by the batch
 * count: the epoch-mean loss of the reference).
 */
export function trainEpoch(
  L: i32, sizes: usize, params: usize, grads: usize, m: usize, v: usize, nPadded: i32,
  x: usize, y: usize, n: i32, perm: usize, batch: i32,
  acts: usize, deltaA: usize, deltaB: usize, hyper: usize,
): f64 {
  const slope = <f32>hyperAt(hyper, H_SLOPE);
  const nIn = sizeAt(sizes, 0);
  const nOut = sizeAt(sizes, L);
  let total: f64 = 0;
  for (let start = 0; start < n; start += batch) {
    const count = min(batch, n - start);
    const bp = (count + 3) & ~3;
    loadBatch(x, nIn, perm, start, count, acts, bp);
    forwardBatch(L, sizes, params, acts, bp, slope);
    const out = acts + actOffset(sizes, L, bp);
    total += <f64>lossAndOutputDelta(nOut, out, y, perm, start, count, bp, deltaA, slope);
    backwardBatch(L, sizes, params, grads, acts, bp, deltaA, deltaB, slope);
    adamwStep(params, grads, m, v, nPadded, hyper);
  }
  return total;
}

/**
 * How many of the n samples the model gets right: every output rounded half to even
 * (f32.nearest) equals its label. Processes chunks of `batch` samples.
 */
export function countCorrect(
  L: i32, sizes: usize, params: usize, x: usize, y: usize, n: i32, batch: i32, acts: usize, slopeValue: f64,
): i32 {
  const slope = <f32>slopeValue;
  const nIn = sizeAt(sizes, 0);
  const nOut = sizeAt(sizes, L);
  let correct = 0;
  for (let start = 0; start < n; start += batch) {
    const count = min(batch, n - start);
    const bp = (count + 3) & ~3;
    loadBatch(x, nIn, 0, start, count, acts, bp);
    forwardBatch(L, sizes, params, acts, bp, slope);
    const out = acts + actOffset(sizes, L, bp);
    for (let b = 0; b < count; b++) {
      let ok = true;
      for (let o = 0; o < nOut; o++) {
        const pred = nearest<f32>(load<f32>(out + (<usize>(o * bp + b) << 2)));
        if (pred != load<f32>(y + (<usize>((start + b) * nOut + o) << 2))) ok = false;
      }
      if (ok) correct++;
    }
  }
  return correct;
}
