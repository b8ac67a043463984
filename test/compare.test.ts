/**
 * "Ours vs the original code, seed by seed": reading main.py's CSV and oracle case files, pairing
 * networks, and the report section, on a `--rng reference` run of the basic experiment's first
 * ten offsets against the oracle's cases for them.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareSeedBySeed, comparisonSummary, parseCaseFile, parseMainPyCsv, parseReference } from '../src/experiment/compare.ts';
import { resolveConfig } from '../src/experiment/config.ts';
import { runExperiment } from '../src/experiment/node-runner.ts';
import { PRESETS } from '../src/experiment/presets.ts';
import { comparisonSection } from '../src/experiment/report.ts';
import { FIXTURES, fixture } from './helpers.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

test("main.py's CSV as pandas writes it (df_out.csv has an index column)", () => {
  const csv = [
    ',gates,n_gates,sizes,seed_offset,perfect_circuits,interpretations_per_circuit,formulas,mappings_per_formula,loss_target,learning_rate,depth,weights',
    '0,XOR NAND,2,3,0,"[8, 65]","[[288, 4608], [1, None]]","[14, 8]","[[2, 2], [1]]",0.01,0.001,2,',
    '1,XOR,1,3,4,[0],[[]],[0],[[]],0.01,0.001,2,"[0.1, 0.9]"',
  ].join('\r\n');
  const nets = parseMainPyCsv(csv, 'df_out.csv');
  assert.is(nets.length, 3);
  assert.equal(
    nets.map((n) => [n.gates, n.seedOffset, n.output, n.perfectCircuits, n.interpretations, n.formulas, n.mappingsPerFormula]),
    [
      ['XOR NAND', 0, 0, 8, [288, 4608], 14, [2, 2]],
      ['XOR NAND', 0, 1, 65, [1, null], 8, [1]],
      ['XOR', 4, 0, 0, [], 0, []],
    ],
  );
  assert.throws(() => parseMainPyCsv('a,b\n1,2\n', 'x.csv'), /no column "gates"/);
  assert.is(parseReference(readFileSync(join(FIXTURES, 'cases/XOR_w3_d2_seed3.json'), 'utf8'), 'c').length, 1);
});

test('reproduce basic --rng reference, offsets 0-9, against the oracle cases: every network identical', async () => {
  const config = resolveConfig({ ...PRESETS.basic!.config, nExperiments: 10, rng: 'reference' });
  const out = mkdtempSync(join(tmpdir(), 'mi-ident-compare-'));
  const { records } = await runExperiment(config, { out, workers: 2 });
  const names = [0, 1, 2, 3, 4, 5, 6, 8, 9].map((s) => `XOR_w3_d2_seed${s}`);
  const refs = names.flatMap((n) => parseCaseFile(fixture(`cases/${n}.json`), `${n}.json`));
  const rows = compareSeedBySeed(records, refs);
  assert.equal(comparisonSummary(rows), { compared: 9, identical: 9, differ: 0, oursOnly: 0, theirsOnly: 0, neither: 1 });
  assert.is(rows.find((r) => !r.ours)!.seedOffset, 7);
  const html = comparisonSection(rows, names);
  assert.match(html, /9 identical/);
  assert.not.match(html, /class="differ"/);
  // A changed count is marked.
  const changed = refs.map((n) => (n.seedOffset === 3 ? { ...n, formulas: n.formulas + 1 } : n));
  const marked = compareSeedBySeed(records, changed);
  assert.equal(comparisonSummary(marked).differ, 1);
  assert.match(comparisonSection(marked, names), /class="differ"/);

  // The CLI: mi-ident report DIR --compare FILE...
  const csvPath = join(out, '..', `ref-${Date.now()}.csv`);
  writeFileSync(
    csvPath,
    'gates,n_gates,sizes,seed_offset,perfect_circuits,interpretations_per_circuit,formulas,mappings_per_formula,loss_target,learning_rate,depth,weights\n' +
      names
        .map((n) => fixture(`cases/${n}.json`))
        .map((c: any) => `XOR,1,3,${c.config.seed_offset},"${JSON.stringify(c.expected.main_py_row.perfect_circuits)}","${JSON.stringify(c.expected.main_py_row.interpretations_per_circuit)}","${JSON.stringify(c.expected.main_py_row.formulas)}","${JSON.stringify(c.expected.main_py_row.mappings_per_formula)}",0.01,0.001,2,`)
        .join('\n') + '\n',
  );
  const report = join(out, 'r.html');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/run.ts'), 'report', out, '--out', report, '--compare', csvPath, '--quiet'], { cwd: ROOT, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.match(readFileSync(report, 'utf8'), /Ours vs the original code, seed by seed[\s\S]*9 identical/);
});

test.run();
