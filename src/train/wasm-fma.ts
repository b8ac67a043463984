/**
 * The reference trainer on the hardware's fused multiply-add: build/kernels-fma.wasm
 * (assembly/fma.ts), a module compiled with WebAssembly relaxed SIMD. Its f32x4.relaxed_madd
 * rounds once where the CPU has a fused multiply-add and the engine uses it (V8 on x86-64 with
 * FMA3, and on ARM64), which is torch's arithmetic; the kernel itself checks that on every call.
 * Where relaxed SIMD is missing (Node 20 without `--experimental-wasm-relaxed-simd`, some browsers)
 * or rounds twice, the trainer uses build/kernels.wasm's fused kernel: the same bits, slower.
 */
import { base64Bytes, KERNEL_IMPORTS } from '../backends/wasm-module.ts';
import type { FmaKernelExports } from '../generated/kernels-fma-api.js';

export type { FmaKernelExports } from '../generated/kernels-fma-api.js';

// (module (func (result v128) (f32x4.relaxed_madd (v128.const 0) (v128.const 0) (v128.const 0)))).
const zeros = (): number[] => [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
const PROBE_BODY = [0x00, ...zeros(), ...zeros(), ...zeros(), 0xfd, 0x85, 0x02, 0x0b];
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // types: [] -> [v128]
  0x03, 0x02, 0x01, 0x00, // one function of type 0
  0x0a, PROBE_BODY.length + 2, 0x01, PROBE_BODY.length, ...PROBE_BODY, // its code
]);

/** Whether this engine validates WebAssembly relaxed SIMD (a module of one f32x4.relaxed_madd). */
export function relaxedSimdAvailable(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(RELAXED_PROBE);
}

let compiled: Promise<WebAssembly.Module | null> | undefined;

/**
 * The compiled fma kernels with their multiply-add checked to round once, or null where relaxed
 * SIMD is missing or rounds twice (once per realm; instances are cheap).
 */
function compiledFmaKernels(): Promise<WebAssembly.Module | null> {
  compiled ??= (async () => {
    if (!relaxedSimdAvailable()) return null;
    let generated: typeof import('../generated/kernels-fma-wasm.ts');
    try {
      generated = await import('../generated/kernels-fma-wasm.ts');
    } catch {
      return null; // not built: the fused kernel of kernels.wasm trains instead
    }
    try {
      const module = await WebAssembly.compile(base64Bytes(generated.FMA_KERNELS_WASM_BASE64));
      const probe = await instantiate(module);
      const zero = probe.alloc(16) >>> 0;
      new Float32Array(probe.memory.buffer, zero, 4).fill(0);
      return probe.fmaIsFused(zero) ? module : null;
    } catch {
      return null; // an engine that validates relaxed SIMD but cannot run this module: the fused kernel
    }
  })();
  return compiled;
}

async function instantiate(module: WebAssembly.Module): Promise<FmaKernelExports> {
  return (await WebAssembly.instantiate(module, KERNEL_IMPORTS)).exports as unknown as FmaKernelExports;
}

/** A fresh instance of the fma kernels, or null where they cannot give torch's bits (see the module's doc). */
export async function instantiateFmaKernels(): Promise<FmaKernelExports | null> {
  const module = await compiledFmaKernels();
  return module ? instantiate(module) : null;
}

/** Whether the reference trainer steps on the hardware's fused multiply-add in this realm. */
export async function fmaTrainerAvailable(): Promise<boolean> {
  return (await compiledFmaKernels()) !== null;
}
