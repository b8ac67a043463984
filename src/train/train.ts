/**
 * Training an MLP as the reference's `MLP.do_train` (docs/semantics.md, N5): AdamW, MSE loss, shuffled
 * mini-batches, epoch-mean loss; stop when the epoch loss is below the target or after a number
 * of epochs (3) without a new best; the last epoch's mean loss is returned.
 */
import { BackendUnavailableError, InputError } from '../errors.ts';
import type { Model } from '../model.ts';
import { checkAborted } from '../progress.ts';
import type { TrainingSet } from './data.ts';
import type { AdamWOptions, EngineSetup, TrainEngine } from './engine.ts';
import { packParameters, unpackParameters } from './params.ts';
import { createReferenceEngine } from './reference.ts';
import { shuffleInPlace, type Rng } from './rng.ts';
import { createWasmEngine } from './wasm-engine.ts';

/** Which engine trains: 'auto' is Wasm, or the TypeScript reference where Wasm SIMD is missing. */
export type TrainEngineChoice = 'auto' | 'wasm' | 'ts';

/** Options of {@link trainModel}; defaults are main.py's and torch's. */
export interface TrainOptions {
  /** Default 0.001. */
  learningRate?: number;
  /** Default 100. */
  batchSize?: number;
  /** Maximum number of epochs (default 1000). */
  epochs?: number;
  /** Stop once an epoch's mean loss is below this (default 0.01). */
  lossTarget?: number;
  /** Stop after this many consecutive epochs without a new best loss (default 3). */
  patience?: number;
  /** AdamW weight decay (default 0.01), betas (0.9, 0.999) and eps (1e-8). */
  weightDecay?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  engine?: TrainEngineChoice;
  /** Data on which to report the accuracy of the trained model (main.py's `do_eval`). */
  validation?: TrainingSet;
  /** Called after every epoch with its mean loss. */
  onEpoch?: (epoch: number, loss: number) => void;
  /** Checked between epochs. */
  signal?: AbortSignal;
}

/** Why training stopped. */
export type StopReason = 'loss-target' | 'no-improvement' | 'max-epochs';

/** The trained model and how training went. */
export interface TrainResult {
  model: Model;
  /** Mean loss of the last epoch (the value main.py compares with the target). */
  finalLoss: number;
  bestLoss: number;
  epochs: number;
  stop: StopReason;
  /** Accuracy on `options.validation` (NaN without it). */
  valAccuracy: number;
  engine: 'wasm' | 'ts';
  /** Wall time in milliseconds. */
  ms: number;
}

/** Instantiates the chosen engine. */
async function createEngine(choice: TrainEngineChoice, setup: EngineSetup): Promise<TrainEngine> {
  if (choice === 'ts') return createReferenceEngine(setup);
  try {
    return await createWasmEngine(setup);
  } catch (e) {
    if (choice === 'wasm') throw e instanceof BackendUnavailableError ? e : new BackendUnavailableError(`the Wasm trainer could not start: ${(e as Error).message}`);
    return createReferenceEngine(setup);
  }
}

function checkPositive(value: number, what: string, integer: boolean): void {
  if (!(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new InputError(`${what} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`);
  }
}

/**
 * Trains `initial` (not modified) on `data`, shuffling with `shuffleRng` (one permutation per
 * epoch, as torch's DataLoader). Deterministic: the same inputs give the same weights, bit for bit,
 * on every engine and machine.
 */
export async function trainModel(initial: Model, data: TrainingSet, shuffleRng: Rng, options: TrainOptions = {}): Promise<TrainResult> {
  const started = performance.now();
  const batchSize = options.batchSize ?? 100;
  const epochs = options.epochs ?? 1000;
  const lossTarget = options.lossTarget ?? 0.01;
  const patience = options.patience ?? 3;
  const adamw: AdamWOptions = {
    learningRate: options.learningRate ?? 0.001,
    beta1: options.beta1 ?? 0.9,
    beta2: options.beta2 ?? 0.999,
    eps: options.eps ?? 1e-8,
    weightDecay: options.weightDecay ?? 0.01,
  };
  checkPositive(batchSize, 'the batch size', true);
  checkPositive(epochs, 'the number of epochs', true);
  checkPositive(adamw.learningRate, 'the learning rate', false);
  checkPositive(lossTarget, 'the loss target', false);
  const sizes = initial.layerSizes;
  if (data.nInputs !== sizes[0] || data.nOutputs !== sizes[sizes.length - 1]) {
    throw new InputError(`the data has ${data.nInputs} inputs and ${data.nOutputs} outputs; the model ${sizes.join('-')} needs ${sizes[0]} and ${sizes[sizes.length - 1]}`);
  }
  if (data.n === 0) throw new InputError('the training set is empty');

  const engine = await createEngine(options.engine ?? 'auto', {
    layerSizes: sizes,
    parameters: packParameters(initial),
    data,
    batchSize,
    adamw,
    slope: initial.negativeSlope,
  });
  try {
    const nBatches = Math.ceil(data.n / batchSize);
    const perm = new Int32Array(data.n);
    let best = Infinity;
    let bad = 0;
    let loss = NaN;
    let epoch = 0;
    let stop: StopReason = 'max-epochs';
    let lastYield = performance.now();
    while (epoch < epochs) {
      checkAborted(options.signal);
      for (let i = 0; i < perm.length; i++) perm[i] = i;
      shuffleInPlace(shuffleRng, perm);
      loss = engine.epoch(perm) / nBatches;
      epoch++;
      options.onEpoch?.(epoch, loss);
      if (loss < best) {
        best = loss;
        bad = 0;
      } else {
        bad++;
      }
      if (loss < lossTarget) {
        stop = 'loss-target';
        break;
      }
      if (bad >= patience) {
        stop = 'no-improvement';
        break;
      }
      // Let the event loop breathe (progress, aborts) during long trainings.
      if (performance.now() - lastYield > 50) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        lastYield = performance.now();
      }
    }
    const model = unpackParameters(sizes, engine.parameters(), initial.negativeSlope);
    const valAccuracy = options.validation ? engine.countCorrect(options.validation) / options.validation.n : NaN;
    return { model, finalLoss: loss, bestLoss: best, epochs: epoch, stop, valAccuracy, engine: engine.name, ms: performance.now() - started };
  } finally {
    engine.dispose();
  }
}
