/**
 * Crash safety beyond test/runner-kill.test.ts (one worker, 22 SIGKILLs): SIGKILL at random
 * moments of a run on two worker threads (records arrive from both while the main thread
 * appends), and of `mi-ident merge` (the other writer of a results folder). After each kill the
 * command is run again; in the end every folder holds exactly the rows of an uninterrupted run,
 * none lost or duplicated, and no lock or temporary file. Some kills of each command must land
 * while it writes the folder (between its first and last unit; for a merge, while it holds the
 * lock before its results.csv is in place), not only before or after.
 *
 * The CLI and the worker entry are bundled with esbuild (a process then starts in ~0.1 s), side
 * by side as the built package has them (dist/src/cli/... and node-worker.js next to its runner).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { streamRng, uniform } from '../src/train/rng.ts';
import { csvWithoutTimings, jsonlRecords, withoutTimings } from './experiment-helpers.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'mi-ident-crash-'));
const UNITS = 16;
const GRID = ['--target-logic-gates', 'AND', 'OR', '--noise-std', '0', '--n-experiments', String(UNITS), '--n-samples-train', '100', '--size', '2', '--depth', '1', '--quiet'];
const WORKER_KILLS = 8;
const MERGE_KILLS = 6;
const MAX_MERGE_KILLS = 24;

/**
 * Bundles the CLI and the runner's worker entry into one folder inside the package (so that bare
 * imports resolve); the runner finds `node-worker.js` next to itself, as in dist/.
 */
async function bundle(): Promise<string> {
  const dir = join(ROOT, 'node_modules', '.cache', `mi-ident-crash-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n'); // the bundles are ES modules
  await build({
    entryPoints: { cli: join(ROOT, 'src/cli/run.ts'), 'node-worker': join(ROOT, 'src/experiment/node-worker.ts') },
    outdir: dir, bundle: true, splitting: true, platform: 'node', format: 'esm', target: 'node20',
    external: ['vega', 'vega-lite', 'webgpu', 'esbuild'], logLevel: 'warning',
  });
  return dir;
}

/** Starts `mi-ident ARGS` from the bundle; resolves with its exit code (null when killed). */
function start(dir: string, args: string[]) {
  const child = spawn(process.execPath, [join(dir, 'cli.js'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<{ code: number | null; err: string }>((resolve) => child.on('close', (code) => resolve({ code, err })));
  return { child, exit };
}

const sleep = (ms: number) => new Promise<null>((resolve) => setTimeout(() => resolve(null), ms));
const byKey = (a: unknown, b: unknown) => ((a as { key: string }).key < (b as { key: string }).key ? -1 : 1);

/** Records in a results folder's JSONL (0 when there is none yet). */
function recordCount(out: string): number {
  const file = join(out, 'results.jsonl');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
}

/** Whether `out`'s lock names process `pid`: it has opened the folder and is writing to it. */
function lockedBy(out: string, pid: number | undefined): boolean {
  try {
    return (JSON.parse(readFileSync(join(out, '.lock'), 'utf8')) as { pid: number }).pid === pid;
  } catch {
    return false; // no lock yet, another process's, or being written
  }
}

/** Polls (every millisecond) until `ready()` or the process ends; true when it ended first. */
async function untilOrExit(ready: () => boolean, exit: Promise<unknown>): Promise<boolean> {
  for (;;) {
    if (ready()) return false;
    if (await Promise.race([exit.then(() => true), sleep(1)])) return true;
  }
}

/** How a kill round draws its moments and judges where a kill landed. */
interface KillPlan {
  /** Random delays between these (ms)... */
  minDelay: number;
  maxDelay: number;
  /** ...counted from the process's start, or (`fromLock`) from when it holds the folder's lock. */
  fromLock?: boolean;
  /** Whether the folder, after a kill, shows the command was cut off while writing it. */
  midWrite: (out: string) => boolean;
}

/**
 * Runs `args` into `out` `kills` times, each killed after a random delay (`plan`) unless it ends
 * first, then once more to the end. Returns the kills made and how many of them landed mid-write.
 */
async function killThenFinish(dir: string, args: string[], out: string, rng: ReturnType<typeof streamRng>, kills: number, plan: KillPlan) {
  const result = { kills: 0, partial: 0 };
  for (let i = 0; i <= kills; i++) {
    const run = start(dir, args);
    const delay = plan.minDelay + uniform(rng) * (plan.maxDelay - plan.minDelay);
    if (i < kills && plan.fromLock && (await untilOrExit(() => lockedBy(out, run.child.pid), run.exit))) {
      const done = await run.exit; // it finished between two polls: nothing to kill
      assert.is(done.code, 0, done.err);
      continue;
    }
    const finished = await Promise.race([run.exit, i < kills ? sleep(delay) : run.exit]);
    if (finished) {
      assert.is(finished.code, 0, finished.err);
      if (i < kills) continue; // ended before its kill: the next start finds everything done
      return result;
    }
    run.child.kill('SIGKILL');
    await run.exit;
    result.kills++;
    if (plan.midWrite(out)) result.partial++;
  }
  return result;
}

/** A run was cut off between its first and its last unit. */
const someUnits = (out: string) => {
  const lines = recordCount(out);
  return lines > 0 && lines < UNITS;
};

/** A merge was cut off while it appended records or before its results.csv was in place. */
const mergeUnfinished = (out: string) => existsSync(join(out, 'config.json')) && (recordCount(out) < UNITS || !existsSync(join(out, 'results.csv')));

/** The folder holds exactly the reference's rows, once each, and nothing else. */
function assertComplete(out: string, reference: string) {
  const records = jsonlRecords(out);
  assert.is(records.length, UNITS, `${out}: one line per unit`);
  assert.equal(records.map(withoutTimings).sort(byKey), jsonlRecords(reference).map(withoutTimings).sort(byKey), `${out}: the records`);
  assert.equal(csvWithoutTimings(out), csvWithoutTimings(reference), `${out}: results.csv`);
  assert.equal(readdirSync(out).filter((f) => f.startsWith('.')), [], `${out}: no lock or temporary file left`);
}

test(`SIGKILL during runs on 2 worker threads (${WORKER_KILLS}+ kills) and during merges (${MERGE_KILLS}+): nothing lost or duplicated`, async () => {
  const dir = await bundle();
  try {
    const reference = join(root, 'reference');
    const ref = await start(dir, ['run', '--out', reference, ...GRID, '--workers', '1']).exit;
    assert.is(ref.code, 0, ref.err);

    // Worker threads: each round resumes one folder after up to 3 kills, at random moments of an
    // uninterrupted run's duration (measured here: it shrinks as the pipeline gets faster).
    const timed = performance.now();
    const timedOut = join(root, 'timed');
    const whole = start(dir, ['run', '--out', timedOut, ...GRID, '--workers', '2']);
    let firstUnitMs = 0; // when the first record is on disk: kills before it find nothing to keep
    while (!firstUnitMs && !(await Promise.race([whole.exit, sleep(5)]))) if (recordCount(timedOut) > 0) firstUnitMs = performance.now() - timed;
    const wholeExit = await whole.exit;
    assert.is(wholeExit.code, 0, wholeExit.err);
    const runMs = performance.now() - timed;
    const rng = streamRng('crash delays', 1);
    let kills = 0;
    let partial = 0;
    for (let round = 0; kills < WORKER_KILLS; round++) {
      const out = join(root, `workers-${round}`);
      const r = await killThenFinish(dir, ['run', '--out', out, ...GRID, '--workers', '2'], out, rng, 3, { minDelay: firstUnitMs, maxDelay: runMs, midWrite: someUnits });
      kills += r.kills;
      partial += r.partial;
      assertComplete(out, reference);
    }
    assert.ok(partial >= 2, `kills between the first and the last unit: ${partial} (a whole run took ${runMs.toFixed(0)} ms, its first unit ${firstUnitMs.toFixed(0)} ms)`);

    // Merge: two shards into one folder, killed while it copies records and writes the CSV.
    const shards = [1, 2].map((i) => join(root, `shard-${i}`));
    for (const [i, out] of shards.entries()) {
      const r = await start(dir, ['run', '--out', out, ...GRID, '--workers', '1', '--shard', `${i + 1}/2`]).exit;
      assert.is(r.code, 0, r.err);
    }
    // A merge writes for a few milliseconds after a start of 100+ ms whose length varies more than
    // that: kill moments are drawn from when it takes the folder's lock, over the time an
    // uninterrupted merge takes from its lock to its results.csv (the least of 3: a busy machine
    // can stretch one, and longer delays would mostly land after the merge).
    let mergeWriteMs = Infinity;
    for (let k = 0; k < 3; k++) {
      const timedMerge = join(root, `merged-timed-${k}`);
      const merge = start(dir, ['merge', '--quiet', '--out', timedMerge, ...shards]);
      assert.not.ok(await untilOrExit(() => lockedBy(timedMerge, merge.child.pid), merge.exit), 'the lock of an uninterrupted merge seen');
      const locked = performance.now();
      await untilOrExit(() => existsSync(join(timedMerge, 'results.csv')), merge.exit);
      mergeWriteMs = Math.min(mergeWriteMs, performance.now() - locked);
      const mergeExit = await merge.exit;
      assert.is(mergeExit.code, 0, mergeExit.err);
      assertComplete(timedMerge, reference);
    }
    let mergeKills = 0;
    let mergePartial = 0;
    // At least MERGE_KILLS kills, and more (up to MAX_MERGE_KILLS) until 2 have landed mid-write.
    for (let round = 0; mergeKills < MERGE_KILLS || (mergePartial < 2 && mergeKills < MAX_MERGE_KILLS); round++) {
      if (round >= MAX_MERGE_KILLS) assert.unreachable(`${mergeKills} merge kills in ${round} rounds: the merges ended before they could be killed`);
      const out = join(root, `merged-${round}`);
      const r = await killThenFinish(dir, ['merge', '--quiet', '--out', out, ...shards], out, rng, 3, { minDelay: 0, maxDelay: mergeWriteMs, fromLock: true, midWrite: mergeUnfinished });
      mergeKills += r.kills;
      mergePartial += r.partial;
      assertComplete(out, reference);
    }
    assert.ok(mergePartial >= 2, `merge kills while it wrote the folder: ${mergePartial} of ${mergeKills} (an uninterrupted merge wrote for ${mergeWriteMs.toFixed(1)} ms from taking the lock)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
