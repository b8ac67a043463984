/**
 * The reference trainer on Wasm: assembly/train-torch.ts in an instance of its own, the same bits
 * as the TypeScript twin (torch-engine.ts). The AdamW step scalars (correctly rounded powers) are
 * computed here for each call's steps.
 */
import { instantiateWasmModule } from '../backends/wasm-module.ts';
import type { TrainingSet } from './data.ts';
import { adamwScalars, checkTorchSetup, type TorchEngine, type TorchEngineSetup } from './torch-engine.ts';

const f = Math.fround;

/** Creates the Wasm reference trainer (rejects when WebAssembly is unavailable). */
export async function createWasmTorchEngine(setup: TorchEngineSetup): Promise<TorchEngine> {
  checkTorchSetup(setup);
  const k = (await instantiateWasmModule()).exports;
  const sizes = setup.layerSizes;
  const L = sizes.length - 1;
  const B = setup.batchSize;
  const { data } = setup;
  const nParams = sizes.reduce((n, s, l) => (l < L ? n + sizes[l + 1]! * (s + 1) : n), 0);
  const sumSizes = sizes.reduce((a, b) => a + b, 0);
  const maxSize = Math.max(...sizes);

  const allocF32 = (values: ArrayLike<number> | number) => {
    const n = typeof values === 'number' ? values : values.length;
    const at = k.alloc(Math.max(n, 1) * 4) >>> 0;
    const view = new Float32Array(k.memory.buffer, at, n);
    if (typeof values === 'number') view.fill(0);
    else view.set(values);
    return at;
  };
  const sizesPtr = k.alloc(sizes.length * 4) >>> 0;
  new Int32Array(k.memory.buffer, sizesPtr, sizes.length).set(sizes);
  // Vectors of 4 lanes may read up to 3 floats past a buffer's last value: 4 floats of slack.
  const slack = (values: ArrayLike<number>) => {
    const padded = new Float32Array(values.length + 4);
    padded.set(values);
    return padded;
  };
  const params = allocF32(slack(setup.parameters.subarray(0, nParams)));
  const grads = allocF32(nParams);
  const m = allocF32(nParams);
  const v = allocF32(nParams);
  const x = allocF32(data.x);
  const y = allocF32(data.y);
  const perm = k.alloc(data.n * 4) >>> 0;
  const act = allocF32(B * sumSizes + 4);
  const pre = allocF32(B * sumSizes + 4);
  const gzA = allocF32(B * maxSize + 4);
  const gzB = allocF32(B * maxSize + 4);
  const wt = allocF32(4 * maxSize);
  const sq = allocF32(B * sizes[L]!);
  const first = adamwScalars(setup.adamw, 1);
  const consts = allocF32([first.decay, first.beta1, first.oneMinusBeta1, first.beta2, first.oneMinusBeta2, first.eps, f(setup.slope), 0]);
  const nBatches = Math.ceil(data.n / B);
  const chunk = Math.min(nBatches, 4096);
  const steps = allocF32(2 * chunk);
  const losses = allocF32(nBatches);
  let stepT = 0; // float32, as torch's step tensor
  let permSet: Int32Array | null = null;
  const evalSets = new Map<TrainingSet, { x: number; y: number; act: number; pre: number }>();

  return {
    name: 'wasm',
    batches(order, firstBatch, count, out) {
      // An epoch's order is copied in when it starts (or comes as a new array).
      if (permSet !== order || firstBatch === 0) {
        new Int32Array(k.memory.buffer, perm, data.n).set(order);
        permSet = order;
      }
      for (let done = 0; done < count; ) {
        const c = Math.min(chunk, count - done);
        const s = new Float32Array(k.memory.buffer, steps, 2 * c);
        for (let i = 0; i < c; i++) {
          stepT = f(stepT + 1);
          const a = adamwScalars(setup.adamw, stepT);
          s[2 * i] = a.negStepSize;
          s[2 * i + 1] = a.bc2Sqrt;
        }
        k.torchBatches(L, sizesPtr, params, grads, m, v, nParams, x, y, data.n, perm, B, firstBatch + done, c, losses, act, pre, gzA, gzB, sq, consts, steps, wt);
        done += c;
      }
      out.set(new Float32Array(k.memory.buffer, losses + firstBatch * 4, count), firstBatch);
    },
    parameters: () => new Float32Array(k.memory.buffer, params, nParams).slice(),
    countCorrect(set) {
      let at = evalSets.get(set);
      if (!at) evalSets.set(set, (at = { x: allocF32(set.x), y: allocF32(set.y), act: allocF32(set.n * sumSizes + 4), pre: allocF32(set.n * sumSizes + 4) }));
      return k.torchCountCorrect(L, sizesPtr, params, at.x, at.y, set.n, at.act, at.pre, f(setup.slope), wt);
    },
    dispose() {
      evalSets.clear();
    },
  };
}
