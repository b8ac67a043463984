/**
 * Grounding counts for a list of circuits, on the Wasm kernels when they load and on the
 * TypeScript reference otherwise (same results; the choice is reported).
 */
import type { Circuit } from './circuits/circuit.ts';
import { countGroundings, distinctGateDicts, groundingProblem } from './grounding.ts';
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

/** Exact grounding counts (and optionally distinct gate dicts) of each circuit, in order. */
export async function countGroundingsFor(
  model: Model,
  circuits: readonly Circuit[],
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
  const counts: bigint[] = [];
  const distinct: number[] = [];
  circuits.forEach((circuit, i) => {
    if (i % 256 === 0) checkAborted(options.signal);
    const problem = groundingProblem(model, circuit, groundInputs);
    counts.push(kernels ? kernels.count(problem) : countGroundings(problem));
    if (options.distinct) distinct.push(kernels ? kernels.distinct(problem) : distinctGateDicts(problem));
    if ((i + 1) % 256 === 0 || i + 1 === circuits.length) options.onProgress?.({ stage: 'groundings', done: i + 1, total: circuits.length });
  });
  return { counts, ...(options.distinct ? { distinct } : {}), backend: kernels ? 'wasm' : 'ts' };
}
