/**
 * The WGSL kernels as compute pipelines, and the small helpers every dispatch needs: buffers from
 * data, error scopes, 1-D work spread over a 2-D grid of workgroups, and readback that fails
 * rather than hangs when the device is lost. Shader text comes from src/generated/shaders.ts
 * (embedded by scripts/build.mjs), so Node and browsers compile the same source.
 */
import { BackendUnavailableError } from '../errors.ts';
import type { GpuContext } from './webgpu-device.ts';

// GPUBufferUsage / GPUMapMode values: not globals in Node, so spelled out (WebGPU spec).
export const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const;
const MAP_READ = 0x1;

/** Pipeline-overridable constants of the kernels. */
export interface KernelOverrides {
  /** Invocations per workgroup (default 64). */
  readonly workgroupSize?: number;
  /** Circuit kernel: stop a circuit's rows once its decision is known (default true). */
  readonly earlyExit?: boolean;
  /** Try the certified native-f32 path before the exact emulation (default true). */
  readonly fastPath?: boolean;
  /** Tests only: scale every fast-path result by (1 + fastSkew) to stress its error bound (default 0). */
  readonly fastSkew?: number;
}

/** Buffers too large for the device: the request is computed on the CPU instead. */
export class GpuLimitError extends Error {
  override name = 'GpuLimitError';
}

/** Counters of the work done, for benchmarks and tests (they accumulate). */
export interface GpuStats {
  /** Circuit-row pairs a circuit kernel was asked for (early exit may skip some). */
  circuitRows: number;
  /** Rows the exact path decided because the fast path's bound could not. */
  exactRows: number;
  /** (candidate set, sample pair) interventions run, and those the exact path decided. */
  interventions: number;
  exactInterventions: number;
}

/** Fresh counters. */
export function newStats(): GpuStats {
  return { circuitRows: 0, exactRows: 0, interventions: 0, exactInterventions: 0 };
}

/** The kernels' entry points and the WGSL files each is built from, in order. */
const KERNELS = {
  evaluateCircuits: ['limits.wgsl', 'softfloat.wgsl', 'mlp.wgsl', 'forward.wgsl'],
  intervene: ['limits.wgsl', 'softfloat.wgsl', 'mlp.wgsl', 'intervene.wgsl'],
} as const;

export type KernelName = keyof typeof KERNELS;

/** A compiled kernel and its workgroup size. */
export interface Kernel {
  readonly pipeline: GPUComputePipeline;
  readonly workgroupSize: number;
}

let shaderSources: Promise<Readonly<Record<string, string>>> | undefined;

function loadShaders(): Promise<Readonly<Record<string, string>>> {
  shaderSources ??= import('../generated/shaders.ts').then(
    (m) => m.SHADERS,
    (e: Error) => {
      shaderSources = undefined;
      throw new BackendUnavailableError(`the WGSL shaders are not built (run \`npm run build\`): ${e.message}`);
    },
  );
  return shaderSources;
}

/** The WGSL source of a kernel: its files concatenated (WGSL has no includes). */
export async function kernelSource(name: KernelName): Promise<string> {
  const sources = await loadShaders();
  return KERNELS[name].map((f) => sources[f] ?? '').join('\n');
}

const pipelines = new WeakMap<GPUDevice, Map<string, Promise<Kernel>>>();

/** The compiled kernel for this device and overrides (compiled once, then cached). */
export function kernel(ctx: GpuContext, name: KernelName, overrides: KernelOverrides = {}): Promise<Kernel> {
  const workgroupSize = overrides.workgroupSize ?? 64;
  const constants: Record<string, number> = { workgroupSize, fastPath: overrides.fastPath === false ? 0 : 1, fastSkew: overrides.fastSkew ?? 0 };
  if (name === 'evaluateCircuits') constants.earlyExit = overrides.earlyExit === false ? 0 : 1;
  const key = `${name} ${JSON.stringify(constants)}`;
  let byKey = pipelines.get(ctx.device);
  if (!byKey) pipelines.set(ctx.device, (byKey = new Map()));
  let pending = byKey.get(key);
  if (!pending) {
    pending = compile(ctx, name, constants).then((pipeline) => ({ pipeline, workgroupSize }));
    pending.catch(() => byKey!.delete(key));
    byKey.set(key, pending);
  }
  return pending;
}

async function compile(ctx: GpuContext, name: KernelName, constants: Record<string, number>): Promise<GPUComputePipeline> {
  const { device } = ctx;
  const module = device.createShaderModule({ label: name, code: await kernelSource(name) });
  const info = await raceLost(ctx, module.getCompilationInfo());
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length) {
    throw new Error(`WGSL ${name} does not compile: ${errors.map((m) => `line ${m.lineNum}: ${m.message}`).join('; ')}`);
  }
  try {
    return await raceLost(ctx, device.createComputePipelineAsync({ label: name, layout: 'auto', compute: { module, entryPoint: name, constants } }));
  } catch (e) {
    throw new Error(`WebGPU could not create the ${name} pipeline: ${(e as Error).message}`);
  }
}

/**
 * Runs the synchronous `fn` (buffer creation, encoding, submission) inside validation,
 * out-of-memory and internal error scopes, and rejects with the first error they caught. The
 * scopes are pushed and popped around synchronous code only, so concurrent operations on the
 * device cannot interleave with them.
 */
export async function withErrorScopes<T>(ctx: GpuContext, what: string, fn: () => T): Promise<T> {
  const { device } = ctx;
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('internal');
  let value: T | undefined;
  let thrown: unknown;
  try {
    value = fn();
  } catch (e) {
    thrown = e;
  }
  const popped = Promise.all([device.popErrorScope(), device.popErrorScope(), device.popErrorScope()]);
  const errors = await raceLost(ctx, popped);
  const at = errors.findIndex((e) => e !== null);
  // Popped innermost first: the kind tells a memory shortage from a bug.
  if (at >= 0) throw new Error(`WebGPU ${['internal', 'out-of-memory', 'validation'][at]} error while ${what}: ${errors[at]!.message}`);
  if (thrown !== undefined) throw thrown;
  return value as T;
}

/**
 * `promise`, or a rejection as soon as the device is lost. Not `Promise.race([promise,
 * ctx.lost])`: each race leaves a reaction on the never-settling `lost` that keeps its result
 * alive, about 350 bytes a GPU call for as long as the device lives (the soak test found it).
 */
export function raceLost<T>(ctx: GpuContext, promise: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const stop = ctx.onLost(reject);
    promise.then(
      (value) => (stop(), resolve(value)),
      (error) => (stop(), reject(error)),
    );
  });
}

/** A buffer holding `data` (storage or uniform), padded to a multiple of 16 bytes. */
export function dataBuffer(device: GPUDevice, data: Uint32Array, usage: number, label: string): GPUBuffer {
  const size = Math.max(16, Math.ceil(data.byteLength / 16) * 16);
  const buffer = device.createBuffer({ label, size, usage: usage | USAGE.COPY_DST });
  device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  return buffer;
}

/** A 1-D count of invocations as a 2-D workgroup grid within the device's per-dimension limit. */
export function workgroupGrid(device: GPUDevice, invocations: number, workgroupSize: number): { x: number; y: number } {
  const groups = Math.max(1, Math.ceil(invocations / workgroupSize));
  const max = device.limits.maxComputeWorkgroupsPerDimension;
  const y = Math.ceil(groups / max);
  if (y > max) throw new Error(`${invocations} invocations exceed the device's dispatch limits`);
  return { x: Math.ceil(groups / y), y };
}

/** Copies `words` u32 of `source` (from word `offset`) to the CPU. */
export async function readWords(ctx: GpuContext, source: GPUBuffer, offset: number, words: number): Promise<Uint32Array> {
  const { device } = ctx;
  const bytes = Math.max(4, words * 4);
  const staging = device.createBuffer({ label: 'readback', size: Math.ceil(bytes / 4) * 4, usage: USAGE.MAP_READ | USAGE.COPY_DST });
  try {
    const encoder = device.createCommandEncoder();
    encoder.copyBufferToBuffer(source, offset * 4, staging, 0, bytes);
    device.queue.submit([encoder.finish()]);
    await raceLost(ctx, staging.mapAsync(MAP_READ));
    return new Uint32Array(staging.getMappedRange().slice(0, words * 4));
  } finally {
    staging.destroy();
  }
}
