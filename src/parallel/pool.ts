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

interface Slot {
  worker: WorkerLike;
  /** Tasks sent and not answered. */
  busy: number;
  /** Whether it has started: posted its ready message, or answered a task. */
  ready: boolean;
}

/**
 * How long after a pool is made its workers count as starting while none has said it is ready:
 * a worker module that never posts the ready message still gets work after this.
 */
const STARTUP_GRACE_MS = 10_000;

/** A fixed set of workers; tasks go to the least busy one of those that have started. */
export class WorkerPool {
  readonly size: number;
  private readonly workers: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readyCount = 0;
  private readonly madeAt = Date.now();
  /** Why the pool can take no more tasks: a worker failed, or the pool was terminated. */
  private failure: Error | null = null;
  private allStarted!: () => void;
  private startFailed!: (error: Error) => void;
  private readonly started = new Promise<void>((resolve, reject) => {
    this.allStarted = resolve;
    this.startFailed = reject;
  });

  /** Starts `size` workers from `factory` (e.g. `nodeWorkerFactory()` or `() => new Worker(url, { type: 'module' })`). */
  constructor(factory: () => WorkerLike, size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a worker pool needs at least 1 worker, got ${size}`);
    this.size = size;
    this.started.catch(() => {}); // a failure is the caller's to see only if it waits (whenStarted)
    for (let i = 0; i < size; i++) {
      const worker = factory();
      const slot: Slot = { worker, busy: 0, ready: false };
      worker.onmessage = ({ data }) => this.settle(slot, data);
      worker.onerror = (e) => this.failAll(new BackendUnavailableError(`a worker failed: ${(e as Error)?.message ?? String(e)}`));
      this.workers.push(slot);
    }
  }

  /** How many workers have started (said they are ready, or answered a task). */
  get ready(): number {
    return this.readyCount;
  }

  /**
   * Whether the workers are still starting: none has said it is ready since the pool was made, a
   * moment ago. A request then does better on its calling thread than waiting for them.
   */
  get starting(): boolean {
    return this.failure === null && this.readyCount === 0 && Date.now() - this.madeAt < STARTUP_GRACE_MS;
  }

  /**
   * Resolves once every worker has started: to have the workers take even a first request, or to
   * time runs without their start-up. Rejects if a worker fails or the pool is terminated first.
   */
  whenStarted(): Promise<void> {
    return this.started;
  }

  /** Runs one task on the least busy worker of those that have started (of all, while none has). */
  run(task: Task): Promise<TaskResult> {
    // A failed worker's error stays the answer: a task sent to it would wait for ever.
    if (this.failure) return Promise.reject(this.failure);
    const started = this.readyCount > 0 ? this.workers.filter((w) => w.ready) : this.workers;
    const slot = started.reduce((a, b) => (b.busy < a.busy ? b : a));
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

  private settle(slot: Slot, message: FromWorker): void {
    if (!slot.ready) {
      slot.ready = true;
      if (++this.readyCount === this.size) this.allStarted();
    }
    if (message.ready) return;
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
    this.failure ??= error;
    this.startFailed(error);
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
