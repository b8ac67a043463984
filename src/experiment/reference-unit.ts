/**
 * A unit's gates and data drawn as main.py draws them (docs/semantics.md, P3, P9): from Python's
 * `random` and numpy's global state right after the previous iteration's `set_seeds`, so seed
 * offsets 0 and 1 share their gates' draw and data. Browser-safe, like unit.ts.
 */
import { InputError } from '../errors.ts';
import { getGate, type Gate } from '../gates.ts';
import { referenceGateData, type NoiseKernel } from '../train/reference-data.ts';
import { NumpyRandomState } from '../train/reference-rng/numpy-random.ts';
import { PythonRandom } from '../train/reference-rng/python-random.ts';
import type { ExperimentConfig } from './config.ts';
import type { UnitData } from './unit.ts';

/**
 * The seed the random state of main.py's iteration (nGates, seedOffset) was last set with: main.py
 * loops over `product(n_gates, range(n_experiments))`, draws an iteration's gates and data, and
 * only then calls `set_seeds(seed + seed_offset)` for its models. So the first iteration sees the
 * initial `set_seeds(seed)` and every later one the previous iteration's seed (P3).
 */
export function mainPyDataSeed(config: Pick<ExperimentConfig, 'seed' | 'nGates' | 'nExperiments'>, nGates: number, seedOffset: number): number {
  const g = config.nGates.indexOf(nGates);
  if (g < 0 || !Number.isInteger(seedOffset) || seedOffset < 0 || seedOffset >= config.nExperiments) {
    throw new InputError(`no iteration (n_gates ${nGates}, seed offset ${seedOffset}) in this grid`);
  }
  if (seedOffset > 0) return config.seed + seedOffset - 1;
  return g > 0 ? config.seed + config.nExperiments - 1 : config.seed;
}

/**
 * The gates and data of main.py's iteration (nGates, seedOffset), from its emulated RNG states.
 * `noise` adds the Gaussian input noise (default: TypeScript; src/train/wasm-noise.ts gives the
 * same draws faster).
 */
export function referenceUnitInputs(config: ExperimentConfig, nGates: number, seedOffset: number, noise?: NoiseKernel): { gates: Gate[]; data: UnitData } {
  const seed = mainPyDataSeed(config, nGates, seedOffset);
  const py = new PythonRandom(seed);
  const np = new NumpyRandomState(seed);
  const gates = py.sample(config.targetLogicGates.map(getGate), nGates);
  const noiseStd = config.noiseStd;
  const tt = referenceGateData(np, gates, { nRepeats: config.nRepeats, noiseStd, noise });
  const weights = config.skewedDistribution ? Array.from({ length: 1 << gates[0]!.nInputs }, () => py.random()) : null;
  const train = referenceGateData(np, gates, { nRepeats: config.nSamplesTrain, noiseStd, weights, noise });
  const val = referenceGateData(np, gates, { nRepeats: config.nSamplesVal, noiseStd, weights, noise });
  return { gates, data: { tt, train, val, weights } };
}
