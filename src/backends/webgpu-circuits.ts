/**
 * Circuit search on the GPU (shaders/forward.wgsl): one dispatch evaluates a batch of circuits on
 * every data row, the GPU reduces each circuit to a decision and compacts the indices of the
 * perfect ones, and only those indices come back. They arrive in completion order, so they are
 * sorted here into enumeration order. Circuits whose float32 arithmetic overflowed come back
 * marked and are decided by the TS reference. Requests with ablation values
 * (`CircuitRequest.ablation`) send each row's replacement values along (binding 6).
 */
import { evaluateCircuitsTs } from './ts.ts';
import type { CircuitRequest } from './types.ts';
import { requiredCount } from '../data.ts';
import { encodeCombinations, encodeModel, encodeRows, f32Bits, fastPathHolds } from './webgpu-data.ts';
import type { GpuContext } from './webgpu-device.ts';
import { GpuLimitError, USAGE, dataBuffer, kernel, newStats, readWords, withErrorScopes, workgroupGrid, type GpuStats, type Kernel, type KernelOverrides } from './webgpu-kernels.ts';

/** A circuit request without the progress and cancellation hooks (the caller chunks). */
type GpuCircuitRequest = Omit<CircuitRequest, 'signal' | 'onProgress'>;

/** Tuning of the GPU circuit search (`WebGpuBackendOptions.kernel`); results never depend on it. */
export interface CircuitKernelOptions extends KernelOverrides {
  /** Circuit-row evaluations per dispatch (default 2^25): bounds each dispatch's run time. */
  readonly workPerDispatch?: number;
}

/** FOUND_RECHECK in shaders/forward.wgsl. */
const RECHECK = 0x80000000;
/** Entries read back with the header; more need a second readback. */
const FIRST_READ = 4096;
/** `found` header: entry count, exact-path rows. */
const HEADER = 2;

/** The perfect circuits of the request, in enumeration order (as `evaluateCircuitsTs`); `stats` counts the work. */
export async function evaluateCircuitsGpu(
  ctx: GpuContext, request: GpuCircuitRequest, options: CircuitKernelOptions = {}, stats: GpuStats = newStats(),
): Promise<Float64Array> {
  const { start, end, rows, accuracyThreshold } = request;
  const need = requiredCount(rows.total, accuracyThreshold);
  if (end <= start || need > rows.total) return new Float64Array(0); // nothing can beat the threshold
  const k = await kernel(ctx, 'evaluateCircuits', options);
  const maxWords = Math.floor(Math.min(ctx.device.limits.maxStorageBufferBindingSize, ctx.device.limits.maxBufferSize) / 4);
  const found: number[] = [];
  // Each circuit appends at most one entry, so a piece no larger than the output buffer never overflows it.
  for (let from = start; from < end; from += maxWords - HEADER) {
    const to = Math.min(end, from + maxWords - HEADER);
    for (const entry of await searchPiece(ctx, k, request, need, from, to, options, stats)) {
      const index = from + (entry & ~RECHECK);
      if (!(entry & RECHECK) || evaluateCircuitsTs({ ...request, start: index, end: index + 1 }).length) found.push(index);
    }
  }
  return Float64Array.from(found).sort();
}

/** Checks that a buffer of `words` u32 fits the device's binding limit. */
function fits(ctx: GpuContext, words: number, what: string): void {
  const bytes = words * 4;
  if (bytes > ctx.device.limits.maxStorageBufferBindingSize || bytes > ctx.device.limits.maxBufferSize) {
    throw new GpuLimitError(`the ${what} (${bytes.toLocaleString('en-US')} bytes) exceed the device's storage buffer limit`);
  }
}

/** Runs circuits `[from, to)` and returns the raw entries (indices relative to `from`). */
async function searchPiece(
  ctx: GpuContext, k: Kernel, request: GpuCircuitRequest, need: number, from: number, to: number, options: CircuitKernelOptions,
  stats: GpuStats,
): Promise<Uint32Array> {
  const { device } = ctx;
  const { space, rows, model, ablation } = request;
  const tables = encodeCombinations(space, from, to);
  const modelWords = encodeModel(model);
  const rowWords = encodeRows(rows);
  // Without ablation the binding holds one unread word.
  const replacement = ablation ? f32Bits(ablation.values) : new Uint32Array(1);
  fits(ctx, tables.choices.length, 'edge-mask tables');
  fits(ctx, tables.combos.length, 'combination tables');
  fits(ctx, rowWords.length, 'data rows');
  fits(ctx, replacement.length, 'replacement values');
  const count = to - from;
  const capacity = count;
  const nRows = rows.weight.length;
  const perDispatch = dispatchSize(device, k, nRows, options.workPerDispatch ?? 2 ** 25);
  const fast = fastPathHolds(model, rows.x, ablation?.values) ? 1 : 0;
  const buffers: GPUBuffer[] = [];
  const found = await withErrorScopes(ctx, 'dispatching the circuit kernel', () => {
    const storage = (data: Uint32Array, label: string) => {
      const b = dataBuffer(device, data, USAGE.STORAGE, label);
      buffers.push(b);
      return b;
    };
    const shared = [
      { binding: 1, resource: { buffer: storage(modelWords, 'model') } },
      { binding: 2, resource: { buffer: storage(rowWords, 'rows') } },
      { binding: 3, resource: { buffer: storage(tables.combos, 'combinations') } },
      { binding: 4, resource: { buffer: storage(tables.choices, 'edge masks') } },
      { binding: 6, resource: { buffer: storage(replacement, 'replacement values') } },
    ];
    const out = device.createBuffer({ label: 'found', size: (HEADER + capacity) * 4, usage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST });
    buffers.push(out);
    device.queue.writeBuffer(out, 0, new Uint32Array(HEADER)); // the counters
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(k.pipeline);
    for (let base = 0; base < count; base += perDispatch) {
      const n = Math.min(perDispatch, count - base);
      const grid = workgroupGrid(device, n, k.workgroupSize);
      const params = Uint32Array.of(tables.first + base, base, n, tables.nCombos, nRows, rows.total, need, capacity, grid.x, fast, ablation ? 1 : 0);
      const uniform = dataBuffer(device, params, USAGE.UNIFORM, 'params');
      buffers.push(uniform);
      pass.setBindGroup(0, device.createBindGroup({
        layout: k.pipeline.getBindGroupLayout(0),
        entries: [{ binding: 0, resource: { buffer: uniform } }, ...shared, { binding: 5, resource: { buffer: out } }],
      }));
      pass.dispatchWorkgroups(grid.x, grid.y);
    }
    pass.end();
    device.queue.submit([encoder.finish()]);
    return out;
  });
  try {
    const head = await readWords(ctx, found, 0, HEADER + Math.min(capacity, FIRST_READ));
    const n = head[0]!;
    stats.circuitRows += count * nRows;
    stats.exactRows += head[1]!;
    if (n <= FIRST_READ) return head.subarray(HEADER, HEADER + n);
    const rest = await readWords(ctx, found, HEADER + FIRST_READ, n - FIRST_READ);
    const all = new Uint32Array(n);
    all.set(head.subarray(HEADER));
    all.set(rest, FIRST_READ);
    return all;
  } finally {
    for (const b of buffers) b.destroy();
  }
}

/** Circuits per dispatch: about `work` circuit-row evaluations, within the grid limits. */
function dispatchSize(device: GPUDevice, k: Kernel, nRows: number, work: number): number {
  const maxGroups = device.limits.maxComputeWorkgroupsPerDimension;
  const maxInvocations = k.workgroupSize * maxGroups * maxGroups;
  return Math.max(k.workgroupSize, Math.min(maxInvocations, Math.floor(work / Math.max(1, nRows))));
}

