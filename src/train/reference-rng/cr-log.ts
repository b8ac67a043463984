/**
 * A correctly rounded natural logarithm built from IEEE basic operations only, so that it gives
 * the same double in every JavaScript engine (docs/semantics.md, D9). numpy's legacy Gaussian
 * calls the C library's `log`; glibc's is not correctly rounded either, but agrees with the
 * correctly rounded value far more often than engines' `Math.log` (about 99.9% against 93% for
 * V8 on uniform inputs), and after main.py's cast of the noise to float32 a last-bit difference
 * in the logarithm almost never survives.
 *
 * Fast path: x = 2^k m, m in [sqrt(1/2), sqrt(2)), m near c = j/256; ln x = k ln 2 + ln c +
 * 2 atanh((m - c)/(m + c)) in double-double, about 2^-70 relative error. When the result is too
 * close to a rounding boundary for that error, an exact fixed-point computation on BigInts
 * decides (a few times in 10,000).
 */

const buf = new Float64Array(1);
const words = new Uint32Array(buf.buffer); // little-endian: words[1] holds sign, exponent, top mantissa bits

const SPLIT = 134217729; // 2^27 + 1, Veltkamp's splitter

/** The exact product a*b as hi + lo (Dekker). */
function twoProd(a: number, b: number): [number, number] {
  const p = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

// ---- exact reference: fixed point on BigInts ----

/** atanh(p/q) * 2^bits, for 0 <= p/q < 1/2, truncated series plus a bound on its error (in units). */
function atanhFixed(p: bigint, q: bigint, bits: number): bigint {
  const one = 1n << BigInt(bits + 8); // 8 guard bits
  const x = (one * p) / q;
  const x2 = (x * x) / one;
  let term = x;
  let sum = 0n;
  for (let n = 1n; term !== 0n; n += 2n) {
    sum += term / n;
    term = (term * x2) / one;
  }
  return sum >> 8n;
}

const lnCache = new Map<number, bigint>();

/** ln 2 * 2^bits (2 atanh(1/3)). */
function ln2Fixed(bits: number): bigint {
  let v = lnCache.get(bits);
  if (v === undefined) lnCache.set(bits, (v = 2n * atanhFixed(1n, 3n, bits)));
  return v;
}

/** ln(M / 2^S) * 2^bits for integers M > 0 and S. */
function lnRationalFixed(M: bigint, S: number, bits: number): bigint {
  // Normalise M / 2^S = mant * 2^k with mant = M / 2^s in [sqrt(1/2), sqrt(2)).
  let k = M.toString(2).length - 1 - S; // M / 2^S in [2^k, 2^(k+1))
  let s = S + k; // mant = M / 2^s in [1, 2)
  if (M * M >= 2n * (1n << BigInt(2 * s))) {
    k += 1;
    s += 1;
  }
  const den = 1n << BigInt(s); // s = bit length of M - 1 (+ 1) >= 0
  const num = M;
  // ln mant = 2 atanh((num - den)/(num + den)), |argument| < 0.172.
  const d = num - den;
  const a = atanhFixed(d < 0n ? -d : d, num + den, bits);
  return BigInt(k) * ln2Fixed(bits) + (d < 0n ? -2n : 2n) * a;
}

/** The double nearest to V * 2^-bits, or null when V's error (a few units) could change it. */
function roundFixed(V: bigint, bits: number): number | null {
  if (V === 0n) return 0;
  const neg = V < 0n;
  const a = neg ? -V : V;
  const len = a.toString(2).length;
  const drop = len - 53; // keep 53 significant bits (results here are far from subnormal)
  if (drop <= 8) return null;
  const keep = a >> BigInt(drop);
  const rest = a - (keep << BigInt(drop));
  const half = 1n << BigInt(drop - 1);
  const slack = 1n << 14n; // the series' error (k ln 2 included) is far below this many units
  const diff = rest - half;
  if ((diff < 0n ? -diff : diff) <= slack) return null;
  const m = keep + (rest > half ? 1n : 0n);
  const value = Number(m) * 2 ** (drop - bits);
  return neg ? -value : value;
}

/** ln(x) correctly rounded, by exact fixed-point arithmetic (slow; the fast path's referee). */
export function crLogExact(x: number): number {
  if (!(x > 0) || x === Infinity) return x === Infinity ? Infinity : x === 0 ? -Infinity : NaN;
  if (x === 1) return 0;
  // x = M * 2^-S exactly, M a 53-bit integer.
  buf[0] = x;
  const hi = words[1]!;
  const exp = (hi >>> 20) & 0x7ff;
  const M = (BigInt(hi & 0xfffff) << 32n) + BigInt(words[0]!) + (exp === 0 ? 0n : 1n << 52n);
  const S = 1075 - (exp === 0 ? 1 : exp);
  for (let bits = 160; ; bits *= 2) {
    const r = roundFixed(lnRationalFixed(M, S, bits), bits);
    if (r !== null) return r;
  }
}

// ---- fast path ----

/** The double nearest to V * 2^-bits and the double nearest to what remains. */
function splitFixed(V: bigint, bits: number): [number, number] {
  const hi = Number(V) * 2 ** -bits; // Number(bigint) rounds to nearest
  return [hi, Number(V - BigInt(hi * 2 ** bits)) * 2 ** -bits];
}

const TABLE_HI = new Float64Array(363);
const TABLE_LO = new Float64Array(363);
for (let j = 181; j <= 362; j++) [TABLE_HI[j], TABLE_LO[j]] = splitFixed(lnRationalFixed(BigInt(j), 8, 200), 200); // ln(j/256)
// ln 2 in three parts; the first two have 42 bits, so k * part is exact for |k| < 2^11.
const LN2_FIXED = ln2Fixed(200);
const LN2_1 = Number(LN2_FIXED >> 158n) * 2 ** -42;
const LN2_REST = LN2_FIXED - ((LN2_FIXED >> 158n) << 158n);
const LN2_2 = Number(LN2_REST >> 116n) * 2 ** -84;
const LN2_3 = Number(LN2_REST - ((LN2_REST >> 116n) << 116n)) * 2 ** -200;

/**
 * The fast path's constants, for a kernel that runs the same operations (assembly/numpy-noise.ts):
 * ln(j/256) as hi + lo for j = 181..362 (indexed by j), and ln 2 in three parts.
 */
export const LOG_FAST_CONSTANTS: { readonly hi: Float64Array; readonly lo: Float64Array; readonly ln2: readonly [number, number, number] } = {
  hi: TABLE_HI,
  lo: TABLE_LO,
  ln2: [LN2_1, LN2_2, LN2_3],
};

/** ln(x), correctly rounded (round to nearest), for any double. */
export function crLog(x: number): number {
  if (!(x > 0) || x === Infinity || x === 1) return x === 1 ? 0 : x === Infinity ? Infinity : x === 0 ? -Infinity : NaN;
  const input = x;
  let k = 0;
  if (x < 2.2250738585072014e-308) {
    x *= 18014398509481984; // 2^54: subnormals become normal
    k = -54;
  }
  buf[0] = x;
  const hiWord = words[1]!;
  k += ((hiWord >>> 20) & 0x7ff) - 1023;
  words[1] = (hiWord & 0x000fffff) | 0x3ff00000; // m in [1, 2)
  let m = buf[0]!;
  if (m >= Math.SQRT2) {
    m *= 0.5;
    k += 1;
  }
  const j = Math.round(m * 256);
  const c = j / 256;
  const num = m - c; // exact
  const dh = m + c;
  const mz = dh - c;
  const dl = m - mz + (c - (dh - mz)); // TwoSum: m + c = dh + dl exactly
  const th = num / dh;
  const [p, pe] = twoProd(th, dh);
  const tl = (num - p - pe - th * dl) / dh;
  const t2 = th * th;
  const poly = t2 * (1 / 3 + t2 * (1 / 5 + t2 * (1 / 7 + t2 / 9)));
  const lh = 2 * th;
  const ll = 2 * tl + lh * poly; // 2 atanh(t) = lh + ll
  // Sum k ln2 + ln c + (lh + ll) as a double-double.
  const a = k * LN2_1;
  const b = TABLE_HI[j]!;
  const s1 = a + b;
  const e1 = Math.abs(a) >= Math.abs(b) ? a - s1 + b : b - s1 + a;
  const s = s1 + lh;
  const e2 = Math.abs(s1) >= Math.abs(lh) ? s1 - s + lh : lh - s + s1;
  const lo = e1 + e2 + ll + TABLE_LO[j]! + k * LN2_2 + k * LN2_3;
  const r = s + lo;
  const rl = lo - (r - s); // r + rl = s + lo (|s| >= |lo|)
  // Round r + rl to a double: r is nearest unless rl lies at a half gap, up to the error bound.
  if (rl === 0) return r;
  buf[0] = r;
  const up = rl > 0 === r > 0; // the neighbour away from zero
  const w0 = words[0]!;
  const w1 = words[1]!;
  if (up) {
    if (w0 === 0xffffffff) words[1] = w1 + 1;
    words[0] = w0 + 1;
  } else {
    if (w0 === 0) words[1] = w1 - 1;
    words[0] = w0 - 1;
  }
  const next = buf[0]!;
  const halfGap = Math.abs(next - r) / 2;
  const err = Math.abs(r) * 2 ** -66;
  const dist = Math.abs(rl) - halfGap;
  if (Math.abs(dist) <= err) return crLogExact(input);
  return dist < 0 ? r : next;
}
