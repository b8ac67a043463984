/**
 * `npm run bench` (also alone: `node --import tsx bench/formulas.ts`): the formula enumeration's
 * targets (issue 14 item 5), the new `formulasForGate` next to the exhaustive reference it replaced
 * (test/formulas-reference.ts). Never asserted anywhere: the machine is shared and noisy, so the
 * load average is printed with the numbers.
 *
 * new, fresh: median over BENCH_RUNS fresh processes of the first call (JIT, nothing cached), wall
 * time against the target, and CPU time (V8's GC threads included), which a loaded machine inflates less.
 * side by side: one fresh process per target runs the new call first, then the reference.
 * BENCH_FORMULAS_OLD=0 skips the reference (about a minute: 3-input gates take seconds each).
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { FormulaProbe } from './formulas-probe.ts';
import { median } from './probe-run.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const OLD = process.env.BENCH_FORMULAS_OLD !== '0';
const probe = fileURLToPath(new URL('./formulas-probe.ts', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));
const ms = (t: number) => (t < 1000 ? `${t.toFixed(1)} ms` : `${(t / 1000).toFixed(2)} s`);

function run(gate: string, depth: number, old: boolean): FormulaProbe {
  const r = spawnSync(process.execPath, ['--import', 'tsx', probe, gate, String(depth), ...(old ? ['--old'] : [])], { cwd: root, encoding: 'utf8' });
  const line = r.stdout?.split('\n').find((l) => l.startsWith('PROBE '));
  if (r.status !== 0 || !line) throw new Error(`formula probe failed (${gate} ${depth}, exit ${r.status ?? r.signal}):\n${r.stderr}`);
  return JSON.parse(line.slice('PROBE '.length)) as FormulaProbe;
}

/** Targets: XOR at depth 3 is the cold call of every 2-layer analysis. */
const TARGETS: [gate: string, depth: number, targetMs: number][] = [
  ['XOR', 3, 5],
  ['XOR', 4, 200],
  ['MAJORITY', 3, 200],
  ['PARITY', 3, 200],
  ['FULL_ADDER', 3, 200],
  ['EXACT_2', 3, 200],
];

const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
console.log(
  `\nmi-ident formula bench: Node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), load ${load()}; ` +
    `new = median first call of ${RUNS} fresh processes; side by side = new then old in one fresh process`,
);
for (const [gate, depth, target] of TARGETS) {
  const probes = Array.from({ length: RUNS }, () => run(gate, depth, false));
  const fresh = median(probes.map((p) => p.newMs));
  const cpu = median(probes.map((p) => p.newCpuMs));
  const verdict = fresh <= target ? 'met' : `NOT met, ${(fresh / target).toFixed(1)}x over`;
  let side = '';
  if (OLD) {
    const p = run(gate, depth, true);
    side = `; side by side: new ${ms(p.newMs)}, old ${ms(p.oldMs!)} = ${(p.oldMs! / p.newMs).toFixed(0)}x${p.same ? '' : ' (LISTS DIFFER)'}`;
  }
  console.log(`  ${gate} depth ${depth} (${probes[0]!.formulas} formulas): new ${ms(fresh)} (target <= ${ms(target)}: ${verdict}; CPU ${ms(cpu)})${side}`);
}
console.log(`  load at the end: ${load()}`);
