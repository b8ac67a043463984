/**
 * {@link NoiseKernel} on Wasm (assembly/numpy-noise.ts, in an instance of its own): the same
 * Gaussians as the TypeScript {@link addNumpyNoise}, draw for draw and bit for bit, in less time
 * (docs/performance.md, "The noise on Wasm"). main.py's noisy setting draws 8,000,000 of them per
 * seed.
 */
import { instantiateWasmModule } from '../backends/wasm-module.ts';
import { LOG_FAST_CONSTANTS, crLogExact } from './reference-rng/cr-log.ts';
import type { NumpyRandomState } from './reference-rng/numpy-random.ts';
import type { NoiseKernel } from './reference-data.ts';

/** Values per kernel call: the instance's buffer stays at 4 MiB however long the array. */
const CHUNK = 1 << 20;

let shared: Promise<NoiseKernel> | undefined;

/**
 * The Wasm noise kernel, one instance per realm (calls are synchronous, so they never overlap).
 * Rejects where WebAssembly SIMD is missing; callers fall back to {@link addNumpyNoise}.
 */
export function wasmNoiseKernel(): Promise<NoiseKernel> {
  shared ??= createWasmNoiseKernel().catch((e: unknown) => {
    shared = undefined;
    throw e;
  });
  return shared;
}

async function createWasmNoiseKernel(): Promise<NoiseKernel> {
  const m = await instantiateWasmModule();
  const e = m.exports;
  const off = {
    index: e.NOISE_INDEX.value,
    hasGauss: e.NOISE_HAS_GAUSS.value,
    pending: e.NOISE_PENDING.value,
    pairNext: e.NOISE_PAIR_NEXT.value,
    pairCount: e.NOISE_PAIR_COUNT.value,
    gauss: e.NOISE_GAUSS.value,
    r2: e.NOISE_R2.value,
    log: e.NOISE_LOG.value,
    lnHi: e.NOISE_LN_HI.value,
    lnLo: e.NOISE_LN_LO.value,
    ln2: e.NOISE_LN2_PARTS.value,
  };
  const state = m.alloc(e.NOISE_STATE_BYTES.value);
  const buffer = m.alloc(CHUNK * 4);
  const memory = () => m.memory().buffer;
  new Float64Array(memory(), state + off.lnHi, 363).set(LOG_FAST_CONSTANTS.hi);
  new Float64Array(memory(), state + off.lnLo, 363).set(LOG_FAST_CONSTANTS.lo);
  new Float64Array(memory(), state + off.ln2, 3).set(LOG_FAST_CONSTANTS.ln2);
  const words = new Int32Array(624);

  return (np: NumpyRandomState, x: Float32Array, std: number) => {
    const saved = np.saveState(words);
    const view = new DataView(memory());
    new Int32Array(memory(), state, 624).set(words);
    view.setInt32(state + off.index, saved.index, true);
    view.setInt32(state + off.hasGauss, saved.gauss === null ? 0 : 1, true);
    view.setFloat64(state + off.gauss, saved.gauss ?? 0, true);
    view.setInt32(state + off.pending, 0, true);
    view.setInt32(state + off.pairNext, 0, true);
    view.setInt32(state + off.pairCount, 0, true);
    for (let start = 0; start < x.length; start += CHUNK) {
      const n = Math.min(CHUNK, x.length - start);
      new Float32Array(memory(), buffer, n).set(x.subarray(start, start + n));
      let at = 0;
      while ((at = e.numpyNoise(state, buffer, at, n, std)) < n) {
        // The fast logarithm could not round ln(r2) with certainty: the exact one decides.
        const v = new DataView(memory());
        v.setFloat64(state + off.log, crLogExact(v.getFloat64(state + off.r2, true)), true);
        v.setInt32(state + off.pending, 2, true);
      }
      x.set(new Float32Array(memory(), buffer, n), start);
    }
    const after = new DataView(memory());
    // The kernel draws no pair ahead that the values do not use: the generator's state is numpy's.
    if (after.getInt32(state + off.pairNext, true) !== after.getInt32(state + off.pairCount, true)) throw new Error('numpyNoise left pairs drawn ahead unused');
    words.set(new Int32Array(memory(), state, 624));
    const hasGauss = after.getInt32(state + off.hasGauss, true) !== 0;
    np.restoreState(words, after.getInt32(state + off.index, true), hasGauss ? after.getFloat64(state + off.gauss, true) : null);
  };
}
