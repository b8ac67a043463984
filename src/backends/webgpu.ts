/**
 * The WebGPU backend: circuit search (shaders/forward.wgsl) and interchange-intervention validity
 * tables (shaders/intervene.wgsl) on a GPUDevice, with decisions bit-identical to the TS reference
 * (exact float32 emulation, shaders/softfloat.wgsl).
 *
 * It never gives a wrong answer and never hangs: a request the kernels cannot take (limits, a model
 * too large, values infinite in float32) or a GPU failure (device lost, validation or memory
 * error) is computed by the Wasm backend (or the TS one where Wasm is missing) instead, with one
 * clear warning per reason, and the result says which backend ran it and why. After a device loss
 * every later request goes to the CPU. Grounding counts (Boolean truth-table work) run on the CPU
 * backend by design.
 */
import { BackendUnavailableError } from '../errors.ts';
import { evaluateCircuitsAblated } from './ablation.ts';
import { createTsBackend } from './ts.ts';
import { inChunks } from './requests.ts';
import type { Backend, BackendName, CausalGroundingRequest, CausalGroundingResult, CircuitRequest, CircuitResult, GroundingRequest, GroundingResult, ValidityRequest, ValidityResult } from './types.ts';
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
  /**
   * The CPU backend that counts groundings and answers what the GPU cannot (default: a Wasm
   * backend, or the TS one where Wasm is missing). The WebGPU backend disposes it.
   */
  readonly cpu?: Backend | Promise<Backend>;
}

/** A backend on a GPUDevice. */
export interface WebGpuBackend extends Backend {
  readonly name: 'webgpu';
  readonly adapter: AdapterSummary;
  readonly device: GPUDevice;
  /** Work done on the GPU so far, and how much of it the exact path had to decide. */
  readonly stats: Readonly<GpuStats>;
}

/** Circuits per GPU request: large, so dispatches stay full, yet progress and cancellation still come. */
const GPU_CIRCUIT_CHUNK = 1 << 22;

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

/** A circuit request on the CPU backend (ablated ones through the TS reference where it has no ablation kernel). */
function onCpu(cpu: Backend, request: CircuitRequest): Promise<CircuitResult> {
  return request.ablation ? evaluateCircuitsAblated(cpu, request) : cpu.evaluateCircuits(request);
}

class GpuBackend implements WebGpuBackend {
  readonly name = 'webgpu';
  /** The circuit kernel takes ablation values (shaders/forward.wgsl); its CPU fallback does too. */
  readonly kernelExtensions = { ablation: true } as const;
  private readonly cpu: Promise<Backend>;
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
    this.cpu = Promise.resolve(options.cpu ?? createWasmBackend().catch(() => createTsBackend()));
    this.cpu.catch(() => {});
  }

  get label(): string {
    return `webgpu on ${adapterName(this.ctx.adapter)}`;
  }

  get adapter(): AdapterSummary {
    return this.ctx.adapter;
  }

  get device(): GPUDevice {
    return this.ctx.device;
  }

  async evaluateCircuits(request: CircuitRequest): Promise<CircuitResult> {
    const problem = circuitProblem(request.model, request.rows);
    if (problem !== null) {
      // Past the kernels' limits: the whole request on the CPU (which chunks it itself).
      const r = await this.guarded('circuit search', problem, () => Promise.reject(new Error(problem)), async (cpu) => (await onCpu(cpu, request)).perfect);
      return { perfect: r.value, ranOn: r.ranOn, ...(r.fallback ? { fallback: r.fallback } : {}) };
    }
    let run: { ranOn: BackendName; fallback?: string } = { ranOn: 'webgpu' };
    const perfect = await inChunks(
      request,
      async (start, end) => {
        const piece = { ...request, start, end, onProgress: undefined };
        const r = await this.guarded('circuit search', null, () => evaluateCircuitsGpu(this.ctx, piece, this.options.kernel, this.stats), async (cpu) => (await onCpu(cpu, piece)).perfect);
        if (r.fallback) run = { ranOn: r.ranOn, fallback: r.fallback };
        return r.value;
      },
      GPU_CIRCUIT_CHUNK,
    );
    return { perfect, ...run };
  }

  /** Groundings are Boolean truth-table work: the CPU backend counts them, by design. */
  async countGroundings(request: GroundingRequest): Promise<GroundingResult> {
    return (await this.cpu).countGroundings(request);
  }

  /** On the CPU backend's kernels, as the groundings; every circuit left to the TS reference where it has none. */
  async causalGroundings(request: CausalGroundingRequest): Promise<CausalGroundingResult> {
    const cpu = await this.cpu;
    if (cpu.causalGroundings) return cpu.causalGroundings(request);
    return { circuits: request.indices.map(() => null), ranOn: 'ts', fallback: `the ${cpu.name} CPU backend has no causal grounding kernel: grounding-causal and grounding-distinct ran on the TS reference` };
  }

  async validityTables(request: ValidityRequest): Promise<ValidityResult> {
    const { model, tables, pairs, candidates } = request;
    const r = await this.guarded(
      'interchange interventions',
      interventionProblem(model, pairs),
      () => validityTablesGpu(this.ctx, model, tables, pairs, candidates, this.options.kernel, this.stats),
      async (cpu) => (await cpu.validityTables(request)).tables,
    );
    return { tables: r.value, ranOn: r.ranOn, ...(r.fallback ? { fallback: r.fallback } : {}) };
  }

  dispose(): void {
    // The device is the caller's or shared by this realm's backends: it stays, unless it was
    // acquired from a caller's `gpu`, which makes it this backend's alone.
    void this.cpu.then((b) => b.dispose(), () => {});
    if (this.options.gpu && !this.options.device) this.ctx.device.destroy();
  }

  /** Runs `gpu` unless there is a reason not to, else (or when it fails) the CPU path, with a warning. */
  private async guarded<T>(
    what: string,
    problem: string | null,
    gpu: () => Promise<T>,
    onCpu: (cpu: Backend) => Promise<T>,
  ): Promise<{ value: T; ranOn: BackendName; fallback?: string }> {
    let reason = problem ?? this.ctx.lostReason();
    if (reason === null) {
      try {
        return { value: await this.exclusive(gpu), ranOn: 'webgpu' };
      } catch (e) {
        // A loss noticed first by this request reads the same as on the requests after it.
        reason = e instanceof GpuLostError || e instanceof GpuLimitError ? e.message : `the GPU failed (${(e as Error).message})`;
      }
    }
    const cpu = await this.cpu;
    const fallback = `WebGPU ${what} on ${adapterName(this.ctx.adapter)}: ${reason}; computing it with the ${cpu.name} backend instead`;
    this.warn(fallback);
    return { value: await onCpu(cpu), ranOn: cpu.name, fallback };
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  private warn(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    (this.options.onWarning ?? ((m: string) => console.warn(`mi-ident: ${m}`)))(message);
  }
}
