/**
 * Backend choice: `auto` picks the fastest available backend (WebGPU on a real GPU adapter, else
 * Wasm, else TS); a named backend is used, or refused with a clear message. `webgpu` without a
 * usable adapter warns and falls back to Wasm. With a worker pool, the CPU kernels run on it.
 */
import { BackendUnavailableError, InputError } from '../errors.ts';
import { createParallelBackend } from '../parallel/backend.ts';
import type { WorkerPool } from '../parallel/pool.ts';
import { createTsBackend } from './ts.ts';
import { createWasmBackend } from './wasm.ts';
import { createWebGpuBackend, type WebGpuBackendOptions } from './webgpu.ts';
import type { Backend, BackendName } from './types.ts';

/** What a caller may ask for. */
export type BackendChoice = 'auto' | BackendName;

export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'ts', 'wasm', 'webgpu'];

/** Options of {@link selectBackend}. */
export interface BackendOptions {
  /**
   * WebGPU: a caller's `device` (used by `auto` too), where fallback warnings go, kernel tuning.
   * `auto` without a device only takes a real (non-fallback) GPU adapter.
   */
  readonly webgpu?: Omit<WebGpuBackendOptions, 'cpu'>;
  /**
   * A worker pool for the CPU kernels (circuit search and groundings on Wasm or TS; with WebGPU,
   * its groundings), started on first use: `createNodePool` from `mi-ident/node`, or a
   * `WorkerPool` of browser Web Workers. Results are identical to one thread. The pool stays the
   * caller's (terminate it when done).
   */
  readonly workers?: () => WorkerPool;
}

/** The CPU backend of a kind, on workers when a pool is given. */
function cpuOf(kernels: 'ts' | 'wasm', workers: BackendOptions['workers']): Promise<Backend> {
  if (workers) return createParallelBackend({ kernels, pool: workers });
  return kernels === 'wasm' ? createWasmBackend() : Promise.resolve(createTsBackend());
}

/** The Wasm backend, or the TS reference where WebAssembly SIMD is missing (same results). */
async function cpuBackend(workers: BackendOptions['workers']): Promise<Backend> {
  try {
    return await cpuOf('wasm', workers);
  } catch {
    return cpuOf('ts', workers);
  }
}

/** Returns a ready backend for `choice`. */
export async function selectBackend(choice: BackendChoice = 'auto', options: BackendOptions = {}): Promise<Backend> {
  const webgpu = options.webgpu ?? {};
  const { workers } = options;
  const onGpu = async (allowFallbackAdapter: boolean) => {
    const cpu = cpuBackend(workers);
    try {
      return await createWebGpuBackend({ allowFallbackAdapter, ...webgpu, cpu });
    } catch (e) {
      void cpu.then((b) => b.dispose(), () => {});
      throw e;
    }
  };
  switch (choice) {
    case 'ts':
      return cpuOf('ts', workers);
    case 'wasm':
      return cpuOf('wasm', workers);
    case 'auto':
      try {
        return await onGpu(false);
      } catch {
        return cpuBackend(workers); // no real GPU: a software adapter would be slower than Wasm
      }
    case 'webgpu':
      try {
        return await onGpu(true);
      } catch (e) {
        if (!(e instanceof BackendUnavailableError)) throw e;
        const fallback = await cpuBackend(workers);
        (webgpu.onWarning ?? ((m: string) => console.warn(`mi-ident: ${m}`)))(
          `the webgpu backend is not available (${e.message}); using the ${fallback.name} backend instead`,
        );
        return fallback;
      }
    default:
      throw new InputError(`unknown backend "${String(choice)}" (choose one of ${BACKEND_CHOICES.join(', ')})`);
  }
}
