/**
 * One instance of the AssemblyScript kernels (build/kernels.wasm, embedded as base64 by
 * scripts/build.mjs so Node and browsers load it the same way), its bump heap, and the boundary
 * constants read from the module itself (assembly/layout.ts). The exports are typed from the
 * declaration asc generates, so a kernel signature change fails the type check here.
 */
import { BackendUnavailableError } from '../errors.ts';
import type { KernelExports } from '../generated/kernels-api.js';
import type { WasmWriter } from './wasm-layout.ts';

export type { KernelExports } from '../generated/kernels-api.js';

/** The limits, status codes and record layouts of the kernels, as the module exports them. */
export interface WasmLayout {
  readonly maxLayers: number;
  readonly maxPackedEdges: number;
  readonly maxWidth: number;
  readonly combo: { readonly bytes: number; readonly nodeMasks: number; readonly counts: number; readonly choices: number; readonly count: number; readonly offset: number };
  readonly grounding: {
    readonly maxInputs: number;
    readonly problemVersion: number;
    readonly headerWords: number;
    readonly neuronWords: number;
    readonly errTooLarge: number;
    readonly ok: number;
    readonly overflow: number;
    readonly fallback: number;
    /** A count past 64 bits held in `wideLimbs` u64 limbs. */
    readonly wide: number;
    readonly wideLimbs: number;
  };
  readonly maxInterventionNeurons: number;
}

/** A kernel instance: its exports, layout and heap. Each backend owns one. */
export interface WasmModule extends WasmWriter {
  readonly exports: KernelExports;
  readonly layout: WasmLayout;
  /** The current memory (re-read after any allocation: growing memory detaches old views). */
  memory(): WebAssembly.Memory;
  /** Allocates `bytes` (16-byte aligned) and returns the address. */
  alloc(bytes: number): number;
  /** A mark released by `close()`: everything allocated in between is freed. */
  scope(): { close(): void };
  /**
   * Frees the heap, for a new grounding problem: everything but the {@link retained} block.
   */
  reset(): void;
  /** Incremented by every {@link reset} (and when the retained block changes). */
  readonly generation: number;
  /**
   * A block that survives {@link reset}, for one `key` at a time (the circuit space being
   * searched: its combination table is written once, not after every grounding call). For a new
   * key the whole heap is freed, `write` runs on the empty heap, and what it allocated is kept
   * until another key is retained.
   */
  retained<T>(key: object, write: () => T): T;
  /** The key of the retained block (null: none). */
  readonly retainedKey: object | null;
}

/** The bytes of build/kernels.wasm and the hash of the sources they were built from. */
export async function embeddedKernels(): Promise<{ bytes: Uint8Array<ArrayBuffer>; sourceHash: string }> {
  let generated: typeof import('../generated/kernels-wasm.ts');
  try {
    generated = await import('../generated/kernels-wasm.ts');
  } catch (e) {
    throw new BackendUnavailableError(`the Wasm kernels are not built (run \`npm run build\`): ${(e as Error).message}`);
  }
  const bytes = base64Bytes(generated.KERNELS_WASM_BASE64);
  return { bytes, sourceHash: generated.KERNELS_SOURCE_HASH };
}

/** The bytes of an embedded module (base64, as scripts/build.mjs writes them). */
export function base64Bytes(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
}

/** What the AssemblyScript kernels import: abort, as an error with its source position. */
export const KERNEL_IMPORTS = {
  env: {
    abort(_msg: number, _file: number, line: number, column: number): never {
      throw new Error(`Wasm kernel aborted at ${line}:${column}`);
    },
  },
};

let compiled: Promise<WebAssembly.Module> | undefined;

/** The compiled module (once per realm; instances are cheap). */
function compiledKernels(): Promise<WebAssembly.Module> {
  compiled ??= embeddedKernels()
    .then(({ bytes }) => WebAssembly.compile(bytes))
    .catch((e: unknown) => {
      compiled = undefined;
      if (e instanceof BackendUnavailableError) throw e;
      throw new BackendUnavailableError(`the Wasm kernels could not be loaded (WebAssembly SIMD is required): ${(e as Error).message}`);
    });
  return compiled;
}

/** A fresh instance of the kernels; rejects with a clear error where WebAssembly SIMD is missing. */
export async function instantiateWasmModule(): Promise<WasmModule> {
  const module = await compiledKernels();
  const instance = await WebAssembly.instantiate(module, KERNEL_IMPORTS);
  const exports = instance.exports as unknown as KernelExports;
  let generation = 0;
  let floor = exports.mark() >>> 0; // reset() frees down to here: above the retained block
  let retainedKey: object | null = null;
  let retainedValue: unknown;
  return {
    exports,
    layout: readLayout(exports),
    memory: () => exports.memory,
    // usize results are unsigned: `>>> 0` keeps addresses past 2 GiB positive.
    alloc: (bytes) => exports.alloc(bytes) >>> 0,
    scope() {
      const m = exports.mark() >>> 0;
      return { close: () => exports.release(m) };
    },
    reset() {
      exports.release(floor);
      generation++;
    },
    retained<T>(key: object, write: () => T): T {
      if (retainedKey === key) return retainedValue as T;
      exports.reset();
      generation++;
      retainedKey = null; // if write throws, nothing is kept
      const value = write();
      floor = exports.mark() >>> 0;
      retainedKey = key;
      retainedValue = value;
      return value;
    },
    get generation() {
      return generation;
    },
    get retainedKey() {
      return retainedKey;
    },
  };
}

/** Reads the boundary constants the module exports (Wasm globals). */
function readLayout(e: KernelExports): WasmLayout {
  return {
    maxLayers: e.MAX_LAYERS.value,
    maxPackedEdges: e.MAX_PACKED_EDGES.value,
    maxWidth: e.MAX_WIDTH.value,
    combo: {
      bytes: e.COMBO_BYTES.value,
      nodeMasks: e.COMBO_NODE_MASKS.value,
      counts: e.COMBO_COUNTS.value,
      choices: e.COMBO_CHOICES.value,
      count: e.COMBO_COUNT.value,
      offset: e.COMBO_OFFSET.value,
    },
    grounding: {
      maxInputs: e.MAX_GROUNDING_INPUTS.value,
      problemVersion: e.PROBLEM_VERSION.value,
      headerWords: e.PROBLEM_HEADER_WORDS.value,
      neuronWords: e.PROBLEM_NEURON_WORDS.value,
      errTooLarge: e.ERR_TOO_LARGE.value,
      ok: e.GROUND_OK.value,
      overflow: e.GROUND_OVERFLOW.value,
      fallback: e.GROUND_FALLBACK.value,
      wide: e.GROUND_WIDE.value,
      wideLimbs: e.WIDE_COUNT_LIMBS.value,
    },
    maxInterventionNeurons: e.MAX_INTERVENTION_NEURONS.value,
  };
}
