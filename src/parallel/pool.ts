/**
 * A pool of workers that run {@link Task}s, and the deterministic split/merge that makes a
 * parallel run give exactly the single-thread result: work is cut into contiguous pieces in
 * enumeration order and the pieces' results are concatenated in that order.
 */
import { BackendUnavailableError } from '../errors.ts';
import type { FromWorker, Task, TaskResult, ToWorker } from './tasks.ts';

/** The part of a Web Worker / Node worker the pool uses (Node workers are adapted to this). */
export interface WorkerLike {
  postMessage(message: ToWorker): void;
  onmessage: ((event: { data: FromWorker }) => void) | null;
  onerror: ((error: unknown) => void) | null;
  terminate(): unknown;
}

interface Pending {
  resolve(result: TaskResult): void;
  reject(error: Error): void;
}

/** A fixed set of workers; tasks go to the least busy one. */
export class WorkerPool {
  readonly size: number;
  private readonly workers: { worker: WorkerLike; busy: number }[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  /** Starts `size` workers from `factory` (e.g. `nodeWorkerFactory()` or `() => new Worker(url, { type: 'module' })`). */
  constructor(factory: () => WorkerLike, size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a worker pool needs at least 1 worker, got ${size}`);
    this.size = size;
    for (let i = 0; i < size; i++) {
      const worker = factory();
      const slot = { worker, busy: 0 };
      worker.onmessage = ({ data }) => this.settle(slot, data);
      worker.onerror = (e) => this.failAll(new BackendUnavailableError(`a worker failed: ${(e as Error)?.message ?? String(e)}`));
      this.workers.push(slot);
    }
  }

  /** Runs one task on the least busy worker. */
  run(task: Task): Promise<TaskResult> {
    const slot = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.nextId++;
    slot.busy++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ id, task });
    });
  }

  /** Stops every worker; pending tasks are rejected. */
  terminate(): void {
    for (const { worker } of this.workers) worker.terminate();
    this.failAll(new Error('the worker pool was terminated'));
  }

  private settle(slot: { busy: number }, message: FromWorker): void {
    slot.busy--;
    const p = this.pending.get(message.id);
    if (!p) return;
    this.pending.delete(message.id);
    if (message.error) {
      const e = new Error(message.error.message);
      e.name = message.error.name;
      p.reject(e);
    } else p.resolve(message.result!);
  }

  private failAll(error: Error): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}

/** Cuts `[0, total)` into about `pieces` contiguous ranges, in order. */
export function splitRange(total: number, pieces: number): [number, number][] {
  const n = Math.max(1, Math.min(pieces, total));
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const start = Math.floor((total * i) / n);
    const end = Math.floor((total * (i + 1)) / n);
    if (end > start) out.push([start, end]);
  }
  return out;
}
