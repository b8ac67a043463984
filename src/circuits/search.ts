/**
 * Where: the search for circuits whose accuracy beats the threshold, chunked over the
 * enumeration so memory stays flat and progress can be reported.
 */
import type { Backend } from '../backends/types.ts';
import type { WeightedRows } from '../data.ts';
import type { Model } from '../model.ts';
import { checkAborted, type LongRunOptions } from '../progress.ts';
import type { CircuitSpace } from './space.ts';

/** Options of {@link findPerfectCircuits}. */
export interface CircuitSearchOptions extends LongRunOptions {
  /** Accuracy must be strictly greater than this (default 0.99, as main.py). */
  accuracyThreshold?: number;
  /** Circuits per backend call (default 65,536). */
  chunkSize?: number;
}

/** Indices of the circuits of `space` that beat the accuracy threshold, in enumeration order. */
export async function findPerfectCircuits(
  backend: Backend,
  model: Model,
  space: CircuitSpace,
  rows: WeightedRows,
  options: CircuitSearchOptions = {},
): Promise<number[]> {
  const { accuracyThreshold = 0.99, chunkSize = 65_536, onProgress, signal } = options;
  const found: number[] = [];
  for (let start = 0; start < space.count; start += chunkSize) {
    checkAborted(signal);
    const end = Math.min(space.count, start + chunkSize);
    const indices = await backend.evaluateCircuits({ model, space, start, end, rows, accuracyThreshold });
    for (const i of indices) found.push(i);
    onProgress?.({ stage: 'circuits', done: end, total: space.count });
  }
  return found;
}
