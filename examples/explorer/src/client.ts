/**
 * The page's side of the worker: requests with ids, progress callbacks, and a cancel that always
 * works (it terminates the worker, whatever it is doing, and starts a fresh one).
 */
import type { Envelope, Reply, Request } from './protocol.ts';

/** The request was cancelled from the page. */
export class CancelledError extends Error {
  override name = 'CancelledError';
  constructor() {
    super('cancelled');
  }
}

/** An error raised in the worker, with its original name (e.g. `InputError`, `ModelFormatError`). */
export class WorkerError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export type ProgressHandler = (stage: string, done: number, total: number, note?: string) => void;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onProgress?: ProgressHandler;
}

export class WorkerClient {
  private worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  /** `factory` starts a worker (again after each cancel). */
  constructor(private readonly factory: () => Worker) {
    this.worker = this.start();
  }

  /** Sends `request`; resolves with the worker's answer. */
  request<T>(request: Request, onProgress?: ProgressHandler): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress });
      this.worker.postMessage({ id, request } satisfies Envelope);
    });
  }

  /** Stops everything in flight (those requests reject with {@link CancelledError}). */
  cancel(): void {
    this.worker.terminate();
    this.failAll(() => new CancelledError());
    this.worker = this.start();
  }

  private start(): Worker {
    const worker = this.factory();
    worker.onmessage = (e: MessageEvent<Reply>) => this.receive(e.data);
    // A worker that fails to load or crashes outright: nothing else will answer.
    worker.onerror = (e) => {
      e.preventDefault();
      this.failAll(() => new WorkerError('WorkerError', `the analysis worker failed: ${e.message || 'it could not start'}`));
    };
    return worker;
  }

  private receive(reply: Reply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    if (reply.kind === 'progress') {
      p.onProgress?.(reply.stage, reply.done, reply.total, reply.note);
      return;
    }
    this.pending.delete(reply.id);
    if (reply.kind === 'done') p.resolve(reply.value);
    else p.reject(new WorkerError(reply.name, reply.message));
  }

  private failAll(error: () => Error): void {
    for (const p of this.pending.values()) p.reject(error());
    this.pending.clear();
  }
}
