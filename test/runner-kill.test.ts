/**
 * Crash safety of `mi-ident run`: runs killed with SIGKILL at random moments and restarted end
 * with exactly the results of an uninterrupted run, no unit lost or duplicated.
 *
 * The CLI is bundled once with esbuild so that a process starts in ~0.1 s (tsx would take ~0.7 s),
 * which makes 20+ kills affordable; the bundle is the same source, entry point src/cli/run.ts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { streamRng, uniform } from '../src/train/rng.ts';
import { csvWithoutTimings, jsonlRecords, withoutTimings } from './experiment-helpers.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'mi-ident-kill-'));
const UNITS = 20;
const GRID = ['--target-logic-gates', 'AND', 'OR', '--noise-std', '0', '--n-experiments', String(UNITS), '--n-samples-train', '100',
  '--size', '2', '--depth', '1', '--workers', '1', '--quiet'];
const KILLS_PER_CHAIN = 11;

/** Bundles the CLI inside the package (so that its bare imports resolve) and returns its path. */
async function bundleCli(): Promise<string> {
  const dir = join(ROOT, 'node_modules', '.cache', 'mi-ident-test');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `cli-${process.pid}.mjs`);
  await build({
    entryPoints: [join(ROOT, 'src/cli/run.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20',
    outfile, external: ['vega', 'vega-lite', 'webgpu', 'esbuild'], logLevel: 'warning',
  });
  return outfile;
}

/** Starts `mi-ident run` into `out`; resolves with its exit code (null when killed). */
function start(cli: string, out: string) {
  const child = spawn(process.execPath, [cli, 'run', '--out', out, ...GRID], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<{ code: number | null; err: string }>((resolve) => child.on('close', (code) => resolve({ code, err })));
  return { child, exit };
}

const sleep = (ms: number) => new Promise<null>((resolve) => setTimeout(() => resolve(null), ms));
const stored = (out: string) => (existsSync(join(out, 'results.jsonl')) ? readFileSync(join(out, 'results.jsonl'), 'utf8').split('\n').filter(Boolean).length : 0);

test(`SIGKILL at random moments (${2 * KILLS_PER_CHAIN}+ kills), then resume: exactly the uninterrupted run's results`, async () => {
  const cli = await bundleCli();
  try {
    await killAndResume(cli);
  } finally {
    rmSync(cli, { force: true });
  }
});

async function killAndResume(cli: string) {
  const reference = join(root, 'reference');
  const ref = await start(cli, reference).exit;
  assert.is(ref.code, 0, ref.err);
  const referenceCsv = csvWithoutTimings(reference);
  const referenceRecords = jsonlRecords(reference).map(withoutTimings);
  assert.is(referenceRecords.length, UNITS);

  let partialKills = 0;
  const chain = async (id: number) => {
    const rng = streamRng('kill delays', id);
    let kills = 0;
    for (let round = 0; kills < KILLS_PER_CHAIN; round++) {
      const out = join(root, `chain${id}-round${round}`);
      for (;;) {
        const run = start(cli, out);
        const finished = await Promise.race([run.exit, sleep(uniform(rng) * 700)]);
        if (finished) {
          assert.is(finished.code, 0, finished.err);
          break;
        }
        run.child.kill('SIGKILL');
        await run.exit;
        kills++;
        const n = stored(out);
        if (n > 0 && n < UNITS) partialKills++;
      }
      // Complete: every unit once, the same rows as the uninterrupted run, nothing left behind.
      const records = jsonlRecords(out);
      assert.is(records.length, UNITS, `${out}: one line per unit`);
      assert.equal(records.map(withoutTimings).sort(byKey), [...referenceRecords].sort(byKey), `${out}: the records`);
      assert.equal(csvWithoutTimings(out), referenceCsv, `${out}: results.csv`);
      assert.equal(readdirSync(out).filter((f) => f.startsWith('.')), [], `${out}: no lock or temporary file left`);
    }
    return kills;
  };
  const kills = await Promise.all([chain(0), chain(1)]);
  assert.ok(kills[0]! + kills[1]! >= 2 * KILLS_PER_CHAIN);
  assert.ok(partialKills >= 6, `kills that landed between the first and the last unit: ${partialKills}`);
}

const byKey = (a: unknown, b: unknown) => ((a as { key: string }).key < (b as { key: string }).key ? -1 : 1);

test.run();
