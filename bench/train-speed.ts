/**
 * `npm run bench:train-speed` (part of `npm run bench`): issue 14 item 6, training throughput, as
 * (previous, now, target). "Previous" is a checkout of BENCH_TRAIN_BASE (default 05aaf50, the
 * commit before the fused trainer; 5049a02 predates the reference trainer), built once in the temp
 * folder (bench/checkouts.ts).
 *
 * - Epochs of the noisy setting (XOR 2-3-3-1, noise 0.1: 4,000,000 samples, 40,000 steps), both
 *   rng modes: BENCH_RUNS rounds (default 3), each a fresh process per checkout running
 *   bench/train-probe.ts (two 3-epoch trainings after a warm-up), base and current alternating so
 *   that the load of the machine falls on both alike. Best and median, CPU and wall, of the steady
 *   epochs (2nd and 3rd) and of the first ones (the engine's setup included).
 * - With BENCH_REPRODUCE=1 also `reproduce noise` and the seven paper presets, end to end, each
 *   checkout's CLI with its default workers (minutes: off by default); BENCH_REPRODUCE_SEEDS=N
 *   passes --n-experiments N (a shorter run on a loaded machine; the targets are for 100).
 *
 * The target is per epoch on one core; the machine's load average is printed beside the numbers,
 * and the ratio of medians measured side by side is the figure that survives the load. Printed,
 * never asserted.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseCheckout, currentCheckout, type Checkout } from './checkouts.ts';
import { relaxedSimdFlags } from '../scripts/node-flags.mjs';

const ROUNDS = Number(process.env.BENCH_RUNS ?? 3);
const BASE = process.env.BENCH_TRAIN_BASE ?? '05aaf50';
const EPOCH_TARGET_MS = 250;
const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));

interface Sample {
  cpu: number;
  wall: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const ms = (t: number) => (t < 1000 ? `${t.toFixed(0)} ms` : `${(t / 1000).toFixed(2)} s`);
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');

function probe(dir: string, rng: 'reference' | 'fast'): { dataGen: Sample; first: Sample[]; later: Sample[] } {
  // The fma trainer needs relaxed SIMD, as `npm test` and the CLI turn it on.
  const r = spawnSync(process.execPath, [...relaxedSimdFlags(), '--import', 'tsx', join(here, 'train-probe.ts'), dir, rng, '2'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`the probe in ${dir} failed (exit ${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

function summary(samples: Sample[]): string {
  const cpu = samples.map((s) => s.cpu);
  const wall = samples.map((s) => s.wall);
  return `best ${ms(Math.min(...wall))} wall / ${ms(Math.min(...cpu))} CPU, median ${ms(median(wall))} wall / ${ms(median(cpu))} CPU`;
}

const current = currentCheckout(root);
const base = baseCheckout(current, BASE);
console.log(`training throughput (issue 14 item 6): ${cpus()[0]?.model ?? 'cpu'} x ${cpus().length}, Node ${process.version}; previous = ${base.sha.slice(0, 7)}, now = ${current.sha.slice(0, 7)}${current.dirty ? ' + changes' : ''}`);
console.log(`  load average at start: ${load()} (other jobs share the machine: compare the ratios)`);

// BENCH_TRAIN_EPOCHS=0: only the reproduce runs.
for (const rng of process.env.BENCH_TRAIN_EPOCHS === '0' ? [] : (['reference', 'fast'] as const)) {
  const sides: Record<'base' | 'now', { first: Sample[]; later: Sample[]; data: Sample[] }> = { base: { first: [], later: [], data: [] }, now: { first: [], later: [], data: [] } };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [side, c] of [['base', base], ['now', current]] as [keyof typeof sides, Checkout][]) {
      const p = probe(c.dir, rng);
      sides[side].first.push(...p.first);
      sides[side].later.push(...p.later);
      sides[side].data.push(p.dataGen);
    }
  }
  const wall = (xs: Sample[]) => xs.map((s) => s.wall);
  console.log(`\nnoisy epoch, rng ${rng} (${ROUNDS} rounds; per side ${sides.now.later.length} steady epochs, ${sides.now.first.length} first epochs):`);
  for (const kind of ['later', 'first'] as const) {
    const ratio = median(wall(sides.base[kind])) / median(wall(sides.now[kind]));
    const cpuRatio = median(sides.base[kind].map((x) => x.cpu)) / median(sides.now[kind].map((x) => x.cpu));
    const best = Math.min(...wall(sides.now[kind]));
    const target = rng === 'reference' && kind === 'later'
      ? ` (target <= ${ms(EPOCH_TARGET_MS)} on one core: ${best <= EPOCH_TARGET_MS ? 'met by the best' : 'NOT met by the best'}, ${median(wall(sides.now[kind])) <= EPOCH_TARGET_MS ? 'met' : 'not met'} by the median)`
      : '';
    console.log(`  ${kind === 'later' ? 'steady epoch (2nd, 3rd)' : 'first epoch (engine setup included)'}:`);
    console.log(`    previous: ${summary(sides.base[kind])}`);
    console.log(`    now:      ${summary(sides.now[kind])}${target}`);
    console.log(`    previous / now: ${ratio.toFixed(2)} in median wall time, ${cpuRatio.toFixed(2)} in median CPU time (side by side; above 1: now is faster)`);
  }
  console.log(`  data generation: previous ${summary(sides.base.data)}; now ${summary(sides.now.data)}`);
  console.log(`  load average now: ${load()}`);
}

if (process.env.BENCH_REPRODUCE === '1') {
  const presets = (process.env.BENCH_REPRODUCE_PRESETS ?? 'basic,multitask,gates,size,noise,skew,loss-target').split(',');
  const seeds = process.env.BENCH_REPRODUCE_SEEDS ? ['--n-experiments', process.env.BENCH_REPRODUCE_SEEDS] : [];
  const targets: Record<string, number> = { noise: 40_000, all: 60_000 };
  console.log(`\nreproduce, end to end (each checkout's CLI, default workers${seeds.length ? `, --n-experiments ${seeds[1]}: the targets are for 100` : ''}):`);
  const totals = { base: 0, now: 0 };
  for (const preset of presets) {
    const t: Record<string, number> = {};
    for (const [side, c] of [['base', base], ['now', current]] as const) {
      const out = mkdtempSync(join(tmpdir(), `mi-ident-train-speed-${preset}-`));
      const started = performance.now();
      const r = spawnSync(process.execPath, [join(c.dir, 'bin', 'mi-ident.js'), 'reproduce', preset, '--out', out, '--quiet', ...seeds], { cwd: c.dir, encoding: 'utf8', maxBuffer: 1 << 26 });
      t[side] = performance.now() - started;
      rmSync(out, { recursive: true, force: true });
      if (r.status !== 0) throw new Error(`reproduce ${preset} in ${c.dir} failed: ${r.stderr}`);
      totals[side] += t[side]!;
    }
    const target = targets[preset] === undefined ? '' : `, target <= ${ms(targets[preset]!)}`;
    console.log(`  ${preset.padEnd(12)} previous ${ms(t.base!)}, now ${ms(t.now!)} (${(t.base! / t.now!).toFixed(2)}x${target}); load ${load()}`);
  }
  if (presets.length === 7) console.log(`  all seven    previous ${ms(totals.base)}, now ${ms(totals.now)} (${(totals.base / totals.now).toFixed(2)}x, target <= ${ms(targets.all!)})`);
}
