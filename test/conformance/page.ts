/**
 * The conformance suite's page in Chromium: the library's backends (Wasm, Wasm on Web Workers,
 * WebGPU on the browser's adapter) behind the harness, called from Node through page.evaluate.
 * Bundled with the library by test/conformance-chromium.test.ts; `/worker.js` is the library's
 * worker module (src/parallel/worker.ts).
 */
import { WorkerPool, adapterName, createParallelBackend, createWasmBackend, createWebGpuBackend, selectBackend, type WorkerLike } from '../../src/index.ts';
import { harness, type Harness } from './harness.ts';
import { createWasmTorchEngine, fmaTrainerAvailable, initModelTorch, packParameters, TorchGenerator } from '../../src/train/index.ts';

const targets: Record<string, Harness> = {};

(globalThis as unknown as { conformance: unknown }).conformance = {
  /** Makes the backends; says which adapter WebGPU got, or why it is missing. */
  async init(): Promise<{ adapter?: string; gpuError?: string }> {
    targets.wasm = harness(await createWasmBackend());
    const pool = new WorkerPool(() => new Worker('/worker.js', { type: 'module' }) as unknown as WorkerLike, 2);
    // Started first, so that the workers take the pieces (a request while they start runs here).
    await pool.whenStarted();
    targets['wasm + workers'] = harness(await createParallelBackend({ pool, minParallelCircuits: 0 }));
    try {
      const gpu = await createWebGpuBackend({ onWarning: (m) => console.warn(m) });
      targets.webgpu = harness(gpu);
      return { adapter: adapterName(gpu.adapter) };
    } catch (e) {
      return { gpuError: (e as Error).message };
    }
  },
  call: (target: string, method: keyof Harness, arg: never) => targets[target]![method](arg),
  /**
   * The reference trainer's kernels in this browser: which one is the default, and whether the
   * fma and fused kernels give the same losses and weights (two epochs of a noisy 2-3-3-1).
   */
  async trainers(): Promise<{ fma: boolean; defaultKernel?: string; same: boolean }> {
    const gen = new TorchGenerator(5);
    const sizes = [2, 3, 3, 1];
    const n = 2003;
    const u = new Float32Array(1);
    const x = Float32Array.from({ length: 2 * n }, () => (gen.random32() & 1) + gen.uniform(u, -0.3, 0.3)[0]!);
    const y = Float32Array.from({ length: n }, () => gen.random32() & 1);
    const setup = { layerSizes: sizes, parameters: packParameters(initModelTorch(gen, sizes)), data: { nInputs: 2, nOutputs: 1, n, x, y }, batchSize: 100, adamw: { learningRate: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 }, slope: 0.01 };
    const run = async (kernel?: 'fused') => {
      const e = await createWasmTorchEngine(setup, kernel ? { kernel } : {});
      const losses = new Float32Array(Math.ceil(n / 100));
      for (let epoch = 0; epoch < 2; epoch++) e.batches(e.permutation!(epoch), 0, losses.length, losses);
      return { kernel: e.kernel, bits: [...losses, ...e.parameters()] };
    };
    const [auto, fused] = [await run(), await run('fused')];
    return { fma: await fmaTrainerAvailable(), defaultKernel: auto.kernel, same: auto.bits.every((v, i) => Object.is(v, fused.bits[i])) };
  },
  /** What `auto` picks here, and whether the adapter is a software one. */
  async auto(): Promise<{ name: string; software: boolean | null }> {
    const gpu = await createWebGpuBackend().catch(() => null);
    return { name: (await selectBackend('auto')).name, software: gpu ? gpu.adapter.isFallback : null };
  },
};
