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
import { numpyMean } from './reference-rng/numpy-random.ts';
import { TorchGenerator } from './reference-rng/torch-random.ts';
import { shuffleInPlace, type Rng } from './rng.ts';
import { createTorchEngine, type TorchEngine, type TorchEngineSetup } from './torch-engine.ts';
import { createWasmEngine } from './wasm-engine.ts';
import { createWasmTorchEngine } from './wasm-torch-engine.ts';

/** Which engine trains: 'auto' is Wasm, or the TypeScript reference where Wasm SIMD is missing. */
export type TrainEngineChoice = 'auto' | 'wasm' | 'ts';

/**
 * Where random numbers and arithmetic come from: `reference` is the original code's, seed for seed
 * (torch's generator and float32 arithmetic, docs/semantics.md N11, R4–R6); `fast` is mi-ident's
 * own streams and arithmetic (D2), equal to the original only in distribution.
 */
export type RngMode = 'fast' | 'reference';

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
  /**
   * `reference` (the default when the shuffle generator is a {@link TorchGenerator}) trains as
   * torch 1.13 does: DataLoader permutations from that generator, torch's float32 arithmetic,
   * `np.mean` of the batch losses. `fast` needs a pure-rand generator.
   */
  rng?: RngMode;
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
  rng: RngMode;
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

/** Instantiates a reference (torch-exact) engine: Wasm, or its TypeScript twin. */
async function createTorchEngineOf(choice: TrainEngineChoice, setup: TorchEngineSetup): Promise<TorchEngine> {
  if (choice === 'ts') return createTorchEngine(setup);
  try {
    return await createWasmTorchEngine(setup);
  } catch (e) {
    if (choice === 'wasm') throw e instanceof BackendUnavailableError ? e : new BackendUnavailableError(`the Wasm trainer could not start: ${(e as Error).message}`);
    return createTorchEngine(setup);
  }
}

/**
 * Trains `initial` (not modified) on `data`, shuffling with `shuffle` (one permutation per epoch,
 * as torch's DataLoader). With a pure-rand generator (`rng: 'fast'`) it draws its own
 * permutations; with a {@link TorchGenerator} (`rng: 'reference'`) it draws torch's, from that
 * generator's current state (the global generator after the model's initialisation), and computes
 * what torch computes. Deterministic: the same inputs give the same weights, bit for bit, on every
 * engine and machine.
 */
export async function trainModel(initial: Model, data: TrainingSet, shuffle: Rng | TorchGenerator, options: TrainOptions = {}): Promise<TrainResult> {
  const rng: RngMode = options.rng ?? (shuffle instanceof TorchGenerator ? 'reference' : 'fast');
  if ((rng === 'reference') !== shuffle instanceof TorchGenerator) {
    throw new InputError(rng === 'reference' ? "rng 'reference' needs a TorchGenerator to shuffle with" : "rng 'fast' needs a pure-rand generator, not a TorchGenerator");
  }
  if (shuffle instanceof TorchGenerator) return trainReference(initial, data, shuffle, options);
  const shuffleRng = shuffle;
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
    return { model, finalLoss: loss, bestLoss: best, epochs: epoch, stop, valAccuracy, engine: engine.name, rng: 'fast', ms: performance.now() - started };
  } finally {
    engine.dispose();
  }
}

/** The shared checks and defaults of both modes. */
function resolveTraining(initial: Model, data: TrainingSet, options: TrainOptions) {
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
  return { batchSize, epochs, lossTarget, patience, adamw, sizes };
}

/** `do_train` and `do_eval` as torch 1.13 runs them (docs/semantics.md, N5, N11, R6). */
async function trainReference(initial: Model, data: TrainingSet, gen: TorchGenerator, options: TrainOptions): Promise<TrainResult> {
  const started = performance.now();
  const { batchSize, epochs, lossTarget, patience, adamw, sizes } = resolveTraining(initial, data, options);
  const engine = await createTorchEngineOf(options.engine ?? 'auto', {
    layerSizes: sizes,
    parameters: packParameters(initial),
    data,
    batchSize,
    adamw,
    slope: initial.negativeSlope,
  });
  try {
    const nBatches = Math.ceil(data.n / batchSize);
    const perm = engine.permutation ? new Int32Array(0) : new Int32Array(data.n);
    const losses = new Float32Array(nBatches);
    let best = Infinity;
    let bad = 0;
    let loss = NaN;
    let epoch = 0;
    let stop: StopReason = 'max-epochs';
    let lastYield = performance.now();
    while (epoch < epochs) {
      checkAborted(options.signal);
      // The same draws and permutation either way; an engine that permutes in its own memory saves a copy.
      const order = engine.permutation ? engine.permutation(gen.epochSeed()) : gen.epochPermutation(data.n, perm);
      // Long epochs in slices, so that progress and aborts get through.
      for (let b = 0; b < nBatches; ) {
        const count = Math.min(nBatches - b, 2000);
        engine.batches(order, b, count, losses);
        b += count;
        if (performance.now() - lastYield > 50) {
          checkAborted(options.signal);
          await new Promise((resolve) => setTimeout(resolve, 0));
          lastYield = performance.now();
        }
      }
      loss = numpyMean(losses); // np.mean of the Python floats loss.item()
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
    }
    const model = unpackParameters(sizes, engine.parameters(), initial.negativeSlope);
    const valAccuracy = options.validation ? engine.countCorrect(options.validation) / options.validation.n : NaN;
    return { model, finalLoss: loss, bestLoss: best, epochs: epoch, stop, valAccuracy, engine: engine.name, rng: 'reference', ms: performance.now() - started };
  } finally {
    engine.dispose();
  }
}
