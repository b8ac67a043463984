/**
 * The 32-bit Mersenne Twister (Matsumoto and Nishimura's MT19937), the one generator behind
 * Python's `random`, numpy's legacy `RandomState` and torch's CPU generator
 * (docs/semantics.md, R4). Written from the published algorithm: 624 words of state, a twist
 * every 624 outputs, and the tempering of each output.
 */

const N = 624;
const M = 397;
const UPPER = 0x80000000;
const LOWER = 0x7fffffff;
const MATRIX_A = 0x9908b0df;

/** A Mersenne Twister; `next32()` gives the same sequence as every standard implementation. */
export class MT19937 {
  private readonly mt = new Int32Array(N); // int32 words: engines keep them unboxed
  private index = N;

  /** Seeded as `init_genrand(seed mod 2^32)` (numpy's legacy seeding, torch's manual_seed). */
  constructor(seed = 5489) {
    this.seed(seed);
  }

  /** `init_genrand(seed mod 2^32)`: the state from one 32-bit word. */
  seed(seed: number | bigint): this {
    const s = typeof seed === 'bigint' ? Number(BigInt.asUintN(32, seed)) : seed >>> 0;
    const mt = this.mt;
    mt[0] = s;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]!;
      mt[i] = Math.imul(1812433253, prev ^ (prev >>> 30)) + i;
    }
    this.index = N;
    return this;
  }

  /** `init_by_array(key)`: the state from a key of 32-bit words (Python's `random.seed`). */
  seedByArray(key: ArrayLike<number>): this {
    this.seed(19650218);
    const mt = this.mt;
    const len = key.length;
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, len); k > 0; k--) {
      const prev = mt[i - 1]!;
      mt[i] = (mt[i]! ^ Math.imul(prev ^ (prev >>> 30), 1664525)) + (key[j]! >>> 0) + j;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
      if (j >= len) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1]!;
      mt[i] = (mt[i]! ^ Math.imul(prev ^ (prev >>> 30), 1566083941)) - i;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
    }
    mt[0] = UPPER; // the key cannot leave the state all zero
    this.index = N;
    return this;
  }

  /**
   * Regenerates all 624 words at once (the standard loop, split where the indices wrap; the
   * odd-bit test as a mask, since a branch on a random bit is mispredicted half the time).
   */
  private twist(): void {
    const mt = this.mt;
    let i = 0;
    for (; i < N - M; i++) {
      const y = (mt[i]! & UPPER) | (mt[i + 1]! & LOWER);
      mt[i] = mt[i + M]! ^ (y >>> 1) ^ (MATRIX_A & -(y & 1));
    }
    for (; i < N - 1; i++) {
      const y = (mt[i]! & UPPER) | (mt[i + 1]! & LOWER);
      mt[i] = mt[i + M - N]! ^ (y >>> 1) ^ (MATRIX_A & -(y & 1));
    }
    const y = (mt[N - 1]! & UPPER) | (mt[0]! & LOWER);
    mt[N - 1] = mt[M - 1]! ^ (y >>> 1) ^ (MATRIX_A & -(y & 1));
    this.index = 0;
  }

  /** The next output, an unsigned 32-bit integer. */
  next32(): number {
    if (this.index >= N) this.twist();
    let y = this.mt[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0; // the unsigned value
  }

  /**
   * A double in [0, 1) from two outputs, 27 + 26 bits: `(a >> 5) * 2^26 + (b >> 6)` over 2^53.
   * Python's `random()` and numpy's `random_sample` both compute this.
   */
  nextDouble(): number {
    const a = this.next32() >>> 5;
    const b = this.next32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Copies the 624 state words into `words` and returns the next word's index (624: twist first). */
  saveState(words: Int32Array): number {
    words.set(this.mt);
    return this.index;
  }

  /** Sets the state from {@link saveState}'s words and index (a kernel that drew on its behalf). */
  restoreState(words: ArrayLike<number>, index: number): void {
    if (words.length !== N || !Number.isInteger(index) || index < 0 || index > N) throw new RangeError('an MT19937 state is 624 words and an index in 0..624');
    this.mt.set(words);
    this.index = index;
  }

  /** An independent copy of the generator in its current state. */
  clone(): MT19937 {
    const c = new MT19937(0);
    c.mt.set(this.mt);
    c.index = this.index;
    return c;
  }
}
