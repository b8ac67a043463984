// examples/slurm-array.sh on a real Slurm: a one-node cluster on 127.0.0.1 (scripts/slurm-local.sh:
// munged, slurmctld, slurmd from Debian's slurm-wlm and munge, run as root), the example submitted
// as a user would, on the basic experiment in a few tasks. Every scenario must end with the rows of
// one local run: a plain array, a task cancelled mid-run then resubmitted alone, a strided array,
// a list, a cancelled first task, and merge refusing the partial results on the way.
//
// Skipped with a notice where Slurm is not installed or we are not root; REQUIRE_SLURM=1 (CI) fails
// instead. The example runs the built CLI (bin/mi-ident.js on dist/): run `npm run build` first.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { csvWithoutTimings } from './experiment-helpers.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const EXAMPLE = join(ROOT, 'examples/slurm-array.sh');
const LOCAL = join(ROOT, 'scripts/slurm-local.sh');
const REQUIRE_SLURM = process.env.REQUIRE_SLURM === '1';
/** The grid: 16 units of about half a second, so that a task of 8 can be cancelled mid-run. */
const GRID = ['basic', '--n-experiments', '16', '--n-samples-train', '8000'];
/** Each wait for the cluster; the whole file takes about a minute on 2 CPUs. */
const WAIT_MS = 150_000;

/** Why this machine cannot run the suite, or null. */
function missing(): string | null {
  const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
  const absent = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'sinfo', 'scontrol', 'scancel'].filter((c) => !has(c));
  if (absent.length) return `${absent.join(', ')} not found (apt-get install slurm-wlm munge)`;
  if (process.getuid?.() !== 0) return 'the one-node cluster runs its daemons as root; run as root';
  return null;
}

/** Why dist/ (what bin/mi-ident.js runs) is older than src/, or null. */
function staleBuild(): string | null {
  const built = join(ROOT, 'dist/src/cli/main.js');
  if (!existsSync(built)) return 'dist/ is missing: run `npm run build`';
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).filter((e) => e.name !== 'generated').map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
  return newest(join(ROOT, 'src')) > statSync(built).mtimeMs ? 'dist/ is older than src/: run `npm run build` (the example runs the built CLI)' : null;
}

const reason = missing() ?? staleBuild();
if (reason && REQUIRE_SLURM) {
  test('Slurm is required (REQUIRE_SLURM=1)', () => {
    throw new Error(`the Slurm tests cannot run: ${reason}`);
  });
} else if (reason) {
  console.log(`skipping the Slurm tests: ${reason} (set REQUIRE_SLURM=1 to fail instead)`);
}
const slurmTest = reason ? test.skip : test;

const work = mkdtempSync(join(tmpdir(), 'mi-ident-slurm-test-'));
chmodSync(work, 0o755); // munged wants every folder above its socket open to all
const clusterDir = join(work, 'cluster');
// A port of its own, so that a system Slurm (6817) or another run is left alone.
const port = String(17000 + 2 * (process.pid % 400));
const env: NodeJS.ProcessEnv = { ...process.env, MI_IDENT_SLURM_DIR: clusterDir, MI_IDENT_SLURM_PORT: port, SLURM_CONF: join(clusterDir, 'slurm.conf') };
for (const k of Object.keys(env)) if (k.startsWith('SLURM_') && k !== 'SLURM_CONF') delete env[k];
delete env.MI_IDENT; // the example's default: this checkout's bin/mi-ident.js

function run(cmd: string, args: string[], extra: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd: work, env: { ...env, ...extra }, encoding: 'utf8' });
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const logs = () => readdirSync(join(work, 'logs')).map((f) => `== ${f}\n${readFileSync(join(work, 'logs', f), 'utf8')}`).join('\n');
const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : '');

interface Submission {
  out: string;
  array: string;
  merge: string;
  check: string;
}

/** Runs the example as a user would on the login node; `settings` are its environment variables. */
function submit(results: string, settings: Record<string, string> = {}, args = GRID): Submission {
  const r = run(EXAMPLE, args, { RESULTS: results, MEM: '1G', MERGE_MEM: '1G', ...settings });
  assert.is(r.status, 0, `the example refused: ${r.stderr}${r.stdout}`);
  const id = (re: RegExp): string => {
    const m = re.exec(r.stdout);
    if (!m) throw new Error(`no ${re} in:\n${r.stdout}`);
    return m[1]!;
  };
  return { out: r.stdout, array: id(/^array job (\d+):/m), merge: id(/^merge and report: job (\d+)/m), check: id(/^if a task fails or is cancelled, job (\d+)/m) };
}

/** Waits until none of the jobs (array jobs with all their tasks) is pending or running. */
async function waitEnded(...jobs: string[]): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const q = run('squeue', ['-h', '-j', jobs.join(','), '-o', '%i']);
    if (q.status !== 0 || q.stdout.trim() === '') return;
    await sleep(300);
  }
  throw new Error(`jobs ${jobs.join(', ')} still queued after ${WAIT_MS / 1000} s:\n${run('squeue', []).stdout}\n${logs()}`);
}

/** A job's state as scontrol shows it (COMPLETED, FAILED, CANCELLED, ...). */
function state(job: string): string {
  return /JobState=(\w+)/.exec(run('scontrol', ['show', 'job', '-o', job]).stdout)?.[1] ?? 'unknown';
}

/** Merged rows equal those of one local run of the whole grid. */
function assertSameAsLocal(results: string): void {
  assert.ok(existsSync(join(work, results, 'all/results.csv')), `${results}/all was not merged:\n${logs()}`);
  assert.equal(csvWithoutTimings(join(work, results, 'all')), csvWithoutTimings(join(work, 'local')), `${results}/all differs from the local run`);
  assert.ok(existsSync(join(work, results, 'all/report.html')), 'the merge job wrote the report');
  assert.not.match(readFileSync(join(work, results, 'all/report.html'), 'utf8'), /class="partial"/);
}

let started = false;
let up = false;
let local: Promise<number | null>;
const jobs: Record<string, Submission> = {};

slurmTest('a one-node Slurm starts on 127.0.0.1 only', () => {
  const r = run(LOCAL, ['start']);
  started = true;
  up = r.status === 0;
  assert.is(r.status, 0, `${r.stderr}\n${read(join(clusterDir, 'slurmctld.log')).slice(-2000)}\n${read(join(clusterDir, 'slurmd.log')).slice(-2000)}`);
  const conf = readFileSync(env.SLURM_CONF!, 'utf8');
  assert.match(conf, /^CommunicationParameters=NoInAddrAny,NoCtldInAddrAny$/m);
  // slurmctld and slurmd listen on 127.0.0.1 only: their ports in /proc/net/tcp{,6} (LISTEN = 0A).
  const listeners = ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((f) => read(f).split('\n').slice(1))
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[3] === '0A' && [Number(port), Number(port) + 1].includes(parseInt(f[1]?.split(':')[1] ?? '', 16)))
    .map((f) => f[1]!.split(':')[0]!);
  assert.equal(listeners.sort(), ['0100007F', '0100007F'], 'two daemons, on 127.0.0.1 (0100007F) only');
  // The reference: the same grid in one local run, while the cluster works.
  const child = spawn(process.execPath, [join(ROOT, 'bin/mi-ident.js'), 'reproduce', ...GRID, '--out', join(work, 'local'), '--workers', '1', '--quiet'], { cwd: work, stdio: 'inherit' });
  local = new Promise((resolve) => child.on('exit', resolve));
});

slurmTest('submitting: a task cancelled mid-run, a cancelled first task, a plain, a strided and a listed array', async () => {
  assert.ok(up, 'the cluster did not start (see above)');
  // A task cancelled mid-run: task 1 of 2, once it has stored a unit of its 8.
  jobs.midrun = submit('results/midrun', { ARRAY: '0-1', CPUS: '1' });
  const shard = join(work, 'results/midrun/shard-1/results.jsonl');
  const deadline = Date.now() + WAIT_MS;
  while (read(shard).split('\n').filter(Boolean).length < 1 && Date.now() < deadline) await sleep(50);
  // The task is stopped at once (SIGSTOP, from here: a unit takes a fraction of a second, and a
  // scancel under load can take longer than the task's 8 units); the cancel then sends it SIGCONT
  // and SIGTERM, and it stops as Slurm would stop it, mid-run.
  const task = run('pgrep', ['-f', 'midrun/shard-1 ']).stdout.trim().split('\n').filter(Boolean);
  assert.ok(task.length > 0, `task 1 is running:\n${run('ps', ['-eo', 'pid,args']).stdout}`);
  run('kill', ['-STOP', ...task]);
  assert.is(run('scancel', [`${jobs.midrun.array}_1`]).status, 0);
  // The first task cancelled right away (it used to be the one that submitted the merge).
  jobs.first = submit('results/first', { ARRAY: '0-3', CPUS: '1' });
  assert.is(run('scancel', [`${jobs.first.array}_0`]).status, 0);
  // CPUS left at 4, more than the node has: lowered to the partition's nodes, said so.
  jobs.plain = submit('results/plain', { ARRAY: '0-3' });
  assert.match(jobs.plain.out, /^note: the nodes of partition debug have at most \d+ CPUs: CPUS=4 lowered to \d+/m);
  assert.ok(existsSync(join(work, 'logs')), 'the example creates its log folder');
  jobs.strided = submit('results/strided', { ARRAY: '0-6:2', CPUS: '1' });
  jobs.list = submit('results/list', { ARRAY: '1,4,7', CPUS: '1' });
  assert.equal(JSON.parse(readFileSync(join(work, 'results/list/shards.json'), 'utf8')).tasks, [1, 4, 7]);
  assert.equal(JSON.parse(readFileSync(join(work, 'results/strided/shards.json'), 'utf8')).tasks, [0, 2, 4, 6]);
});

slurmTest('a task cancelled mid-run: no merge, the check job names what is missing; merge refuses; resubmitted alone, it resumes', async () => {
  const j = jobs.midrun!;
  await waitEnded(j.array, j.merge, j.check);
  assert.is(state(j.merge), 'CANCELLED', 'the merge (afterok) never runs on an incomplete array');
  assert.is(state(j.check), 'FAILED');
  const check = read(join(work, `logs/mi-ident-basic-check-${j.check}.out`));
  assert.match(check, /merge refused: the sources hold \d+ of the grid's 16 units; \d+ are missing from 1 of its 2 shards/);
  assert.match(check, /shard 2\/2 \(.*results\/midrun\/shard-1; array task 1\)/);
  assert.match(check, /resubmit task 1 alone/);
  assert.match(check, /finish it with the command that submitted it/);
  const held = read(join(work, 'results/midrun/shard-1/results.jsonl')).split('\n').filter(Boolean).length;
  assert.ok(held >= 1 && held < 8, `task 1 stored ${held} of its 8 units before it was cancelled`);
  assert.not.ok(existsSync(join(work, 'results/midrun/shard-1/.lock')), 'the cancelled task released its folder');

  // merge by hand: refused, nothing written; with --allow-partial, a report that says partial.
  const cli = (...args: string[]) => run(process.execPath, [join(ROOT, 'bin/mi-ident.js'), ...args]);
  const shards = ['results/midrun/shard-0', 'results/midrun/shard-1'];
  const refused = cli('merge', '--out', 'results/midrun/by-hand', ...shards);
  assert.is(refused.status, 2);
  assert.match(refused.stderr, /^mi-ident: merge refused: .* missing from 1 of its 2 shards:\n  shard 2\/2 .*: \d+ of its 8 units: g1\/s\d+/);
  assert.match(refused.stderr, /mi-ident run --out results\/midrun\/shard-1 --shard 2\/2 --target-logic-gates XOR --n-experiments 16 --noise-std 0 --n-samples-train 8000/);
  assert.not.ok(existsSync(join(work, 'results/midrun/by-hand')));
  const partial = cli('merge', '--allow-partial', '--out', 'results/midrun/by-hand', ...shards);
  assert.is(partial.status, 0, partial.stderr);
  assert.match(partial.stderr, /PARTIAL merge/);
  const report = cli('report', 'results/midrun/by-hand');
  assert.is(report.status, 0, report.stderr);
  assert.match(readFileSync(join(work, 'results/midrun/by-hand/report.html'), 'utf8'), /class="partial"[^>]*>Partial results: by-hand holds \d+ of its grid's 16 units/);

  const again = submit('results/midrun', { ARRAY: '1', CPUS: '1' });
  await waitEnded(again.array, again.merge, again.check);
  assert.is(state(again.merge), 'COMPLETED', logs());
  assert.match(read(join(work, `logs/mi-ident-basic-${again.array}_1.out`)), new RegExp(`^shard 2/2: 8 units in .* \\(${held} already done, ${8 - held} run now\\)`, 'm'));
  assertSameAsLocal('results/midrun');
});

slurmTest('the first task cancelled: the merge was submitted anyway; the same command again finishes the grid', async () => {
  const j = jobs.first!;
  await waitEnded(j.array, j.merge, j.check);
  assert.is(state(j.merge), 'CANCELLED');
  assert.match(read(join(work, `logs/mi-ident-basic-check-${j.check}.out`)), /shard 1\/4 \(no source folder holds it; array task 0\)/);
  const again = submit('results/first', { CPUS: '1' }); // no ARRAY: the plan's tasks 0-3 again
  assert.match(again.out, /task\(s\) 0,1,2,3 of the array's 4/);
  await waitEnded(again.array, again.merge, again.check);
  assert.is(state(again.merge), 'COMPLETED', logs());
  assert.is(state(again.check), 'CANCELLED', 'the check job (afternotok) is withdrawn when every task succeeds');
  assert.match(read(join(work, `logs/mi-ident-basic-${again.array}_2.out`)), /^shard 3\/4: 4 units in .* \(4 already done, 0 run now\)/m);
  assertSameAsLocal('results/first');
});

slurmTest('a plain, a strided and a listed array merge to the rows of one local run', async () => {
  assert.is(await local, 0, 'the local reference run');
  for (const name of ['plain', 'strided', 'list']) {
    const j = jobs[name]!;
    await waitEnded(j.array, j.merge, j.check);
    assert.is(state(j.merge), 'COMPLETED', `${name}: ${logs()}`);
    assertSameAsLocal(`results/${name}`);
  }
  // Task 6 of --array=0-6:2 ran shard 4/4, not 7/4.
  assert.match(read(join(work, `logs/mi-ident-basic-${jobs.strided!.array}_6.out`)), /^shard 4\/4: 4 units/m);
});

slurmTest('a task resubmitted by hand (sbatch --array=4) runs its shard again: 2/3 of the list, not 1/1', async () => {
  const r = run('sbatch', ['--parsable', '--array=4', '--mem=1G', EXAMPLE, ...GRID], { RESULTS: 'results/list' });
  assert.is(r.status, 0, r.stderr);
  const job = r.stdout.trim().split(';')[0]!;
  await waitEnded(job);
  assert.is(state(job), 'COMPLETED', read(join(work, `slurm-${job}_4.out`)));
  assert.match(read(join(work, `slurm-${job}_4.out`)), /^shard 2\/3: \d+ units in results\/list\/shard-4 \(\d+ already done, 0 run now\)/m);
});

test.after(() => {
  if (started) run(LOCAL, ['stop']);
});

test.run();
