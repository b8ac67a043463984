/**
 * A natural logarithm computed with IEEE basic operations only (+, -, *, / on doubles and exact
 * bit manipulation), so that it returns the same double on every engine. `Math.log` is not
 * required to be correctly rounded and differs between engines in the last bit, which would make
 * seeded Gaussian noise, and so trained weights, engine-dependent.
 */

const LN2_HI = 6.93147180369123816490e-1; // ln 2 rounded to 32 significant bits: k * LN2_HI is exact
const LN2_LO = 1.90821492927058770002e-10; // ln 2 - LN2_HI
const SQRT2 = 1.4142135623730951;
const view = new DataView(new ArrayBuffer(8));

/**
 * ln(x) for finite x > 0 (NaN for x <= 0 or NaN), accurate to about 1 ulp.
 * x = m * 2^k with m in [sqrt(2)/2, sqrt(2)); ln m = 2 atanh(t), t = (m - 1) / (m + 1), |t| < 0.172,
 * by its odd series (terms to t^27, below 2^-60 relative).
 */
export function detLog(x: number): number {
  if (!(x > 0)) return NaN;
  if (x === Infinity) return Infinity;
  let k = 0;
  if (x < 2.2250738585072014e-308) {
    x *= 18014398509481984; // 2^54: subnormals become normal
    k = -54;
  }
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  k += ((hi >>> 20) & 0x7ff) - 1023;
  view.setUint32(0, (hi & 0x800fffff) | (1023 << 20)); // same mantissa, exponent 0: m in [1, 2)
  let m = view.getFloat64(0);
  if (m >= SQRT2) {
    m /= 2;
    k += 1;
  }
  const t = (m - 1) / (m + 1);
  const t2 = t * t;
  let series = 1 / 27;
  for (let d = 25; d >= 1; d -= 2) series = 1 / d + t2 * series;
  const lnM = 2 * t * series;
  return k * LN2_HI + (k * LN2_LO + lnM);
}
