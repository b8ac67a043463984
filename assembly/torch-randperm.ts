// torch.randperm(n) on the CPU from a generator seeded with `seed`, as one DataLoader epoch draws
// it (docs/semantics.md, R6): the same values as src/train/reference-rng/torch-random.ts's
// TorchGenerator.randperm, without JS's number arithmetic, straight into this instance's memory.
// MT19937 from mt19937.ts.

import { N, temper, twist, word } from './mt19937';

/**
 * out[0 .. n-1] = torch.randperm(n) from an MT19937 seeded with init_genrand(seed): from the
 * identity, for i = 0 .. n-2 swap out[i] with out[i + (random32() mod (n - i))]. `mt` is scratch
 * of 1248 words (4992 bytes): the generator's 624, then the swap targets of one twist's outputs,
 * computed before those swaps so that the swaps' cache misses overlap instead of waiting on the
 * divisions.
 */
export function torchRandperm(seed: u32, n: i32, out: usize, mt: usize): void {
  store<u32>(mt, seed);
  for (let i = 1; i < N; i++) {
    const prev = word(mt, i - 1);
    store<u32>(mt + (<usize>i << 2), 1812433253 * (prev ^ (prev >>> 30)) + <u32>i);
  }
  for (let i = 0; i < n; i++) store<i32>(out + (<usize>i << 2), i);
  const targets = mt + (<usize>N << 2);
  for (let i0 = 0; i0 < n - 1; i0 += N) {
    twist(mt);
    const count = min(N, n - 1 - i0);
    for (let j = 0; j < count; j++) {
      const y = temper(word(mt, j));
      store<i32>(targets + (<usize>j << 2), i0 + j + <i32>(y % <u32>(n - i0 - j)));
    }
    for (let j = 0; j < count; j++) {
      const at = out + (<usize>(i0 + j) << 2);
      const z = out + (<usize>load<i32>(targets + (<usize>j << 2)) << 2);
      const t = load<i32>(at);
      store<i32>(at, load<i32>(z));
      store<i32>(z, t);
    }
  }
}
