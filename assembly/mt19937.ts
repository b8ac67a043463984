// MT19937's state update (Matsumoto and Nishimura's published algorithm), shared by the kernels
// that draw from it: torch-randperm.ts (torch's CPU generator) and numpy-noise.ts (numpy's legacy
// RandomState), as src/train/reference-rng/mt19937.ts in JS.

export const N = 624;
export const M = 397;
const UPPER: u32 = 0x80000000;
const LOWER: u32 = 0x7fffffff;
const MATRIX_A: u32 = 0x9908b0df;

/** Word i of the 624 at `mt`. */
// @ts-ignore: decorator
@inline export function word(mt: usize, i: i32): u32 {
  return load<u32>(mt + (<usize>i << 2));
}

/**
 * Regenerates all 624 words, four at a time: word i reads words i + 1 (not yet regenerated) and
 * i + M (regenerated when i >= N - M, 227 words earlier), so four neighbours are independent and
 * each lane does the standard loop's operations. The scalar steps are where a group of four would
 * straddle N - M (227 = 56 x 4 + 3) and the last word, which wraps to word 0.
 */
export function twist(mt: usize): void {
  let i = 0;
  for (; i + 4 <= N - M; i += 4) v128.store(mt + (<usize>i << 2), mixed4(mt, i, i + M));
  for (; i < N - M; i++) store<u32>(mt + (<usize>i << 2), mixed(mt, i, i + 1, i + M));
  for (; i + 4 <= N - 1; i += 4) v128.store(mt + (<usize>i << 2), mixed4(mt, i, i + M - N));
  for (; i < N - 1; i++) store<u32>(mt + (<usize>i << 2), mixed(mt, i, i + 1, i + M - N));
  store<u32>(mt + (<usize>(N - 1) << 2), mixed(mt, N - 1, 0, M - 1));
}

/** {@link mixed} of words i .. i + 3 with i + 1 .. i + 4 into words k .. k + 3. */
// @ts-ignore: decorator
@inline function mixed4(mt: usize, i: i32, k: i32): v128 {
  const y = v128.or(v128.and(v128.load(mt + (<usize>i << 2)), i32x4.splat(UPPER)), v128.and(v128.load(mt + (<usize>(i + 1) << 2)), i32x4.splat(LOWER)));
  const odd = i32x4.sub(i32x4.splat(0), v128.and(y, i32x4.splat(1)));
  return v128.xor(v128.xor(v128.load(mt + (<usize>k << 2)), i32x4.shr_u(y, 1)), v128.and(odd, i32x4.splat(MATRIX_A)));
}

/** One twisted word: the top bit of word i, the low bits of word j, mixed into word k. */
// @ts-ignore: decorator
@inline function mixed(mt: usize, i: i32, j: i32, k: i32): u32 {
  const y = (word(mt, i) & UPPER) | (word(mt, j) & LOWER);
  return word(mt, k) ^ (y >>> 1) ^ (MATRIX_A & (0 - (y & 1)));
}

/** MT19937's tempering of one word. */
// @ts-ignore: decorator
@inline export function temper(w: u32): u32 {
  let y = w;
  y ^= y >>> 11;
  y ^= (y << 7) & 0x9d2c5680;
  y ^= (y << 15) & 0xefc60000;
  y ^= y >>> 18;
  return y;
}

/** {@link temper} on four words at once. */
// @ts-ignore: decorator
@inline export function temper4(w: v128): v128 {
  let y = w;
  y = v128.xor(y, i32x4.shr_u(y, 11));
  y = v128.xor(y, v128.and(i32x4.shl(y, 7), i32x4.splat(0x9d2c5680)));
  y = v128.xor(y, v128.and(i32x4.shl(y, 15), i32x4.splat(0xefc60000)));
  return v128.xor(y, i32x4.shr_u(y, 18));
}
