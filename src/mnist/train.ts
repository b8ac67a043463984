/**
 * Training the paper's MNIST model: 784-128-128-3-3-3-1, LeakyReLU (0.01) after every layer as
 * everywhere in this project, one regression output trained with MSE on the 0/1 label, Adam
 * (lr 1e-3), batches of 64, a fixed number of epochs, seeded. It runs on the project's trainer
 * (Wasm SIMD kernels, bit-identical to the TypeScript reference), so the same seed gives the same
 * weights everywhere.
 */
import type { TrainingSet } from '../train/data.ts';
import { initModel } from '../train/params.ts';
import { streamRng } from '../train/rng.ts';
import { trainModel, type TrainEngineChoice, type TrainResult } from '../train/train.ts';
import type { LongRunOptions } from '../progress.ts';

/** The paper's MNIST architecture (inputs first). */
export const MNIST_LAYER_SIZES: readonly number[] = [784, 128, 128, 3, 3, 3, 1];

/** Options of {@link trainMnist}; defaults are the paper's setting. */
export interface MnistTrainOptions extends Pick<LongRunOptions, 'signal'> {
  /** Default 10; every epoch runs (no early stop). */
  epochs?: number;
  /** Default 0: names the random streams of the initial weights and of the shuffles. */
  seed?: number;
  /** Default 1e-3. */
  learningRate?: number;
  /** Default 64. */
  batchSize?: number;
  /** Default [784, 128, 128, 3, 3, 3, 1]. */
  layerSizes?: readonly number[];
  /** Default 'auto' (Wasm). */
  engine?: TrainEngineChoice;
  /** Called after every epoch with its mean training loss. */
  onEpoch?: (epoch: number, loss: number) => void;
}

/**
 * Trains a fresh model on `train` and reports its accuracy on `validation` (output rounded half
 * to even equals the label). Adam is the trainer's AdamW with weight decay 0: with no decay its
 * update is exactly torch.optim.Adam's.
 */
export async function trainMnist(train: TrainingSet, validation: TrainingSet, options: MnistTrainOptions = {}): Promise<TrainResult> {
  const seed = options.seed ?? 0;
  const initial = initModel(streamRng('mnist', 'init', seed), options.layerSizes ?? MNIST_LAYER_SIZES);
  return trainModel(initial, train, streamRng('mnist', 'shuffle', seed), {
    learningRate: options.learningRate ?? 1e-3,
    batchSize: options.batchSize ?? 64,
    epochs: options.epochs ?? 10,
    // A fixed number of epochs: no loss target can be reached and patience never runs out.
    lossTarget: Number.MIN_VALUE,
    patience: Infinity,
    weightDecay: 0,
    engine: options.engine,
    validation,
    onEpoch: options.onEpoch,
    signal: options.signal,
  });
}
