/**
 * `npm run bench:scale`: issue 14's circuit-search targets as (base, now, target), measured side by
 * side in this run. Printed, never asserted.
 *
 *   node --import tsx bench/scale.ts [--base 5049a02] [--runs 5] [--worktree DIR] [--skip-wide]
 *
 * 1. The trained 2-5-5-1 XOR @0.3 circuit stage (test/fixtures/XOR_w5_trained.json, 1,092,035
 *    circuits), warm and cold, on 1 and on 2 threads: fresh processes (bench/stage-probe.ts),
 *    base and now alternating so that load on the machine falls on both alike; medians.
 * 2. The trained 2-6-6-1 XOR @0.3 whole analysis (test/fixtures/XOR_w6_trained.json,
 *    1,336,281,766 circuits) on every core: wall, CPU and peak RSS (bench/whole-probe.ts). The
 *    base is asked to build the space, which it refuses (its masks are 32 bits).
 * 3. The GPU targets, run only where a real GPU adapter is found (BENCH_GPU=1 forces the
 *    attempt): on SwiftShader they would measure the CPU emulation, not a GPU.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, platform, release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { baseCheckout, currentCheckout } from './checkouts.ts';
import { median, runProbe, type StageTimes } from './probe-run.ts';

const { values } = parseArgs({
  options: {
    base: { type: 'string', default: '5049a02' },
    runs: { type: 'string', default: '5' },
    worktree: { type: 'string' },
    'skip-wide': { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const root = fileURLToPath(new URL('..', import.meta.url));
const current = currentCheckout(root);
const base = baseCheckout(current, values.base!, values.worktree);
const started = Date.now();
console.log(`mi-ident scale targets (issue 14): base ${values.base} = ${base.sha.slice(0, 12)}, now ${current.sha.slice(0, 12)}${current.dirty ? ' + uncommitted changes' : ''}`);
console.log(`Machine: ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${availableParallelism()} cores, Node ${process.version}, ${platform()} ${release()}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at start.`);

const ms = (v: number) => (v < 1000 ? `${v.toFixed(1)} ms` : `${(v / 1000).toFixed(2)} s`);
const rows: string[] = ['| target | base | now | base/now | target | verdict |', '|---|--:|--:|--:|--:|---|'];

// 1. 2-5-5-1 circuit stage, base and now alternating, fresh processes.
for (const threads of [1, 2]) {
  const samples = { base: { warm: [] as number[], cold: [] as number[] }, now: { warm: [] as number[], cold: [] as number[] } };
  for (let r = 0; r < runs; r++) {
    for (const [side, dir] of [['base', base.dir], ['now', current.dir]] as const) {
      const p = runProbe(dir, 'XOR_w5_trained', { warmups: 3, runs: 5, threads });
      samples[side].cold.push(p.cold.circuits);
      samples[side].warm.push(median(p.warm.map((w: StageTimes) => w.circuits)));
    }
    process.stderr.write(`[${r + 1}/${runs}] 2-5-5-1 circuit stage, ${threads} thread(s)\n`);
  }
  for (const kind of ['warm', 'cold'] as const) {
    const b = median(samples.base[kind]);
    const n = median(samples.now[kind]);
    const ratio = b / n;
    rows.push(`| 2-5-5-1 @0.3 circuit stage, ${kind}, ${threads} thread(s) | ${ms(b)} | ${ms(n)} | ${ratio.toFixed(2)}x | >= 3x | ${ratio >= 3 ? 'met' : 'NOT met'} |`);
  }
}

// 2. 2-6-6-1 whole analysis.
if (!values['skip-wide']) {
  const baseSpace = (await import(pathToFileURL(join(base.dir, 'src', 'circuits', 'space.ts')).href)) as { CircuitSpace: new (sizes: number[], o: object) => unknown };
  let refusal = 'built';
  try {
    new baseSpace.CircuitSpace([2, 6, 6, 1], { minSparsity: 0.3 });
  } catch (e) {
    refusal = `refused: "${(e as Error).message.slice(0, 90)}..."`;
  }
  const probe = fileURLToPath(new URL('./whole-probe.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', probe, '--file', join(root, 'test/fixtures/XOR_w6_trained.json'), '--gates', 'XOR', '--min-sparsity', '0.3'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('WHOLE '));
  if (!line) throw new Error(`whole probe failed (exit ${r.status ?? r.signal}):\n${r.stderr}`);
  const w = JSON.parse(line.slice(6)) as { wallMs: number; cpuMs: number; maxRssBytes: number; timings: { circuits: number; groundings: number; mappings: number }; backend: string; summary: string };
  const gib = w.maxRssBytes / 2 ** 30;
  console.log(`\n2-6-6-1 @0.3 (${w.summary}; ${w.backend}): circuits ${ms(w.timings.circuits)}, groundings ${ms(w.timings.groundings)}, mappings ${ms(w.timings.mappings)}; CPU ${ms(w.cpuMs)}`);
  console.log(`  base: ${refusal}`);
  rows.push(`| 2-6-6-1 @0.3 whole analysis, ${availableParallelism()} cores, wall | refused | ${ms(w.wallMs)} | - | <= 120 s | ${w.wallMs <= 120_000 ? 'met' : 'NOT met'} |`);
  rows.push(`| 2-6-6-1 @0.3 whole analysis, peak RSS | refused | ${gib.toFixed(2)} GiB | - | <= 1 GiB | ${gib <= 1 ? 'met' : 'NOT met'} |`);
}

// 3. GPU targets.
const gpu = process.env.BENCH_GPU === '1';
rows.push(`| 2-6-6-1 @0.3 whole analysis on a real GPU | refused | ${gpu ? 'see bench:webgpu' : 'unmeasured'} | - | <= 10 s | ${gpu ? '-' : 'no real GPU here'} |`);
rows.push(`| 2-7-7-1 @0.3 circuit stage on a real GPU | refused | ${gpu ? 'see bench:webgpu' : 'unmeasured'} | - | <= 10 min | ${gpu ? '-' : 'no real GPU here'} |`);

console.log(`\n${rows.join('\n')}`);
console.log(`\nwarm = median of 5 runs after 3 warm-ups in one process; cold = that process's first analysis; medians over ${runs} processes per side. Load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end; ${((Date.now() - started) / 1000).toFixed(0)} s.`);
console.log('Other issue-14 targets: npm run bench:mappings (mapping search), npm run bench:formulas (formula enumeration), npm run bench:train (training).');
