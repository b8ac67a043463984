/**
 * `mi-ident/train`: deterministic, seeded training of main.py's models (data, initialisation,
 * AdamW, the training loop), on Wasm with a bit-identical TypeScript reference. Browser-safe.
 * @packageDocumentation
 * @module mi-ident/train
 */
export { streamRng, uniform, shuffleInPlace, sampleWithoutReplacement, NormalSampler, type Rng } from './rng.ts';
export { detLog } from './det-math.ts';
export { gateData, drawRows, toRows, type TrainingSet, type GateDataOptions } from './data.ts';
export { initModel, packParameters, unpackParameters, parameterCount, DEFAULT_SLOPE } from './params.ts';
export { trainModel, type TrainOptions, type TrainResult, type TrainEngineChoice, type StopReason } from './train.ts';
export type { TrainEngine, EngineSetup, AdamWOptions } from './engine.ts';
export { createReferenceEngine } from './reference.ts';
export { createWasmEngine } from './wasm-engine.ts';
