/**
 * The experiment runner (Node only): the units of a grid (or of one shard) that a results folder
 * does not hold yet, run on every core with worker_threads, each finished unit appended to the
 * folder at once. A unit's record depends only on (config, unit), so the results are the same
 * with one thread or many, in one run or across restarts.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BackendChoice } from '../backends/select.ts';
import { InputError, isUserError } from '../errors.ts';
import type { Progress } from '../progress.ts';
import type { TrainEngineChoice } from '../train/train.ts';
import type { ExperimentConfig } from './config.ts';
import { checkGridLimits } from './limits.ts';
import { gridUnits, shardUnits, unitKey, WHOLE_GRID, type Shard, type Unit } from './grid.ts';
import { ResultStore } from './node-store.ts';
import type { UnitRecord } from './rows.ts';
import { runUnit, type UnitOptions } from './unit.ts';

/** Options of {@link runExperiment}. */
export interface RunOptions {
  /** The results folder. */
  out: string;
  /** Run only this shard of the grid (default: all of it). */
  shard?: Shard;
  /** Parallel workers (default: one per core; 1 runs in this thread). */
  workers?: number;
  backend?: BackendChoice;
  trainEngine?: TrainEngineChoice;
  /** Units finished in this run, of those pending. */
  onProgress?: (p: Progress) => void;
  /** Each unit's record as it is stored. */
  onRecord?: (record: UnitRecord) => void;
}

/** What a run did. */
export interface RunReport {
  out: string;
  /** Units of the grid (or shard). */
  total: number;
  /** Units already in the folder when the run started. */
  resumed: number;
  /** Units run now. */
  ran: number;
  /** Every record of the shard, in grid order. */
  records: UnitRecord[];
  csvPath: string;
  ms: number;
}

/** Runs (or resumes) a grid into `options.out`. */
export async function runExperiment(config: ExperimentConfig, options: RunOptions): Promise<RunReport> {
  const started = performance.now();
  const shard = options.shard ?? WHOLE_GRID;
  const units = shardUnits(gridUnits(config), shard);
  checkGridLimits(config); // before training anything or creating the folder
  const store = ResultStore.open(options.out, config, shard);
  try {
    const pending = units.filter((u) => !store.has(unitKey(u)));
    const resumed = units.length - pending.length;
    let done = 0;
    const total = pending.length;
    options.onProgress?.({ stage: 'units', done, total });
    const accept = (record: UnitRecord) => {
      store.append(record);
      options.onRecord?.(record);
      options.onProgress?.({ stage: 'units', done: ++done, total });
    };
    const unitOptions: UnitOptions = { backend: options.backend, trainEngine: options.trainEngine };
    const workers = Math.min(options.workers ?? availableParallelism(), pending.length);
    if (workers <= 1) {
      for (const unit of pending) {
        accept(await runUnit(config, unit, unitOptions));
        // A unit may never leave the microtask queue; a turn of the event loop between units lets
        // a signal handler run (Slurm's SIGTERM, Ctrl-C), so that a run stops after its unit.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } else {
      await runInWorkers(config, pending, workers, unitOptions, accept);
    }
    const csvPath = store.writeCsv();
    const keys = new Set(units.map(unitKey));
    const records = [...store.records.values()].filter((r) => keys.has(r.key)).sort((a, b) => a.unit.index - b.unit.index);
    return { out: options.out, total: units.length, resumed, ran: pending.length, records, csvPath, ms: performance.now() - started };
  } finally {
    store.close();
  }
}

/** A worker thread running node-worker (from the TypeScript sources, through the tsx bootstrap of src/node). */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./node-worker.js', import.meta.url));
  const entry = new URL('./node-worker.ts', import.meta.url).href;
  return new Worker(new URL('../node/tsx-worker.mjs', import.meta.url), { workerData: { entry } });
}

interface WorkerReply {
  ok: boolean;
  record?: UnitRecord;
  message?: string;
  userError?: boolean;
}

/**
 * How long a failed run waits for its busy workers to stop on their own before terminating them.
 * A unit is not interrupted from outside if it can be helped: a thread terminated inside a call
 * into a native addon (Dawn's WebGPU, on a machine with a Vulkan driver) can take the whole
 * process down with a fatal error, so the error that failed the run would never be seen.
 */
const STOP_GRACE_MS = 60_000;

/** Runs units on `n` worker threads, handing each the next unit when it is free. */
function runInWorkers(
  config: ExperimentConfig,
  units: readonly Unit[],
  n: number,
  options: UnitOptions,
  accept: (record: UnitRecord) => void,
): Promise<void> {
  const pool: Worker[] = [];
  const retired = new Set<Worker>();
  let next = 0;
  let active = 0;
  return new Promise<void>((resolve, reject) => {
    let failure: Error | null = null;
    let running = 0; // threads not yet exited
    const exited = () => {
      if (--running === 0 && failure) reject(failure);
    };
    /**
     * Stops the run: every thread is asked to stop (a busy one finishes its unit first, and its
     * record is dropped), and the run rejects once all have exited.
     */
    const fail = (error: Error) => {
      if (failure) return;
      failure = error;
      for (const w of pool) {
        retired.add(w);
        w.postMessage({ stop: true });
      }
      setTimeout(() => pool.forEach((w) => void w.terminate()), STOP_GRACE_MS).unref();
    };
    const feed = (w: Worker) => {
      if (failure) return;
      if (next >= units.length) {
        retired.add(w);
        w.postMessage({ stop: true });
        if (--active === 0) resolve();
        return;
      }
      const unit = units[next++]!;
      w.once('message', (reply: WorkerReply) => {
        if (failure) return;
        if (!reply.ok) {
          const msg = `unit ${unitKey(unit)}: ${reply.message}`;
          fail(reply.userError ? new InputError(msg) : new Error(msg));
          return;
        }
        // The next unit first, so the worker computes while this thread stores (and fsyncs) the
        // record; after the last one, the run ends only once every record is stored.
        const more = next < units.length;
        if (more) feed(w);
        try {
          accept(reply.record!);
        } catch (e) {
          fail(e as Error);
          return;
        }
        if (!more) feed(w);
      });
      w.postMessage({ config, unit, options });
    };
    for (let i = 0; i < n; i++) {
      const w = startWorker();
      pool.push(w);
      active++;
      running++;
      w.on('error', (e) => fail(new Error(`a worker thread failed: ${e.message}`)));
      w.on('exit', (code) => {
        if (!retired.has(w)) fail(new Error(`a worker thread stopped unexpectedly (exit code ${code})`));
        exited();
      });
      feed(w);
    }
  });
}

/** What the runner sends a worker thread: a unit to run, or the request to exit. */
type ToUnitWorker = { config: ExperimentConfig; unit: Unit; options: UnitOptions } | { stop: true };

/** The worker side: runs the units it is sent (see node-worker.ts). */
export function serveUnits(port: import('node:worker_threads').MessagePort): void {
  // A stop request is served between units only: exiting while a unit waits on Dawn (a pending
  // WebGPU promise) aborts the process as surely as terminating the thread inside a call.
  let busy = false;
  let stopping = false;
  port.on('message', async (msg: ToUnitWorker) => {
    if ('stop' in msg) {
      stopping = true;
      if (!busy) process.exit(0);
      return;
    }
    busy = true;
    let reply: WorkerReply;
    try {
      reply = { ok: true, record: await runUnit(msg.config, msg.unit, msg.options) };
    } catch (e) {
      reply = { ok: false, message: (e as Error).message, userError: isUserError(e) };
    }
    busy = false;
    if (stopping) process.exit(0);
    port.postMessage(reply);
  });
}
