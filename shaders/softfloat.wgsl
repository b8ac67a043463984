// Exact float32 arithmetic from integer operations, for decisions bit-identical to the TypeScript
// reference (src/model.ts, src/circuits/circuit.ts).
//
// The reference computes every step as `Math.fround(acc + x * w)` in float64: the product of two
// float32 values is exact in a double, the sum is rounded to float64 (53 bits), then to float32.
// That is RN32(RN64(acc + x*w)), which is *not* always a fused multiply-add (the two roundings can
// differ from one, e.g. 2^60 + 1774001 * 38737 gives 2^60, a true FMA 2^60 + 2^37).
//
// WGSL float arithmetic cannot reproduce it reliably: there is no f64, `fma` need not be fused,
// compilers may contract a*b+c, and subnormals may be flushed to zero. So values travel as their
// IEEE bit patterns (u32) and every step is done in integer operations, whose WGSL semantics are
// exact everywhere:
//   1. the 48-bit product of the two 24-bit significands, from 16-bit limbs;
//   2. both terms as 64-bit magnitudes (two u32 words) normalised to bit 62, the smaller shifted
//      right with a "jamming" sticky bit (any lost bit ORs a 1 into bit 0), then added or
//      subtracted exactly in the 64-bit window;
//   3. normalisation, rounding to 53 bits (nearest, ties to even), then to float32's 24 bits
//      (or fewer for a subnormal result), again to nearest, ties to even.
// Why the jam is exact enough: a bit can only be lost when the smaller term is shifted by more
// than its trailing zeros (>= 15), so the result keeps its top bit at 61 or above and the jam bit
// ends at bit 2 or below after normalisation; the true and the jammed sums then lie strictly
// between the same two multiples of 8, and every rounding boundary (of 53 bits: multiples of
// 2^10) is such a multiple, so both round identically.
//
// Zeros are returned unsigned where the reference might give -0: a zero's sign never changes a
// non-zero result or a decision (round(+-0) == 0, +-0 > 0.5 is false). Overflow to infinity is the
// one case not emulated: it sets `sfOverflow`, and the caller hands that work item to the CPU.

/// Set when a result overflowed float32; the work item is then recomputed by the CPU reference.
var<private> sfOverflow: bool;

const SF_SIGN: u32 = 0x80000000u;
const SF_ABS: u32 = 0x7fffffffu;
/// 1.0f, to turn an addition into a multiply-add.
const SF_ONE: u32 = 0x3f800000u;

/// Leading zeros of the 64-bit value (hi, lo).
fn sfClz64(v: vec2<u32>) -> u32 {
  return select(countLeadingZeros(v.x), 32u + countLeadingZeros(v.y), v.x == 0u);
}

/// (hi, lo) << s for 0 <= s <= 63 (WGSL shifts take the amount modulo 32, hence the cases).
fn sfShl64(v: vec2<u32>, s: u32) -> vec2<u32> {
  if (s == 0u) {
    return v;
  }
  if (s >= 32u) {
    return vec2<u32>(v.y << (s - 32u), 0u);
  }
  return vec2<u32>((v.x << s) | (v.y >> (32u - s)), v.y << s);
}

/// (hi, lo) >> s for any s, with every bit shifted out ORed into bit 0 (jamming).
fn sfShrJam64(v: vec2<u32>, s: u32) -> vec2<u32> {
  if (s == 0u) {
    return v;
  }
  if (s >= 64u) {
    return vec2<u32>(0u, select(0u, 1u, (v.x | v.y) != 0u));
  }
  if (s >= 32u) {
    let t = s - 32u;
    let lost = v.y | select(v.x << (32u - t), 0u, t == 0u);
    return vec2<u32>(0u, (v.x >> t) | select(0u, 1u, lost != 0u));
  }
  let lost = v.y << (32u - s);
  return vec2<u32>(v.x >> s, (v.y >> s) | (v.x << (32u - s)) | select(0u, 1u, lost != 0u));
}

/// The significand of a finite float32 (implicit bit included for normal numbers).
fn sfSignificand(bits: u32) -> u32 {
  let frac = bits & 0x7fffffu;
  return select(frac | 0x800000u, frac, (bits & 0x7f800000u) == 0u);
}

/// The exponent of the last significand bit: |v| = significand * 2^exponent.
fn sfExponent(bits: u32) -> i32 {
  return max(i32((bits >> 23u) & 0xffu), 1) - 150;
}

/// Rounds sign * v * 2^e (v any 64-bit magnitude) to float64, then to float32; returns the bits.
fn sfRound(sign: u32, v: vec2<u32>, e0: i32) -> u32 {
  if ((v.x | v.y) == 0u) {
    return 0u;
  }
  let lz = sfClz64(v);
  var r = sfShl64(v, lz);
  var e = e0 - i32(lz); // value = r * 2^e, top bit of r at bit 63
  // Round to 53 bits: keep bits 11..63; bit 10 is the half, bits 0..9 the sticky part.
  let half64 = (r.y >> 10u) & 1u;
  if (half64 == 1u && ((r.y & 0x3ffu) != 0u || ((r.y >> 11u) & 1u) == 1u)) {
    let lo = r.y + 0x800u;
    let carry = select(0u, 1u, lo < r.y);
    r = vec2<u32>(r.x + carry, lo);
    if (carry == 1u && r.x == 0u) {
      r = vec2<u32>(0x80000000u, 0u); // all ones rounded up to 2^64
      e = e + 1;
    }
  }
  r.y = r.y & ~0x7ffu;
  // Float32: value = m * 2^(E - 150) with m the top 24 bits, i.e. E = e + 40 + 150.
  let big = e + 190;
  if (big >= 1) {
    var m = r.x >> 8u;
    let sticky = ((r.x & 0x7fu) | r.y) != 0u;
    if (((r.x >> 7u) & 1u) == 1u && (sticky || (m & 1u) == 1u)) {
      m = m + 1u;
    }
    // m is in [2^23, 2^24]; adding it to (E - 1) << 23 carries 2^24 into the exponent correctly.
    let bits = (u32(big - 1) << 23u) + m;
    if (bits >= 0x7f800000u) {
      sfOverflow = true;
    }
    return sign | bits;
  }
  // Subnormal result: s fewer significand bits; m = r >> (40 + s), half at bit 39 + s.
  let s = u32(1 - big);
  if (s > 24u) {
    return 0u; // below half the smallest subnormal
  }
  let t = 40u + s - 32u; // 9..32: the shift inside the high word
  let m0 = select(r.x >> t, 0u, t == 32u);
  let halfBit = (r.x >> (t - 1u)) & 1u;
  let sticky = (r.x & ((1u << (t - 1u)) - 1u)) != 0u || r.y != 0u;
  var m = m0;
  if (halfBit == 1u && (sticky || (m & 1u) == 1u)) {
    m = m + 1u; // 2^23 is the smallest normal number's encoding, so the carry is right too
  }
  return sign | m;
}

/// `Math.fround(a + x * w)` evaluated in float64, on float32 bit patterns (finite inputs).
fn sfMulAdd(a: u32, x: u32, w: u32) -> u32 {
  if ((x & SF_ABS) == 0u || (w & SF_ABS) == 0u) {
    return a; // adding +-0 leaves a (up to the sign of a zero)
  }
  // 48-bit product of the significands from 16-bit limbs (u32 products keep the low 32 bits).
  let mx = sfSignificand(x);
  let mw = sfSignificand(w);
  let x0 = mx & 0xffffu;
  let x1 = mx >> 16u;
  let w0 = mw & 0xffffu;
  let w1 = mw >> 16u;
  let low = x0 * w0;
  let mid = x1 * w0 + x0 * w1; // < 2^25
  let plo = low + (mid << 16u);
  let phi = x1 * w1 + (mid >> 16u) + select(0u, 1u, plo < low);
  let sP = (x ^ w) & SF_SIGN;
  let lzP = sfClz64(vec2<u32>(phi, plo)) - 1u;
  let p = sfShl64(vec2<u32>(phi, plo), lzP); // top bit at 62: one bit of headroom for a carry
  let eP = sfExponent(x) + sfExponent(w) - i32(lzP);
  if ((a & SF_ABS) == 0u) {
    return sfRound(sP, p, eP);
  }
  let ma = sfSignificand(a);
  let lzA = countLeadingZeros(ma) - 1u;
  let q = vec2<u32>(ma << lzA, 0u); // top bit at 62 as well
  let eA = sfExponent(a) - 32 - i32(lzA);
  let sA = a & SF_SIGN;
  // Both tops are at bit 62, so the larger exponent (then the larger words) is the larger term.
  let aBigger = eA > eP || (eA == eP && (q.x > p.x || (q.x == p.x && q.y > p.y)));
  let big = select(p, q, aBigger);
  let eBig = select(eP, eA, aBigger);
  let small = sfShrJam64(select(q, p, aBigger), u32(eBig - select(eA, eP, aBigger)));
  var r: vec2<u32>;
  if (sA == sP) {
    let lo = big.y + small.y;
    r = vec2<u32>(big.x + small.x + select(0u, 1u, lo < big.y), lo);
  } else {
    r = vec2<u32>(big.x - small.x - select(0u, 1u, big.y < small.y), big.y - small.y);
  }
  return sfRound(select(sP, sA, aBigger), r, eBig);
}

/// LeakyReLU on bits: v >= 0 ? v : fround(v * slope).
fn sfLeaky(v: u32, slope: u32) -> u32 {
  if ((v & SF_SIGN) == 0u) {
    return v;
  }
  return sfMulAdd(0u, v, slope);
}

/// torch.round (half to even) of a finite float32, as float32 bits; zero is returned as +0.
fn sfRoundHalfEven(v: u32) -> u32 {
  let biased = (v >> 23u) & 0xffu;
  if (biased < 126u) {
    return 0u; // |v| < 0.5
  }
  if (biased >= 150u) {
    return v; // |v| >= 2^23 is an integer already
  }
  let s = 150u - biased; // fraction bits: 1..24
  let m = (v & 0x7fffffu) | 0x800000u;
  var k = m >> s;
  let rem = m & ((1u << s) - 1u);
  let half = 1u << (s - 1u);
  if (rem > half || (rem == half && (k & 1u) == 1u)) {
    k = k + 1u;
  }
  if (k == 0u) {
    return 0u;
  }
  let msb = 31u - countLeadingZeros(k); // k <= 2^23
  return (v & SF_SIGN) | ((msb + 127u) << 23u) | ((k << (23u - msb)) & 0x7fffffu);
}

/// `v > 0.5` on float32 bits (positive floats order like their bit patterns).
fn sfAboveHalf(v: u32) -> bool {
  return (v & SF_SIGN) == 0u && v > 0x3f000000u;
}
