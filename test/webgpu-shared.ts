/**
 * Shared by the WebGPU suites (Node/Dawn and headless Chromium): the REQUIRE_WEBGPU rule, the
 * freshness check of the embedded shaders, and fast-check arbitraries for models and data that
 * also produce exact rounding ties, subnormals and float32 overflow.
 */
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import fc from 'fast-check';
import { parseModel, type Model } from '../src/model.ts';
import type { Dataset } from '../src/data.ts';
import { shaderSourceFiles, sourceHash } from '../scripts/generate.mjs';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** With REQUIRE_WEBGPU=1 (CI), a missing adapter or browser fails the run instead of skipping. */
export const REQUIRE_WEBGPU = process.env.REQUIRE_WEBGPU === '1';

/**
 * `test`, or, when WebGPU is unavailable (`reason`), `test.skip` plus one notice, or one failing
 * test under REQUIRE_WEBGPU=1.
 */
export function gpuTests(suite: string, reason: string | null): (name: string, fn: () => unknown) => void {
  if (reason === null) return (name, fn) => test(name, fn as () => void);
  if (REQUIRE_WEBGPU) {
    test(`${suite}: WebGPU is required (REQUIRE_WEBGPU=1)`, () => {
      throw new Error(`${suite}: ${reason}`);
    });
  } else {
    console.log(`skipping the ${suite} WebGPU tests: ${reason} (set REQUIRE_WEBGPU=1 to fail instead)`);
  }
  return (name, fn) => test.skip(name, fn as () => void);
}

/** Why src/generated/shaders.ts is older than shaders/ (its WGSL files and limits.json), or null. */
export async function staleShaders(): Promise<string | null> {
  let generated: typeof import('../src/generated/shaders.ts');
  try {
    generated = await import('../src/generated/shaders.ts');
  } catch {
    return 'src/generated/shaders.ts is missing: run `npm run build` (or `node scripts/build.mjs --shaders`)';
  }
  if (generated.SHADERS_SOURCE_HASH !== sourceHash(ROOT, shaderSourceFiles(ROOT))) {
    return 'src/generated/shaders.ts is older than shaders/: run `node scripts/build.mjs --shaders`';
  }
  return null;
}

/** float32 values that make ties, cancellations and extreme magnitudes likely. */
export const f32Value = fc.oneof(
  { weight: 6, arbitrary: fc.float({ min: -3, max: 3, noNaN: true, noDefaultInfinity: true }) },
  // dyadic values: outputs land exactly on 0.5 / 1.5 and sums on float32 midpoints
  { weight: 3, arbitrary: fc.integer({ min: -16, max: 16 }).map((k) => k / 8) },
  // large dyadic values: sums beyond 24 bits, rounded differently by the GPU's own arithmetic,
  // land near (and on) the half-integer boundaries, where the fast path's bound must hold
  { weight: 2, arbitrary: fc.integer({ min: -(2 ** 20), max: 2 ** 20 }).map((k) => k / 64) },
  { weight: 1, arbitrary: fc.constantFrom(1e-40, -3e-39, 2 ** -126, -(2 ** -149), 2 ** 60, -(2 ** 100), 3e38) },
);

/** A random model of the given layout. */
export function modelArb(sizes: readonly number[]): fc.Arbitrary<Model> {
  const matrix = (rows: number, cols: number) => fc.array(fc.array(f32Value, { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows });
  const vector = (n: number) => fc.array(f32Value, { minLength: n, maxLength: n });
  return fc
    .tuple(
      fc.tuple(...sizes.slice(1).map((out, l) => matrix(out, sizes[l]!))),
      fc.tuple(...sizes.slice(1).map((out) => vector(out))),
      fc.constantFrom(0.01, 0.5, 0, -0.25),
    )
    .map(([weights, biases, negativeSlope]) => parseModel({ layerSizes: sizes, weights, biases, negativeSlope }));
}

/** Random data: 0/1 inputs, some with noise or dyadic offsets, 0/1 labels, repeated rows allowed. */
export function dataArb(nIn: number, nOut: number): fc.Arbitrary<Dataset> {
  const input = fc.tuple(
    fc.integer({ min: 0, max: 1 }),
    fc.oneof(fc.constant(0), fc.float({ min: Math.fround(-0.3), max: Math.fround(0.3), noNaN: true }), fc.integer({ min: -4, max: 4 }).map((k) => k / 16)),
  ).map(([b, n]) => b + n);
  const row = fc.tuple(
    fc.array(input, { minLength: nIn, maxLength: nIn }),
    fc.array(fc.integer({ min: 0, max: 1 }), { minLength: nOut, maxLength: nOut }),
  );
  return fc.array(row, { minLength: 1, maxLength: 9 }).map((rows) => ({ x: rows.map(([x]) => x), y: rows.map(([, y]) => y) }));
}

/** Layouts of the circuit properties (the last has two outputs). */
export const LAYOUTS: readonly number[][] = [[2, 2, 2, 1], [2, 3, 3, 1], [3, 2, 2, 1], [2, 2, 1], [2, 3, 2, 2]];

/**
 * Factorisations 2^m ± 1 = u * v with u, v < 2^24. With acc = K * 2^(m+1), K in [2^23, 2^24),
 * acc + u * v is 1 above or below acc's float32 rounding midpoint, beyond float64's precision:
 * float64-then-float32 rounding (the reference) lands on the midpoint and rounds to even, where
 * a fused multiply-add would round away from it.
 */
export const DOUBLE_ROUNDING_FACTORS: readonly [m: number, sign: number, u: number, v: number][] = [
  [29, 1, 59, 9099507], [30, 1, 65, 16519105], [32, 1, 641, 6700417], [33, 1, 603, 14245331],
  [34, 1, 4765, 3605429], [35, 1, 3091, 11116059], [36, 1, 4097, 16773121], [38, 1, 104653, 2626565],
  [42, 1, 419021, 10496005], [46, 1, 8384513, 8392705], [29, -1, 233, 2304167], [30, -1, 77, 13944699],
  [32, -1, 257, 16711935], [33, -1, 623, 13788017], [34, -1, 43691, 393213], [35, -1, 2201, 15610967],
  [36, -1, 4161, 16515135], [38, -1, 174763, 1572861], [39, -1, 57337, 9588151], [40, -1, 69905, 15728655],
  [42, -1, 265531, 16563213], [43, -1, 2099863, 4188889], [44, -1, 1355755, 12975933],
  [45, -1, 2391991, 14709241], [46, -1, 8388607, 8388609],
];

/**
 * Factorisations u * v = 2^m + 2^(m-29) + r with 1 <= r < 2^(m-38) and u, v < 2^24. With
 * acc = K * 2^(m+1), the sum has its bits set at acc's float32 and float64 half-ulps, and r falls
 * outside the kernel's 64-bit window: only its sticky (jam) bit tells float64 rounding that the
 * sum is past the float64 midpoint (then float32 rounds up rather than to even).
 */
export const STICKY_TIE_FACTORS: readonly [m: number, u: number, v: number][] = [
  [40, 1198225, 917617], [40, 4588085, 239645], [41, 1835234, 1198225], [41, 2019281, 1089013],
  [42, 2101251, 2093061], [42, 2178026, 2019281], [43, 3028577, 2904365], [43, 3070823, 2864409],
  [44, 4202502, 4186122], [44, 4259602, 4130007], [45, 5994627, 5869318], [45, 6057154, 5808730],
  [46, 8405004, 8372244], [46, 8463799, 8314085], [47, 11865888, 11860679], [47, 11979143, 11748544],
];
