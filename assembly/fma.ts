// Entry point of build/kernels-fma.wasm, compiled with relaxed SIMD: the reference trainer on the
// hardware's fused multiply-add (train-torch-fma.ts) and what its engine needs besides
// (src/train/wasm-torch-engine.ts). Engines without relaxed SIMD reject this module and train with
// build/kernels.wasm's fused kernel instead, to the same bits.
export { alloc, reset, mark, release } from './heap';
export { fmaIsFused, torchFmaBatches, torchFmaScratchBytes, torchFmaStageBytes } from './train-torch-fma';
export { torchCountCorrect } from './train-torch';
export { torchRandperm } from './torch-randperm';
