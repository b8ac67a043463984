/**
 * The reference trainer's fast paths against what they replace, bit for bit (seeded fast-check):
 * the fma and fused Wasm kernels against the classic one (and the TypeScript twin), the engine's
 * own `randperm` against TorchGenerator's, and the cached AdamW step scalars against adamwScalars.
 * `npm test` runs with relaxed SIMD on (scripts/uvu-ci.mjs), so the fma kernel is there to test.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { initModelTorch, packParameters } from '../src/train/params.ts';
import { TorchGenerator } from '../src/train/reference-rng/torch-random.ts';
import { adamwScalars, adamwStepScalars, createTorchEngine, type TorchEngineSetup } from '../src/train/torch-engine.ts';
import { createWasmTorchEngine, fusedExactPairs, type TorchKernel } from '../src/train/wasm-torch-engine.ts';
import type { TrainingSet } from '../src/train/data.ts';

const ADAMW = { learningRate: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

/** A random training set: inputs near 0/1 with noise (or exactly 0/1), labels 0/1 or arbitrary floats. */
function dataset(gen: TorchGenerator, n: number, nIn: number, nOut: number, clean: boolean): TrainingSet {
  const u = new Float32Array(1);
  const x = new Float32Array(n * nIn);
  const y = new Float32Array(n * nOut);
  for (let i = 0; i < x.length; i++) x[i] = (gen.random32() & 1) + (clean ? 0 : gen.uniform(u, -0.3, 0.3)[0]!);
  for (let i = 0; i < y.length; i++) y[i] = clean ? gen.random32() & 1 : gen.uniform(u, -1, 2)[0]!;
  return { nInputs: nIn, nOutputs: nOut, n, x, y };
}

const shape = fc.record({
  sizes: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 2, maxLength: 5 }),
  n: fc.integer({ min: 1, max: 400 }),
  batch: fc.integer({ min: 1, max: 64 }),
  seed: fc.integer({ min: 0, max: 0xffffffff }),
  clean: fc.boolean(),
  epochs: fc.integer({ min: 1, max: 3 }),
});

test('the fma and fused kernels give the classic kernel\'s and the TypeScript twin\'s losses and weights, bit for bit', async () => {
  await fc.assert(
    fc.asyncProperty(shape, async ({ sizes, n, batch, seed, clean, epochs }) => {
      const gen = new TorchGenerator(seed);
      const params = packParameters(initModelTorch(gen, sizes));
      const data = dataset(gen, n, sizes[0]!, sizes[sizes.length - 1]!, clean);
      const setup: TorchEngineSetup = { layerSizes: sizes, parameters: params, data, batchSize: batch, adamw: ADAMW, slope: 0.01 };
      const kernels = ['fma', 'fused', 'classic'] as const;
      const engines = [...(await Promise.all(kernels.map((kernel) => createWasmTorchEngine(setup, { kernel })))), createTorchEngine(setup)];
      const twin = engines.length - 1;
      const nb = Math.ceil(n / batch);
      for (let e = 0; e < epochs; e++) {
        const perm = gen.epochPermutation(n);
        const losses = engines.map(() => new Float32Array(nb));
        // The fma and fused engines in uneven slices (the stage restarts in each call), the others in one call.
        for (const i of [0, 1]) for (let b = 0, c = 1; b < nb; b += c, c = c * 3 + 1) engines[i]!.batches(perm, b, Math.min(c, nb - b), losses[i]!);
        for (const i of [2, twin]) engines[i]!.batches(perm, 0, nb, losses[i]!);
        const want = Array.from(engines[twin]!.parameters());
        kernels.forEach((kernel, i) => {
          assert.equal(Array.from(losses[i]!), Array.from(losses[twin]!), `${kernel} losses, epoch ${e + 1}`);
          assert.equal(Array.from(engines[i]!.parameters()), want, `${kernel} weights after epoch ${e + 1}`);
        });
      }
    }),
    { seed: 1402, numRuns: 40 },
  );
});

test('a float64 sum that rounds twice (inexact, landing on a float32 tie) is redone with fma32; the fma kernel rounds it once', async () => {
  // Neuron 1 of 2-1-1: acc = fl(1 * (1 + 2^-23)), then x1 w1 = (1 + 2^-23)(2^-24 - 2^-47) =
  // 2^-24 - 2^-70. The exact sum 1 + 3 2^-24 - 2^-70 rounds in float64 to the float32 tie
  // 1 + 3 2^-24, which rounds to even (up, to 1 + 2^-22); fma32 rounds it once, down, to
  // 1 + 2^-23. The kernel flags the tie and redoes the pair with fma32.
  const sizes = [2, 1, 1];
  const params = packParameters(initModelTorch(new TorchGenerator(3), sizes));
  params.set([1 + 2 ** -23, 2 ** -24 - 2 ** -47, 0, 1, 0]);
  const x = new Float32Array([1, 1 + 2 ** -23, 1, 1 + 2 ** -23, 0.25, 0.75]);
  const data: TrainingSet = { nInputs: 2, nOutputs: 1, n: 3, x, y: new Float32Array([1, 0, 1]) };
  const setup: TorchEngineSetup = { layerSizes: sizes, parameters: params, data, batchSize: 2, adamw: ADAMW, slope: 0.01 };
  const fused = await createWasmTorchEngine(setup, { kernel: 'fused' });
  const fma = await createWasmTorchEngine(setup, { kernel: 'fma' });
  const twin = createTorchEngine(setup);
  const before = fusedExactPairs();
  const order = Int32Array.from([0, 2, 1]);
  const a = new Float32Array(2);
  const b = new Float32Array(2);
  const c = new Float32Array(2);
  fused.batches(order, 0, 2, a);
  twin.batches(order, 0, 2, b);
  fma.batches(order, 0, 2, c);
  assert.ok(fusedExactPairs() > before, 'no multiply-add was redone with fma32');
  assert.equal(Array.from(a), Array.from(b));
  assert.equal(Array.from(c), Array.from(b));
  assert.equal(Array.from(fused.parameters()), Array.from(twin.parameters()));
  assert.equal(Array.from(fma.parameters()), Array.from(twin.parameters()));
});

for (const kernel of ['fma', 'fused'] as const satisfies readonly TorchKernel[]) {
test(`the ${kernel} kernel on 129 batches of 2-3-3-1 noisy data (more than one stage) matches the twin`, async () => {
  const sizes = [2, 3, 3, 1];
  const gen = new TorchGenerator(7);
  const params = packParameters(initModelTorch(gen, sizes));
  const data = dataset(gen, 12_899, 2, 1, false);
  const setup: TorchEngineSetup = { layerSizes: sizes, parameters: params, data, batchSize: 100, adamw: ADAMW, slope: 0.01 };
  const fused = await createWasmTorchEngine(setup, { kernel });
  const twin = createTorchEngine(setup);
  const perm = fused.permutation!(12345);
  const copy = perm.slice();
  const a = new Float32Array(129);
  const b = new Float32Array(129);
  fused.batches(perm, 0, 129, a);
  twin.batches(copy, 0, 129, b);
  assert.equal(Array.from(a), Array.from(b));
  assert.equal(Array.from(fused.parameters()), Array.from(twin.parameters()));
});

test(`wide inputs (a stage of 13 batches, not 128) match the twin (${kernel} kernel)`, async () => {
  const sizes = [300, 4, 2];
  const gen = new TorchGenerator(11);
  const params = packParameters(initModelTorch(gen, sizes));
  const data = dataset(gen, 64 * 20 - 5, 300, 2, false);
  const setup: TorchEngineSetup = { layerSizes: sizes, parameters: params, data, batchSize: 64, adamw: ADAMW, slope: 0.01 };
  const fused = await createWasmTorchEngine(setup, { kernel });
  const twin = createTorchEngine(setup);
  const perm = gen.epochPermutation(data.n);
  const a = new Float32Array(20);
  const b = new Float32Array(20);
  fused.batches(perm, 0, 20, a);
  twin.batches(perm, 0, 20, b);
  assert.equal(Array.from(a), Array.from(b));
  assert.equal(Array.from(fused.parameters()), Array.from(twin.parameters()));
});
}

test('batches of thousands of rows (the sums\' cascades flush their levels) match the twin on every kernel', async () => {
  for (const [sizes, batch] of [[[2, 3, 1], 4099], [[3, 5, 3], 1000], [[2, 6, 6], 300]] as const) {
    const gen = new TorchGenerator(batch);
    const params = packParameters(initModelTorch(gen, sizes));
    const data = dataset(gen, 3 * batch - 5, sizes[0], sizes[sizes.length - 1]!, false);
    const setup: TorchEngineSetup = { layerSizes: sizes, parameters: params, data, batchSize: batch, adamw: ADAMW, slope: 0.01 };
    const twin = createTorchEngine(setup);
    const perm = gen.epochPermutation(data.n);
    const want = new Float32Array(3);
    twin.batches(perm, 0, 3, want);
    for (const kernel of ['fma', 'fused'] as const) {
      const engine = await createWasmTorchEngine(setup, { kernel });
      const got = new Float32Array(3);
      engine.batches(perm, 0, 3, got);
      assert.equal(Array.from(got), Array.from(want), `${kernel}, ${sizes.join('-')}, batch ${batch}`);
      assert.equal(Array.from(engine.parameters()), Array.from(twin.parameters()), `${kernel}, ${sizes.join('-')}, batch ${batch}`);
    }
  }
});

test('an engine on a disposed engine\'s instance (its memory reused) trains as a fresh one', async () => {
  for (const kernel of ['fma', 'fused'] as const) {
    const run = async (sizes: number[], n: number, dispose: boolean) => {
      const gen = new TorchGenerator(n);
      const setup: TorchEngineSetup = { layerSizes: sizes, parameters: packParameters(initModelTorch(gen, sizes)), data: dataset(gen, n, sizes[0]!, sizes[sizes.length - 1]!, false), batchSize: 10, adamw: ADAMW, slope: 0.01 };
      const engine = await createWasmTorchEngine(setup, { kernel });
      const losses = new Float32Array(Math.ceil(n / 10));
      for (let e = 0; e < 2; e++) engine.batches(engine.permutation!(e), 0, losses.length, losses);
      const out = { losses: Array.from(losses), params: Array.from(engine.parameters()), correct: engine.countCorrect(setup.data) };
      if (dispose) engine.dispose();
      return out;
    };
    const small = await run([2, 3, 1], 101, false);
    const big = await run([3, 7, 5, 2], 5003, false);
    // Each one again on the instance the one before it left (small after big: a heap with old data).
    await run([2, 2, 1], 50, true);
    assert.equal(await run([3, 7, 5, 2], 5003, true), big, `${kernel}: big after small`);
    assert.equal(await run([2, 3, 1], 101, true), small, `${kernel}: small after big`);
  }
});

test('the default kernel is fma where relaxed SIMD rounds once (npm test turns it on), else fused', async () => {
  const set: TrainingSet = { nInputs: 1, nOutputs: 1, n: 4, x: new Float32Array(4), y: new Float32Array(4) };
  const setup = { layerSizes: [1, 1], parameters: new Float32Array(2), data: set, batchSize: 2, adamw: ADAMW, slope: 0.01 };
  assert.is((await createWasmTorchEngine(setup)).kernel, 'fma');
  assert.is((await createWasmTorchEngine(setup, { kernel: 'fused' })).kernel, 'fused');
  // A Node without the flag (Node 20's default): no relaxed SIMD, so the fused kernel, and a clear error for fma.
  const script = [
    `const { createWasmTorchEngine } = await import(${JSON.stringify(new URL('../src/train/wasm-torch-engine.ts', import.meta.url).href)});`,
    `const set = { nInputs: 1, nOutputs: 1, n: 4, x: new Float32Array(4), y: new Float32Array(4) };`,
    `const setup = { layerSizes: [1, 1], parameters: new Float32Array(2), data: set, batchSize: 2, adamw: { learningRate: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 }, slope: 0.01 };`,
    `const e = await createWasmTorchEngine(setup);`,
    `let err = ''; try { await createWasmTorchEngine(setup, { kernel: 'fma' }); } catch (x) { err = x.name + ': ' + x.message; }`,
    `console.log(JSON.stringify({ kernel: e.kernel, err }));`,
  ].join('\n');
  const r = spawnSync(process.execPath, ['--no-experimental-wasm-relaxed-simd', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.is(out.kernel, 'fused');
  assert.match(out.err, /^BackendUnavailableError: the fma trainer needs WebAssembly relaxed SIMD/);
});

test("the engine's randperm is TorchGenerator's, for any seed and length", async () => {
  const data: TrainingSet = { nInputs: 1, nOutputs: 1, n: 1, x: new Float32Array(1), y: new Float32Array(1) };
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 0, max: 0xffffffff }), async (n, seed) => {
      const set = { ...data, n, x: new Float32Array(n), y: new Float32Array(n) };
      const engine = await createWasmTorchEngine({ layerSizes: [1, 1], parameters: new Float32Array(2), data: set, batchSize: 10, adamw: ADAMW, slope: 0.01 });
      assert.equal(Array.from(engine.permutation!(seed)), Array.from(new TorchGenerator(seed).randperm(n)));
    }),
    { seed: 77, numRuns: 60 },
  );
  // One long one: several twists of the generator per call, indices past 2^16.
  const n = 200_003;
  const set = { ...data, n, x: new Float32Array(n), y: new Float32Array(n) };
  const engine = await createWasmTorchEngine({ layerSizes: [1, 1], parameters: new Float32Array(2), data: set, batchSize: 10, adamw: ADAMW, slope: 0.01 });
  assert.equal(Array.from(engine.permutation!(4_000_000_007 >>> 0)), Array.from(new TorchGenerator(4_000_000_007).randperm(n)));
});

test('epochSeed makes the same draws as epochPermutation', () => {
  const a = new TorchGenerator(3);
  const b = new TorchGenerator(3);
  for (let e = 0; e < 5; e++) {
    assert.equal(Array.from(new TorchGenerator(a.epochSeed()).randperm(1000)), Array.from(b.epochPermutation(1000)));
  }
  assert.is(a.random32(), b.random32());
});

test('a permutation of the wrong length is refused', async () => {
  const set: TrainingSet = { nInputs: 1, nOutputs: 1, n: 4, x: new Float32Array(4), y: new Float32Array(4) };
  const engine = await createWasmTorchEngine({ layerSizes: [1, 1], parameters: new Float32Array(2), data: set, batchSize: 2, adamw: ADAMW, slope: 0.01 });
  assert.throws(() => engine.batches(new Int32Array(3), 0, 1, new Float32Array(2)), /3 entries; the training set has 4/);
});

test('the cached step scalars are adamwScalars, step for step', () => {
  for (const o of [ADAMW, { ...ADAMW, learningRate: 0.001 }, { ...ADAMW, beta1: 0.8, beta2: 0.99 }]) {
    for (const t of [1, 2, 3, 10, 394, 395, 396, 1000, 41_500, 41_700, 65_536, 65_537, 100_000]) {
      const want = adamwScalars(o, t);
      assert.equal(adamwStepScalars(o, t), { negStepSize: want.negStepSize, bc2Sqrt: want.bc2Sqrt }, `step ${t}`);
    }
  }
  // The same options object with other values (the cache is keyed by object, checked by value).
  const o = { ...ADAMW };
  adamwStepScalars(o, 5);
  o.learningRate = 0.003;
  assert.equal(adamwStepScalars(o, 5).negStepSize, adamwScalars(o, 5).negStepSize);
});

test.run();
