// main.py's input noise, `x + np.random.normal(0, std, x.shape)` cast to float32, drawn from numpy's
// legacy RandomState (docs/semantics.md, R5, D9): the same draws, in the same order, as
// src/train/reference-rng/numpy-random.ts's standardGauss with the correctly rounded logarithm of
// src/train/reference-rng/cr-log.ts, without JS's boxed numbers (src/train/wasm-noise.ts).
//
// The generator's state lives in a block JS reads and writes (NOISE_* offsets): the 624 MT19937
// words, the next word's index, the cached second Gaussian of a pair, the pairs drawn ahead and a
// pending pair. Pairs are drawn ahead in blocks (never more than the call's values need): first
// the serial random draws, then their logarithms, then the values, so that the logarithms'
// long dependency chains of different pairs overlap. The rare logarithm the fast path cannot round
// with certainty (a few in 10,000) is left to JS's exact one: the kernel stops with the pair
// pending, JS writes the logarithm, and the next call goes on.

import { N, temper, temper4, twist, word } from './mt19937';
import {
  NOISE_GAUSS as GAUSS, NOISE_HAS_GAUSS as HAS_GAUSS, NOISE_INDEX as INDEX, NOISE_LN2_PARTS as LN2_PARTS,
  NOISE_LN_HI as LN_HI, NOISE_LN_LO as LN_LO, NOISE_LOG as LOG, NOISE_MAX_PAIRS as MAX_PAIRS,
  NOISE_PAIR_COUNT as PAIR_COUNT, NOISE_PAIR_NEXT as PAIR_NEXT, NOISE_PAIRS as PAIRS, NOISE_PENDING as PENDING,
  NOISE_R2 as R2,
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

// Divisions by powers of two written as products (the same value, correctly rounded either way;
// a division costs several times a product).
const TWO_TO_MINUS_53 = reinterpret<f64>(<u64>(1023 - 53) << 52);

/** `random_sample()` of two tempered words a, b: (a >> 5) * 2^26 + (b >> 6) over 2^53. */
// @ts-ignore: decorator
@inline function toDouble(a: u32, b: u32): f64 {
  return (<f64>(a >>> 5) * 67108864.0 + <f64>(b >>> 6)) * TWO_TO_MINUS_53;
}

/** `random_sample()` from the generator at `s`. */
// @ts-ignore: decorator
@inline function nextDouble(s: usize): f64 {
  const a = next32(s);
  return toDouble(a, next32(s));
}

const TWO_TO_MINUS_66 = reinterpret<f64>(<u64>(1023 - 66) << 52);
const MIN_NORMAL: f64 = 2.2250738585072014e-308;
const SPLIT: f64 = 134217729.0; // 2^27 + 1, Veltkamp's splitter

/**
 * ln(x) for a double 0 < x < 1, correctly rounded, or NaN where the double-double result is too
 * close to a rounding boundary to round with certainty (JS then decides exactly). The same
 * operations, in the same order, as cr-log.ts's crLog fast path.
 */
function logFast(s: usize, x: f64): f64 {
  let k = 0;
  if (x < MIN_NORMAL) {
    x *= 18014398509481984.0; // 2^54: subnormals become normal
    k = -54;
  }
  const bits = reinterpret<u64>(x);
  k += <i32>((bits >> 52) & 0x7ff) - 1023;
  let m = reinterpret<f64>((bits & 0x000fffffffffffff) | 0x3ff0000000000000); // m in [1, 2)
  // Without a branch: m >= sqrt(2) about 4 times in 10, at random.
  const big = m >= Math.SQRT2;
  m = select<f64>(m * 0.5, m, big);
  k += <i32>big;
  const jf = Math.floor(m * 256.0 + 0.5); // exact: JS's Math.round of a positive value
  const j = <i32>jf;
  const c = jf * 0.00390625; // jf / 256
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
  const halfGap = Math.abs(next - r) * 0.5;
  const err = Math.abs(r) * TWO_TO_MINUS_66;
  const dist = Math.abs(rl) - halfGap;
  if (Math.abs(dist) <= err) return NaN;
  return dist < 0 ? r : next;
}

/** Two table entries (f64 at `base`, indices in lanes 0 and 1 of `j`) as one vector. */
// @ts-ignore: decorator
@inline function gather2(base: usize, j: v128): v128 {
  const lo = v128.load64_splat(base + (<usize>i32x4.extract_lane(j, 0) << 3));
  return v128.load64_lane(base + (<usize>i32x4.extract_lane(j, 1) << 3), lo, 1);
}

/** |a| >= |b| ? a - s + b : b - s + a, lane by lane (the error of s = a + b, TwoSum's fast form). */
// @ts-ignore: decorator
@inline function sumError2(a: v128, b: v128, s: v128): v128 {
  const ge = f64x2.ge(f64x2.abs(a), f64x2.abs(b));
  return v128.bitselect(f64x2.add(f64x2.sub(a, s), b), f64x2.add(f64x2.sub(b, s), a), ge);
}

/**
 * logFast on two lanes: the same operations on each lane (so the same bits), without branches.
 * For normal doubles 0 < x < 1 only (callers send subnormals to logFast).
 */
function logFast2(s: usize, x: v128): v128 {
  const bits = x;
  // The exponent minus the bias, as i32 in lanes 0 and 1 (from the i64 lanes' low words).
  const e64 = i64x2.sub(v128.and(i64x2.shr_u(bits, 52), i64x2.splat(0x7ff)), i64x2.splat(1023));
  let m = v128.or(v128.and(bits, i64x2.splat(0x000fffffffffffff)), i64x2.splat(0x3ff0000000000000));
  const big = f64x2.ge(m, f64x2.splat(Math.SQRT2));
  m = v128.bitselect(f64x2.mul(m, f64x2.splat(0.5)), m, big);
  const k64 = i64x2.sub(e64, big); // big lanes are -1: k + 1
  const k = i8x16.shuffle(k64, k64, 0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11);
  const jf = f64x2.floor(f64x2.add(f64x2.mul(m, f64x2.splat(256.0)), f64x2.splat(0.5)));
  const j = i32x4.trunc_sat_f64x2_s_zero(jf);
  const c = f64x2.mul(jf, f64x2.splat(0.00390625));
  const num = f64x2.sub(m, c);
  const dh = f64x2.add(m, c);
  const mz = f64x2.sub(dh, c);
  const dl = f64x2.add(f64x2.sub(m, mz), f64x2.sub(c, f64x2.sub(dh, mz)));
  const th = f64x2.div(num, dh);
  const p = f64x2.mul(th, dh);
  const split = f64x2.splat(SPLIT);
  let t = f64x2.mul(split, th);
  const ah = f64x2.sub(t, f64x2.sub(t, th));
  const al = f64x2.sub(th, ah);
  t = f64x2.mul(split, dh);
  const bh = f64x2.sub(t, f64x2.sub(t, dh));
  const bl = f64x2.sub(dh, bh);
  const pe = f64x2.add(f64x2.add(f64x2.add(f64x2.sub(f64x2.mul(ah, bh), p), f64x2.mul(ah, bl)), f64x2.mul(al, bh)), f64x2.mul(al, bl));
  const tl = f64x2.div(f64x2.sub(f64x2.sub(f64x2.sub(num, p), pe), f64x2.mul(th, dl)), dh);
  const t2 = f64x2.mul(th, th);
  let poly = f64x2.add(f64x2.splat(1.0 / 7.0), f64x2.div(t2, f64x2.splat(9.0)));
  poly = f64x2.add(f64x2.splat(1.0 / 5.0), f64x2.mul(t2, poly));
  poly = f64x2.add(f64x2.splat(1.0 / 3.0), f64x2.mul(t2, poly));
  poly = f64x2.mul(t2, poly);
  const lh = f64x2.mul(f64x2.splat(2.0), th);
  const ll = f64x2.add(f64x2.mul(f64x2.splat(2.0), tl), f64x2.mul(lh, poly));
  const kf = f64x2.convert_low_i32x4_s(k);
  const a = f64x2.mul(kf, v128.load64_splat(s + LN2_PARTS));
  const b = gather2(s + LN_HI, j);
  const s1 = f64x2.add(a, b);
  const e1 = sumError2(a, b, s1);
  const sum = f64x2.add(s1, lh);
  const e2 = sumError2(s1, lh, sum);
  let lo = f64x2.add(f64x2.add(f64x2.add(e1, e2), ll), gather2(s + LN_LO, j));
  lo = f64x2.add(f64x2.add(lo, f64x2.mul(kf, v128.load64_splat(s + LN2_PARTS + 8))), f64x2.mul(kf, v128.load64_splat(s + LN2_PARTS + 16)));
  const r = f64x2.add(sum, lo);
  const rl = f64x2.sub(lo, f64x2.sub(r, sum));
  const zero = f64x2.splat(0);
  const sameSide = i64x2.eq(f64x2.gt(rl, zero), f64x2.gt(r, zero));
  const next = i64x2.add(r, v128.bitselect(i64x2.splat(1), i64x2.splat(-1), sameSide));
  const halfGap = f64x2.mul(f64x2.abs(f64x2.sub(next, r)), f64x2.splat(0.5));
  const err = f64x2.mul(f64x2.abs(r), f64x2.splat(TWO_TO_MINUS_66));
  const dist = f64x2.sub(f64x2.abs(rl), halfGap);
  const rounded = v128.bitselect(r, next, f64x2.lt(dist, zero));
  const decided = v128.bitselect(f64x2.splat(NaN), rounded, f64x2.le(f64x2.abs(dist), err));
  return v128.bitselect(r, decided, f64x2.eq(rl, zero));
}

/**
 * Draws `count` accepted pairs of the polar method into the pair block: per pair x1, x2 (each
 * `2 random_sample() - 1`, drawn until 0 < r2 = x1^2 + x2^2 < 1) and r2, then every pair's
 * logarithm (NaN where JS must decide it).
 */
function drawPairs(s: usize, count: i32): void {
  const mt = s + MT_WORDS;
  let i = load<i32>(s + INDEX);
  // Every candidate is written to slot p; p moves on only when it is accepted (about 8 in 10,
  // at random: no branch to mispredict).
  for (let p = 0; p < count; ) {
    let x: v128;
    if (i <= N - 4) {
      // The four words in one vector: tempered together, then toDouble's operations on the
      // pairs (words 0, 1) and (2, 3) as the two lanes of f64x2, and 2 u - 1.
      const t = temper4(v128.load(mt + (<usize>i << 2)));
      const a = f64x2.convert_low_i32x4_u(i32x4.shr_u(v128.shuffle<u32>(t, t, 0, 2, 0, 2), 5));
      const b = f64x2.convert_low_i32x4_u(i32x4.shr_u(v128.shuffle<u32>(t, t, 1, 3, 1, 3), 6));
      const u = f64x2.mul(f64x2.add(f64x2.mul(a, f64x2.splat(67108864.0)), b), f64x2.splat(TWO_TO_MINUS_53));
      x = f64x2.sub(f64x2.mul(f64x2.splat(2.0), u), f64x2.splat(1.0));
      i += 4;
    } else {
      store<i32>(s + INDEX, i);
      const x1 = 2.0 * nextDouble(s) - 1.0;
      x = f64x2.replace_lane(f64x2.splat(x1), 1, 2.0 * nextDouble(s) - 1.0);
      i = load<i32>(s + INDEX);
    }
    const sq = f64x2.mul(x, x);
    const r2 = f64x2.extract_lane(sq, 0) + f64x2.extract_lane(sq, 1);
    const at = s + PAIRS + (<usize>p << 5);
    v128.store(at, x);
    store<f64>(at, r2, 16);
    p += <i32>(r2 < 1.0) & <i32>(r2 != 0);
  }
  store<i32>(s + INDEX, i);
  // Independent of each other: two at a time in vectors, and the CPU overlaps the pairs of pairs.
  let p = 0;
  for (; p + 1 < count; p += 2) {
    const at = s + PAIRS + (<usize>p << 5);
    const x = v128.load64_lane(at + 48, v128.load64_splat(at + 16), 1);
    if (v128.any_true(f64x2.lt(x, f64x2.splat(MIN_NORMAL)))) {
      store<f64>(at, logFast(s, load<f64>(at, 16)), 24);
      store<f64>(at, logFast(s, load<f64>(at, 48)), 56);
    } else {
      const ln = logFast2(s, x);
      v128.store64_lane(at + 24, ln, 0);
      v128.store64_lane(at + 56, ln, 1);
    }
  }
  if (p < count) {
    const at = s + PAIRS + (<usize>p << 5);
    store<f64>(at, logFast(s, load<f64>(at, 16)), 24);
  }
  store<i32>(s + PAIR_NEXT, 0);
  store<i32>(s + PAIR_COUNT, count);
}

/** The float32 at `at` plus f32(0 + std * g), in float32 (normal(0, std) cast, then added). */
// @ts-ignore: decorator
@inline function addNoise(at: usize, std: f64, g: f64): void {
  store<f32>(at, <f32>(<f64>load<f32>(at) + <f64><f32>(0.0 + std * g)));
}

/**
 * x[i] = f32(x[i] + f32(0 + std * gauss)) for i in [from, n) of the float32 values at `xPtr`, the
 * Gaussians drawn as numpy's legacy polar method draws them from the state at `s`: a pair gives
 * f x2, and caches f x1 for the next value, f = sqrt(-2 ln(r2) / r2). Draws no pair the values do
 * not need. Returns the index reached: n when done; less when a pair waits for JS's logarithm
 * (PENDING = 1, R2 set).
 */
export function numpyNoise(s: usize, xPtr: usize, from: i32, n: i32, std: f64): i32 {
  let i = from;
  let next = load<i32>(s + PAIR_NEXT);
  if (load<i32>(s + PENDING) == 2) {
    store<f64>(s + PAIRS + (<usize>next << 5), load<f64>(s + LOG), 24);
    store<i32>(s + PENDING, 0);
  }
  while (i < n) {
    if (load<i32>(s + HAS_GAUSS) != 0) {
      const at = xPtr + (<usize>i << 2);
      addNoise(at, std, load<f64>(s + GAUSS));
      store<i32>(s + HAS_GAUSS, 0);
      i++;
      continue;
    }
    if (next >= load<i32>(s + PAIR_COUNT)) {
      drawPairs(s, min(MAX_PAIRS, (n - i + 1) >> 1));
      next = 0;
    }
    const count = load<i32>(s + PAIR_COUNT);
    // Whole pairs while both values fit; the last value of a call may leave f x1 cached.
    for (; next < count && i < n; next++) {
      const pair = s + PAIRS + (<usize>next << 5);
      const ln = load<f64>(pair, 24);
      if (isNaN(ln)) {
        store<f64>(s + R2, load<f64>(pair, 16));
        store<i32>(s + PENDING, 1);
        store<i32>(s + PAIR_NEXT, next);
        return i;
      }
      const f = Math.sqrt((-2.0 * ln) / load<f64>(pair, 16));
      const at = xPtr + (<usize>i << 2);
      addNoise(at, std, f * load<f64>(pair, 8));
      const g1 = f * load<f64>(pair);
      if (i + 1 < n) {
        addNoise(at + 4, std, g1);
        i += 2;
      } else {
        store<f64>(s + GAUSS, g1);
        store<i32>(s + HAS_GAUSS, 1);
        i++;
      }
    }
  }
  store<i32>(s + PAIR_NEXT, next);
  return n;
}
