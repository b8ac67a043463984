/**
 * A grid's models checked against the analysis limits before anything is trained: a run that
 * would fail on its first converged model (a 2-6-6-1 layer of 36 edges, billions of circuits,
 * formulas too deep to enumerate) is refused at once, naming the flags.
 */
import { countCircuits } from '../circuits/count.ts';
import { checkLayout, checkShape, DEFAULT_MAX_CIRCUITS } from '../circuits/space.ts';
import { LimitError } from '../errors.ts';
import { checkFormulaDepth, maxFormulaDepth } from '../formula-limits.ts';
import { getGate } from '../gates.ts';
import { minSparsityFor, type ExperimentConfig } from './config.ts';
import { unitLayerSizes } from './unit.ts';

/**
 * Throws a {@link LimitError} for the first (size, depth) of the grid whose models the analysis
 * cannot take. Each output is analysed on its own, so one output is what counts.
 */
export function checkGridLimits(config: ExperimentConfig): void {
  const gates = config.targetLogicGates.map(getGate);
  for (const nIn of new Set(gates.map((g) => g.nInputs))) {
    for (const size of config.sizes) {
      for (const depth of config.depths) {
        const problem = layoutProblem(config, unitLayerSizes(nIn, size, depth, 1), size);
        if (problem) throw new LimitError(`--size ${size} --depth ${depth}: ${problem}`);
      }
    }
  }
  // The formulas of the mapping search have depth --depth + 1 (main.py's default).
  for (const gate of gates) {
    for (const depth of config.depths) {
      try {
        checkFormulaDepth(gate, depth + 1, `use --depth ${maxFormulaDepth(gate.nInputs) - 1} or less (formulas have depth --depth + 1, as in main.py)`);
      } catch (e) {
        throw e instanceof LimitError ? new LimitError(`--depth ${depth}: ${e.message}`) : e;
      }
    }
  }
}

function layoutProblem(config: ExperimentConfig, layerSizes: number[], size: number): string | null {
  const name = layerSizes.join('-');
  const minSparsity = minSparsityFor(config, size);
  const problem = (check: () => void) => {
    try {
      check();
      return null;
    } catch (e) {
      if (e instanceof LimitError) return e.message;
      throw e;
    }
  };
  const shape = problem(() => checkShape(layerSizes));
  if (shape) return shape;
  const { circuits } = countCircuits(layerSizes, minSparsity);
  const cap = config.maxEnumerated ?? DEFAULT_MAX_CIRCUITS;
  if (circuits > BigInt(cap)) {
    const rule = size > 3 ? `main.py's min sparsity ${minSparsity} for sizes above ${size > 4 ? 4 : 3}` : `--min-sparsity ${minSparsity}`;
    const fix = size > 3 ? 'raise --max-enumerated, or use a smaller --size or --depth' : 'raise --min-sparsity or --max-enumerated, or use a smaller --size or --depth';
    return (
      `${name} models (${rule}) have ${circuits.toLocaleString('en-US')} circuits each, more than the ` +
      `${cap.toLocaleString('en-US')} the circuit search enumerates per model (--max-enumerated): ${fix}`
    );
  }
  // The remaining hard limits (32-bit indices, node combinations: 25 neurons past the inputs
  // already exceed those, so the mapping search's limit of 31 hidden neurons is never reached).
  return problem(() => checkLayout(layerSizes, minSparsity));
}
