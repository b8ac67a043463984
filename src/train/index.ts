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
export { trainModel, type TrainOptions, type TrainResult, type TrainEngineChoice, type StopReason, type RngMode } from './train.ts';
export type { TrainEngine, EngineSetup, AdamWOptions } from './engine.ts';
export { createReferenceEngine } from './reference.ts';
export { createWasmEngine } from './wasm-engine.ts';
export { MT19937 } from './reference-rng/mt19937.ts';
export { PythonRandom } from './reference-rng/python-random.ts';
export { NumpyRandomState, pairwiseSum, numpyMean } from './reference-rng/numpy-random.ts';
export { TorchGenerator, linearInitBounds } from './reference-rng/torch-random.ts';
export { crLog } from './reference-rng/cr-log.ts';
export { crPowInt } from './reference-rng/cr-pow.ts';
export { fma32 } from './fma.ts';
export { addNumpyNoise, referenceGateData, rowProbabilities, type NoiseKernel, type ReferenceDataOptions } from './reference-data.ts';
export { wasmNoiseKernel } from './wasm-noise.ts';
export { initModelTorch } from './params.ts';
export { createTorchEngine, adamwScalars, type TorchEngine, type TorchEngineSetup, type AdamWScalars } from './torch-engine.ts';
export { createWasmTorchEngine, type TorchKernel } from './wasm-torch-engine.ts';
export { fmaTrainerAvailable, relaxedSimdAvailable } from './wasm-fma.ts';
