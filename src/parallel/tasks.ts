/**
 * The work a worker can do, as plain structured-cloneable messages, and the function that does it.
 * The same code runs in Node worker_threads and browser Web Workers (no Node built-ins here).
 */
import { CircuitSpace } from '../circuits/space.ts';
import type { WeightedRows } from '../data.ts';
import type { Model } from '../model.ts';
import { createWasmBackend } from '../backends/wasm.ts';
import { createTsBackend } from '../backends/ts.ts';
import { countGroundingsFor } from '../grounding-runner.ts';
import type { Backend } from '../backends/types.ts';

/** What identifies a circuit space: workers rebuild (and cache) it from this. */
export interface SpaceKey {
  readonly layerSizes: readonly number[];
  readonly minSparsity: number;
}

/** Evaluate circuits `[start, end)`: returns the indices that beat the threshold. */
export interface CircuitTask {
  readonly kind: 'circuits';
  readonly backend: 'ts' | 'wasm';
  readonly model: Model;
  readonly space: SpaceKey;
  readonly rows: WeightedRows;
  readonly accuracyThreshold: number;
  readonly start: number;
  readonly end: number;
}

/** Count the groundings of circuits `indices` (ascending): returns one bigint per index. */
export interface GroundingTask {
  readonly kind: 'groundings';
  readonly backend: 'ts' | 'wasm';
  readonly model: Model;
  readonly space: SpaceKey;
  readonly indices: readonly number[];
  readonly groundInputs: readonly (readonly number[])[];
}

export type Task = CircuitTask | GroundingTask;
export type TaskResult = Uint32Array | bigint[];

/** Messages between the pool and its workers. */
export type ToWorker = { id: number; task: Task };
export type FromWorker = { id: number; result?: TaskResult; error?: { name: string; message: string } };

const spaces = new Map<string, CircuitSpace>();
const backends = new Map<string, Promise<Backend>>();

/** The space for a key, built once per worker (building a wide space takes a while). */
export function spaceFor(key: SpaceKey): CircuitSpace {
  const id = `${key.layerSizes.join('-')}|${key.minSparsity}`;
  let space = spaces.get(id);
  if (!space) {
    space = new CircuitSpace(key.layerSizes, { minSparsity: key.minSparsity });
    spaces.set(id, space);
  }
  return space;
}

function backendFor(name: 'ts' | 'wasm'): Promise<Backend> {
  let b = backends.get(name);
  if (!b) backends.set(name, (b = name === 'wasm' ? createWasmBackend() : Promise.resolve(createTsBackend())));
  return b;
}

/** Runs one task (in a worker, or inline when there is no pool). */
export async function runTask(task: Task): Promise<TaskResult> {
  const space = spaceFor(task.space);
  if (task.kind === 'circuits') {
    const backend = await backendFor(task.backend);
    return backend.evaluateCircuits({
      model: task.model, space, start: task.start, end: task.end, rows: task.rows, accuracyThreshold: task.accuracyThreshold,
    });
  }
  const { counts } = await countGroundingsFor(task.model, space, task.indices, task.groundInputs, { backend: task.backend });
  return counts;
}
