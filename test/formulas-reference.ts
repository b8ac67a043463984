/**
 * The plain reference for `formulasForGate` (src/formulas.ts): the enumeration as the original
 * code does it, every base formula of every depth tried with each negation pattern in powerset
 * order until one computes the gate (docs/semantics.md F1, F2), through the exhaustive
 * `firstNegation`. No cache, so each call computes afresh. Slow past depth 3 (seconds for XOR at
 * depth 4 and for 3-input gates at depth 3); tests and bench/formulas.ts compare against it.
 */
import { baseFormulas, firstNegation, formulaString, variableNames, type Formula } from '../src/formulas.ts';
import type { Gate } from '../src/gates.ts';

/** `get_formula_dataset([gate], maxDepth)[gate]` by exhaustive search of negation patterns. */
export function formulasReference(gate: Gate, maxDepth: number): Formula[] {
  const variables = variableNames(gate.nInputs);
  const seen = new Set<string>();
  const out: Formula[] = [];
  for (const level of baseFormulas(maxDepth, variables)) {
    for (const base of level) {
      const tree = firstNegation(base, gate.truthTable, variables);
      if (!tree) continue;
      const baseStr = formulaString(base);
      if (seen.has(baseStr)) continue;
      seen.add(baseStr);
      out.push({ tree, str: formulaString(tree), base: baseStr, variables });
    }
  }
  return out;
}
