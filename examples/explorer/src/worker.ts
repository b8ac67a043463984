/**
 * The explorer's Web Worker: training, analysis and grounding pages run here, so the page never
 * freezes. Cancelling a run terminates this worker (the page starts a fresh one): the mapping
 * search is synchronous, so only termination stops it at once.
 */
import { WorkerPool, type WorkerLike } from './lib.ts';
import { runJob } from './analyze-job.ts';
import { groundingsPage } from './groundings-job.ts';
import type { Envelope, Reply } from './protocol.ts';

const post = (reply: Reply) => (self as unknown as Worker).postMessage(reply);

/**
 * Large circuit searches and grounding counts are spread over more workers (analyzeModel asks for
 * the pool only when the work is big enough). The bundle sits next to this one.
 */
let pool: WorkerPool | undefined;
const cores = Math.max(1, (navigator.hardwareConcurrency || 2) - 1);
const workers = () =>
  (pool ??= new WorkerPool(() => new Worker(new URL('./pool-worker.js', import.meta.url), { type: 'module' }) as unknown as WorkerLike, cores));

/** Progress events at most every 50 ms (and always the last one of a stage). */
function reporter(id: number) {
  let last = 0;
  return (stage: string, done: number, total: number, note?: string) => {
    const now = performance.now();
    if (now - last < 50 && done !== total) return;
    last = now;
    post({ id, kind: 'progress', stage, done, total, note });
  };
}

self.onmessage = async (event: MessageEvent<Envelope>) => {
  const { id, request } = event.data;
  try {
    const value = request.type === 'run' ? await runJob(request.settings, reporter(id), workers) : groundingsPage(request);
    post({ id, kind: 'done', value });
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    post({ id, kind: 'error', name: err.name, message: err.message });
  }
};
