/**
 * numpy's legacy `RandomState` (the global `np.random.*` functions), the parts main.py's data
 * generation uses (docs/semantics.md, R5): `seed`, `random_sample`, `choice(a, size, p)` and
 * `normal` through the legacy polar Gaussian, which caches the second value of each pair; and
 * numpy's pairwise float64 summation (`np.sum`, `np.mean`). The legacy stream is frozen by
 * numpy's compatibility policy, so these are the numbers of every numpy version since 1.17.
 */
import { InputError } from '../../errors.ts';
import { crLog } from './cr-log.ts';
import { MT19937 } from './mt19937.ts';

/** The global `np.random` state. */
export class NumpyRandomState {
  private readonly mt = new MT19937(0);
  private gauss: number | null = null;

  constructor(seed = 0) {
    this.seed(seed);
  }

  /** `np.random.seed(s)` for an integer 0 <= s < 2^32: init_genrand(s), and no cached Gaussian. */
  seed(s: number): void {
    if (!Number.isInteger(s) || s < 0 || s > 0xffffffff) throw new InputError(`numpy's seed must be an integer between 0 and 2**32 - 1, got ${s}`);
    this.mt.seed(s);
    this.gauss = null;
  }

  /** `np.random.random_sample()`: a double in [0, 1) from two outputs. */
  randomSample(): number {
    return this.mt.nextDouble();
  }

  /**
   * `np.random.choice(n, size, p=p)` (with replacement): the cumulative sum of p in float64,
   * divided by its last entry, and for each draw the number of entries `<=` a `random_sample()`
   * (`searchsorted(side='right')`). Returns the indices.
   */
  choice(n: number, size: number, p: ArrayLike<number>): Int32Array {
    if (p.length !== n) throw new InputError(`choice: a and p must have the same size (${n} vs ${p.length})`);
    const cdf = new Float64Array(n);
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const v = p[i]!;
      if (!(v >= 0)) throw new InputError('choice: probabilities are not non-negative');
      cdf[i] = acc += v;
    }
    // numpy checks the sum against 1 within sqrt(eps) before drawing.
    if (!(Math.abs(kahanSum(p) - 1) <= Math.sqrt(Number.EPSILON))) throw new InputError('choice: probabilities do not sum to 1');
    const last = cdf[n - 1]!;
    for (let i = 0; i < n; i++) cdf[i]! /= last;
    const out = new Int32Array(size);
    for (let s = 0; s < size; s++) {
      const u = this.randomSample();
      let lo = 0;
      let hi = n; // binary search: first index with cdf > u
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cdf[mid]! <= u) lo = mid + 1;
        else hi = mid;
      }
      out[s] = lo;
    }
    return out;
  }

  /**
   * The legacy standard Gaussian (Marsaglia's polar method): two uniforms in (-1, 1) until they
   * fall strictly inside the unit circle (and not at 0), `f = sqrt(-2 ln(r2) / r2)`; returns
   * `f * x2` and keeps `f * x1` for the next call. The logarithm is correctly rounded, where
   * numpy's C library may differ in the last bit (about 1 call in 1,000; see cr-log.ts).
   */
  standardGauss(): number {
    if (this.gauss !== null) {
      const g = this.gauss;
      this.gauss = null;
      return g;
    }
    for (;;) {
      const x1 = 2 * this.mt.nextDouble() - 1;
      const x2 = 2 * this.mt.nextDouble() - 1;
      const r2 = x1 * x1 + x2 * x2;
      if (r2 >= 1 || r2 === 0) continue;
      const f = Math.sqrt((-2 * crLog(r2)) / r2); // numpy calls the C library's log (see cr-log.ts)
      this.gauss = f * x1;
      return f * x2;
    }
  }

  /**
   * The generator's state, for a kernel that draws on its behalf (src/train/wasm-noise.ts): the
   * 624 words (copied into `words`), the next word's index and the cached Gaussian (or null).
   */
  saveState(words: Int32Array): { index: number; gauss: number | null } {
    return { index: this.mt.saveState(words), gauss: this.gauss };
  }

  /** Takes back a state from {@link saveState}'s form, as the kernel left it. */
  restoreState(words: ArrayLike<number>, index: number, gauss: number | null): void {
    this.mt.restoreState(words, index);
    this.gauss = gauss;
  }

  /** `np.random.normal(loc, scale, size)` as float64 values: `loc + scale * gauss` each, in order. */
  normal(loc: number, scale: number, size: number): Float64Array {
    const out = new Float64Array(size);
    for (let i = 0; i < size; i++) out[i] = loc + scale * this.standardGauss();
    return out;
  }
}

/** numpy's probability-sum check uses a compensated (Kahan) sum. */
function kahanSum(p: ArrayLike<number>): number {
  let sum = 0;
  let c = 0;
  for (let i = 0; i < p.length; i++) {
    const y = p[i]! - c;
    const t = sum + y;
    c = t - sum - y;
    sum = t;
  }
  return sum;
}

/**
 * numpy's pairwise float64 sum of a contiguous vector (`np.add.reduce`): below 8 elements a plain
 * loop; up to 128, eight interleaved partial sums combined as a tree, then the tail; above that,
 * the two halves (split at a multiple of 8) summed recursively. The reduction starts from 0.
 */
export function pairwiseSum(a: ArrayLike<number>, start = 0, n = a.length - start): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i]!;
    return res;
  }
  if (n <= 128) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let j = 0; j < 8; j++) r[j] = a[start + j]!;
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[start + i + j]!;
    let res = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < n; i++) res += a[start + i]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/** `np.mean` of float64 values: the pairwise sum over the count. */
export function numpyMean(a: ArrayLike<number>): number {
  return (0 + pairwiseSum(a)) / a.length;
}
