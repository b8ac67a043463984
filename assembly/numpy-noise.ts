// main.py's input noise, `x + np.random.normal(0, std, x.shape)` cast to float32, drawn from numpy's
// legacy RandomState (docs/semantics.md, R5, D9): the same draws, in the same order, as
// src/train/reference-rng/numpy-random.ts's standardGauss with the correctly rounded logarithm of
// src/train/reference-rng/cr-log.ts, without JS's boxed numbers (src/train/wasm-noise.ts).
//
// The generator's state lives in a block JS reads and writes (NOISE_* offsets): the 624 MT19937
// words, the next word's index, the cached second Gaussian of a pair, and a pending pair. The rare
// logarithm the fast path cannot round with certainty (a few in 10,000) is left to JS's exact one:
// the kernel stops with the pair pending, JS writes the logarithm, and the next call goes on.

import { N, temper, twist, word } from './mt19937';
import {
  NOISE_GAUSS as GAUSS, NOISE_HAS_GAUSS as HAS_GAUSS, NOISE_INDEX as INDEX, NOISE_LN2_PARTS as LN2_PARTS,
  NOISE_LN_HI as LN_HI, NOISE_LN_LO as LN_LO, NOISE_LOG as LOG, NOISE_PENDING as PENDING, NOISE_R2 as R2,
  NOISE_X1 as X1, NOISE_X2 as X2,
} from './layout';

/** The state block starts with the generator's 624 words. */
const MT_WORDS = 0;

/** The next tempered output. */
// @ts-ignore: decorator
@inline function next32(s: usize): u32 {
  let i = load<i32>(s + INDEX);
  if (i >= N) {
    twist(s + MT_WORDS);
    i = 0;
  }
  store<i32>(s + INDEX, i + 1);
  return temper(word(s + MT_WORDS, i));
}

/** `random_sample()`: (a >> 5) * 2^26 + (b >> 6) over 2^53. */
// @ts-ignore: decorator
@inline function nextDouble(s: usize): f64 {
  const a = next32(s) >>> 5;
  const b = next32(s) >>> 6;
  return (<f64>a * 67108864.0 + <f64>b) / 9007199254740992.0;
}

const TWO_TO_MINUS_66 = reinterpret<f64>(<u64>(1023 - 66) << 52);
const SPLIT: f64 = 134217729.0; // 2^27 + 1, Veltkamp's splitter

/**
 * ln(x) for a double 0 < x < 1, correctly rounded, or NaN where the double-double result is too
 * close to a rounding boundary to round with certainty (JS then decides exactly). The same
 * operations, in the same order, as cr-log.ts's crLog fast path.
 */
function logFast(s: usize, x: f64): f64 {
  let k = 0;
  if (x < 2.2250738585072014e-308) {
    x *= 18014398509481984.0; // 2^54: subnormals become normal
    k = -54;
  }
  const bits = reinterpret<u64>(x);
  k += <i32>((bits >> 52) & 0x7ff) - 1023;
  let m = reinterpret<f64>((bits & 0x000fffffffffffff) | 0x3ff0000000000000); // m in [1, 2)
  if (m >= Math.SQRT2) {
    m *= 0.5;
    k += 1;
  }
  const jf = Math.floor(m * 256.0 + 0.5); // exact: JS's Math.round of a positive value
  const j = <i32>jf;
  const c = jf / 256.0;
  const num = m - c; // exact
  const dh = m + c;
  const mz = dh - c;
  const dl = m - mz + (c - (dh - mz)); // TwoSum: m + c = dh + dl exactly
  const th = num / dh;
  // The exact product th * dh as p + pe (Dekker).
  const p = th * dh;
  let t = SPLIT * th;
  const ah = t - (t - th);
  const al = th - ah;
  t = SPLIT * dh;
  const bh = t - (t - dh);
  const bl = dh - bh;
  const pe = ah * bh - p + ah * bl + al * bh + al * bl;
  const tl = (num - p - pe - th * dl) / dh;
  const t2 = th * th;
  const poly = t2 * (1.0 / 3.0 + t2 * (1.0 / 5.0 + t2 * (1.0 / 7.0 + t2 / 9.0)));
  const lh = 2.0 * th;
  const ll = 2.0 * tl + lh * poly; // 2 atanh(t) = lh + ll
  const kf = <f64>k;
  const a = kf * load<f64>(s + LN2_PARTS);
  const b = load<f64>(s + LN_HI + (<usize>j << 3));
  const s1 = a + b;
  const e1 = Math.abs(a) >= Math.abs(b) ? a - s1 + b : b - s1 + a;
  const sum = s1 + lh;
  const e2 = Math.abs(s1) >= Math.abs(lh) ? s1 - sum + lh : lh - sum + s1;
  const lo = e1 + e2 + ll + load<f64>(s + LN_LO + (<usize>j << 3)) + kf * load<f64>(s + LN2_PARTS + 8) + kf * load<f64>(s + LN2_PARTS + 16);
  const r = sum + lo;
  const rl = lo - (r - sum);
  if (rl == 0) return r;
  // The neighbour of r on rl's side: away from zero when rl has r's sign (bits + 1), else toward it.
  const rb = reinterpret<u64>(r);
  const next = reinterpret<f64>((rl > 0) == (r > 0) ? rb + 1 : rb - 1);
  const halfGap = Math.abs(next - r) / 2.0;
  const err = Math.abs(r) * TWO_TO_MINUS_66;
  const dist = Math.abs(rl) - halfGap;
  if (Math.abs(dist) <= err) return NaN;
  return dist < 0 ? r : next;
}

/**
 * x[i] = f32(x[i] + f32(0 + std * gauss)) for i in [from, n) of the float32 values at `xPtr`, the
 * Gaussians drawn as numpy's legacy polar method draws them from the state at `s`. Returns the
 * index reached: n when done; less when a pair waits for JS's logarithm (PENDING = 1, R2 set).
 */
export function numpyNoise(s: usize, xPtr: usize, from: i32, n: i32, std: f64): i32 {
  let i = from;
  while (i < n) {
    let g: f64;
    if (load<i32>(s + HAS_GAUSS) != 0) {
      g = load<f64>(s + GAUSS);
      store<i32>(s + HAS_GAUSS, 0);
    } else {
      let x1: f64, x2: f64, r2: f64, ln: f64;
      if (load<i32>(s + PENDING) == 2) {
        x1 = load<f64>(s + X1);
        x2 = load<f64>(s + X2);
        r2 = load<f64>(s + R2);
        ln = load<f64>(s + LOG);
        store<i32>(s + PENDING, 0);
      } else {
        while (true) {
          x1 = 2.0 * nextDouble(s) - 1.0;
          x2 = 2.0 * nextDouble(s) - 1.0;
          r2 = x1 * x1 + x2 * x2;
          if (r2 < 1.0 && r2 != 0) break;
        }
        ln = logFast(s, r2);
        if (isNaN(ln)) {
          store<f64>(s + X1, x1);
          store<f64>(s + X2, x2);
          store<f64>(s + R2, r2);
          store<i32>(s + PENDING, 1);
          return i;
        }
      }
      const f = Math.sqrt((-2.0 * ln) / r2);
      store<f64>(s + GAUSS, f * x1);
      store<i32>(s + HAS_GAUSS, 1);
      g = f * x2;
    }
    const at = xPtr + (<usize>i << 2);
    store<f32>(at, <f32>(<f64>load<f32>(at) + <f64><f32>(0.0 + std * g)));
    i++;
  }
  return n;
}
