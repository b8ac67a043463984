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

export const isSubnormal = (v: number) => v !== 0 && Math.abs(v) < 2 ** -126;
const signed = (v: number) => fc.boolean().map((neg) => (neg ? -v : v));
/** A float32 subnormal: k * 2^-149, 0 < k < 2^23. */
export const subnormalF32 = fc.tuple(fc.integer({ min: 1, max: 2 ** 23 - 1 }), fc.boolean()).map(([k, neg]) => (neg ? -k : k) * 2 ** -149);
/** Normals whose products with each other underflow (subnormal hidden activations). */
const tinyNormal = fc.integer({ min: -126, max: -60 }).chain((e) => signed(2 ** e));
const ordinary = fc.float({ min: -3, max: 3, noNaN: true }).filter((v) => !isSubnormal(v));

/**
 * Models whose hidden activations reach 2^20 .. 2^64 (weights 1e4 .. 1e6), with subnormal biases
 * and, from tiny weights, subnormal activations; the output layer's weights (mostly 2^-20 ..
 * 2^-66) scale the activations back towards the labels. With `subnormalFactors`, weights are
 * subnormal too (as often as large), and so is the slope half of the time.
 */
export function largeActivationModelArb(sizes: readonly number[], subnormalFactors: boolean): fc.Arbitrary<Model> {
  const extra = subnormalFactors ? [{ weight: 2, arbitrary: subnormalF32 }] : [];
  const large = fc.float({ min: 1e4, max: 1e6, noNaN: true }).chain(signed);
  const hidden = fc.oneof({ weight: 4, arbitrary: large }, { weight: 2, arbitrary: ordinary }, { weight: 1, arbitrary: tinyNormal }, ...extra);
  const scaleDown = fc.integer({ min: 20, max: 66 }).chain((e) => signed(2 ** -e));
  const last = fc.oneof({ weight: 3, arbitrary: scaleDown }, { weight: 1, arbitrary: ordinary }, { weight: 1, arbitrary: tinyNormal }, ...extra);
  const bias = fc.oneof(large, ordinary, tinyNormal, subnormalF32, fc.constant(0));
  const L = sizes.length - 1;
  return fc
    .tuple(
      fc.tuple(...sizes.slice(1).map((out, l) => fc.array(fc.array(l === L - 1 ? last : hidden, { minLength: sizes[l]!, maxLength: sizes[l]! }), { minLength: out, maxLength: out }))),
      fc.tuple(...sizes.slice(1).map((out) => fc.array(bias, { minLength: out, maxLength: out }))),
      subnormalFactors ? fc.constantFrom(0.01, -0.25, 1e-40, -3e-39) : fc.constantFrom(0.01, 0.5, 0, -0.25, 3),
    )
    .map(([weights, biases, negativeSlope]) => parseModel({ layerSizes: sizes, weights, biases, negativeSlope }));
}

/** Inputs for those models: 0 or 1, noisy, subnormal or tiny. */
export const largeActivationInput = fc.oneof(
  fc.constantFrom(0, 1),
  fc.float({ min: Math.fround(0.7), max: Math.fround(1.3), noNaN: true }),
  subnormalF32,
  tinyNormal,
);

/**
 * A (inputs)-2-1-2-1-2-1-2-1 model whose hidden activations on inputs of 1 grow by 2^20 per layer
 * to 2^61 (2^62 with two inputs), meet `factor` (both weights of layer 3), and grow by 2^20 per
 * layer again: with factor 2^-127 the output is 2^17 per input of 1, and a GPU that flushes that
 * subnormal weight computes 0. On inputs of 0 every value is 0.
 */
export function growingChain(factor: number, inputs = 1): Model {
  const B = 2 ** 20;
  const up = [[B], [B]];
  const down = [[B, B]];
  return parseModel({
    layerSizes: [inputs, 2, 1, 2, 1, 2, 1, 2, 1],
    weights: [[Array(inputs).fill(B), Array(inputs).fill(B)], down, up, [[factor, factor]], up, down, up, down],
    biases: [[0, 0], [0], [0, 0], [0], [0, 0], [0], [0, 0], [0]],
  });
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
