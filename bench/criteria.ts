/**
 * `npm run bench:criteria` (and the last part of `npm run bench`): the basic experiment
 * (`mi-ident reproduce basic`, 100 XOR seeds) without and with `--criteria all`, side by side in
 * one run, alternating, each in a fresh process into a fresh folder; prints the medians, their
 * ratio and the target (at most 3x, issue 15). The machine is printed with them. Never
 * asserted anywhere: times depend on the machine and its load.
 *
 * BENCH_RUNS (default 3) runs of each; BENCH_N_EXPERIMENTS (default 100) seeds.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './probe-run.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SEEDS = process.env.BENCH_N_EXPERIMENTS ?? '100';
const TARGET = 3;
const bin = fileURLToPath(new URL('../bin/mi-ident.js', import.meta.url));

/** Wall seconds of one `reproduce basic` in a fresh process and folder. */
function reproduce(criteria: boolean): number {
  const out = mkdtempSync(join(tmpdir(), 'mi-ident-bench-criteria-'));
  try {
    const args = [bin, 'reproduce', 'basic', '--out', out, '--n-experiments', SEEDS, ...(criteria ? ['--criteria', 'all'] : [])];
    const t = performance.now();
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    const s = (performance.now() - t) / 1000;
    if (r.status !== 0) throw new Error(`mi-ident ${args.slice(1).join(' ')} failed (${r.status}):\n${r.stderr}`);
    return s;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const without: number[] = [];
const withAll: number[] = [];
const load = loadavg()[0]!;
for (let r = 0; r < RUNS; r++) {
  without.push(reproduce(false));
  withAll.push(reproduce(true));
}
const a = median(without);
const b = median(withAll);
console.log(`criteria: reproduce basic (${SEEDS} seeds) without and with --criteria all, ${RUNS} runs each, alternating`);
console.log(`  machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${availableParallelism()} cores, load average ${load.toFixed(1)} at the start, Node ${process.version}`);
console.log(`  runs without: ${without.map((s) => s.toFixed(1)).join(' ')} s; with: ${withAll.map((s) => s.toFixed(1)).join(' ')} s`);
console.log(`  without ${a.toFixed(1)} s | with ${b.toFixed(1)} s | ratio ${(b / a).toFixed(2)}x | target <= ${TARGET}x: ${b / a <= TARGET ? 'met' : 'not met'}`);
