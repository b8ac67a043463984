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

/** Regenerates all 624 words (the standard loop, split where the indices wrap: no remainders). */
export function twist(mt: usize): void {
  let i = 0;
  for (; i < N - M; i++) store<u32>(mt + (<usize>i << 2), mixed(mt, i, i + 1, i + M));
  for (; i < N - 1; i++) store<u32>(mt + (<usize>i << 2), mixed(mt, i, i + 1, i + M - N));
  store<u32>(mt + (<usize>(N - 1) << 2), mixed(mt, N - 1, 0, M - 1));
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
