/**
 * `b ** t` for a double b in (0, 1] and an integer t >= 0, correctly rounded, from IEEE basic
 * operations only (docs/semantics.md, D9). torch's AdamW computes its bias corrections as Python
 * `beta ** step`, i.e. the C library's pow, which agrees with the correctly rounded power in all
 * but about 1 call in 1,000; the engine's own `**` differs in several percent.
 *
 * Fast path: exponentiation by squaring in double-double (about 2^-100 relative error). When the
 * result lies too close to a rounding boundary, fixed-point BigInt arithmetic decides.
 */

const SPLIT = 134217729; // 2^27 + 1
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** The adjacent double of a positive finite x, above or below. */
function adjacent(x: number, up: boolean): number {
  f64[0] = x;
  u64[0] = up ? u64[0]! + 1n : u64[0]! - 1n;
  return f64[0]!;
}

let ddHi = 0;
let ddLo = 0;

/** (ah + al) * (bh + bl) as a double-double, left in ddHi + ddLo (no allocation). */
function ddMul(ah: number, al: number, bh: number, bl: number): void {
  const p = ah * bh;
  let t = SPLIT * ah;
  const ahh = t - (t - ah);
  const ahl = ah - ahh;
  t = SPLIT * bh;
  const bhh = t - (t - bh);
  const bhl = bh - bhh;
  const e = ahh * bhh - p + ahh * bhl + ahl * bhh + ahl * bhl + (ah * bl + al * bh);
  ddHi = p + e;
  ddLo = e - (ddHi - p);
}

/** b^t * 2^bits, truncated (error below about t log2(t) units), for b = M * 2^-S. */
function powFixed(M: bigint, S: number, t: number, bits: number): bigint {
  const one = 1n << BigInt(bits);
  const mul = (x: bigint, y: bigint) => (x * y) >> BigInt(bits);
  let base = (M << BigInt(bits)) >> BigInt(S);
  let acc = one;
  for (let e = t; e > 0; e = Math.floor(e / 2)) {
    if (e % 2) acc = mul(acc, base);
    base = mul(base, base);
  }
  return acc;
}

/** b^t correctly rounded, exactly (slow; the fast path's referee). */
export function crPowIntExact(b: number, t: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, b);
  const hi = view.getUint32(0);
  const exp = (hi >>> 20) & 0x7ff;
  const M = (BigInt(hi & 0xfffff) << 32n) + BigInt(view.getUint32(4)) + (exp === 0 ? 0n : 1n << 52n);
  const S = 1075 - (exp === 0 ? 1 : exp);
  for (let extra = 128; ; extra *= 2) {
    // Enough bits below the result's leading bit: the result is about 2^(t log2 b).
    const lead = Math.ceil(-t * Math.log2(b)) + 2;
    if (lead > 1200) return 0; // below the smallest subnormal
    // Still too close: a tie, or nearly one (0.75^34 = 3^34 2^-68, and 3^34 has 54 bits, is
    // exactly halfway between two doubles). The exact power decides.
    if (extra > 2048) return roundExact(M ** BigInt(t), S * t);
    const bits = lead + 53 + extra;
    const V = powFixed(M, S, t, bits);
    const { keep, rest, half, unit } = doubleParts(V, bits);
    const diff = rest - half;
    if ((diff < 0n ? -diff : diff) <= BigInt(64 * t + 64)) continue; // too close to call: more bits
    return Number(keep + (rest > half ? 1n : 0n)) * unit;
  }
}

/**
 * P * 2^-shift (P > 0, below 1) cut at a double's last bit: the bits a double keeps (53, fewer
 * where the result is subnormal: its last bit is 2^-1074), the rest below them, half the last
 * bit, and the last bit's value. `keep` (+ 1) times `unit` is exact: fewer than 55 bits times a
 * power of two that does not underflow.
 */
function doubleParts(P: bigint, shift: number): { keep: bigint; rest: bigint; half: bigint; unit: number } {
  const drop = Math.max(P.toString(2).length - 53, shift - 1074);
  if (drop <= 0) return { keep: P, rest: 0n, half: 0n, unit: 2 ** -shift };
  const keep = P >> BigInt(drop);
  return { keep, rest: P - (keep << BigInt(drop)), half: 1n << BigInt(drop - 1), unit: 2 ** (drop - shift) };
}

/** P * 2^-shift (P > 0, below 1) rounded to the nearest double, ties to even (subnormals included). */
function roundExact(P: bigint, shift: number): number {
  const { keep, rest, half, unit } = doubleParts(P, shift);
  const up = rest > half || (rest === half && rest > 0n && (keep & 1n) === 1n);
  return Number(up ? keep + 1n : keep) * unit;
}

/** `b ** t` correctly rounded for 0 < b <= 1 and an integer t >= 0. */
export function crPowInt(b: number, t: number): number {
  if (!(b > 0 && b <= 1) || !Number.isInteger(t) || t < 0) throw new RangeError(`crPowInt: needs 0 < b <= 1 and an integer t >= 0, got ${b}, ${t}`);
  if (t === 0 || b === 1) return 1;
  let rh = 1;
  let rl = 0;
  let bh = b;
  let bl = 0;
  for (let e = t; e > 0; e = Math.floor(e / 2)) {
    if (e % 2) {
      ddMul(rh, rl, bh, bl);
      rh = ddHi;
      rl = ddLo;
    }
    if (e > 1) {
      ddMul(bh, bl, bh, bl);
      bh = ddHi;
      bl = ddLo;
    }
  }
  if (!(rh >= 1e-290)) return crPowIntExact(b, t); // near the subnormal range the double-double loses bits
  const r = rh + rl;
  const rem = rl - (r - rh);
  if (rem === 0) return r;
  // The neighbour of r on the side of rem, and the rounding boundary between them.
  const next = adjacent(r, rem > 0);
  const halfGap = Math.abs(next - r) / 2;
  const dist = Math.abs(rem) - halfGap;
  if (Math.abs(dist) <= r * 2 ** -90) return crPowIntExact(b, t);
  return dist < 0 ? r : next;
}
