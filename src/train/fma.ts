/**
 * A float32 fused multiply-add in JavaScript (docs/semantics.md, N11). For float32 a, b, c the
 * product a*b is exact in a double, but `Math.fround(a*b + c)` rounds twice and is wrong when the
 * double sum lands exactly halfway between two float32 values while the exact sum does not. The
 * sum's rounding error (TwoSum) says which way the exact value lies.
 */

const f = Math.fround;

/** `fma(a, b, c)` rounded once to float32; a, b and c must be float32 values. */
export function fma32(a: number, b: number, c: number): number {
  const p = a * b; // exact: 24 + 24 bits
  const s = p + c;
  const bb = s - p;
  const err = p - (s - bb) + (c - bb); // exact: p + c = s + err
  const r = f(s);
  if (err === 0 || r === s || !Number.isFinite(r)) return r;
  // s is a float32 midpoint exactly when s + (s - r), the other neighbour, is a float32.
  const other = s + (s - r);
  if (f(other) !== other) return r;
  // A tie in double that was not a tie in fact: round towards the exact value.
  return err > 0 === other > r ? other : r;
}
