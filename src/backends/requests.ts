/**
 * What the CPU backends share around their kernels: circuit ranges cut into chunks (flat memory,
 * progress, cancellation), and grounding requests split by node combination with the TS
 * reference answering what a kernel cannot count exactly.
 */
import { LimitError } from '../errors.ts';
import { countGroundings, distinctGateDicts, groundingProblemOn } from '../grounding.ts';
import { checkAborted } from '../progress.ts';
import type { GroundingKernels } from './wasm-grounding.ts';
import type { CircuitRequest, GroundingRequest, GroundingResult } from './types.ts';

/** Circuits per kernel call on the CPU. */
export const CIRCUIT_CHUNK = 65_536;

/**
 * Runs `evaluate` on consecutive chunks of the request's range and concatenates the results
 * (each in enumeration order), checking the signal and reporting progress between chunks.
 */
export async function inChunks(
  request: CircuitRequest,
  evaluate: (start: number, end: number) => Float64Array | Promise<Float64Array>,
  chunk = CIRCUIT_CHUNK,
): Promise<Float64Array> {
  const { start, end, signal, onProgress } = request;
  const parts: Float64Array[] = [];
  let length = 0;
  for (let from = start; from < end; from += chunk) {
    checkAborted(signal);
    const to = Math.min(end, from + chunk);
    const part = await evaluate(from, to);
    parts.push(part);
    length += part.length;
    onProgress?.({ stage: 'circuits', done: to - start, total: end - start });
  }
  return concat(parts, length);
}

/** The arrays one after another. */
export function concat(parts: readonly Float64Array[], length = parts.reduce((n, p) => n + p.length, 0)): Float64Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Float64Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Grounding counts of a request: one kernel call per run of indices in one node combination
 * (`kernels`, or none for the TS reference), and the reference's count for every circuit the
 * kernels cannot answer exactly. Distinct gate assignments, when asked, circuit by circuit.
 */
export function countRequest(kernels: GroundingKernels | null, request: GroundingRequest): Omit<GroundingResult, 'ranOn'> {
  const { model, space, indices, inputs, signal, onProgress } = request;
  const problemOf = (index: number) => groundingProblemOn(model, space.decode(index), inputs);
  const counts: bigint[] = [];
  for (let i = 0; i < indices.length; ) {
    checkAborted(signal);
    const combo = space.combinationOf(indices[i]!);
    let j = i;
    while (j < indices.length && indices[j]! < combo.offset + combo.count) j++;
    const locals = indices.slice(i, j).map((index) => index - combo.offset);
    const fast = kernels ? kernels.countCircuits(model, combo, locals, inputs.lastRows) : locals.map(() => null);
    fast.forEach((n, k) => counts.push(n ?? forCircuit(indices[i + k]!, () => countGroundings(problemOf(indices[i + k]!)))));
    i = j;
    onProgress?.({ stage: 'groundings', done: i, total: indices.length });
  }
  if (!request.distinct) return { counts };
  const distinct = indices.map((index) =>
    forCircuit(index, () => (kernels ? kernels.distinct(problemOf(index)) : distinctGateDicts(problemOf(index)))),
  );
  return { counts, distinct };
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
