/**
 * Grounding counts of circuits on given input rows, each row one distinct Boolean input (a
 * binarised pattern), where the reference would key rows by truncating them (G1). Counts depend
 * only on the rows' activations (with three or more inputs the first layer's gate names are all
 * "kINPUTS"), so the Wasm kernels count on the rows as given; the TypeScript reference, which
 * keys by truncation, answers what the kernels cannot, when the rows truncate to distinct keys.
 */
import type { CircuitSpace } from '../circuits/space.ts';
import { LimitError } from '../errors.ts';
import { countGroundings, groundingProblem } from '../grounding.ts';
import type { Model } from '../model.ts';
import type { LongRunOptions } from '../progress.ts';
import { countByCombination } from '../grounding-runner.ts';
import { loadGroundingKernels, type GroundingKernels } from '../backends/wasm-grounding.ts';

/** Options of {@link countGroundingsOnRows}. */
export interface RowGroundingOptions extends LongRunOptions {
  /** 'auto' (default): the Wasm kernels when they load; 'ts': the reference only. */
  backend?: 'auto' | 'ts';
}

/** Exact grounding counts of circuits `indices` (ascending) of `space`, one distinct input per row of `rows`. */
export async function countGroundingsOnRows(
  model: Model,
  space: CircuitSpace,
  indices: readonly number[],
  rows: readonly (readonly number[])[],
  options: RowGroundingOptions = {},
): Promise<{ counts: bigint[]; backend: 'wasm' | 'ts' }> {
  const kernels: GroundingKernels | null = options.backend === 'ts' ? null : await loadGroundingKernels().catch(() => null);
  const counts = countByCombination(kernels, model, space, indices, rows, options, (index) => referenceCount(model, space, index, rows));
  return { counts, backend: kernels ? 'wasm' : 'ts' };
}

function referenceCount(model: Model, space: CircuitSpace, index: number, rows: readonly (readonly number[])[]): bigint {
  const problem = groundingProblem(model, space.decode(index), rows);
  if (problem.inputs.length !== rows.length) {
    throw new LimitError('these grounding rows truncate to the same reference input; counting them as distinct inputs needs the Wasm kernels');
  }
  return countGroundings(problem);
}
