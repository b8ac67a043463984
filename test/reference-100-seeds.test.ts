/**
 * `mi-ident reproduce basic --rng reference` against the original code's own 100-seed run
 * (test/fixtures/reference-100-seeds.md, from shared/oracle): the same 90 converged networks, the
 * same 10 offsets that do not converge, and the same distributions of perfect circuits,
 * interpretations, formulas and mappings, under both pair orders.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeModel } from '../src/analyze.ts';
import { resolveConfig } from '../src/experiment/config.ts';
import { runExperiment } from '../src/experiment/node-runner.ts';
import { PRESETS } from '../src/experiment/presets.ts';
import { parseModel } from '../src/model.ts';

/** numpy's default (linear) quantile, and the (n + 1) p one ("weibull", Excel's QUARTILE.EXC). */
function quantile(values: readonly number[], p: number, method: 'linear' | 'weibull'): number {
  const s = [...values].sort((a, b) => a - b);
  const h = method === 'linear' ? (s.length - 1) * p : (s.length + 1) * p - 1;
  const lo = Math.floor(h);
  return s[lo]! + (h - lo) * (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!);
}
const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sum = (v: readonly number[]) => v.reduce((a, b) => a + b, 0);

test('reproduce basic --rng reference: the original code\'s 100 seeds, network by network in distribution', async () => {
  const config = resolveConfig({ ...PRESETS.basic!.config, rng: 'reference' });
  const report = await runExperiment(config, { out: mkdtempSync(join(tmpdir(), 'mi-ident-100-')), workers: 2 });
  const records = report.records;
  assert.is(records.length, 100);
  const converged = records.filter((r) => r.converged);
  assert.is(converged.length, 90);
  assert.equal(records.filter((r) => !r.converged).map((r) => r.unit.seedOffset), [7, 13, 28, 31, 51, 60, 64, 73, 76, 79]);
  const rows = converged.map((r) => r.rows[0]!);

  // The summary's quartiles of perfect circuits are numpy's; those of interpretations are (n + 1) p.
  const perfect = rows.map((r) => r.perfect_circuits);
  assert.equal([0.25, 0.5, 0.75].map((p) => quantile(perfect, p, 'linear')), [23.75, 44.5, 75.5]);
  assert.equal([Math.min(...perfect), Math.max(...perfect), Number(mean(perfect).toFixed(1))], [0, 169, 52.3]);
  assert.is(perfect.filter((n) => n === 0).length, 2);
  assert.is(perfect.filter((n) => n === 1).length, 0);

  const groundings = rows.map((r) => Number(r.total_interpretations));
  assert.equal([0.25, 0.5, 0.75].map((p) => quantile(groundings, p, 'weibull')), [26283.5, 64235.5, 164203.5]);
  assert.equal([Math.min(...groundings), Math.max(...groundings), Math.round(mean(groundings))], [0, 395124, 107456]);
  assert.is(groundings.filter((n) => n === 1).length, 0);
  const perCircuit = rows.filter((r) => r.perfect_circuits > 0).map((r) => sum(r.interpretations_per_circuit.map(Number)) / r.perfect_circuits);
  assert.is(Math.round(quantile(perCircuit, 0.5, 'linear')), 1878);
  assert.is(Math.round(mean(perCircuit)), 2278);

  const formulas = rows.map((r) => r.formulas);
  const mappings = rows.map((r) => sum(r.mappings_per_formula));
  assert.equal([0, 0.25, 0.5, 0.75, 1].map((p) => quantile(formulas, p, 'linear')), [0, 0, 1, 3, 14]);
  assert.is(Number(mean(formulas).toFixed(2)), 2.93);
  assert.equal([0, 0.25, 0.5, 0.75, 1].map((p) => quantile(mappings, p, 'linear')), [0, 0, 1, 8, 70]);
  assert.is(Number(mean(mappings).toFixed(1)), 10.3);
  assert.is(mappings.filter((n) => n === 0).length, 45);
  assert.is(mappings.filter((n) => n === 1).length, 0);
  assert.is(formulas.filter((n) => n === 1).length, 0);

  // The same networks under pair order AB (what other hash seeds give).
  let differ = 0;
  const abFormulas: number[] = [];
  const abMappings: number[] = [];
  for (const r of converged) {
    const model = parseModel(r.model!);
    const ab = (await analyzeModel(model, { gates: ['XOR'], pairOrder: 'AB', backend: 'wasm', stages: { circuits: false, groundings: false } })).outputs[0]!;
    abFormulas.push(ab.formulasWithMapping);
    abMappings.push(sum(ab.mappingsPerFormula));
    const ba = r.rows[0]!;
    if (ab.formulasWithMapping !== ba.formulas || JSON.stringify(ab.mappingsPerFormula) !== JSON.stringify(ba.mappings_per_formula)) differ++;
  }
  assert.equal([quantile(abFormulas, 0.5, 'linear'), Number(mean(abFormulas).toFixed(2))], [1, 2.76]);
  assert.equal([quantile(abMappings, 0.5, 'linear'), Number(mean(abMappings).toFixed(2))], [1, 9.83]);
  assert.is(differ, 6);
});

test.run();
