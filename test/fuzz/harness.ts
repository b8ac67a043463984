/**
 * The fuzz harness (docs/fuzzing.md): each suite's properties run in a worker thread with a seeded
 * fast-check, so that a case that never ends is caught (the worker is stopped and the case named)
 * instead of hanging the test run. One seed per test run, printed with every suite's case counts;
 * `FUZZ_SEED=<n>` reruns exactly those cases, `FUZZ_SCALE=<k>` runs k times as many.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { randomInt } from 'node:crypto';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The seed of this test run: FUZZ_SEED, else a fresh one (printed, so that any run can be repeated). */
export const FUZZ_SEED: number = (() => {
  const given = process.env.FUZZ_SEED;
  if (given === undefined || given === '') return randomInt(0, 2 ** 31);
  const n = Number(given);
  if (!Number.isInteger(n) || n < -(2 ** 31) || n >= 2 ** 32) throw new Error(`FUZZ_SEED must be a 32-bit integer, got "${given}"`);
  return n | 0;
})();

/** FUZZ_SCALE multiplies every property's case count (default 1: the counts CI runs). */
export const FUZZ_SCALE: number = (() => {
  const n = Number(process.env.FUZZ_SCALE ?? '1');
  if (!(n > 0)) throw new Error(`FUZZ_SCALE must be a positive number, got "${process.env.FUZZ_SCALE}"`);
  return n;
})();

/**
 * A case running longer than this is reported as a hang. Far above any case's cost (milliseconds),
 * so that a loaded machine never trips it; FUZZ_CASE_LIMIT_S overrides.
 */
export const CASE_LIMIT_MS = Number(process.env.FUZZ_CASE_LIMIT_S ?? '120') * 1000;

/** What a suite's worker reports for one property. */
export interface PropertyReport {
  property: string;
  cases: number;
  ms: number;
  /** fast-check's report of the shrunk counterexample, when the property failed. */
  failure: string | null;
  /** How the cases ended (shrinking included). */
  endings: { valid: number; refused: number };
}

/** Messages of the worker (test/fuzz/worker.ts). */
export type WorkerMessage =
  | { type: 'case'; property: string; n: number }
  | { type: 'done'; report: PropertyReport }
  | { type: 'finished' };

/** The command that reruns a suite with this run's seed. */
export const rerun = (suite: string) => `FUZZ_SEED=${FUZZ_SEED} node scripts/uvu-ci.mjs fuzz/${suite}`;

/**
 * Runs the properties of the suite module `cases` (a file of test/fuzz/) in a worker thread and
 * returns one report per property. A case past {@link CASE_LIMIT_MS} stops the worker, and the
 * report names it. `env` is the worker's environment (e.g. TMPDIR pointing into a sandbox).
 */
export async function runSuite(suite: string, cases: string, env: Record<string, string> = {}): Promise<PropertyReport[]> {
  const entry = new URL(cases, import.meta.url).href;
  const worker = new Worker(new URL('../../src/node/tsx-worker.mjs', import.meta.url), {
    workerData: { entry: new URL('./worker.ts', import.meta.url).href, cases: entry, seed: FUZZ_SEED, scale: FUZZ_SCALE },
    env: { ...process.env, ...env },
    stdout: false,
    stderr: false,
  });
  const reports: PropertyReport[] = [];
  let current = { property: '', n: -1, since: Date.now() };
  return new Promise<PropertyReport[]>((resolvePromise, reject) => {
    const watchdog = setInterval(() => {
      if (Date.now() - current.since <= CASE_LIMIT_MS) return;
      clearInterval(watchdog);
      void worker.terminate();
      reject(new Error(
        `fuzz ${suite}: case ${current.n} of ${current.property || 'the suite start'} ran longer than ${CASE_LIMIT_MS / 1000} s (a hang?); ` +
          `rerun: ${rerun(suite)}`,
      ));
    }, 500);
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'case') current = { property: m.property, n: m.n, since: Date.now() };
      else if (m.type === 'done') {
        reports.push(m.report);
        current = { property: '', n: -1, since: Date.now() };
      } else if (m.type === 'finished') {
        clearInterval(watchdog);
        void worker.terminate().then(() => resolvePromise(reports));
      }
    });
    worker.on('error', (e) => {
      clearInterval(watchdog);
      reject(new Error(`fuzz ${suite}: the worker crashed in case ${current.n} of ${current.property} (an uncaught exception): ${e.stack ?? e.message}\nrerun: ${rerun(suite)}`));
    });
    worker.on('exit', (code) => {
      clearInterval(watchdog);
      if (code !== 0 && code !== 1) reject(new Error(`fuzz ${suite}: the worker exited with code ${code} in case ${current.n} of ${current.property}`));
    });
  });
}

/** Prints a suite's case counts and seed; throws on the first failed property, with fast-check's report. */
export function summarize(suite: string, reports: readonly PropertyReport[]): number {
  const total = reports.reduce((a, r) => a + r.cases, 0);
  const ms = reports.reduce((a, r) => a + r.ms, 0);
  console.log(`  fuzz ${suite}: ${total} cases in ${(ms / 1000).toFixed(1)} s, seed ${FUZZ_SEED} (${reports.map((r) => `${r.property} ${r.cases} in ${(r.ms / 1000).toFixed(1)} s: ${r.endings.valid} valid, ${r.endings.refused} refused`).join('; ')})`);
  const failed = reports.find((r) => r.failure !== null);
  if (failed) throw new Error(`fuzz ${suite}/${failed.property} failed (seed ${FUZZ_SEED}; rerun: ${rerun(suite)}):\n${failed.failure}`);
  return total;
}

/** A fresh folder under the system's temporary folder, for one suite's files. */
export function sandbox(suite: string): string {
  const dir = mkdtempSync(join(tmpdir(), `mi-ident-fuzz-${suite}-`));
  mkdirSync(join(dir, 'tmp'));
  return dir;
}

/** In a suite's worker: the sandbox its test file made (FUZZ_SANDBOX), where its files go. */
export function sandboxOf(suite: string): string {
  const dir = process.env.FUZZ_SANDBOX;
  if (!dir) throw new Error(`fuzz ${suite}: FUZZ_SANDBOX is not set (run the suite through its test file)`);
  return dir;
}

/** Removes a sandbox. */
export function removeSandbox(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Every file and folder under `dir` with its size and content (`skip`: relative paths left out),
 * in a stable order: equal before and after a case that must not write there.
 */
export function tree(dir: string, skip: (rel: string) => boolean = () => false): string {
  const lines: string[] = [];
  const walk = (abs: string) => {
    for (const name of readdirSync(abs).sort()) {
      const path = join(abs, name);
      const rel = relative(dir, path);
      if (skip(rel)) continue;
      const st = statSync(path);
      if (st.isDirectory()) {
        lines.push(`${rel}/`);
        walk(path);
      } else lines.push(`${rel} ${st.size} ${readFileSync(path).toString('base64')}`);
    }
  };
  walk(dir);
  return lines.join('\n');
}

/** What git sees changed in the repository (untracked files included): equal before and after a suite. */
export function repoStatus(): string {
  try {
    return execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: ROOT, encoding: 'utf8' });
  } catch {
    return 'no git';
  }
}
