// Scale-out that cannot lose work, without a cluster: the shard of a Slurm task for every kind of
// --array, shard plan files, merge refusing an incomplete grid, partial reports, and a task
// stopped by Slurm's SIGTERM releasing its folder. test/slurm.test.ts does the same on a real Slurm.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configFromValues, parseCommandArgs, RUN_OPTIONS } from '../src/cli/commands/options.ts';
import { configArgs, resolveConfig, type ExperimentConfig } from '../src/experiment/config.ts';
import { describeTasks, gridUnits, shardUnits, slurmArray, slurmShard, taskShard, type Shard } from '../src/experiment/grid.ts';
import { IncompleteGridError, mergeResults } from '../src/experiment/node-merge.ts';
import { readShardPlan, shardFromPlan, writeShardPlanOnce } from '../src/experiment/node-plan.ts';
import { writeReport } from '../src/experiment/node-report.ts';
import { runExperiment } from '../src/experiment/node-runner.ts';
import { PRESETS } from '../src/experiment/presets.ts';
import { csvWithoutTimings } from './experiment-helpers.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'mi-ident-shards-'));
let n = 0;
const folder = () => join(root, `f${n++}`);

const tiny: ExperimentConfig = resolveConfig({ targetLogicGates: ['AND', 'OR'], nGates: [1, 2], noiseStd: 0, nExperiments: 3, nSamplesTrain: 100, sizes: [2], depths: [1] });
const TINY_ARGS = ['--target-logic-gates', 'AND', 'OR', '--n-gates', '1', '2', '--noise-std', '0', '--n-experiments', '3', '--n-samples-train', '100', '--size', '2', '--depth', '1'];

/** The variables Slurm 22.05 gives task `id` of an array with these IDs (measured: STEP is 1 for any list). */
function slurmEnv(id: number, tasks: number[], step = 1): Record<string, string> {
  return {
    SLURM_ARRAY_JOB_ID: '100',
    SLURM_ARRAY_TASK_ID: String(id),
    SLURM_ARRAY_TASK_COUNT: String(tasks.length),
    SLURM_ARRAY_TASK_MIN: String(Math.min(...tasks)),
    SLURM_ARRAY_TASK_MAX: String(Math.max(...tasks)),
    SLURM_ARRAY_TASK_STEP: String(step),
  };
}

test('the shard of a Slurm task: ranges from 0 or 1, steps, even lists; uneven lists need a plan', () => {
  const shards = (tasks: number[], step: number) => tasks.map((id) => slurmShard(slurmEnv(id, tasks, step)));
  const expect = (count: number): Shard[] => Array.from({ length: count }, (_, i) => ({ index: i + 1, count }));
  assert.equal(shards([0, 1, 2, 3], 1), expect(4));
  assert.equal(shards([1, 2, 3, 4], 1), expect(4));
  assert.equal(shards([0, 2, 4, 6], 2), expect(4)); // --array=0-6:2
  assert.equal(shards([3, 6, 9], 3), expect(3)); // --array=3-9:3
  assert.equal(shards([5], 1), expect(1));
  // --array=1,4,7: Slurm says STEP=1, so the IDs between MIN and MAX are not known from the variables.
  assert.is(slurmArray(slurmEnv(4, [1, 4, 7]))!.plan, null);
  assert.throws(() => slurmShard(slurmEnv(4, [1, 4, 7])), /array task 4 cannot tell its shard/);
  // With a plan, any list: the position of the ID.
  assert.equal([1, 4, 7].map((id) => taskShard({ tasks: [1, 4, 7] }, id, 'p')), expect(3));
  assert.is(describeTasks([0, 1, 2, 3, 7, 9, 10]), '0-3,7,9-10');
});

test('every array spec covers the grid exactly once', () => {
  const units = gridUnits(resolveConfig({ ...PRESETS.basic!.config, nExperiments: 13 }));
  for (const tasks of [[0, 1, 2, 3], [0, 2, 4, 6], [1, 4, 7], [2, 3, 11, 40, 41]]) {
    const covered = tasks.flatMap((id) => shardUnits(units, taskShard({ tasks }, id, 'p')).map((u) => u.index));
    assert.equal(covered.sort((a, b) => a - b), units.map((u) => u.index), `tasks ${tasks}`);
  }
});

test('shard plan files: written once from the first task, read by every later one (a resubmission too)', () => {
  const dir = folder();
  const path = join(dir, 'shards.json');
  // The first task of --array=0-6:2 writes the plan (creating its folder).
  assert.equal(shardFromPlan(path, slurmEnv(4, [0, 2, 4, 6], 2)), { index: 3, count: 4 });
  assert.equal(JSON.parse(readFileSync(path, 'utf8')), { tool: 'mi-ident', kind: 'shard-plan', tasks: [0, 2, 4, 6], job: '100' });
  // Task 2 resubmitted alone (sbatch --array=2: COUNT=1) keeps shard 2/4, not 1/1.
  assert.equal(shardFromPlan(path, slurmEnv(2, [2])), { index: 2, count: 4 });
  assert.throws(() => shardFromPlan(path, slurmEnv(3, [3])), /array task 3 is not one of the 4 tasks of the shard plan .* \(0,2,4,6\)/);
  // A plan is never replaced: a second writer (a task starting at the same time) keeps the first.
  writeShardPlanOnce(path, { tasks: [9] });
  assert.equal(readShardPlan(path), { tasks: [0, 2, 4, 6] });
  assert.equal(readdirSync(dir), ['shards.json'], 'no temporary file left');
  // The submission writes uneven lists (from squeue); the order in the file does not matter.
  const list = join(dir, 'list.json');
  writeFileSync(list, '{"tool":"mi-ident","kind":"shard-plan","job":"7","tasks":[7,1,4]}\n');
  assert.equal([1, 4, 7].map((id) => shardFromPlan(list, slurmEnv(id, [1, 4, 7]))), [1, 2, 3].map((index) => ({ index, count: 3 })));
});

test('configArgs: the flags that give the same grid again', () => {
  for (const config of [tiny, ...Object.values(PRESETS).map((p) => resolveConfig(p.config)), resolveConfig({ skewedDistribution: true, maxCircuits: 5, lossTargets: [1e-6, 0.1], pairOrder: 'all' })]) {
    const again = resolveConfig(configFromValues(parseCommandArgs(configArgs(config), RUN_OPTIONS).values));
    assert.equal(again, config);
  }
  assert.equal(configArgs(resolveConfig({ ...PRESETS.basic!.config, nExperiments: 8 })), ['--target-logic-gates', 'XOR', '--n-experiments', '8', '--noise-std', '0']);
});

test('merge: refuses an incomplete grid, writing nothing; --allow-partial merges, the report says partial everywhere', async () => {
  const shards = [folder(), folder(), folder()];
  for (const [i, out] of shards.entries()) if (i !== 1) await runExperiment(tiny, { out, workers: 1, shard: { index: i + 1, count: 3 } });
  const out = folder();
  let error: unknown;
  try {
    mergeResults(out, [shards[0]!, shards[2]!], { shardPlan: { tasks: [0, 1, 2] } });
  } catch (e) {
    error = e;
  }
  assert.instance(error, IncompleteGridError);
  const e = error as IncompleteGridError;
  assert.equal(e.missing, ['g1/s1/k2/d1/t0.01/lr0.001', 'g2/s1/k2/d1/t0.01/lr0.001']);
  assert.match(e.message, /shard 2\/3 \(no source folder holds it; array task 1\): 2 of its 2 units: g1\/s1\/k2\/d1\/t0\.01\/lr0\.001, g2\/s1/);
  assert.match(e.message, /mi-ident run --out NEW_FOLDER --shard 2\/3 --target-logic-gates AND OR --n-gates 1 2 --size 2 --depth 1 --n-experiments 3 --noise-std 0 --n-samples-train 100/);
  assert.ok(!existsSync(out), 'nothing written');

  const partial = mergeResults(out, [shards[0]!, shards[2]!], { allowPartial: true });
  assert.equal([partial.merged, partial.total], [4, 6]);
  const { path, partial: notice } = await writeReport([out]);
  assert.match(notice!, /^Partial results: f\d+ holds 4 of its grid's 6 units \(2 missing\)/);
  const html = readFileSync(path, 'utf8');
  assert.match(html, /<title>PARTIAL results: mi-ident report<\/title>/);
  const sections = html.split('<section>').slice(1);
  assert.ok(sections.length >= 1);
  for (const s of sections) assert.match(s, /class="partial"/, 'every section says it');
  assert.match(html, /@media print \{ \.partial-page \{ display: block; position: fixed/, 'every printed page says it');
  for (const title of html.match(/<title>[^<]*<\/title>/g)!.slice(1)) assert.match(title, /PARTIAL/); // Vega's SVG titles
  assert.match(html, /\(PARTIAL results\)/);

  // The missing shard, run on its own, completes the grid: merged rows equal one run's.
  await runExperiment(tiny, { out: shards[1]!, workers: 1, shard: { index: 2, count: 3 } });
  mergeResults(out, shards);
  const whole = folder();
  await runExperiment(tiny, { out: whole, workers: 1 });
  assert.equal(csvWithoutTimings(out), csvWithoutTimings(whole));
  const full = await writeReport([out]);
  assert.is(full.partial, null);
  assert.not.match(readFileSync(full.path, 'utf8'), /PARTIAL|class="partial"/);
});

test('merge: a refusal stays short however many shards are missing; with more than one, the arguments are written once', async () => {
  const first = folder();
  await runExperiment(tiny, { out: first, workers: 1, shard: { index: 1, count: 6 } });
  const message = (sources: string[]) => {
    try {
      mergeResults(folder(), sources);
    } catch (e) {
      assert.instance(e, IncompleteGridError);
      return (e as Error).message;
    }
    throw new Error('merge did not refuse');
  };
  const m = message([first]);
  assert.match(m, /5 are missing from 5 of its 6 shards:\n  shard 2\/6 \(no source folder holds it\): 1 of its 1 units: /);
  assert.match(m, /\n  and 2 more shards \(5-6\): 2 units; no source folder holds them\n/);
  assert.not.match(m, /shard 5\/6 \(/);
  const argsLine = m.match(/\n {2}ARGS="([^"]*)" {3}# the grid's arguments, for the commands below\n/);
  assert.ok(argsLine, m);
  // The variable holds the grid's flags: they give back the same configuration.
  assert.equal(resolveConfig(configFromValues(parseCommandArgs(argsLine![1]!.split(' '), RUN_OPTIONS).values)), tiny);
  assert.match(m, /\n {2}mi-ident run --out NEW_FOLDER_2 --shard 2\/6 \$ARGS {3}# then add NEW_FOLDER_2 to the merge's sources\n {2}mi-ident run --out NEW_FOLDER_3 --shard 3\/6 \$ARGS/);
  assert.match(m, /\n {2}and likewise for shards 5-6 \(each its own folder, or a new one, and --shard J\/6\)\n/);
  assert.is(m.split(TINY_ARGS[1]!).length, 2, 'the gates are named once');
  // The lines paste into a shell as they are: run them (mi-ident from source), then merge.
  const pasted = m.split('\n').filter((l) => /^ {2}(ARGS=|mi-ident run --out NEW_FOLDER)/.test(l));
  assert.is(pasted.length, 4);
  const script = [`mi-ident() { "${process.execPath}" --import "${import.meta.resolve('tsx')}" "${join(ROOT, 'src/cli/run.ts')}" "$@"; }`, 'set -e', ...pasted].join('\n');
  const work = folder();
  mkdirSync(work);
  const shell = spawnSync('bash', ['-c', script], { cwd: work, encoding: 'utf8' });
  assert.is(shell.status, 0, shell.stderr);
  assert.equal(readdirSync(work).sort(), ['NEW_FOLDER_2', 'NEW_FOLDER_3', 'NEW_FOLDER_4']);
  // Shards 5 and 6, as the "and likewise" line (checked above) says.
  for (const j of [5, 6]) await runExperiment(tiny, { out: join(work, `NEW_FOLDER_${j}`), workers: 1, shard: { index: j, count: 6 } });
  const done = mergeResults(folder(), [first, ...readdirSync(work).map((d) => join(work, d))]);
  assert.equal([done.merged, done.total], [6, 6]);
  // 398 units missing from 199 of 200 shards: still three shards named, one line for the rest.
  const wide = { ...tiny, nExperiments: 200 };
  const last = folder();
  await runExperiment(wide, { out: last, workers: 1, shard: { index: 200, count: 200 } });
  const many = message([last]);
  assert.match(many, /398 are missing from 199 of its 200 shards:[\s\S]*\n  and 196 more shards \(4-199\): 392 units; no source folder holds them\n/);
  assert.ok(many.length <= 1500, `${many.length} characters (the fuzz suites' bound on a refusal is 1500)`);
  // A shard missing whole is named without examples of its units.
  const ten = { ...tiny, nExperiments: 5 };
  const half = folder();
  await runExperiment(ten, { out: half, workers: 1, shard: { index: 1, count: 2 } });
  assert.match(message([half]), /\n  shard 2\/2 \(no source folder holds it\): all 5 of its units\n/);
});

test('a run stopped by SIGTERM (scancel, time limit) releases its folder and resumes', async () => {
  const out = folder();
  const args = ['--import', 'tsx', join(ROOT, 'src/cli/run.ts'), 'run', '--out', out, ...TINY_ARGS, '--n-experiments', '40', '--workers', '1', '--quiet'];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const results = join(out, 'results.jsonl');
  const deadline = Date.now() + 60_000;
  while (!(existsSync(results) && readFileSync(results, 'utf8').length > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  // Stopped first, so that the count below is exact whatever the machine's speed: the SIGTERM
  // waits until SIGCONT, and the run must then stop after the unit it was in.
  child.kill('SIGSTOP');
  // the state field of /proc/PID/stat (after the parenthesised name) is T once it has stopped
  while (existsSync('/proc/self/stat') && !/\) T /.test(readFileSync(`/proc/${child.pid}/stat`, 'utf8'))) await new Promise((r) => setTimeout(r, 1));
  const storedAtStop = readFileSync(results, 'utf8').split('\n').filter(Boolean).length;
  child.kill('SIGTERM');
  child.kill('SIGCONT');
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.is(code, 143, stderr);
  assert.match(stderr, /stopped by SIGTERM; finished units are in .*: run the same command again to resume/);
  assert.not.ok(existsSync(join(out, '.lock')), 'the lock is released, so that a node elsewhere can take the folder');
  const done = readFileSync(results, 'utf8').split('\n').filter(Boolean).length;
  assert.ok(done >= 1 && done <= storedAtStop + 1, `${done} units stored, ${storedAtStop} when the SIGTERM came: it stops after the unit it is in`);
  const resumed = await runExperiment(resolveConfig({ ...tiny, nExperiments: 40 }), { out, workers: 1 });
  assert.equal([resumed.resumed, resumed.resumed + resumed.ran], [done, 80]);
});

test.run();
