/**
 * `npm run bench:compare -- --base <commit>`: per-stage times of this working tree next to an
 * older commit's, on the same machine in the same session, for the criterion "no stage is more
 * than 10 % slower than at <commit>; medians of 5, side by side".
 *
 *   node --import tsx bench/compare.ts --base 5049a02 [--runs 5] [--json out.json]
 *     [--warmups 3] [--inner 5] [--cases pretrained,XOR_w4_d2_seed0] [--worktree DIR]
 *
 * Every (checkout, case, repetition) is a fresh Node process running bench/stage-probe.ts
 * (backend 'wasm', one thread): its first analysis is the cold sample, then --warmups unrecorded
 * runs, then the median of --inner runs is the warm sample. Base and current alternate, so load on
 * the machine falls on both alike. Medians of --runs samples per checkout. Printed, never asserted.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, platform, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_CASES, loadCase } from './cases.ts';
import { baseCheckout, currentCheckout, ensureBuilt } from './checkouts.ts';
import { caseReport, printTable, type CaseSamples, type Side } from './compare-report.ts';
import { medianTimes, runProbe } from './probe-run.ts';

const THRESHOLD = 0.1;
const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    runs: { type: 'string', default: '5' },
    warmups: { type: 'string', default: '3' },
    inner: { type: 'string', default: '5' },
    cases: { type: 'string' },
    worktree: { type: 'string' },
    json: { type: 'string' },
  },
});
if (!values.base) {
  console.error('usage: node --import tsx bench/compare.ts --base <commit> [--runs 5] [--json out.json]');
  process.exit(2);
}
const runs = Number(values.runs);
const warmups = Number(values.warmups);
const inner = Number(values.inner);
if (![runs, inner].every((n) => Number.isInteger(n) && n >= 1) || !Number.isInteger(warmups) || warmups < 0) {
  throw new Error('--runs and --inner must be integers >= 1, --warmups an integer >= 0');
}

/** Set-up errors (bad commit, folder in the way, failed build) as one line, not a stack. */
function orExit<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    console.error(`bench/compare: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
const current = orExit(() => currentCheckout(fileURLToPath(new URL('..', import.meta.url))));
orExit(() => ensureBuilt(current.dir));
const base = orExit(() => baseCheckout(current, values.base!, values.worktree));
const names = values.cases ? values.cases.split(',') : DEFAULT_CASES;
for (const name of names) orExit(() => loadCase(name)); // a misspelt case fails here, not in a child
const dirs: Record<Side, string> = { base: base.dir, current: current.dir };

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown CPU',
  cores: availableParallelism(),
  node: process.version,
  os: `${platform()} ${release()}`,
  loadavgStart: loadavg(),
  loadavgEnd: [] as number[],
};
const collected: CaseSamples[] = names.map((name) => ({ name, summary: { base: '', current: '' }, samples: { base: [], current: [] } }));
const started = performance.now();
for (let rep = 0; rep < runs; rep++) {
  for (const [i, c] of collected.entries()) {
    const order: Side[] = (rep + i) % 2 === 0 ? ['base', 'current'] : ['current', 'base'];
    for (const side of order) {
      const t = performance.now();
      const out = orExit(() => runProbe(dirs[side], c.name, { backend: 'wasm', warmups, runs: inner }));
      c.samples[side].push({ cold: out.cold, warm: medianTimes(out.warm) });
      c.summary[side] = out.summary;
      console.error(`[${rep + 1}/${runs}] ${c.name} ${side}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
  }
}
machine.loadavgEnd = loadavg();

const reports = collected.map((c) => caseReport(c, THRESHOLD));
const commit = (c: typeof base) => `${c.sha.slice(0, 12)}${c.dirty ? ' + uncommitted changes' : ''}`;
console.log(`mi-ident stage comparison: base ${values.base} = ${commit(base)} (${base.dir}), current ${commit(current)} (${current.dir})`);
console.log(
  `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.os}; load average ${machine.loadavgStart.map((l) => l.toFixed(2)).join(' ')} at start, ` +
    `${machine.loadavgEnd.map((l) => l.toFixed(2)).join(' ')} at end; ${((performance.now() - started) / 1000).toFixed(0)} s.`,
);
console.log(
  `Backend wasm, one thread. Medians of ${runs} fresh processes per checkout and case. cold = first analysis in the process; ` +
    `warm = median of ${inner} runs after ${warmups} warm-ups. total = wall time of analyzeModel (space construction included). ` +
    `SLOWER: current more than ${THRESHOLD * 100} % slower than base.\n`,
);
printTable(reports, THRESHOLD);
if (values.json) {
  const settings = { runs, warmups, inner, backend: 'wasm', threads: 1, threshold: THRESHOLD };
  const json = { machine, base: { rev: values.base, ...base }, current, settings, cases: reports };
  writeFileSync(values.json, `${JSON.stringify(json, null, 1)}\n`);
  console.log(`\nwrote ${values.json}`);
}
