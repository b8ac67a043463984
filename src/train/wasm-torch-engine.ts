/**
 * The reference trainer on Wasm: one of three kernels in an instance of its own, each the same bits
 * as the TypeScript twin (torch-engine.ts). The AdamW step scalars (correctly rounded powers) are
 * computed here for each call's steps.
 */
import { instantiateWasmModule } from '../backends/wasm-module.ts';
import { BackendUnavailableError, InputError } from '../errors.ts';
import type { TrainingSet } from './data.ts';
import { adamwScalars, adamwStepScalars, checkTorchSetup, type TorchEngine, type TorchEngineSetup } from './torch-engine.ts';
import { instantiateFmaKernels, type FmaKernelExports } from './wasm-fma.ts';
import type { KernelExports } from '../backends/wasm-module.ts';

const f = Math.fround;

/**
 * Batches whose samples the fused kernel copies out of the dataset at a time: up to 128 (100 rows
 * of 2-3-3-1 each: 150 KB), fewer for wide inputs, so that the stage stays within about 1 MiB.
 */
function stageBatches(batch: number, width: number): number {
  return Math.max(1, Math.min(128, Math.floor(2 ** 20 / (batch * width * 4))));
}

/** Writes the samples as records into `out`: per sample its inputs, then its labels. */
function writeRecords(data: TrainingSet, out: Float32Array): void {
  const { nInputs: nIn, nOutputs: nOut, x, y } = data;
  if (nIn === 2 && nOut === 1) {
    // The paper's networks (millions of noisy samples): the loop without inner loops.
    for (let s = 0, at = 0; s < data.n; s++, at += 3) {
      out[at] = x[2 * s]!;
      out[at + 1] = x[2 * s + 1]!;
      out[at + 2] = y[s]!;
    }
    return;
  }
  for (let s = 0, at = 0; s < data.n; s++) {
    for (let k = 0; k < nIn; k++) out[at++] = x[s * nIn + k]!;
    for (let o = 0; o < nOut; o++) out[at++] = y[s * nOut + o]!;
  }
}

let exactPairs = 0;

/**
 * Lane pairs the fused kernels of this realm have redone with fma32 so far (float64 sums that
 * might have rounded twice on the way to float32): tests check that they reach the redo.
 */
export function fusedExactPairs(): number {
  return exactPairs;
}

/**
 * Which kernel steps, all to the same bits:
 * - `fma` (assembly/train-torch-fma.ts): float32 on the hardware's fused multiply-add, through
 *   relaxed SIMD; only where that rounds once (wasm-fma.ts);
 * - `fused` (assembly/train-torch-fused.ts): the multiply-add emulated in float64, double rounding
 *   checked; any engine with SIMD;
 * - `classic` (assembly/train-torch.ts's torchBatches), kept as the fused kernels' reference.
 *
 * The default is `fma` where it is available, else `fused`.
 */
export type TorchKernel = 'fma' | 'fused' | 'classic';

/** The exports every kernel's instance has. */
type CommonExports = Pick<KernelExports, 'memory' | 'alloc' | 'reset' | 'torchRandperm' | 'torchCountCorrect'>;

/**
 * One idle instance of each module, left by a disposed engine for the next one: its memory is
 * already grown and touched, which a fresh instance pays for in page faults (about 70 MB for a
 * noisy seed, some 30 ms). Engines are created and disposed one after another in a thread.
 */
const idle: { fma: FmaKernelExports | null; main: KernelExports | null } = { fma: null, main: null };

function takeIdle<K extends keyof typeof idle>(kind: K): (typeof idle)[K] {
  const k = idle[kind];
  idle[kind] = null;
  k?.reset();
  return k;
}

/** Creates the Wasm reference trainer (rejects when WebAssembly is unavailable, or `fma` is asked for where it is not). */
export async function createWasmTorchEngine(setup: TorchEngineSetup, options: { kernel?: TorchKernel } = {}): Promise<TorchEngine> {
  checkTorchSetup(setup);
  let fk: FmaKernelExports | null = null;
  if (options.kernel === undefined || options.kernel === 'fma') {
    fk = takeIdle('fma') ?? (await instantiateFmaKernels());
    if (!fk && options.kernel === 'fma') {
      throw new BackendUnavailableError('the fma trainer needs WebAssembly relaxed SIMD with a multiply-add that rounds once (Node 20: start node with --experimental-wasm-relaxed-simd)');
    }
  }
  const kernel: TorchKernel = fk ? 'fma' : (options.kernel ?? 'fused');
  const mk = fk ? null : (takeIdle('main') ?? (await instantiateWasmModule()).exports);
  const k: CommonExports = fk ?? mk!;
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
  // The fma kernel's AdamW steps four parameters per vector: the last one reaches into the slack.
  const grads = allocF32(nParams + 4);
  const m = allocF32(nParams + 4);
  const v = allocF32(nParams + 4);
  // The classic kernel reads inputs and labels from two arrays; the fused one from one record per
  // sample (inputs, then labels), so that a sample in a random order costs one cache miss, not two.
  const x = kernel === 'classic' ? allocF32(data.x) : 0;
  const y = kernel === 'classic' ? allocF32(data.y) : 0;
  const records = kernel !== 'classic';
  // Written in place: no second copy of a dataset of millions of samples.
  const recValues = data.n * (data.nInputs + data.nOutputs);
  const rec = records ? k.alloc(Math.max(recValues, 1) * 4) >>> 0 : 0;
  if (rec) writeRecords(data, new Float32Array(k.memory.buffer, rec, recValues));
  const perm = k.alloc(data.n * 4) >>> 0;
  const mtState = k.alloc(2 * 624 * 4) >>> 0; // torchRandperm's MT19937 words and swap targets
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
  let scratch = 0;
  let stage = 0;
  const stageCount = stageBatches(B, sizes[0]! + sizes[L]!);
  if (records) {
    const bytes = fk ? fk.torchFmaScratchBytes(L, sizesPtr, B, nParams) : mk!.torchFusedScratchBytes(L, sizesPtr, B, nParams);
    if (bytes <= 0) throw new Error(`the ${kernel} trainer takes at most 62 layers, got ${L}`);
    scratch = k.alloc(bytes) >>> 0;
    new Uint8Array(k.memory.buffer, scratch, bytes).fill(0);
    stage = k.alloc(fk ? fk.torchFmaStageBytes(L, sizesPtr, B, stageCount) : mk!.torchFusedStageBytes(L, sizesPtr, B, stageCount)) >>> 0;
  }
  let stepT = 0; // float32, as torch's step tensor
  let permSet: Int32Array | null = null;
  let disposed = false;
  const evalSets = new Map<TrainingSet, { x: number; y: number; act: number; pre: number }>();

  return {
    name: 'wasm',
    kernel,
    batches(order, firstBatch, count, out) {
      // An epoch's order is copied in when it starts (or comes as a new array).
      if (order.length !== data.n) throw new InputError(`the permutation has ${order.length} entries; the training set has ${data.n} samples`);
      const own = order.buffer === k.memory.buffer && order.byteOffset === perm; // from permutation()
      if (!own && (permSet !== order || firstBatch === 0)) {
        new Int32Array(k.memory.buffer, perm, data.n).set(order);
        permSet = order;
      }
      for (let done = 0; done < count; ) {
        const c = Math.min(chunk, count - done);
        const s = new Float32Array(k.memory.buffer, steps, 2 * c);
        for (let i = 0; i < c; i++) {
          stepT = f(stepT + 1);
          const a = adamwStepScalars(setup.adamw, stepT);
          s[2 * i] = a.negStepSize;
          s[2 * i + 1] = a.bc2Sqrt;
        }
        if (fk) {
          const status = fk.torchFmaBatches(L, sizesPtr, params, grads, m, v, nParams, rec, data.n, perm, B, firstBatch + done, c, losses, consts, steps, scratch, stage, stageCount);
          // Checked on every call; the engine chose its multiply-add once, so this never happens.
          if (status !== 0) throw new Error('the fma trainer: this engine\'s relaxed multiply-add no longer rounds once');
        } else if (kernel === 'fused') exactPairs += mk!.torchFusedBatches(L, sizesPtr, params, grads, m, v, nParams, rec, data.n, perm, B, firstBatch + done, c, losses, consts, steps, scratch, stage, stageCount);
        else mk!.torchBatches(L, sizesPtr, params, grads, m, v, nParams, x, y, data.n, perm, B, firstBatch + done, c, losses, act, pre, gzA, gzB, sq, consts, steps, wt);
        done += c;
      }
      out.set(new Float32Array(k.memory.buffer, losses + firstBatch * 4, count), firstBatch);
    },
    permutation(seed) {
      k.torchRandperm(seed >>> 0, data.n, perm, mtState);
      permSet = null;
      return new Int32Array(k.memory.buffer, perm, data.n);
    },
    parameters: () => new Float32Array(k.memory.buffer, params, nParams).slice(),
    countCorrect(set) {
      let at = evalSets.get(set);
      if (!at) evalSets.set(set, (at = { x: allocF32(set.x), y: allocF32(set.y), act: allocF32(set.n * sumSizes + 4), pre: allocF32(set.n * sumSizes + 4) }));
      return k.torchCountCorrect(L, sizesPtr, params, at.x, at.y, set.n, at.act, at.pre, f(setup.slope), wt);
    },
    dispose() {
      evalSets.clear();
      if (disposed) return;
      disposed = true;
      // The instance goes to the next engine (which resets its heap); this one is not used again.
      if (fk) idle.fma = fk;
      else idle.main = mk;
    },
  };
}
