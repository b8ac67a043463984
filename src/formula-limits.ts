/**
 * How far the formula enumeration of the mapping search can go. The reference lists every AND/OR
 * formula up to the depth (by default hidden layers + 1) before trying negations: 7,566 base
 * formulas of depth 4 over two variables, but about 5 * 10^7 of depth 5, which no laptop holds.
 * The count is estimated here from the exact counts of the shallow levels, so that such a depth is
 * refused at once rather than after the circuit search, by running out of memory.
 */
import { LimitError } from './errors.ts';
import { baseFormulas } from './formulas.ts';
import type { Gate } from './gates.ts';

/** Most base formulas of one depth the enumeration is allowed to build (XOR at depth 4 has 7,566). */
export const MAX_BASE_FORMULAS = 1_000_000;

/** Levels counted exactly (cheap: 78 formulas at depth 3 over two variables, 3,350 over three). */
const EXACT_DEPTH = 3;

/**
 * Base formulas of depth `depth` over `nVariables`: exact up to depth 3, beyond it the recurrence
 * of the enumeration (each formula of depth d-1 with each shallower one, in one order, `*` and
 * `+`), N(d) ~ N(d-1) * sum of N(i) for i < d, which is within 15% at the levels that can be checked.
 */
export function estimateBaseFormulas(nVariables: number, depth: number): number {
  const variables = Array.from({ length: nVariables }, (_, i) => String.fromCharCode(65 + i));
  const counts = baseFormulas(Math.min(depth, EXACT_DEPTH), variables).map((level) => level.length);
  while (counts.length <= depth) counts.push(counts[counts.length - 1]! * counts.reduce((a, b) => a + b, 0));
  return counts[depth]!;
}

/** The deepest formulas the mapping search enumerates for gates of `nVariables` inputs. */
export function maxFormulaDepth(nVariables: number): number {
  let depth = EXACT_DEPTH;
  while (estimateBaseFormulas(nVariables, depth + 1) <= MAX_BASE_FORMULAS) depth++;
  return depth;
}

/**
 * Throws a {@link LimitError} when formulas of `depth` for `gate` are too many to enumerate;
 * `fix` says how to ask for a smaller depth where the message is read.
 */
export function checkFormulaDepth(gate: Gate, depth: number, fix: string): void {
  if (depth <= EXACT_DEPTH) return;
  const estimate = estimateBaseFormulas(gate.nInputs, depth);
  if (estimate <= MAX_BASE_FORMULAS) return;
  throw new LimitError(
    `formulas of depth ${depth} over ${gate.nInputs} variables (gate ${gate.name}) number about ${Number(estimate.toPrecision(2)).toLocaleString('en-US')} ` +
      `before negations, more than the ${MAX_BASE_FORMULAS.toLocaleString('en-US')} the mapping search can enumerate in memory: ${fix}`,
  );
}
