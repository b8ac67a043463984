// Conjunctions of a few criteria over the models of results folders (docs/criteria.md, Findings):
// `all` asks for every criterion at once; this asks which smaller conjunctions leave exactly one
// explanation. Each converged model is analysed again (clean truth table, as the runner's clean
// grids) with every criterion, and the conjunctions are read off the pass flags.
//   node --import tsx scripts/criteria-combinations.ts results/criteria/basic results/criteria/gates
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeModel } from '../src/analyze.ts';
import type { CriterionId } from '../src/criteria/ids.ts';
import { parseModel } from '../src/model.ts';

/** Where-then-what conjunctions: circuit criteria, and the grounding count to take (paper's or causal). */
const WHERE: { name: string; circuits: CriterionId[]; causal: boolean }[] = [
  // The first two are single criteria, as the runner counts them: a check of this script.
  { name: 'minimal', circuits: ['minimal'], causal: false },
  { name: 'grounding-causal', circuits: [], causal: true },
  { name: 'minimal + grounding-causal', circuits: ['minimal'], causal: true },
  { name: 'minimal + resample-ablation + grounding-causal', circuits: ['minimal', 'resample-ablation'], causal: true },
  { name: 'minimal + mean-ablation + grounding-causal', circuits: ['minimal', 'mean-ablation'], causal: true },
  { name: 'minimal + ood-0.05 + grounding-causal', circuits: ['minimal', 'ood-0.05'], causal: true },
  { name: 'resample-ablation + grounding-causal', circuits: ['resample-ablation'], causal: true },
];
/** What-then-where conjunctions. */
const WHAT: { name: string; ids: CriterionId[] }[] = [
  { name: 'symmetric + joint', ids: ['symmetric', 'joint'] },
  { name: 'symmetric + joint + unmapped + full-state', ids: ['symmetric', 'joint', 'unmapped', 'full-state'] },
];

const pct = (k: number, n: number) => `${k} (${n ? Math.round((100 * k) / n) : 0}%)`;

for (const dir of process.argv.slice(2)) {
  const records = readFileSync(join(dir, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.converged);
  const where = WHERE.map(() => ({ one: 0, none: 0 }));
  const what = WHAT.map(() => ({ one: 0, oneVacuous: 0, none: 0 }));
  let networks = 0;
  for (const r of records) {
    const result = await analyzeModel(parseModel(r.model), { gates: r.gates, criteria: 'all', backend: 'wasm', noisyIiaData: 'probe' });
    for (const o of result.outputs) {
      networks++;
      WHERE.forEach((w, k) => {
        let total = 0n;
        o.perfectCircuits.forEach((c, i) => {
          if (!w.circuits.every((id) => c.passes!.includes(id))) return;
          total += BigInt(w.causal ? c.criterionGroundings!['grounding-causal']! : o.groundingsPerCircuit[i]!);
        });
        if (total === 1n) where[k]!.one++;
        if (total === 0n) where[k]!.none++;
      });
      WHAT.forEach((w, k) => {
        const kept = o.formulas.flatMap((f) => f.passes!.map((ids, j) => ({ ok: w.ids.every((id) => ids.includes(id)), vacuous: f.vacuous![j]!.length > 0 }))).filter((m) => m.ok);
        if (kept.length === 1) {
          what[k]!.one++;
          if (kept[0]!.vacuous) what[k]!.oneVacuous++;
        }
        if (kept.length === 0) what[k]!.none++;
      });
    }
  }
  console.log(`\n${dir}: ${networks} networks`);
  console.log('| conjunction | one explanation | of which vacuous | none left |');
  console.log('|---|---:|---:|---:|');
  WHERE.forEach((w, k) => console.log(`| ${w.name} | ${pct(where[k]!.one, networks)} |  | ${pct(where[k]!.none, networks)} |`));
  WHAT.forEach((w, k) => console.log(`| ${w.name} | ${pct(what[k]!.one, networks)} | ${what[k]!.oneVacuous} | ${pct(what[k]!.none, networks)} |`));
}
