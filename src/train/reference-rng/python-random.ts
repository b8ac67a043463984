/**
 * Python 3.11's `random` module, the parts main.py uses (docs/semantics.md, R4): `seed(int)`,
 * `random()`, `getrandbits(k)`, `_randbelow` and `sample`. Written from the language's
 * documented behaviour and CPython's algorithms, on {@link MT19937}.
 */
import { InputError } from '../../errors.ts';
import { MT19937 } from './mt19937.ts';

/** The 32-bit words of |n|, least significant first; `[0]` for 0 (CPython's seed key). */
export function seedKey(n: number | bigint): number[] {
  if (typeof n === 'number' && !Number.isSafeInteger(n)) throw new InputError(`a Python seed must be an integer, got ${n}`);
  let v = BigInt(n);
  if (v < 0n) v = -v;
  const key: number[] = [];
  while (v > 0n) {
    key.push(Number(v & 0xffffffffn));
    v >>= 32n;
  }
  return key.length ? key : [0];
}

/** A `random.Random` instance. */
export class PythonRandom {
  private readonly mt = new MT19937(0);

  /** `random.Random(seed)`. */
  constructor(seed: number | bigint = 0) {
    this.seed(seed);
  }

  /** `random.seed(n)` for an integer n: init_by_array on the words of |n|. */
  seed(n: number | bigint): void {
    this.mt.seedByArray(seedKey(n));
  }

  /** `random.random()`: a double in [0, 1) with 53 random bits. */
  random(): number {
    return this.mt.nextDouble();
  }

  /** `random.getrandbits(k)` for 0 <= k <= 32: the top k bits of one output. */
  getrandbits(k: number): number {
    if (!Number.isInteger(k) || k < 0 || k > 32) throw new RangeError(`getrandbits: k must be 0..32 here, got ${k}`);
    if (k === 0) return 0;
    return this.mt.next32() >>> (32 - k);
  }

  /**
   * `_randbelow(n)` (the getrandbits variant): draws `n.bit_length()` bits until the value is
   * below n. For n = 1 that is one bit, redrawn until 0.
   */
  randbelow(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) throw new RangeError(`randbelow: n must be 1..2^32-1 here, got ${n}`);
    const k = 32 - Math.clz32(n);
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }

  /**
   * `random.sample(population, k)`. CPython uses a pool when the population is small against k
   * (the `setsize` rule) and a set of chosen indices otherwise; the two draw differently.
   */
  sample<T>(population: readonly T[], k: number): T[] {
    const n = population.length;
    if (!Number.isInteger(k) || k < 0 || k > n) throw new InputError(`sample larger than population or is negative (k = ${k}, population ${n})`);
    const result: T[] = new Array<T>(k);
    let setsize = 21;
    if (k > 5) setsize += 4 ** Math.ceil(Math.log(k * 3) / Math.log(4));
    if (n <= setsize) {
      const pool = [...population];
      for (let i = 0; i < k; i++) {
        const j = this.randbelow(n - i);
        result[i] = pool[j]!;
        pool[j] = pool[n - i - 1]!; // the drawn slot takes the pool's last element
      }
    } else {
      const selected = new Set<number>();
      for (let i = 0; i < k; i++) {
        let j = this.randbelow(n);
        while (selected.has(j)) j = this.randbelow(n);
        selected.add(j);
        result[i] = population[j]!;
      }
    }
    return result;
  }
}
