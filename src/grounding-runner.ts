/**
 * Grounding counts for the perfect circuits of a space, on the Wasm kernels when they load (one
 * kernel call per node combination) and on the TypeScript reference otherwise or for what the
 * kernels cannot answer exactly (same results; the choice is reported).
 */
import type { CircuitSpace } from './circuits/space.ts';
import { LimitError } from './errors.ts';
import { countGroundings, distinctGateDicts, distinctGroundingRows, groundingProblem } from './grounding.ts';
import type { Model } from './model.ts';
import { checkAborted, type LongRunOptions } from './progress.ts';
import { loadGroundingKernels, type GroundingKernels } from './backends/wasm-grounding.ts';

/** Which implementation counted. */
export type GroundingBackendName = 'ts' | 'wasm';

/** Options of {@link countGroundingsFor}. */
export interface GroundingRunOptions extends LongRunOptions {
  /** Also count distinct gate dicts (enumerates each circuit's groundings, with a cap). */
  distinct?: boolean;
  /** 'auto' (default) uses Wasm when it loads; 'ts' forces the reference. */
  backend?: 'auto' | GroundingBackendName;
}

/** Exact grounding counts (and optionally distinct gate dicts) of circuits `indices` (ascending) of `space`. */
export async function countGroundingsFor(
  model: Model,
  space: CircuitSpace,
  indices: readonly number[],
  groundInputs: readonly (readonly number[])[],
  options: GroundingRunOptions = {},
): Promise<{ counts: bigint[]; distinct?: number[]; backend: GroundingBackendName }> {
  let kernels: GroundingKernels | null = null;
  if (options.backend !== 'ts') {
    try {
      kernels = await loadGroundingKernels();
    } catch (e) {
      if (options.backend === 'wasm') throw e;
    }
  }
  const { lastRows } = distinctGroundingRows(groundInputs, model.layerSizes[0]!);
  const counts = countByCombination(kernels, model, space, indices, lastRows, options, (index) =>
    forCircuit(index, () => countGroundings(groundingProblem(model, space.decode(index), groundInputs))),
  );
  if (!options.distinct) return { counts, backend: kernels ? 'wasm' : 'ts' };
  const distinct = indices.map((index) =>
    forCircuit(index, () => {
      const problem = groundingProblem(model, space.decode(index), groundInputs);
      return kernels ? kernels.distinct(problem) : distinctGateDicts(problem);
    }),
  );
  return { counts, distinct, backend: kernels ? 'wasm' : 'ts' };
}

/** Runs `fn` for circuit `index`, naming the circuit in a limit it hits (where, not only what). */
function forCircuit<T>(index: number, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof LimitError) throw new LimitError(`circuit ${index} (enumeration index): ${e.message}`);
    throw e;
  }
}

/**
 * Counts circuits `indices` (ascending) of `space` on the rows `lastRows`, one kernel call per run
 * of indices in one node combination; `fallback(index)` answers what the kernels cannot count
 * exactly (or everything, without kernels).
 */
export function countByCombination(
  kernels: GroundingKernels | null,
  model: Model,
  space: CircuitSpace,
  indices: readonly number[],
  lastRows: readonly (readonly number[])[],
  options: LongRunOptions,
  fallback: (index: number) => bigint,
): bigint[] {
  const counts: bigint[] = [];
  for (let i = 0; i < indices.length; ) {
    checkAborted(options.signal);
    const combo = space.combinationOf(indices[i]!);
    let j = i;
    while (j < indices.length && indices[j]! < combo.offset + combo.count) j++;
    const locals = indices.slice(i, j).map((index) => index - combo.offset);
    const fast = kernels ? kernels.countCircuits(model, combo, locals, lastRows) : locals.map(() => null);
    fast.forEach((n, k) => counts.push(n ?? fallback(indices[i + k]!)));
    i = j;
    options.onProgress?.({ stage: 'groundings', done: i, total: indices.length });
  }
  return counts;
}
