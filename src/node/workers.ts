/** Node worker threads for {@link WorkerPool}: the same worker module the browser uses. */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { WorkerPool, type WorkerLike } from '../parallel/pool.ts';

/**
 * A factory of worker threads running src/parallel/worker (the compiled .js next to this file,
 * or the .ts source through tsx when running from source).
 */
export function nodeWorkerFactory(): () => WorkerLike {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(`../parallel/worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  return () => {
    const worker = fromSource
      ? new Worker(new URL('./tsx-worker.mjs', import.meta.url), { workerData: { entry: url.href } })
      : new Worker(url);
    // A busy worker keeps the process alive (its results are awaited); an idle one does not.
    let busy = 0;
    worker.unref();
    const like: WorkerLike = {
      postMessage(m) {
        if (busy++ === 0) worker.ref();
        worker.postMessage(m);
      },
      onmessage: null,
      onerror: null,
      terminate: () => worker.terminate(),
    };
    worker.on('message', (data) => {
      // The startup message answers no task.
      if (!data.ready && --busy === 0) worker.unref();
      like.onmessage?.({ data });
    });
    worker.on('error', (e) => like.onerror?.(e));
    return like;
  };
}

/** A pool of `threads` worker threads (default: every core). */
export function createNodePool(threads: number = availableParallelism()): WorkerPool {
  return new WorkerPool(nodeWorkerFactory(), threads);
}
