/**
 * torch 1.13's CPU generator as main.py's training uses it (docs/semantics.md, R6):
 * `manual_seed`, `nn.Linear`'s uniform initialisation, the two int64 seed draws a DataLoader
 * epoch makes, and `randperm`.
 */
import { fma32 } from '../fma.ts';
import { MT19937 } from './mt19937.ts';

const TWO_POW_M24 = 2 ** -24;

/** A torch CPU generator (`torch.Generator()` / the global default generator). */
export class TorchGenerator {
  private readonly mt: MT19937;

  constructor(seed: number | bigint = 67280421310721) {
    this.mt = new MT19937(Number(BigInt.asUintN(32, BigInt(seed))));
  }

  /** `manual_seed(s)`: an MT19937 seeded with `s mod 2^32`. */
  manualSeed(seed: number | bigint): void {
    this.mt.seed(typeof seed === 'bigint' ? seed : BigInt(seed));
  }

  /** One 32-bit output (`generator->random()`). */
  random32(): number {
    return this.mt.next32();
  }

  /**
   * `torch.empty((), dtype=torch.int64).random_()`: two outputs o1, o2, and
   * `((o1 << 32) | o2) mod 2^63`.
   */
  randomInt64(): bigint {
    const hi = BigInt(this.mt.next32());
    const lo = BigInt(this.mt.next32());
    return ((hi << 32n) | lo) & 0x7fffffffffffffffn;
  }

  /**
   * `tensor.uniform_(from, to)` on float32 elements: per element one output r,
   * `u = (r & 0xFFFFFF) * 2^-24` and `fma(u, to - from, from)` in float32.
   */
  uniform(out: Float32Array, from: number, to: number): Float32Array {
    const lo = Math.fround(from);
    const width = Math.fround(Math.fround(to) - lo);
    for (let i = 0; i < out.length; i++) out[i] = fma32((this.mt.next32() & 0xffffff) * TWO_POW_M24, width, lo);
    return out;
  }

  /**
   * `torch.randperm(n, generator)` on the CPU: from the identity, for i = 0 .. n-2 swap p[i]
   * with p[i + (random32() mod (n - i))].
   */
  randperm(n: number, out: Int32Array = new Int32Array(n)): Int32Array {
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = 0; i < n - 1; i++) {
      // r mod d for r, d < 2^32 without a float64 `%` (slow in engines): q * d is exact here.
      const r = this.mt.next32();
      const d = n - i;
      let m = r - Math.floor(r / d) * d;
      if (m < 0) m += d;
      else if (m >= d) m -= d;
      const z = i + m;
      const t = out[i]!;
      out[i] = out[z]!;
      out[z] = t;
    }
    return out;
  }

  /**
   * The order one epoch of `DataLoader(..., shuffle=True)` with no workers yields: the loader
   * iterator draws a base seed (unused without workers), the RandomSampler draws its seed and
   * permutes with a fresh generator seeded with it. Advances this generator by 4 outputs.
   */
  epochPermutation(n: number, out?: Int32Array): Int32Array {
    return new TorchGenerator(this.epochSeed()).randperm(n, out);
  }

  /**
   * The draws of {@link epochPermutation} without the permutation: advances this generator by 4
   * outputs and returns the 32-bit seed of the generator that permutes (its `manual_seed` mod
   * 2^32), for an engine that computes `randperm` itself.
   */
  epochSeed(): number {
    this.randomInt64(); // _BaseDataLoaderIter._base_seed
    return Number(BigInt.asUintN(32, this.randomInt64()));
  }
}

/**
 * torch's default initialisation of `nn.Linear(fanIn, out)`: `kaiming_uniform_(a=sqrt(5))` for
 * the weight, then `uniform_(±1/sqrt(fanIn))` for the bias, each bound computed in double as
 * torch.nn.init does. Returns the bounds.
 */
export function linearInitBounds(fanIn: number): { weight: number; bias: number } {
  const a = Math.sqrt(5);
  const gain = Math.sqrt(2 / (1 + a * a));
  const std = gain / Math.sqrt(fanIn);
  return { weight: Math.sqrt(3) * std, bias: fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0 };
}
