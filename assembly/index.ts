// Entry point of build/kernels.wasm: every kernel, the heap, and the boundary constants (layout.ts)
// that JS reads at run time. Each backend instantiates its own copy (src/backends/wasm-module.ts).

// The limits, status codes and record layouts JS needs, as Wasm globals.
export * from './layout';

// The bump heap (one per instance): reset() forgets everything, mark/release scope a call.
export { alloc, reset, mark, release } from './heap';

// Circuit search: masked forward passes (src/backends/wasm-circuits.ts).
export { evaluateCombinations, lastExactRedos, lastPrunedCircuits, setTailPruning } from './forward';

// Grounding counts of many circuits per call (src/backends/wasm-grounding.ts).
export { groundCircuitBatch } from './ground-circuits';

// Causal grounding counts and distinct gate dicts of many circuits per call (src/backends/wasm-criteria.ts).
export { groundCausalBatch } from './ground-causal';

// Grounding of one problem: count, distinct gate dicts, enumeration (src/backends/wasm-grounding.ts).
export {
  groundingPrepare,
  groundingCount,
  groundingCountWide,
  groundingOverflow,
  groundingError,
  groundingDistinct,
  groundingIterStart,
  groundingIterRestore,
  groundingIterNext,
} from './grounding';

// Interchange interventions (src/backends/wasm-interventions.ts).
export { interventionOutputs } from './intervene';

// Training: mini-batch AdamW epochs and accuracy (src/train/wasm-engine.ts, its own instance).
export { trainEpoch, countCorrect } from './train';

// The reference trainer: torch 1.13's arithmetic (src/train/wasm-torch-engine.ts, its own instance).
export { torchBatches, torchCountCorrect } from './train-torch';

// The reference trainer's fused kernel (the same bits, laid out for throughput).
export { torchFusedBatches, torchFusedScratchBytes, torchFusedStageBytes } from './train-torch-fused';

// torch.randperm for the reference trainer's epochs (src/train/wasm-torch-engine.ts).
export { torchRandperm } from './torch-randperm';

// numpy's legacy Gaussian input noise for the reference data (src/train/wasm-noise.ts, its own instance).
export { numpyNoise } from './numpy-noise';
