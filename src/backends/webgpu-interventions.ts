/**
 * Interchange interventions on the GPU (shaders/intervene.wgsl): for formulas that share the
 * model, the sample pairs and the candidate neuron sets, one dispatch runs every (candidate, pair)
 * intervention and reduces, per (formula node, candidate), to "valid for every pair". Same
 * contract as `validityTable` in src/mappings.ts; when the arithmetic overflowed float32, that
 * function computes the tables instead.
 */
import { hiddenNeurons, validityTable, type HighLevelTable, type PairInputs } from '../mappings.ts';
import type { Model } from '../model.ts';
import { GPU_MAX_MASK_BITS, encodeModel, f32Bits, fastPathHolds, modelProblem } from './webgpu-data.ts';
import type { GpuContext } from './webgpu-device.ts';
import { GpuLimitError, USAGE, dataBuffer, kernel, newStats, readWords, withErrorScopes, workgroupGrid, type GpuStats, type KernelOverrides } from './webgpu-kernels.ts';

/** Why the intervention kernel cannot take this model and these pairs (null when it can). */
export function interventionProblem(model: Model, pairs: PairInputs): string | null {
  const general = modelProblem(model);
  if (general) return general;
  if (hiddenNeurons(model).length >= GPU_MAX_MASK_BITS) return `candidate sets are u32 masks: at most ${GPU_MAX_MASK_BITS - 1} hidden neurons`;
  const inputs = [...pairs.sources, ...pairs.bases];
  if (inputs.some((v) => !Number.isFinite(v))) return 'the sample inputs are infinite in float32';
  return null;
}

/** The validity table of each high-level table, as `validityTable` computes it; `stats` counts the work. */
export async function validityTablesGpu(
  ctx: GpuContext,
  model: Model,
  tables: readonly HighLevelTable[],
  pairs: PairInputs,
  candidates: Uint32Array,
  options: KernelOverrides = {},
  stats: GpuStats = newStats(),
): Promise<Uint8Array[]> {
  const nNodes = tables.reduce((a, t) => a + t.nNodes, 0);
  const nCand = candidates.length;
  const { nPairs } = pairs;
  if (nNodes === 0 || nCand === 0 || nPairs === 0) return tables.map((t) => validityTable(model, t, pairs, candidates));
  const { device } = ctx;
  const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize) / 4;
  if (nNodes * nCand > limit || nNodes * nPairs > limit) {
    if (tables.length > 1) {
      // Too many formulas for one buffer: halve the batch.
      const half = Math.ceil(tables.length / 2);
      return [
        ...(await validityTablesGpu(ctx, model, tables.slice(0, half), pairs, candidates, options, stats)),
        ...(await validityTablesGpu(ctx, model, tables.slice(half), pairs, candidates, options, stats)),
      ];
    }
    throw new GpuLimitError(`one formula's validity table (${nNodes * nCand} entries) exceeds the device's storage buffer limit`);
  }
  const k = await kernel(ctx, 'intervene', options);
  const nIn = model.layerSizes[0]!;
  const pairWords = new Uint32Array(2 * nIn * nPairs);
  const sources = f32Bits(pairs.sources);
  const bases = f32Bits(pairs.bases);
  for (let p = 0; p < nPairs; p++) {
    pairWords.set(sources.subarray(p * nIn, (p + 1) * nIn), 2 * nIn * p);
    pairWords.set(bases.subarray(p * nIn, (p + 1) * nIn), 2 * nIn * p + nIn);
  }
  const expected = new Uint32Array(nNodes * nPairs);
  let at = 0;
  for (const t of tables) {
    expected.set(t.expected, at);
    at += t.expected.length;
  }
  const grid = workgroupGrid(device, nCand * nPairs, k.workgroupSize);
  const fast = fastPathHolds(model, [...pairs.sources, ...pairs.bases]) ? 1 : 0;
  const buffers: GPUBuffer[] = [];
  const [valid, status] = await withErrorScopes(ctx, 'dispatching the intervention kernel', () => {
    const buffer = (data: Uint32Array, usage: number, label: string) => {
      const b = dataBuffer(device, data, usage, label);
      buffers.push(b);
      return b;
    };
    const readWrite = USAGE.STORAGE | USAGE.COPY_SRC;
    const validBuffer = buffer(new Uint32Array(nNodes * nCand).fill(1), readWrite, 'valid');
    const statusBuffer = buffer(new Uint32Array(2), readWrite, 'status');
    const resources = [
      buffer(Uint32Array.of(nPairs, nCand, nNodes, grid.x, fast), USAGE.UNIFORM, 'params'),
      buffer(encodeModel(model), USAGE.STORAGE, 'model'),
      buffer(pairWords, USAGE.STORAGE, 'pairs'),
      buffer(candidates, USAGE.STORAGE, 'candidates'),
      buffer(expected, USAGE.STORAGE, 'expected'),
      validBuffer,
      statusBuffer,
    ];
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(k.pipeline);
    pass.setBindGroup(0, device.createBindGroup({
      layout: k.pipeline.getBindGroupLayout(0),
      entries: resources.map((b, binding) => ({ binding, resource: { buffer: b } })),
    }));
    pass.dispatchWorkgroups(grid.x, grid.y);
    pass.end();
    device.queue.submit([encoder.finish()]);
    return [validBuffer, statusBuffer] as const;
  });
  try {
    const [flags, bits] = await Promise.all([readWords(ctx, status, 0, 2), readWords(ctx, valid, 0, nNodes * nCand)]);
    stats.interventions += nCand * nPairs;
    stats.exactInterventions += flags[1]!;
    if (flags[0]) return tables.map((t) => validityTable(model, t, pairs, candidates)); // float32 overflow: the CPU decides
    const out: Uint8Array[] = [];
    let from = 0;
    for (const t of tables) {
      out.push(Uint8Array.from(bits.subarray(from, from + t.nNodes * nCand)));
      from += t.nNodes * nCand;
    }
    return out;
  } finally {
    for (const b of buffers) b.destroy();
  }
}
