/**
 * Worker entry point: answers {@link ToWorker} messages with {@link runTask}. Runs as a browser
 * module Web Worker (`self`) or a Node worker thread (`parentPort`).
 */
import { runTask, type FromWorker, type ToWorker } from './tasks.ts';

type Port = { postMessage(m: FromWorker): void; listen(handler: (m: ToWorker) => void): void };

async function port(): Promise<Port> {
  const g = globalThis as unknown as { WorkerGlobalScope?: unknown; self?: { postMessage(m: unknown): void; onmessage: unknown } };
  if (g.WorkerGlobalScope !== undefined && g.self) {
    const self = g.self;
    return {
      postMessage: (m) => self.postMessage(m),
      listen: (handler) => (self.onmessage = (e: { data: ToWorker }) => handler(e.data)),
    };
  }
  const { parentPort } = await import('node:worker_threads');
  if (!parentPort) throw new Error('src/parallel/worker.ts must run in a worker');
  return { postMessage: (m) => parentPort.postMessage(m), listen: (handler) => parentPort.on('message', handler) };
}

const p = await port();
p.listen(async ({ id, task }) => {
  try {
    p.postMessage({ id, result: await runTask(task) });
  } catch (e) {
    const err = e as Error;
    p.postMessage({ id, error: { name: err.name ?? 'Error', message: err.message ?? String(e) } });
  }
});
p.postMessage({ id: 0, ready: true });
