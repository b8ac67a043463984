/**
 * Formula probe: the first `formulasForGate` call of a fresh process for one gate and depth, and
 * with `--old` the exhaustive reference (test/formulas-reference.ts) after it in the same
 * process. Prints one JSON line prefixed `PROBE `. Run by bench/formulas.ts.
 *
 *   node --import tsx bench/formulas-probe.ts XOR 4 [--old]
 */
import { formulasForGate } from '../src/formulas.ts';
import { getGate } from '../src/gates.ts';
import { formulasReference } from '../test/formulas-reference.ts';

export interface FormulaProbe {
  formulas: number;
  newMs: number;
  /** CPU time of this thread and V8's helpers over the new call: less sensitive to load than wall time. */
  newCpuMs: number;
  oldMs?: number;
  /** Whether the two lists have the same strings in the same order (with --old). */
  same?: boolean;
}

const [name, depthArg, flag] = process.argv.slice(2);
const gate = getGate(name!);
const depth = Number(depthArg);
const cpu = process.cpuUsage();
let t = performance.now();
const fast = formulasForGate(gate, depth);
const newMs = performance.now() - t;
const used = process.cpuUsage(cpu);
const out: FormulaProbe = { formulas: fast.length, newMs, newCpuMs: (used.user + used.system) / 1000 };
if (flag === '--old') {
  t = performance.now();
  const old = formulasReference(gate, depth);
  out.oldMs = performance.now() - t;
  out.same = old.length === fast.length && old.every((f, i) => f.str === fast[i]!.str);
}
console.log(`PROBE ${JSON.stringify(out)}`);
