// Entry point of build/kernels.wasm: every kernel module's exports (raw bindings, stub runtime).
// Each JS backend instantiates its own copy, so the heaps of different kernels never mix.

// Circuit search: masked forward passes (src/backends/wasm.ts). Its JS side sub-allocates one
// block from alloc() and never calls reset(); its own scratch is static memory.
export { evaluateCombinations, lastExactRedos, maxLayers } from './forward';
// Grounding counts of many circuits per call (src/backends/wasm-grounding.ts countCircuits).
export { groundCircuitBatch } from './ground-circuits';

// Grounding (src/backends/wasm-grounding.ts).
export { alloc, reset, mark, release } from './heap';
export {
  groundingPrepare,
  groundingCount,
  groundingOverflow,
  groundingError,
  groundingDistinct,
  groundingIterStart,
  groundingIterRestore,
  groundingIterNext,
} from './grounding';

// Training: mini-batch AdamW epochs and accuracy (src/train/wasm-engine.ts, own instance).
export { trainEpoch, countCorrect } from './train';
