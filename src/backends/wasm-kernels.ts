/**
 * Loads the AssemblyScript kernels once (from bytes embedded at build time, so Node and browsers
 * share one path) and manages the memory JS writes their inputs to.
 */
import { BackendUnavailableError } from '../errors.ts';

/** The kernels' exports used from TypeScript. */
export interface KernelExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  evaluateCircuitRange(
    L: number, sizes: number, weights: number, biases: number, slope: number,
    nodeMasks: number, counts: number, choices: number,
    nPairs: number, act: number, y: number, rowWeight: number,
    from: number, to: number, total: number, threshold: number, out: number,
  ): number;
  [name: string]: unknown;
}

/** A position in the JS-managed arena, to free everything allocated after it. */
export interface Mark {
  readonly arena: number;
  readonly cursor: number;
}

/** The instantiated kernels with a bump allocator over blocks reserved in Wasm memory. */
export interface Kernels {
  readonly exports: KernelExports;
  /** The current memory (re-read after any allocation: growing memory detaches old views). */
  memory(): WebAssembly.Memory;
  /** Allocates `bytes` (16-byte aligned) and returns the address. */
  alloc(bytes: number): number;
  mark(): Mark;
  release(mark: Mark): void;
  /** A mark released by `close()`. */
  scope(): { close(): void };
  writeF64(values: ArrayLike<number>): number;
  writeI32(values: ArrayLike<number>): number;
  writeU32(values: ArrayLike<number>): number;
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
  const arenas: { start: number; end: number }[] = [];
  let arena = -1;
  let cursor = 0;
  const newArena = (min: number) => {
    const size = Math.max(min, 2 * ((arenas[arena]?.end ?? 0) - (arenas[arena]?.start ?? 0)), 1 << 20);
    const start = exports.alloc(size + 16);
    arenas.push({ start: (start + 15) & ~15, end: start + size + 16 });
    arena = arenas.length - 1;
    cursor = arenas[arena]!.start;
  };
  const kernels: Kernels = {
    exports,
    memory: () => exports.memory,
    alloc(bytes) {
      const size = (Math.max(bytes, 1) + 15) & ~15;
      if (arena < 0 || cursor + size > arenas[arena]!.end) newArena(size);
      const at = cursor;
      cursor += size;
      return at;
    },
    mark: () => ({ arena, cursor }),
    release(m) {
      if (m.arena >= 0) {
        arena = m.arena;
        cursor = m.cursor;
      } else if (arenas.length) {
        arena = 0;
        cursor = arenas[0]!.start;
      }
    },
    scope() {
      const m = kernels.mark();
      return { close: () => kernels.release(m) };
    },
    writeF64(values) {
      const at = kernels.alloc(values.length * 8);
      new Float64Array(exports.memory.buffer, at, values.length).set(values);
      return at;
    },
    writeI32(values) {
      const at = kernels.alloc(values.length * 4);
      new Int32Array(exports.memory.buffer, at, values.length).set(values);
      return at;
    },
    writeU32(values) {
      const at = kernels.alloc(values.length * 4);
      new Uint32Array(exports.memory.buffer, at, values.length).set(values);
      return at;
    },
  };
  return kernels;
}
