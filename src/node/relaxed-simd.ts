/**
 * Turns on WebAssembly relaxed SIMD where this Node has it behind a flag (Node 20's V8 11.3; it is
 * on by default from Node 22), so that the reference trainer can step on the hardware's fused
 * multiply-add (src/train/wasm-fma.ts). Call it before the first training starts: kernels compiled
 * earlier keep the features they were compiled with. V8's flags are the process's, so worker
 * threads started later have it too.
 */
import { setFlagsFromString } from 'node:v8';
import { relaxedSimdAvailable } from '../train/wasm-fma.ts';

/** Enables relaxed SIMD if it is missing; returns whether it is available now. */
export function enableRelaxedSimd(): boolean {
  if (relaxedSimdAvailable()) return true;
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  return relaxedSimdAvailable();
}
