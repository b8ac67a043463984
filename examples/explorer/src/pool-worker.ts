/**
 * Entry of the workers of the explorer worker's {@link WorkerPool}: each answers `{ id, task }`
 * with `runTask` (circuit ranges, grounding counts), in the pool's message shape.
 */
import { runTask, type Task } from './lib.ts';

self.onmessage = async (event: MessageEvent<{ id: number; task: Task }>) => {
  const { id, task } = event.data;
  const port = self as unknown as Worker;
  try {
    port.postMessage({ id, result: await runTask(task) });
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    port.postMessage({ id, error: { name: err.name, message: err.message } });
  }
};
