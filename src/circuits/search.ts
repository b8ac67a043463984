/**
 * Where: the search for circuits whose accuracy beats the threshold, over a whole space, on any
 * backend (which chunks the range, reports progress and checks the signal).
 */
import type { Backend } from '../backends/types.ts';
import type { WeightedRows } from '../data.ts';
import type { Model } from '../model.ts';
import type { LongRunOptions } from '../progress.ts';
import type { CircuitSpace } from './space.ts';

/** Options of {@link findPerfectCircuits}. */
export interface CircuitSearchOptions extends LongRunOptions {
  /** Accuracy must be strictly greater than this (default 0.99, as main.py). */
  accuracyThreshold?: number;
}

/** Indices of the circuits of `space` that beat the accuracy threshold, in enumeration order. */
export async function findPerfectCircuits(
  backend: Backend,
  model: Model,
  space: CircuitSpace,
  rows: WeightedRows,
  options: CircuitSearchOptions = {},
): Promise<number[]> {
  const { accuracyThreshold = 0.99, onProgress, signal } = options;
  const r = await backend.evaluateCircuits({ model, space, start: 0, end: space.count, rows, accuracyThreshold, onProgress, signal });
  return Array.from(r.perfect);
}
