/**
 * Seeded random streams for training and data generation, on pure-rand's xoroshiro128+.
 *
 * Every stream is named by a key (strings and integers) and hashed into its generator state, so a
 * stream depends on its key alone: units of an experiment grid can run in any order, on any
 * worker or machine, and draw the same numbers. Only integer arithmetic and IEEE-exact float
 * operations are used, so the numbers are identical in every JavaScript engine.
 */
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { detLog } from './det-math.ts';

/** A mutable random generator (pure-rand's interface). */
export type Rng = RandomGenerator;

/** MurmurHash3's 32-bit hash of a string's UTF-16 code units, with a seed. */
function murmur32(text: string, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < text.length; i++) {
    let k = Math.imul(text.charCodeAt(i), 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= k;
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  }
  h ^= text.length;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/**
 * The generator of the stream named `key`, e.g. `streamRng('init', 42)`. Keys are compared by
 * their JSON text, so `('a', 1)` and `('a', '1')` are different streams.
 */
export function streamRng(...key: (string | number)[]): Rng {
  const text = JSON.stringify(key);
  const state = [0x9e3779b9, 0x7f4a7c15, 0x85ebca6b, 0xc2b2ae35].map((seed) => murmur32(text, seed));
  if (!state.some((s) => s !== 0)) state[0] = 1; // the all-zero state is a fixed point
  return xoroshiro128plusFromState(state);
}

/** A float64 uniform in [0, 1) with 53 random bits. */
export function uniform(rng: Rng): number {
  return uniformFloat64(rng);
}

/** Shuffles `values` in place (Fisher–Yates, from the end) and returns it. */
export function shuffleInPlace<T extends { length: number; [i: number]: unknown }>(rng: Rng, values: T): T {
  for (let i = values.length - 1; i > 0; i--) {
    const j = uniformInt(rng, 0, i);
    const t = values[i];
    values[i] = values[j];
    values[j] = t;
  }
  return values;
}

/** `k` distinct elements drawn in order without replacement (as Python's `random.sample`). */
export function sampleWithoutReplacement<T>(rng: Rng, population: readonly T[], k: number): T[] {
  const pool = [...population];
  for (let i = 0; i < k; i++) {
    const j = uniformInt(rng, i, pool.length - 1);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, k);
}

/**
 * Standard normal deviates by Marsaglia's polar method, with a logarithm built from IEEE
 * arithmetic only ({@link detLog}), so the values do not depend on the engine's Math.log.
 * Deviates come in pairs; the second of a pair is kept for the next call.
 */
export class NormalSampler {
  private spare: number | null = null;
  constructor(private readonly rng: Rng) {}

  /** The next N(0, 1) deviate. */
  next(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    for (;;) {
      const u = 2 * uniformFloat64(this.rng) - 1;
      const v = 2 * uniformFloat64(this.rng) - 1;
      const s = u * u + v * v;
      if (s >= 1 || s === 0) continue;
      const f = Math.sqrt((-2 * detLog(s)) / s); // sqrt is correctly rounded (IEEE), hence portable
      this.spare = v * f;
      return u * f;
    }
  }
}
