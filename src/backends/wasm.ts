/**
 * The Wasm backend: the three kernels in AssemblyScript (assembly/), on one module instance of
 * its own. Circuit search in SIMD (fast mode with an exact redo near rounding boundaries),
 * grounding counts by dynamic programming, interchange interventions; every result is
 * bit-identical to the TS reference. What the kernels cannot take (a layout past their limits, a
 * count past 64 bits) the TS reference answers inside a request.
 */
import { evaluateCircuitsTs } from './ts.ts';
import { countRequest, inChunks } from './requests.ts';
import type { Backend } from './types.ts';
import { evaluateCircuitsWasm, wasmSupportsModel } from './wasm-circuits.ts';
import { causalGroundingsWasm } from './wasm-criteria.ts';
import { groundingKernels } from './wasm-grounding.ts';
import { validityTablesWasm } from './wasm-interventions.ts';
import { instantiateWasmModule, type WasmModule } from './wasm-module.ts';

/** Options of {@link createWasmBackend}. */
export interface WasmBackendOptions {
  /**
   * Evaluate circuits in fast mode (float32x4, four rows per vector) and redo only the circuits
   * it cannot decide exactly; `false` runs exact mode throughout. Results are identical either
   * way (default true).
   */
  readonly fastMode?: boolean;
}

/** The Wasm backend. */
export interface WasmBackend extends Backend {
  readonly name: 'wasm';
  /**
   * The kernel instance, for tools that look inside (tests, benchmarks); not a stable API.
   * @internal
   */
  readonly module: WasmModule;
}

/** Creates a Wasm backend on a fresh kernel instance; rejects where WebAssembly SIMD is missing. */
export async function createWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackend> {
  const module = await instantiateWasmModule();
  const fastMode = options.fastMode ?? true;
  const grounding = groundingKernels(module);
  return {
    name: 'wasm',
    label: fastMode ? 'wasm' : 'wasm (exact mode)',
    module,
    kernelExtensions: { ablation: true },
    async evaluateCircuits(request) {
      const supported = wasmSupportsModel(module, request.model);
      const perfect = await inChunks(request, (start, end) =>
        supported ? evaluateCircuitsWasm(module, { ...request, start, end }, fastMode) : evaluateCircuitsTs({ ...request, start, end }),
      );
      return supported
        ? { perfect, ranOn: 'wasm' }
        : { perfect, ranOn: 'ts', fallback: `the model's layers exceed the Wasm kernels' limits (${module.layout.maxLayers} layers, ${module.layout.maxPackedEdges} edges per layer)` };
    },
    async countGroundings(request) {
      return { ...countRequest(grounding, request), ranOn: 'wasm' };
    },
    async validityTables(request) {
      return { tables: validityTablesWasm(module, request), ranOn: 'wasm' };
    },
    async causalGroundings(request) {
      return { circuits: causalGroundingsWasm(module, request), ranOn: 'wasm' };
    },
    dispose() {},
  };
}
