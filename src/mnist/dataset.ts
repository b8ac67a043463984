/**
 * MNIST as the paper's larger experiment uses it: images of chosen digits (0 and 1), pixels
 * scaled to [-1, 1], label = the digit's position in the chosen list (so 0/1 for digits 0 and 1),
 * as a float32 {@link TrainingSet} the trainer consumes. No Node built-ins here.
 */
import { InputError } from '../errors.ts';
import type { TrainingSet } from '../train/data.ts';
import type { IdxArray } from './idx.ts';

/** Pixels per MNIST image (28 x 28). */
export const MNIST_PIXELS = 784;

/** One MNIST split: images and labels checked against each other. */
export interface MnistSplit {
  /** Number of images. */
  readonly n: number;
  /** Pixels per image (rows x columns). */
  readonly pixels: number;
  /** Image width (columns), for drawing. */
  readonly width: number;
  /** `n x pixels` bytes, 0 = background, 255 = ink. */
  readonly images: Uint8Array;
  /** Digit of each image. */
  readonly labels: Uint8Array;
}

/** A filtered, scaled subset of a split. */
export interface DigitSet extends TrainingSet {
  /** The digit of each sample. */
  readonly digits: Uint8Array;
  /** Index of each sample in the original split (for showing the image). */
  readonly indices: Int32Array;
}

/** Pairs an images array (`n x rows x cols`) with a labels array (`n`). */
export function mnistSplit(images: IdxArray, labels: IdxArray): MnistSplit {
  if (images.dims.length !== 3) throw new InputError(`MNIST images must have 3 dimensions (n x rows x columns), got ${images.dims.length}`);
  if (labels.dims.length !== 1) throw new InputError(`MNIST labels must have 1 dimension, got ${labels.dims.length}`);
  const [n, rows, cols] = images.dims as [number, number, number];
  if (labels.dims[0] !== n) throw new InputError(`${n} MNIST images but ${labels.dims[0]} labels`);
  return { n, pixels: rows * cols, width: cols, images: images.data, labels: labels.data };
}

/** A pixel byte scaled to [-1, 1] in float32: 0 -> -1, 255 -> 1. */
export function scalePixel(byte: number): number {
  return Math.fround(byte / 127.5 - 1);
}

/**
 * The images of `digits` (default 0 and 1) in split order, pixels scaled to [-1, 1]; the label
 * of a sample is the position of its digit in `digits`.
 */
export function filterDigits(split: MnistSplit, digits: readonly number[] = [0, 1]): DigitSet {
  if (digits.length < 2 || new Set(digits).size !== digits.length || digits.some((d) => !Number.isInteger(d) || d < 0 || d > 9)) {
    throw new InputError(`choose at least two distinct digits between 0 and 9, got ${digits.join(',')}`);
  }
  const position = new Map(digits.map((d, i) => [d, i]));
  const kept: number[] = [];
  for (let i = 0; i < split.n; i++) if (position.has(split.labels[i]!)) kept.push(i);
  const n = kept.length;
  const x = new Float32Array(n * split.pixels);
  const y = new Float32Array(n);
  const scaled = Float32Array.from({ length: 256 }, (_, b) => scalePixel(b));
  kept.forEach((src, s) => {
    const from = src * split.pixels;
    for (let p = 0; p < split.pixels; p++) x[s * split.pixels + p] = scaled[split.images[from + p]!]!;
    y[s] = position.get(split.labels[src]!)!;
  });
  return {
    nInputs: split.pixels,
    nOutputs: 1,
    n,
    x,
    y,
    digits: Uint8Array.from(kept, (i) => split.labels[i]!),
    indices: Int32Array.from(kept),
  };
}
