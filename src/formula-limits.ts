/**
 * How far the formula enumeration of the mapping search can go. The reference lists every AND/OR
 * formula up to the depth (by default hidden layers + 1) before trying negations: 7,566 base
 * formulas of depth 4 over two variables, but about 5 * 10^7 of depth 5, which no laptop holds.
 * The count is estimated here from the exact counts of the shallow levels, so that such a depth is
 * refused at once rather than after the circuit search, by running out of memory.
 *
 * The cap is the list's size, not the time to negate it: `formulasForGate` finds each formula's
 * negations in microseconds, and the next depth past each cap (5 for two variables, 4 for three)
 * has more than ten million base formulas, so the caps stay where they are.
 */
import { LimitError } from './errors.ts';
import { baseFormulaCounts } from './formulas.ts';
import type { Gate } from './gates.ts';

/** Most base formulas of one depth the enumeration is allowed to build (XOR at depth 4 has 7,566). */
export const MAX_BASE_FORMULAS = 1_000_000;

/** Levels counted exactly (cheap: the depth-3 count only compares the strings of depth <= 2). */
const EXACT_DEPTH = 3;

/** Exact counts of depths 0..EXACT_DEPTH by number of variables: every analysis asks. */
const exactCounts = new Map<number, readonly number[]>();

/**
 * Base formulas of depth `depth` over `nVariables`: exact up to depth 3, beyond it the recurrence
 * of the enumeration (each formula of depth d-1 with each shallower one, in one order, `*` and
 * `+`), N(d) ~ N(d-1) * sum of N(i) for i < d, which is within 15% at the levels that can be checked.
 */
export function estimateBaseFormulas(nVariables: number, depth: number): number {
  let exact = exactCounts.get(nVariables);
  if (!exact) {
    exact = baseFormulaCounts(EXACT_DEPTH, Array.from({ length: nVariables }, (_, i) => String.fromCharCode(65 + i)));
    exactCounts.set(nVariables, exact);
  }
  const counts = exact.slice(0, depth + 1);
  while (counts.length <= depth) counts.push(counts[counts.length - 1]! * counts.reduce((a, b) => a + b, 0));
  return counts[depth]!;
}

/**
 * The deepest formulas the mapping search enumerates for gates of `nVariables` inputs: 4 for two
 * inputs, 3 for three to five. Infinity for one input, whose only formula is its variable.
 */
export function maxFormulaDepth(nVariables: number): number {
  let depth = EXACT_DEPTH;
  for (;;) {
    const next = estimateBaseFormulas(nVariables, depth + 1);
    if (next === 0) return Infinity; // an empty level: every deeper one is empty too
    if (next > MAX_BASE_FORMULAS) return depth;
    depth++;
  }
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
