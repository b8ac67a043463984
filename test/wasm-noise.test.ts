/**
 * The Wasm noise kernel (src/train/wasm-noise.ts) against the TypeScript one it replaces, bit for
 * bit (seeded fast-check): the same noisy values and the same generator state afterwards (the next
 * draws and the cached second Gaussian), over seeds, lengths, standard deviations and a state
 * that starts with a cached Gaussian; and long enough runs that the exact logarithm decides some
 * pairs (a few in 10,000).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { NumpyRandomState } from '../src/train/reference-rng/numpy-random.ts';
import { addNumpyNoise, referenceGateData } from '../src/train/reference-data.ts';
import { wasmNoiseKernel } from '../src/train/wasm-noise.ts';
import { getGate } from '../src/gates.ts';

/** Indices where two float32 arrays differ as bits (-0 and 0 differ). */
function differences(a: Float32Array, b: Float32Array): number[] {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  const out: number[] = [];
  for (let i = 0; i < a.length && out.length < 5; i++) if (ua[i] !== ub[i]) out.push(i);
  return out;
}

function sameAfter(a: NumpyRandomState, b: NumpyRandomState): void {
  // The cached Gaussian first (if any), then fresh draws.
  for (let i = 0; i < 3; i++) assert.is(a.standardGauss(), b.standardGauss());
  assert.is(a.randomSample(), b.randomSample());
}

test('Wasm noise: the same values and state as TypeScript, bit for bit', async () => {
  const kernel = await wasmNoiseKernel();
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      fc.integer({ min: 0, max: 5000 }),
      fc.constantFrom(0.1, 1, 1e-3, 0.37, 1e30),
      fc.boolean(),
      async (seed, n, std, cached) => {
        const a = new NumpyRandomState(seed);
        const b = new NumpyRandomState(seed);
        if (cached) {
          assert.is(a.standardGauss(), b.standardGauss()); // leaves the pair's second value cached
        }
        const xa = Float32Array.from({ length: n }, (_, i) => (i * 7) % 3 === 0 ? 1 : 0);
        const xb = xa.slice();
        addNumpyNoise(a, xa, std);
        kernel(b, xb, std);
        assert.equal(differences(xa, xb), []);
        sameAfter(a, b);
      },
    ),
    { seed: 14, numRuns: 60 },
  );
});

test('Wasm noise: long runs (chunked, with exactly decided logarithms) match', async () => {
  const kernel = await wasmNoiseKernel();
  for (const [seed, n] of [[0, 1_500_001], [12345, 400_000]] as const) {
    const a = new NumpyRandomState(seed);
    const b = new NumpyRandomState(seed);
    const xa = new Float32Array(n).fill(1);
    const xb = xa.slice();
    addNumpyNoise(a, xa, 0.1);
    kernel(b, xb, 0.1);
    assert.equal(differences(xa, xb), [], `seed ${seed}, ${n} values`);
    sameAfter(a, b);
  }
});

test('Wasm noise: referenceGateData gives the same set through either kernel', async () => {
  const kernel = await wasmNoiseKernel();
  const gates = [getGate('XOR'), getGate('AND')];
  const plain = referenceGateData(new NumpyRandomState(7), gates, { nRepeats: 30, noiseStd: 0.1 });
  const fast = referenceGateData(new NumpyRandomState(7), gates, { nRepeats: 30, noiseStd: 0.1, noise: kernel });
  assert.equal(differences(plain.x, fast.x), []);
  assert.equal(differences(plain.y, fast.y), []);
});

test.run();
