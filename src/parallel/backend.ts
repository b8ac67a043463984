/**
 * Parallelism as a backend: requests big enough to pay for it are cut into contiguous pieces in
 * enumeration order, run on a pool of workers (Node worker threads or browser Web Workers, one
 * code path), and their results concatenated in piece order, so the answer is exactly the
 * single-thread one. Smaller requests, and the interventions, run on the calling thread, as do the
 * pieces of a request that comes while the workers are still starting.
 */
import { createTsBackend } from '../backends/ts.ts';
import { concat } from '../backends/requests.ts';
import { createWasmBackend } from '../backends/wasm.ts';
import type { Backend, CircuitRequest, CircuitResult, GroundingRequest, GroundingResult, KernelRun } from '../backends/types.ts';
import { checkAborted, type LongRunOptions } from '../progress.ts';
import { splitRange, type WorkerPool } from './pool.ts';
import type { SpaceKey, Task, TaskResult, WorkerKernels } from './tasks.ts';
import type { CircuitSpace } from '../circuits/space.ts';

/** Options of {@link createParallelBackend}. */
export interface ParallelBackendOptions {
  /** The kernels the workers (and the calling thread) run (default 'wasm'). */
  readonly kernels?: WorkerKernels;
  /**
   * The worker pool, or a function called on first use, when a request is big enough to need it.
   * The pool stays the caller's: this backend never terminates it.
   */
  readonly pool: WorkerPool | (() => WorkerPool);
  /**
   * Circuit requests with fewer circuits than this stay on the calling thread (default 100,000).
   * On 2 cores a pool of two gains little below a few million circuits and 1.4-1.7x above
   * (`node --import tsx bench/pieces.ts`, docs/performance.md); 0 sends every request to the
   * workers.
   */
  readonly minParallelCircuits?: number;
}

/** Below these sizes a request stays on the calling thread: shipping it would cost more. */
const MIN_PARALLEL_CIRCUITS = 100_000;
const MIN_PARALLEL_GROUNDINGS = 4_000;
/** Largest piece of a circuit range, so progress keeps coming on long searches. */
const MAX_PIECE_CIRCUITS = 1 << 22;
/** While the workers start, the calling thread lets their ready messages in after this much work. */
const YIELD_MS = 20;

/** A backend that runs the CPU kernels on a worker pool. */
export async function createParallelBackend(options: ParallelBackendOptions): Promise<Backend> {
  const kernels = options.kernels ?? 'wasm';
  const minCircuits = options.minParallelCircuits ?? MIN_PARALLEL_CIRCUITS;
  const local = kernels === 'wasm' ? await createWasmBackend() : createTsBackend();
  let pool: WorkerPool | null = typeof options.pool === 'function' ? null : options.pool;
  const poolNow = () => (pool ??= (options.pool as () => WorkerPool)());

  return {
    name: local.name,
    // Ablated circuit requests travel to the workers like plain ones.
    ...(local.kernelExtensions ? { kernelExtensions: local.kernelExtensions } : {}),
    get label() {
      return pool ? `${local.label} on ${pool.size} workers` : `${local.label}, with a worker pool for large requests`;
    },
    async evaluateCircuits(request: CircuitRequest): Promise<CircuitResult> {
      const total = request.end - request.start;
      if (total < minCircuits) return local.evaluateCircuits(request);
      const p = poolNow();
      const ranges = splitRange(total, Math.max(p.size * 4, Math.ceil(total / MAX_PIECE_CIRCUITS)));
      const { model, space, rows, accuracyThreshold, ablation } = request;
      const spaceKey = spaceKeyOf(space);
      // A piece's request, on this thread (with the space) or as a worker's task (with its key).
      const piece = ([a, b]: [number, number]) => ({ model, rows, accuracyThreshold, start: request.start + a, end: request.start + b, ...(ablation ? { ablation } : {}) });
      const results = await inPieces(p, request, 'circuits', ranges, (r) => local.evaluateCircuits({ ...piece(r), space }), (r) => ({
        kind: 'circuits', kernels, space: spaceKey, ...piece(r),
      }));
      const parts = results as CircuitResult[];
      return { perfect: concat(parts.map((r) => r.perfect)), ...mergeRuns(parts) };
    },
    async countGroundings(request: GroundingRequest): Promise<GroundingResult> {
      const { indices } = request;
      if (indices.length < MIN_PARALLEL_GROUNDINGS) return local.countGroundings(request);
      const p = poolNow();
      const { model, space, inputs } = request;
      const spaceKey = spaceKeyOf(space);
      const distinct = request.distinct ?? false;
      const piece = ([a, b]: [number, number]) => ({ model, indices: indices.slice(a, b), inputs, distinct });
      const results = await inPieces(p, request, 'groundings', splitRange(indices.length, p.size * 4), (r) => local.countGroundings({ ...piece(r), space }), (r) => ({
        kind: 'groundings', kernels, space: spaceKey, ...piece(r),
      }));
      const parts = results as GroundingResult[];
      return {
        counts: parts.flatMap((r) => r.counts),
        ...(distinct ? { distinct: parts.flatMap((r) => r.distinct ?? []) } : {}),
        ...mergeRuns(parts),
      };
    },
    validityTables: (request) => local.validityTables(request),
    dispose() {
      local.dispose();
    },
  };
}

/**
 * Runs one task per range with at most two per worker in flight (so cancellation and progress
 * happen between pieces), and returns the results in range order. While the pool's workers are
 * still starting (a first request), the calling thread takes the pieces itself (`here`), so the
 * request does not wait for them; it looks again between pieces, letting events in every
 * {@link YIELD_MS} of work (a worker's ready message among them), and hands the rest to the
 * workers once one has started.
 */
async function inPieces(
  pool: WorkerPool,
  options: LongRunOptions,
  stage: string,
  ranges: readonly [number, number][],
  here: (range: [number, number]) => Promise<TaskResult>,
  taskOf: (range: [number, number]) => Task,
): Promise<TaskResult[]> {
  const results = new Array<TaskResult>(ranges.length);
  const total = ranges.length ? ranges[ranges.length - 1]![1] - ranges[0]![0] : 0;
  let next = 0;
  let done = 0;
  let since = performance.now();
  while (next < ranges.length && pool.starting) {
    checkAborted(options.signal);
    const i = next++;
    results[i] = await here(ranges[i]!);
    done += ranges[i]![1] - ranges[i]![0];
    options.onProgress?.({ stage, done, total });
    if (performance.now() - since >= YIELD_MS) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      since = performance.now();
    }
  }
  const lane = async () => {
    while (next < ranges.length) {
      checkAborted(options.signal);
      const i = next++;
      try {
        results[i] = await pool.run(taskOf(ranges[i]!));
      } catch (e) {
        next = ranges.length; // the other lanes stop after their current piece
        throw e;
      }
      done += ranges[i]![1] - ranges[i]![0];
      options.onProgress?.({ stage, done, total });
    }
  };
  await Promise.all(Array.from({ length: Math.min(ranges.length - next, pool.size * 2) }, lane));
  return results;
}

/** One run for several pieces: the first fallback, if any piece had one. */
function mergeRuns(parts: readonly KernelRun[]): KernelRun {
  const fallen = parts.find((r) => r.fallback);
  return fallen ? { ranOn: fallen.ranOn, fallback: fallen.fallback! } : { ranOn: parts[0]?.ranOn ?? 'wasm' };
}

/** What a worker needs to have the space: its shape, and its edge lists when they are shared. */
function spaceKeyOf(space: CircuitSpace): SpaceKey {
  const lists = space.sharedEdgeLists();
  return { layerSizes: space.layerSizes, minSparsity: space.minSparsity, ...(lists ? { lists } : {}) };
}
