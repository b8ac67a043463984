/**
 * The reference mode against training runs of the original code recorded in PyTorch 1.13
 * (test/fixtures/training, from shared/training): the data main.py draws, the initial weights,
 * every epoch's permutation, every batch loss, the weights after every epoch and the outcome, bit
 * for bit; for the noisy case the 4,000-step prefix and the sha256 of the full data and
 * permutations.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../src/experiment/config.ts';
import { referenceUnitInputs } from '../src/experiment/reference-unit.ts';
import { initModelTorch, packParameters } from '../src/train/params.ts';
import { numpyMean } from '../src/train/reference-rng/numpy-random.ts';
import { TorchGenerator } from '../src/train/reference-rng/torch-random.ts';
import { createTorchEngine, type TorchEngine, type TorchEngineSetup } from '../src/train/torch-engine.ts';
import { createWasmTorchEngine } from '../src/train/wasm-torch-engine.ts';
import { trainModel } from '../src/train/train.ts';
import { FIXTURES, fixture } from './helpers.ts';

const ENGINES = ['ts', 'wasm'] as const;

/** The reference trainer of one kind. */
async function engineOf(kind: (typeof ENGINES)[number], setup: TorchEngineSetup): Promise<TorchEngine> {
  return kind === 'ts' ? createTorchEngine(setup) : createWasmTorchEngine(setup);
}

const NAMES = readdirSync(join(FIXTURES, 'training'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -5))
  .sort();

const bytes = (b64: string) => Buffer.from(b64, 'base64');
const f32 = (b64: string) => {
  const b = bytes(b64);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const u16 = (b64: string) => {
  const b = bytes(b64);
  return new Uint16Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const sha = (a: ArrayBufferView) => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
const flat = (m: { weights: number[][][]; biases: number[][] }) => m.weights.flatMap((w, l) => [...w.flat(), ...m.biases[l]!]);

/** The unit config of a recorded run (main.py's flags). */
function configOf(c: any) {
  const a = c.config.main_py_args;
  return resolveConfig({
    targetLogicGates: a.target_logic_gates,
    nGates: a.n_gates,
    sizes: a.size,
    depths: a.depth,
    nExperiments: a.n_experiments,
    seed: a.seed,
    noiseStd: a.noise_std,
    skewedDistribution: a.skewed_distribution,
    lossTargets: a.loss_target,
    learningRates: a.learning_rate,
    batchSize: a.batch_size,
    epochs: a.epochs,
    nSamplesTrain: a.n_samples_train,
    nSamplesVal: a.n_samples_val,
    nRepeats: a.n_repeats,
  });
}

for (const name of NAMES) {
  const c = fixture(`training/${name}.json`);
  const config = configOf(c);
  const sizes: number[] = c.config.layer_sizes;
  const { gates, data } = referenceUnitInputs(config, c.config.n_gates, c.config.seed_offset);

  test(`${name}: gates and data as main.py draws them`, () => {
    assert.equal(gates.map((g) => g.name), c.config.gates);
    assert.is(sha(data.train.x), c.data.x_train.sha256, 'x_train');
    assert.is(sha(data.train.y), c.data.y_train.sha256, 'y_train');
    assert.is(sha(data.val.x), c.data.x_val.sha256 ?? sha(f32(c.data.x_val.b64)), 'x_val');
    if (c.data.x_val.b64) assert.equal(Array.from(data.val.x), Array.from(f32(c.data.x_val.b64)));
    if (c.data.y_val.b64) assert.equal(Array.from(data.val.y), Array.from(f32(c.data.y_val.b64)));
  });

  test(`${name}: initial weights and every epoch's permutation from torch's generator`, () => {
    const gen = new TorchGenerator(c.config.torch_seed);
    const init = initModelTorch(gen, sizes);
    assert.equal(Array.from(packParameters(init).subarray(0, c.config.n_params)), flat(c.init));
    if (c.partial) {
      for (let e = 0; e < c.permutations.n_epochs; e++) {
        const perm = Uint32Array.from(gen.epochPermutation(c.config.n_train));
        assert.is(sha(perm), c.permutations.per_epoch_sha256[e], `epoch ${e + 1}`);
      }
    } else {
      c.permutations.per_epoch.forEach((p: string, e: number) => {
        assert.equal(Array.from(gen.epochPermutation(c.config.n_train)), Array.from(u16(p)), `epoch ${e + 1}`);
      });
    }
  });

  if (!c.partial) {
    for (const kind of ENGINES) test(`${name} (${kind}): every batch loss, the weights after every epoch, the outcome`, async () => {
      const gen = new TorchGenerator(c.config.torch_seed);
      const init = initModelTorch(gen, sizes);
      const engine = await engineOf(kind, {
        layerSizes: sizes,
        parameters: packParameters(init),
        data: data.train,
        batchSize: c.config.batch_size,
        adamw: { learningRate: c.config.learning_rate, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 },
        slope: 0.01,
      });
      const nb = c.config.n_batches_per_epoch;
      const losses = f32(c.batch_losses.b64);
      const after = f32(c.params_after_epoch.b64);
      const got = new Float32Array(nb);
      for (let e = 0; e < c.epochs_run; e++) {
        engine.batches(gen.epochPermutation(c.config.n_train), 0, nb, got);
        for (let b = 0; b < nb; b++) assert.is(got[b], losses[e * nb + b], `epoch ${e + 1}, batch ${b}`);
        assert.is(numpyMean(got), c.epoch_losses[e], `epoch ${e + 1} mean`);
        assert.equal(Array.from(engine.parameters()), Array.from(after.subarray(e * c.config.n_params, (e + 1) * c.config.n_params)), `after epoch ${e + 1}`);
      }
      assert.is(engine.countCorrect(data.val) / data.val.n, c.val_acc);
    });

    for (const kind of ENGINES) test(`${name} (${kind}): trainModel gives the recorded outcome`, async () => {
      const gen = new TorchGenerator(c.config.torch_seed);
      const init = initModelTorch(gen, sizes);
      const r = await trainModel(init, data.train, gen, { learningRate: c.config.learning_rate, validation: data.val, engine: kind });
      assert.is(r.engine, kind);
      assert.is(r.rng, 'reference');
      assert.is(r.epochs, c.epochs_run);
      assert.is(r.stop, c.stop_reason.replace('_', '-'));
      assert.is(r.finalLoss, c.final_avg_loss);
      assert.is(r.bestLoss, c.best_loss);
      assert.is(r.valAccuracy, c.val_acc);
      assert.equal(flat({ weights: r.model.weights.map((w, l) => chunk(w, sizes[l]!)), biases: r.model.biases.map((b) => Array.from(b)) }), flat(c.final));
    });
  } else {
    for (const kind of ENGINES) test(`${name} (${kind}): the 4000-step prefix of epoch 1`, async () => {
      const gen = new TorchGenerator(c.config.torch_seed);
      const init = initModelTorch(gen, sizes);
      const perm = gen.epochPermutation(c.config.n_train);
      const prefix = c.data.train_prefix;
      const idx = Uint32Array.from(perm.subarray(0, prefix.n_samples));
      assert.is(sha(idx), prefix.indices_sha256);
      const nIn = sizes[0]!;
      const rows = new Float32Array(prefix.n_samples * nIn);
      for (let i = 0; i < prefix.n_samples; i++) for (let k = 0; k < nIn; k++) rows[i * nIn + k] = data.train.x[idx[i]! * nIn + k]!;
      assert.is(sha(rows), prefix.x_rows_sha256);
      const engine = await engineOf(kind, {
        layerSizes: sizes,
        parameters: packParameters(init),
        data: data.train,
        batchSize: c.config.batch_size,
        adamw: { learningRate: c.config.learning_rate, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 },
        slope: 0.01,
      });
      const steps = c.params_after_step;
      const n = c.config.n_params;
      const sampled = f32(steps.rows_b64);
      const all = new Float32Array(steps.shape[0] * n);
      all.set(engine.parameters(), 0);
      const want = f32(c.batch_losses.prefix_b64);
      const got = new Float32Array(prefix.n_steps);
      for (let s = 0; s < prefix.n_steps; s++) {
        engine.batches(perm, s, 1, got);
        assert.is(got[s], want[s], `step ${s + 1} loss`);
        all.set(engine.parameters(), (s + 1) * n);
        if ((s + 1) % steps.every === 0) {
          const row = (s + 1) / steps.every;
          assert.equal(Array.from(all.subarray((s + 1) * n, (s + 2) * n)), Array.from(sampled.subarray(row * n, (row + 1) * n)), `after step ${s + 1}`);
        }
      }
      assert.is(sha(all), steps.sha256, 'all 4001 rows of per-step weights');
    });

    test(`${name} (wasm): the full run, 7 epochs of 40,000 steps`, async () => {
      const gen = new TorchGenerator(c.config.torch_seed);
      const init = initModelTorch(gen, sizes);
      const engine = await engineOf('wasm', {
        layerSizes: sizes,
        parameters: packParameters(init),
        data: data.train,
        batchSize: c.config.batch_size,
        adamw: { learningRate: c.config.learning_rate, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 },
        slope: 0.01,
      });
      const nb = c.config.n_batches_per_epoch;
      const losses = new Float32Array(nb * c.epochs_run);
      const after = f32(c.params_after_epoch.b64);
      const n = c.config.n_params;
      for (let e = 0; e < c.epochs_run; e++) {
        const epoch = losses.subarray(e * nb, (e + 1) * nb);
        engine.batches(gen.epochPermutation(c.config.n_train), 0, nb, epoch);
        assert.is(numpyMean(epoch), c.epoch_losses[e], `epoch ${e + 1} mean`);
        assert.equal(Array.from(engine.parameters()), Array.from(after.subarray(e * n, (e + 1) * n)), `after epoch ${e + 1}`);
      }
      assert.is(sha(losses), c.batch_losses.sha256, 'all 280,000 batch losses');
      assert.is(sha(engine.parameters()), c.checks.final_sha256_f32le);
      assert.is(engine.countCorrect(data.val) / data.val.n, c.val_acc);
    });
  }
}

function chunk(a: Float32Array, width: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < a.length; i += width) out.push(Array.from(a.subarray(i, i + width)));
  return out;
}

test.run();
