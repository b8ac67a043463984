/**
 * The conformance suite's page in Chromium: the library's backends (Wasm, Wasm on Web Workers,
 * WebGPU on the browser's adapter) behind the harness, called from Node through page.evaluate.
 * Bundled with the library by test/conformance-chromium.test.ts; `/worker.js` is the library's
 * worker module (src/parallel/worker.ts).
 */
import { WorkerPool, adapterName, createParallelBackend, createWasmBackend, createWebGpuBackend, selectBackend, type WorkerLike } from '../../src/index.ts';
import { harness, type Harness } from './harness.ts';

const targets: Record<string, Harness> = {};

(globalThis as unknown as { conformance: unknown }).conformance = {
  /** Makes the backends; says which adapter WebGPU got, or why it is missing. */
  async init(): Promise<{ adapter?: string; gpuError?: string }> {
    targets.wasm = harness(await createWasmBackend());
    const pool = new WorkerPool(() => new Worker('/worker.js', { type: 'module' }) as unknown as WorkerLike, 2);
    targets['wasm + workers'] = harness(await createParallelBackend({ pool }));
    try {
      const gpu = await createWebGpuBackend({ onWarning: (m) => console.warn(m) });
      targets.webgpu = harness(gpu);
      return { adapter: adapterName(gpu.adapter) };
    } catch (e) {
      return { gpuError: (e as Error).message };
    }
  },
  call: (target: string, method: keyof Harness, arg: never) => targets[target]![method](arg),
  /** What `auto` picks here, and whether the adapter is a software one. */
  async auto(): Promise<{ name: string; software: boolean | null }> {
    const gpu = await createWebGpuBackend().catch(() => null);
    return { name: (await selectBackend('auto')).name, software: gpu ? gpu.adapter.isFallback : null };
  },
};
