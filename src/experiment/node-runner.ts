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
  /**
   * Worker threads to run on and to leave for the next run (several experiments in a row, as
   * `reproduce paper` runs them): a thread starts, loads the kernels and warms up once, not once
   * per experiment. The caller closes it when done. Without it, threads live for one run.
   */
  threads?: UnitThreads;
}

/**
 * Idle worker threads kept between runs ({@link RunOptions.threads}). A thread is handed back
 * only after a run that succeeded (between units: it runs nothing); a failed run stops its
 * threads as always. Close it to stop the idle ones; until then they keep the process alive.
 */
export class UnitThreads {
  private readonly idle: Worker[] = [];
  private closed = false;
  private starts = 0;
  /** Per idle thread, removes the set's own listeners from it. */
  private readonly handBack = new Map<Worker, () => void>();

  /** Threads started for the runs on this set, in all. */
  get started(): number {
    return this.starts;
  }

  /** Idle threads now. */
  get size(): number {
    return this.idle.length;
  }

  /** `n` threads for a run: idle ones first, then new ones (out of the set until given back). @internal */
  take(n: number): Worker[] {
    this.assertOpen();
    const taken = this.idle.splice(0, n);
    for (const w of taken) this.claim(w);
    while (taken.length < n) {
      taken.push(startWorker());
      this.starts++;
    }
    return taken;
  }

  /** Throws once the set is closed (a run checks before it opens its folder). @internal */
  assertOpen(): void {
    if (this.closed) throw new Error('UnitThreads: used after close()');
  }

  /** A thread done with its run, for the next one. @internal */
  give(w: Worker): void {
    if (this.closed) {
      w.postMessage({ stop: true });
      return;
    }
    this.idle.push(w);
    // An idle thread that dies (it runs nothing, so only from outside) just leaves the set.
    const gone = () => {
      const at = this.idle.indexOf(w);
      if (at >= 0) this.idle.splice(at, 1);
    };
    w.once('exit', gone);
    w.once('error', gone);
    this.handBack.set(w, () => {
      w.off('exit', gone);
      w.off('error', gone);
    });
  }

  /** Detaches the set's listeners from a thread taken for a run. */
  private claim(w: Worker): void {
    this.handBack.get(w)?.();
    this.handBack.delete(w);
  }

  /** Stops every idle thread (between units, as a finished run does) and waits for them to exit. */
  async close(): Promise<void> {
    this.closed = true;
    const idle = this.idle.splice(0);
    await Promise.all(idle.map((w) => new Promise<void>((resolve) => {
      this.claim(w);
      w.once('exit', () => resolve());
      w.postMessage({ stop: true });
    })));
  }
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
  options.threads?.assertOpen();
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
      await runInWorkers(config, pending, workers, unitOptions, accept, options.threads);
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

/**
 * Runs units on `n` worker threads (idle ones of `kept` first), handing each the next unit when
 * it is free; after a run that succeeded, the threads go back to `kept`.
 */
function runInWorkers(
  config: ExperimentConfig,
  units: readonly Unit[],
  n: number,
  options: UnitOptions,
  accept: (record: UnitRecord) => void,
  kept?: UnitThreads,
): Promise<void> {
  const pool: Worker[] = [];
  const retired = new Set<Worker>();
  const detach = new Map<Worker, () => void>(); // this run's listeners, removed when a thread goes back
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
    /** A thread with nothing left to run: back to `kept` (and out of this run's pool), or stopped. */
    const done = (w: Worker) => {
      if (kept) {
        detach.get(w)!();
        running--;
        pool.splice(pool.indexOf(w), 1);
        kept.give(w);
      } else {
        retired.add(w);
        w.postMessage({ stop: true });
      }
      if (--active === 0) resolve();
    };
    const feed = (w: Worker) => {
      if (failure) return;
      if (next >= units.length) {
        done(w);
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
    const threads = kept ? kept.take(n) : Array.from({ length: n }, startWorker);
    for (const w of threads) {
      pool.push(w);
      active++;
      running++;
      const onError = (e: Error) => fail(new Error(`a worker thread failed: ${e.message}`));
      const onExit = (code: number) => {
        if (!retired.has(w)) fail(new Error(`a worker thread stopped unexpectedly (exit code ${code})`));
        exited();
      };
      w.on('error', onError);
      w.on('exit', onExit);
      detach.set(w, () => {
        w.off('error', onError);
        w.off('exit', onExit);
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
