/**
 * What a training engine does: epochs of mini-batch AdamW on a fixed dataset, and accuracy.
 * Two engines share one arithmetic, bit for bit: the Wasm kernels (fast) and a TypeScript
 * reference (checks and fallback).
 */
import type { TrainingSet } from './data.ts';

/** AdamW hyper-parameters (torch.optim.AdamW's defaults except the learning rate). */
export interface AdamWOptions {
  learningRate: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** Everything an engine needs to start: architecture, initial parameters, data, batch size. */
export interface EngineSetup {
  readonly layerSizes: readonly number[];
  /** Flat, padded parameters (see params.ts); the engine copies them. */
  readonly parameters: Float32Array;
  readonly data: TrainingSet;
  readonly batchSize: number;
  readonly adamw: AdamWOptions;
  /** LeakyReLU slope (float32). */
  readonly slope: number;
}

/** A training engine: owns a copy of the parameters and optimiser state. */
export interface TrainEngine {
  readonly name: 'wasm' | 'ts';
  /** One epoch over the samples in `perm` order; returns the sum of the batches' float32 losses. */
  epoch(perm: Int32Array): number;
  /** The current parameters (a copy, flat layout). */
  parameters(): Float32Array;
  /** How many samples of `set` have every output, rounded half to even, equal to its label. */
  countCorrect(set: TrainingSet): number;
  /** Frees the engine's memory. */
  dispose(): void;
}

/** Slots of the f64 hyper-parameter block shared with assembly/train.ts (H_* there). */
export const HYPER = { lr: 0, beta1: 1, beta2: 2, eps: 3, weightDecay: 4, slope: 5, step: 6, beta1Pow: 7, beta2Pow: 8, length: 9 } as const;

/** The batch rounded up to whole f32x4 vectors. */
export function paddedBatch(count: number): number {
  return (count + 3) & ~3;
}
