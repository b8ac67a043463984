/**
 * Loads the AssemblyScript kernels once (from bytes embedded at build time, so Node and browsers
 * share one path) and manages the memory JS writes their inputs to.
 */
import { BackendUnavailableError } from '../errors.ts';
import type { WasmWriter } from './wasm-layout.ts';

/** The kernels' exports used from TypeScript. */
export interface KernelExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  mark(): number;
  release(mark: number): void;
  evaluateCombinations(
    L: number, sizes: number, weights: number, biases: number, slope: number,
    table: number, c0: number, c1: number, firstFrom: number, lastTo: number,
    nPairs: number, act: number, y: number, rowWeight: number,
    nQuads: number, actFast: number, yFast: number, rowWeightFast: number, margins: number,
    total: number, threshold: number, out: number,
  ): number;
  /** Circuits the last evaluateCombinations call evaluated again in exact mode. */
  lastExactRedos(): number;
  [name: string]: unknown;
}

/**
 * The instantiated kernels and their bump heap (assembly/heap.ts). This instance serves circuit
 * search only; it frees with mark/release and never resets.
 */
export interface Kernels extends WasmWriter {
  readonly exports: KernelExports;
  /** The current memory (re-read after any allocation: growing memory detaches old views). */
  memory(): WebAssembly.Memory;
  /** Allocates `bytes` (16-byte aligned) and returns the address. */
  alloc(bytes: number): number;
  /** The heap top, to free everything allocated after it with `release`. */
  mark(): number;
  release(mark: number): void;
  /** A mark released by `close()`. */
  scope(): { close(): void };
}

let loading: Promise<Kernels> | undefined;

/** Instantiates the kernels (once per realm); rejects with a clear error if Wasm SIMD is unavailable. */
export function loadKernels(): Promise<Kernels> {
  loading ??= instantiate().catch((e) => {
    loading = undefined;
    throw new BackendUnavailableError(`the Wasm kernels could not be loaded (WebAssembly SIMD is required): ${(e as Error).message}`);
  });
  return loading;
}

/**
 * A fresh instance of build/kernels.wasm (embedded as base64 by scripts/build.mjs). Each JS
 * backend owns its instance, so one backend's heap resets never touch another's memory.
 */
export async function instantiateKernelModule(): Promise<WebAssembly.Instance> {
  let base64: string;
  try {
    ({ KERNELS_WASM_BASE64: base64 } = await import('../generated/kernels-wasm.ts'));
  } catch (e) {
    throw new BackendUnavailableError(`the Wasm kernels are not built (run \`npm run build\`): ${(e as Error).message}`);
  }
  const bytes = Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
  const imports = {
    env: {
      abort(_msg: number, _file: number, line: number, column: number): never {
        throw new Error(`Wasm kernel aborted at ${line}:${column}`);
      },
    },
  };
  const { instance } = await WebAssembly.instantiate(bytes, imports);
  return instance;
}

async function instantiate(): Promise<Kernels> {
  const exports = (await instantiateKernelModule()).exports as unknown as KernelExports;
  const kernels: Kernels = {
    exports,
    memory: () => exports.memory,
    alloc: (bytes) => exports.alloc(bytes),
    mark: () => exports.mark(),
    release: (m) => exports.release(m),
    scope() {
      const m = exports.mark();
      return { close: () => exports.release(m) };
    },
  };
  return kernels;
}
