import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli/main.ts';
import { parseCsv } from './experiment-helpers.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'mi-ident-xcli-'));
const TINY = ['--target-logic-gates', 'AND', 'OR', '--noise-std', '0', '--n-experiments', '2', '--n-samples-train', '100', '--size', '2', '--depth', '1', '--workers', '1'];

/** Runs the CLI in this process, capturing what it prints. */
async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const saved = [console.log, console.error];
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    return { code: await main(argv), out: out.join('\n'), err: err.join('\n') };
  } finally {
    [console.log, console.error] = saved;
  }
}

const bad: [string, string[], RegExp][] = [
  ['no --out', ['run', ...TINY], /run needs --out DIR/],
  ['negative noise', ['run', '--out', join(root, 'a'), ...TINY, '--noise-std', '-0.5'], /--noise-std must be a number >= 0, got -0.5/],
  ['shard 3/2', ['run', '--out', join(root, 'a'), ...TINY, '--shard', '3/2'], /--shard 3\/2: the shard number must be between 1 and the shard count 2/],
  ['unknown gate', ['run', '--out', join(root, 'a'), ...TINY, '--target-logic-gates', 'XOR', 'FOO'], /unknown gate "FOO"/],
  ['unwritable --out', ['run', '--out', '/proc/version/results', ...TINY], /cannot create the results folder \/proc\/version\/results/],
  ['bad list value', ['run', '--out', join(root, 'a'), ...TINY, '--size', '2', 'x'], /--size must be integers, got "x"/],
  ['unknown flag', ['run', '--out', join(root, 'a'), '--frobnicate'], /Unknown option '--frobnicate'/],
  ['unknown experiment', ['reproduce', 'everything'], /unknown experiment "everything" \(experiments: basic, multitask, gates, size, noise, skew, loss-target, size-plus, depth\)/],
  ['merge without sources', ['merge', '--out', join(root, 'm')], /merge needs the results folders/],
  ['merge of a non-results folder', ['merge', '--out', join(root, 'm'), root], /is not an mi-ident results folder/],
  ['train without gates', ['train', '--out', join(root, 'model.json')], /train needs --gates/],
  ['train with two sizes', ['train', '--gates', 'XOR', '--size', '2', '3', '--out', join(root, 'model.json')], /train trains one model/],
];
for (const [name, argv, pattern] of bad) {
  test(`bad input: ${name}`, async () => {
    const r = await cli(...argv);
    assert.is(r.code, 2, r.out);
    assert.match(r.err, pattern);
    assert.not.match(r.err, /\n\s+at /, 'no stack trace');
  });
}
test('bad inputs create no results folder', () => assert.not.ok(existsSync(join(root, 'a'))));

test('a results folder of another configuration is refused, the same one resumed', async () => {
  const out = join(root, 'mixed');
  assert.is((await cli('run', '--out', out, ...TINY, '--quiet')).code, 0);
  const other = await cli('run', '--out', out, ...TINY, '--n-experiments', '3');
  assert.is(other.code, 2);
  assert.match(other.err, /holds results of another configuration \(stored vs requested: --n-experiments: 2 vs 3\)/);
  const same = await cli('run', '--out', out, ...TINY);
  assert.is(same.code, 0, same.err);
  assert.match(same.out, /2 units in .* \(2 already done, 0 run now\)/);
});

test('Slurm job array variables select the shard', async () => {
  const out = join(root, 'slurm');
  process.env.SLURM_ARRAY_TASK_ID = '1';
  process.env.SLURM_ARRAY_TASK_COUNT = '2';
  try {
    const r = await cli('run', '--out', out, ...TINY);
    assert.is(r.code, 0, r.err);
    assert.match(r.out, /^shard 2\/2: 1 units/);
  } finally {
    delete process.env.SLURM_ARRAY_TASK_ID;
    delete process.env.SLURM_ARRAY_TASK_COUNT;
  }
  assert.equal(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).shard, { index: 2, count: 2 });
});

test('end to end in a process of its own: reproduce (2 worker threads), merge, report', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/run.ts'), ...args], { encoding: 'utf8', cwd: ROOT });
  const at = (name: string) => join(root, name);
  const r = run('reproduce', 'basic', '--n-experiments', '3', '--n-samples-train', '200', '--workers', '2', '--out', at('basic'));
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /3 units in .*basic \(0 already done, 3 run now\)/);
  assert.match(r.stdout, /networks with no formula mapped: \d+ of \d+/);
  const rows = parseCsv(readFileSync(join(root, 'basic', 'results.csv'), 'utf8'));
  assert.equal(rows[0]!.slice(0, 4), ['gates', 'n_gates', 'sizes', 'seed_offset']);
  assert.ok(rows.slice(1).every((row) => row[0] === 'XOR' && row[2] === '3'));
  const m = run('merge', '--out', at('merged'), at('basic'));
  assert.is(m.status, 0, m.stderr);
  assert.match(m.stdout, /merged 3 of 3 units/);
  const rep = run('report', at('basic'), at('merged'), '--out', at('report.html'));
  assert.is(rep.status, 0, rep.stderr);
  assert.match(readFileSync(join(root, 'report.html'), 'utf8'), /<svg/);
});

test.run();
