/**
 * The Wasm training engine: assembly/train.ts in an instance of its own (its heap holds one
 * training's parameters, optimiser state, data and scratch; nothing is shared).
 */
import { instantiateWasmModule } from '../backends/wasm-module.ts';
import type { TrainingSet } from './data.ts';
import { HYPER, paddedBatch, type EngineSetup, type TrainEngine } from './engine.ts';

/** Creates the Wasm engine (rejects when WebAssembly or its SIMD is unavailable). */
export async function createWasmEngine(setup: EngineSetup): Promise<TrainEngine> {
  const k = (await instantiateWasmModule()).exports;
  const sizes = setup.layerSizes;
  const L = sizes.length - 1;
  const nParams = setup.parameters.length;
  const maxBp = paddedBatch(setup.batchSize);
  const { data } = setup;

  const allocF32 = (values: ArrayLike<number> | number) => {
    const n = typeof values === 'number' ? values : values.length;
    const at = k.alloc(Math.max(n, 1) * 4);
    const view = new Float32Array(k.memory.buffer, at, n);
    if (typeof values === 'number') view.fill(0);
    else view.set(values);
    return at;
  };
  const sizesPtr = k.alloc(sizes.length * 4);
  new Int32Array(k.memory.buffer, sizesPtr, sizes.length).set(sizes);
  const params = allocF32(setup.parameters);
  const grads = allocF32(nParams);
  const m = allocF32(nParams);
  const v = allocF32(nParams);
  const x = allocF32(data.x);
  const y = allocF32(data.y);
  const perm = k.alloc(data.n * 4);
  const acts = allocF32(sizes.reduce((a, b) => a + b, 0) * maxBp);
  const maxSize = Math.max(...sizes);
  const deltaA = allocF32(maxSize * maxBp);
  const deltaB = allocF32(maxSize * maxBp);
  const hyper = k.alloc(HYPER.length * 8);
  const h = new Float64Array(k.memory.buffer, hyper, HYPER.length);
  h[HYPER.lr] = setup.adamw.learningRate;
  h[HYPER.beta1] = setup.adamw.beta1;
  h[HYPER.beta2] = setup.adamw.beta2;
  h[HYPER.eps] = setup.adamw.eps;
  h[HYPER.weightDecay] = setup.adamw.weightDecay;
  h[HYPER.slope] = Math.fround(setup.slope);
  h[HYPER.step] = 0;
  h[HYPER.beta1Pow] = 1;
  h[HYPER.beta2Pow] = 1;
  // Evaluation sets are copied in once each (a training evaluates one or two sets).
  const evalSets = new Map<TrainingSet, { x: number; y: number }>([[data, { x, y }]]);

  return {
    name: 'wasm',
    epoch(order) {
      new Int32Array(k.memory.buffer, perm, data.n).set(order);
      return k.trainEpoch(L, sizesPtr, params, grads, m, v, nParams, x, y, data.n, perm, setup.batchSize, acts, deltaA, deltaB, hyper);
    },
    parameters: () => new Float32Array(k.memory.buffer, params, nParams).slice(),
    countCorrect(set) {
      let at = evalSets.get(set);
      if (!at) evalSets.set(set, (at = { x: allocF32(set.x), y: allocF32(set.y) }));
      return k.countCorrect(L, sizesPtr, params, at.x, at.y, set.n, setup.batchSize, acts, Math.fround(setup.slope));
    },
    dispose() {
      evalSets.clear(); // the instance and its memory go with the last reference
    },
  };
}
