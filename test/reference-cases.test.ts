/**
 * `--rng reference` end to end: every trained model of the oracle (test/fixtures/cases) reproduced
 * bit for bit from its configuration alone (gates from random.sample, data from numpy, torch's
 * initialisation and training), through the experiment unit and through `mi-ident train`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../src/experiment/config.ts';
import { mainPyDataSeed } from '../src/experiment/reference-unit.ts';
import { trainUnitModel, unitInputs } from '../src/experiment/unit.ts';
import { modelToJson } from '../src/model.ts';
import { caseNames, fixture } from './helpers.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** How often each clean input occurs, as the oracle counts them ("01": 52, ...). */
function rowCounts(x: Float32Array, nInputs: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < x.length; i += nInputs) {
    const key = Array.from(x.subarray(i, i + nInputs), (v) => String(v)).join('');
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

for (const name of caseNames()) {
  const c = fixture(`cases/${name}.json`);
  const k = c.config;
  test(`${name}: the model trained from its configuration alone`, async () => {
    const config = resolveConfig({
      targetLogicGates: k.target_logic_gates,
      nGates: [k.n_gates],
      sizes: [k.size],
      depths: [k.depth],
      seed: k.seed,
      nExperiments: k.seed_offset + 1,
      noiseStd: k.noise_std,
      lossTargets: [k.loss_target],
      learningRates: [k.learning_rate],
      rng: 'reference',
    });
    const { gates, data } = unitInputs(config, k.n_gates, k.seed_offset);
    assert.equal(gates.map((g) => g.name), k.gates, 'random.sample');
    assert.equal(rowCounts(data.val.x, 2), k.x_val_row_counts, 'x_val');
    assert.equal(rowCounts(data.tt.x, 2), k.x_tt_row_counts, 'x_tt');
    const unit = { nGates: k.n_gates, seedOffset: k.seed_offset, size: k.size, depth: k.depth, lossTarget: k.loss_target, learningRate: k.learning_rate };
    const trained = await trainUnitModel(config, unit, gates, data);
    assert.is(trained.rng, 'reference');
    assert.is(trained.finalLoss, k.final_avg_train_loss);
    assert.is(trained.valAccuracy, k.val_acc);
    const json = modelToJson(trained.model);
    assert.equal(json.weights, c.model.weights);
    assert.equal(json.biases, c.model.biases);
  });
}

test('P3: offsets 0 and 1 share their data; a later number of gates starts from the last offset', () => {
  const config = resolveConfig({ targetLogicGates: ['XOR'], nGates: [1], noiseStd: 0, nExperiments: 5, rng: 'reference' });
  const a = unitInputs(config, 1, 0).data;
  const b = unitInputs(config, 1, 1).data;
  const c = unitInputs(config, 1, 2).data;
  assert.equal(Array.from(a.train.x), Array.from(b.train.x));
  assert.not.equal(Array.from(b.train.x), Array.from(c.train.x));
  const grid = { seed: 10, nGates: [1, 2], nExperiments: 5 };
  assert.equal([0, 1, 2, 4].map((o) => mainPyDataSeed(grid, 1, o)), [10, 10, 11, 13]);
  assert.equal([0, 1, 3].map((o) => mainPyDataSeed(grid, 2, o)), [14, 10, 12]);
});

test('mi-ident train --rng reference --seed-offset K writes the oracle model of offset K', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mi-ident-ref-'));
  const out = join(dir, 'm.json');
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/run.ts'), 'train', '--gates', 'XOR', '--noise-std', '0', '--seed-offset', '1', '--rng', 'reference', '--out', out, '--quiet'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.is(run.status, 0, run.stderr);
  const m = JSON.parse(readFileSync(out, 'utf8'));
  const want = fixture('cases/XOR_w3_d2_seed1.json').model;
  assert.equal(m.weights, want.weights);
  assert.equal(m.biases, want.biases);
  assert.is(m.training.rng, 'reference');
  assert.is(m.training.seedOffset, 1);
});

test.run();
