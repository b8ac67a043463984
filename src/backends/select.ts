/**
 * Backend choice: `auto` picks the fastest available backend (WebGPU on a real GPU adapter, else
 * Wasm, else TS); a named backend is used, or refused with a clear message. `webgpu` without a
 * usable adapter warns and falls back to Wasm.
 */
import { BackendUnavailableError, InputError } from '../errors.ts';
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
  readonly webgpu?: WebGpuBackendOptions;
}

/** The Wasm backend, or the TS reference where WebAssembly SIMD is missing (same results). */
async function cpuBackend(): Promise<Backend> {
  try {
    return await createWasmBackend();
  } catch {
    return createTsBackend();
  }
}

/** Returns a ready backend for `choice`. */
export async function selectBackend(choice: BackendChoice = 'auto', options: BackendOptions = {}): Promise<Backend> {
  const webgpu = options.webgpu ?? {};
  switch (choice) {
    case 'ts':
      return createTsBackend();
    case 'auto':
      try {
        return await createWebGpuBackend({ allowFallbackAdapter: false, ...webgpu });
      } catch {
        return cpuBackend(); // no real GPU: a software adapter would be slower than Wasm
      }
    case 'wasm':
      return createWasmBackend();
    case 'webgpu':
      try {
        return await createWebGpuBackend({ allowFallbackAdapter: true, ...webgpu });
      } catch (e) {
        if (!(e instanceof BackendUnavailableError)) throw e;
        const fallback = await cpuBackend();
        (webgpu.onWarning ?? ((m: string) => console.warn(`mi-ident: ${m}`)))(
          `the webgpu backend is not available (${e.message}); using the ${fallback.name} backend instead`,
        );
        return fallback;
      }
    default:
      throw new InputError(`unknown backend "${String(choice)}" (choose one of ${BACKEND_CHOICES.join(', ')})`);
  }
}
