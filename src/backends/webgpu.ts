/**
 * The WebGPU backend: circuit search (shaders/forward.wgsl) and interchange-intervention validity
 * tables (shaders/intervene.wgsl) on a GPUDevice, with decisions bit-identical to the TS reference
 * (exact float32 emulation, shaders/softfloat.wgsl).
 *
 * It never gives a wrong answer and never hangs: a request the kernels cannot take (limits, a model
 * too large, values infinite in float32) or a GPU failure (device lost, validation or memory
 * error) is computed by the Wasm backend (or the TS one where Wasm is missing) instead, with one
 * clear warning per reason. After a device loss every later request goes to the CPU.
 */
import { BackendUnavailableError } from '../errors.ts';
import { validityTable, type ValidityTablesFn } from '../mappings.ts';
import { createTsBackend } from './ts.ts';
import type { Backend, BackendName, CircuitEvaluationRequest } from './types.ts';
import { createWasmBackend } from './wasm.ts';
import { circuitProblem } from './webgpu-data.ts';
import { evaluateCircuitsGpu, type CircuitKernelOptions } from './webgpu-circuits.ts';
import { acquireGpu, adapterName, gpuContext, GpuLostError, type AdapterSummary, type GpuContext } from './webgpu-device.ts';
import { interventionProblem, validityTablesGpu } from './webgpu-interventions.ts';
import { GpuLimitError, kernel, newStats, type GpuStats } from './webgpu-kernels.ts';

export { adapterName, type AdapterSummary } from './webgpu-device.ts';
export type { GpuStats } from './webgpu-kernels.ts';

/** Options of {@link createWebGpuBackend}. */
export interface WebGpuBackendOptions {
  /** A device to run on. The caller keeps it: it is never destroyed here. Default: acquire one. */
  readonly device?: GPUDevice;
  /** When acquiring: accept a software adapter such as SwiftShader (default true). */
  readonly allowFallbackAdapter?: boolean;
  /** When acquiring: the GPU to request the adapter from (default `navigator.gpu`, or Dawn in Node). */
  readonly gpu?: GPU;
  /** Receives the fallback messages (default: `console.warn`). */
  readonly onWarning?: (message: string) => void;
  /** Kernel tuning (workgroup size, early exit, work per dispatch); results never depend on it. */
  readonly kernel?: CircuitKernelOptions;
}

/** A backend on a GPUDevice, which also computes the mapping search's validity tables. */
export interface WebGpuBackend extends Backend {
  /** `'webgpu'` while every request ran on the GPU, else the name of the CPU backend that helped. */
  readonly name: BackendName;
  readonly adapter: AdapterSummary;
  readonly device: GPUDevice;
  /** Validity tables of several formulas in one dispatch (for `mappingSearchAsync`). */
  readonly validityTables: ValidityTablesFn;
  /** Work done on the GPU so far, and how much of it the exact path had to decide. */
  readonly stats: Readonly<GpuStats>;
}

/** Whether `backend` is a WebGPU backend (and so computes validity tables too). */
export function isWebGpuBackend(backend: Backend): backend is WebGpuBackend {
  return typeof (backend as Partial<WebGpuBackend>).validityTables === 'function';
}

/**
 * Creates a WebGPU backend on `options.device`, or on a device acquired from `navigator.gpu`
 * (browsers) or Dawn (Node). Rejects with a {@link BackendUnavailableError} saying why when no
 * suitable adapter exists.
 */
export async function createWebGpuBackend(options: WebGpuBackendOptions = {}): Promise<WebGpuBackend> {
  const ctx = options.device ? gpuContext(options.device, false) : await acquireGpu({ allowFallback: options.allowFallbackAdapter ?? true, gpu: options.gpu });
  const lost = ctx.lostReason();
  if (lost) throw new BackendUnavailableError(lost);
  return new GpuBackend(ctx, options);
}

class GpuBackend implements WebGpuBackend {
  private cpu: Promise<Backend> | undefined;
  private cpuName: BackendName | undefined;
  private readonly warned = new Set<string>();
  /** GPU requests run one at a time (the error scopes and buffers assume it). */
  private queue: Promise<unknown> = Promise.resolve();
  readonly stats: GpuStats = newStats();

  constructor(
    private readonly ctx: GpuContext,
    private readonly options: WebGpuBackendOptions,
  ) {
    // Compile both kernels in the background now: the first request then waits less.
    for (const name of ['evaluateCircuits', 'intervene'] as const) kernel(ctx, name, options.kernel).catch(() => {});
  }

  get name(): BackendName {
    return this.cpuName ?? 'webgpu';
  }

  get adapter(): AdapterSummary {
    return this.ctx.adapter;
  }

  get device(): GPUDevice {
    return this.ctx.device;
  }

  async evaluateCircuits(request: CircuitEvaluationRequest): Promise<Uint32Array> {
    return this.guarded(
      'circuit search',
      circuitProblem(request.model, request.rows),
      () => evaluateCircuitsGpu(this.ctx, request, this.options.kernel, this.stats),
      async () => {
        const cpu = await this.cpuBackend();
        return { by: cpu.name, run: () => cpu.evaluateCircuits(request) };
      },
    );
  }

  readonly validityTables: ValidityTablesFn = (model, tables, pairs, candidates) =>
    this.guarded(
      'interchange interventions',
      interventionProblem(model, pairs),
      () => validityTablesGpu(this.ctx, model, tables, pairs, candidates, this.options.kernel, this.stats),
      // No Wasm kernel for interventions: the TS reference computes them.
      async () => ({ by: 'ts', run: async () => tables.map((t) => validityTable(model, t, pairs, candidates)) }),
    );

  dispose(): void {
    // The device is the caller's or shared by this realm's backends: it stays, unless it was
    // acquired from a caller's `gpu`, which makes it this backend's alone.
    void this.cpu?.then((b) => b.dispose(), () => {});
    if (this.options.gpu && !this.options.device) this.ctx.device.destroy();
  }

  /** Runs `gpu` unless there is a reason not to, else (or when it fails) the CPU path, with a warning. */
  private async guarded<T>(
    what: string,
    problem: string | null,
    gpu: () => Promise<T>,
    cpu: () => Promise<{ by: BackendName; run: () => Promise<T> }>,
  ): Promise<T> {
    let reason = problem ?? this.ctx.lostReason();
    if (reason === null) {
      try {
        return await this.exclusive(gpu);
      } catch (e) {
        // A loss noticed first by this request reads the same as on the requests after it.
        reason = e instanceof GpuLostError || e instanceof GpuLimitError ? e.message : `the GPU failed (${(e as Error).message})`;
      }
    }
    const fallback = await cpu();
    this.cpuName ??= fallback.by;
    this.warn(`WebGPU ${what} on ${adapterName(this.ctx.adapter)}: ${reason}; computing it with the ${fallback.by} backend instead`);
    return fallback.run();
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  private async cpuBackend(): Promise<Backend> {
    this.cpu ??= createWasmBackend().catch(() => createTsBackend());
    return this.cpu;
  }

  private warn(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    (this.options.onWarning ?? ((m: string) => console.warn(`mi-ident: ${m}`)))(message);
  }
}
