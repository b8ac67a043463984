/**
 * The work a worker can do, as plain structured-cloneable messages, and the function that does it:
 * one kernel request on the worker's own CPU backend. The same code runs in Node worker_threads
 * and browser Web Workers (no Node built-ins here).
 */
import type { CircuitSpace, SharedEdgeLists } from '../circuits/space.ts';
import { sharedCircuitSpace } from '../circuits/space-cache.ts';
import type { WeightedRows } from '../data.ts';
import type { GroundingInputs } from '../grounding.ts';
import type { Model } from '../model.ts';
import { createWasmBackend } from '../backends/wasm.ts';
import { createTsBackend } from '../backends/ts.ts';
import type { Backend, CircuitAblation, CircuitResult, GroundingResult } from '../backends/types.ts';

/** The CPU kernels a worker runs. */
export type WorkerKernels = 'ts' | 'wasm';

/** What identifies a circuit space: workers rebuild (and cache) it from this. */
export interface SpaceKey {
  readonly layerSizes: readonly number[];
  readonly minSparsity: number;
  /** The space's edge lists in shared memory, when it has them: used without a copy. */
  readonly lists?: SharedEdgeLists;
}

/** Evaluate circuits `[start, end)`: the backend's {@link CircuitResult}. */
export interface CircuitTask {
  readonly kind: 'circuits';
  readonly kernels: WorkerKernels;
  readonly model: Model;
  readonly space: SpaceKey;
  readonly rows: WeightedRows;
  readonly accuracyThreshold: number;
  readonly start: number;
  readonly end: number;
  /** Replacement values of pruned parts (`CircuitRequest.ablation`). */
  readonly ablation?: CircuitAblation;
}

/** Count the groundings of circuits `indices` (ascending): the backend's {@link GroundingResult}. */
export interface GroundingTask {
  readonly kind: 'groundings';
  readonly kernels: WorkerKernels;
  readonly model: Model;
  readonly space: SpaceKey;
  readonly indices: readonly number[];
  readonly inputs: GroundingInputs;
  readonly distinct: boolean;
}

export type Task = CircuitTask | GroundingTask;
export type TaskResult = CircuitResult | GroundingResult;

/**
 * Messages between the pool and its workers. A worker answers each task with its id, and posts
 * `{ id: 0, ready: true }` once it has started (its modules loaded), so that the pool knows
 * which workers can take work now.
 */
export type ToWorker = { id: number; task: Task };
export type FromWorker = { id: number; result?: TaskResult; error?: { name: string; message: string }; ready?: true };

const backends = new Map<WorkerKernels, Promise<Backend>>();

/** The space for a key, built once per worker while it is in use (building a wide space takes a while). */
function spaceFor(key: SpaceKey): CircuitSpace {
  return sharedCircuitSpace(key.layerSizes, key.minSparsity, undefined, key.lists);
}

function backendFor(kernels: WorkerKernels): Promise<Backend> {
  let b = backends.get(kernels);
  if (!b) backends.set(kernels, (b = kernels === 'wasm' ? createWasmBackend() : Promise.resolve(createTsBackend())));
  return b;
}

/**
 * The model and rows of the last task, so that the pieces of one request reach the kernels as
 * the same objects: each message arrives as a new copy, and what the kernels derive from a model
 * and its rows (the fast mode's decision margins, whose cost grows with the rows) is cached by
 * identity: derived once per request, not once per piece.
 */
let lastModel: Model | null = null;
let lastRows: WeightedRows | null = null;

const sameFloats = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
};

/** `model`, or the last task's model when it has the same layers, weights, biases and slope. */
function sameModel(model: Model): Model {
  const last = lastModel;
  const same = last !== null
    && Object.is(last.negativeSlope, model.negativeSlope)
    && sameFloats(last.layerSizes, model.layerSizes)
    && last.weights.every((w, l) => sameFloats(w, model.weights[l]!))
    && last.biases.every((b, l) => sameFloats(b, model.biases[l]!));
  return same ? last : (lastModel = model);
}

/** `rows`, or the last task's rows when they hold the same rows, labels and weights. */
function sameRows(rows: WeightedRows): WeightedRows {
  const last = lastRows;
  const same = last !== null
    && last.nInputs === rows.nInputs && last.nOutputs === rows.nOutputs && last.total === rows.total
    && sameFloats(last.weight, rows.weight) && sameFloats(last.x, rows.x) && sameFloats(last.y, rows.y);
  return same ? last : (lastRows = rows);
}

/** Runs one task (in a worker). */
export async function runTask(task: Task): Promise<TaskResult> {
  const space = spaceFor(task.space);
  const backend = await backendFor(task.kernels);
  const model = sameModel(task.model);
  if (task.kind === 'circuits') {
    const { accuracyThreshold, start, end, ablation } = task;
    const rows = sameRows(task.rows);
    return backend.evaluateCircuits({ model, space, start, end, rows, accuracyThreshold, ...(ablation ? { ablation } : {}) });
  }
  const { indices, inputs, distinct } = task;
  return backend.countGroundings({ model, space, indices, inputs, distinct });
}
