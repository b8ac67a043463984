/**
 * One unit of an experiment: draw the gates, make the data, train, and (if the model converged)
 * analyse every output, as one iteration of main.py's `run_experiment` (docs/semantics.md, P1–P6).
 *
 * With `rng: 'reference'` every random number is main.py's: gates and data from the Python and
 * numpy states main.py's loop leaves for that iteration (P3, P9, reference-unit.ts), initial
 * weights and shuffles from torch's generator seeded with `seed + seed_offset`, and torch's
 * arithmetic (N11): the unit trains the original code's network.
 *
 * With `rng: 'fast'` randomness comes from three named streams, each keyed by `seed + seed_offset`
 * as main.py's `set_seeds(seed + seed_offset)`: `gates` (which gates), `data` (truth-table set,
 * skew weights, train and validation sets, in main.py's order) and `torch` (initial weights, then
 * one shuffle per epoch). Every unit of the same (n_gates, seed_offset) therefore shares its gates
 * and data, and every unit of the same seed_offset its initial weights and shuffles, as in
 * main.py. Unlike main.py, offsets 0 and 1 do not share their data (D1).
 */
import { analyzeModel, countToJson } from '../analyze.ts';
import type { BackendChoice } from '../backends/select.ts';
import type { Backend } from '../backends/types.ts';
import { getGate, type Gate } from '../gates.ts';
import { modelToJson } from '../model.ts';
import { gateData, toRows, type TrainingSet } from '../train/data.ts';
import { initModel, initModelTorch } from '../train/params.ts';
import { TorchGenerator } from '../train/reference-rng/torch-random.ts';
import { sampleWithoutReplacement, streamRng, uniform } from '../train/rng.ts';
import { trainModel, type TrainEngineChoice, type TrainResult } from '../train/train.ts';
import { minSparsityFor, type ExperimentConfig } from './config.ts';
import { unitKey, type Unit } from './grid.ts';
import { referenceUnitInputs } from './reference-unit.ts';
import type { NoiseKernel } from '../train/reference-data.ts';
import { wasmNoiseKernel } from '../train/wasm-noise.ts';
import type { ResultRow, UnitRecord } from './rows.ts';
import { criteriaColumns } from '../criteria/rows.ts';

/** main.py keeps a model only with at least this validation accuracy (hard-coded there). */
export const KEEP_ACCURACY = 0.99;

/** The gates of a fast-mode unit: `n_gates` drawn without replacement from the target gates. */
export function unitGates(config: ExperimentConfig, nGates: number, seedOffset: number): Gate[] {
  const rng = streamRng('gates', config.seed + seedOffset, nGates);
  return sampleWithoutReplacement(rng, config.targetLogicGates.map(getGate), nGates);
}

/** The datasets of one iteration: truth-table set (grounding), training and validation sets. */
export interface UnitData {
  /** main.py's `x_tt`: grounding inputs (uniform rows, `n_repeats` per row on average). */
  tt: TrainingSet;
  train: TrainingSet;
  /** Circuit search and the keep decision. */
  val: TrainingSet;
  /** The skewed rows' weights, or null. */
  weights: number[] | null;
}

/** The data of a fast-mode iteration (seed_offset, gates), drawn as main.py does (P2). */
export function unitData(config: ExperimentConfig, gates: readonly Gate[], seedOffset: number): UnitData {
  const rng = streamRng('data', config.seed + seedOffset, gates.length);
  const noiseStd = config.noiseStd;
  const tt = gateData(rng, gates, { nRepeats: config.nRepeats, noiseStd });
  const weights = config.skewedDistribution ? Array.from({ length: 1 << gates[0]!.nInputs }, () => uniform(rng)) : null;
  const train = gateData(rng, gates, { nRepeats: config.nSamplesTrain, noiseStd, weights });
  const val = gateData(rng, gates, { nRepeats: config.nSamplesVal, noiseStd, weights });
  return { tt, train, val, weights };
}

/**
 * The gates and data of main.py's iteration (nGates, seedOffset), in the config's rng mode: with
 * `reference` main.py's own draws, with `fast` {@link unitGates} and {@link unitData}.
 */
export function unitInputs(config: ExperimentConfig, nGates: number, seedOffset: number, noise?: NoiseKernel): { gates: Gate[]; data: UnitData } {
  if (config.rng === 'reference') return referenceUnitInputs(config, nGates, seedOffset, noise);
  const gates = unitGates(config, nGates, seedOffset);
  return { gates, data: unitData(config, gates, seedOffset) };
}

/** Layer sizes of a unit's model: inputs, `depth` hidden layers of `size`, one output per gate. */
export function unitLayerSizes(nInputs: number, size: number, depth: number, nGates: number): number[] {
  return [nInputs, ...new Array<number>(depth).fill(size), nGates];
}

/**
 * Trains the unit's model on its data: `set_seeds(seed + seed_offset)`, then a new MLP and
 * `do_train` (a fresh torch generator, or in fast mode a fresh `torch` stream: initial weights,
 * then shuffles).
 */
export async function trainUnitModel(
  config: ExperimentConfig,
  unit: Omit<Unit, 'index'>,
  gates: readonly Gate[],
  data: UnitData,
  options: { engine?: TrainEngineChoice; signal?: AbortSignal } = {},
): Promise<TrainResult> {
  const sizes = unitLayerSizes(gates[0]!.nInputs, unit.size, unit.depth, gates.length);
  let torch: TorchGenerator | ReturnType<typeof streamRng>;
  let initial;
  if (config.rng === 'reference') {
    const gen = new TorchGenerator(config.seed + unit.seedOffset);
    initial = initModelTorch(gen, sizes);
    torch = gen;
  } else {
    const stream = streamRng('torch', config.seed + unit.seedOffset);
    initial = initModel(stream, sizes);
    torch = stream;
  }
  return trainModel(initial, data.train, torch, {
    learningRate: unit.learningRate,
    batchSize: config.batchSize,
    epochs: config.epochs,
    lossTarget: unit.lossTarget,
    validation: data.val,
    engine: options.engine,
    signal: options.signal,
  });
}

/** Options of {@link runUnit}. */
export interface UnitOptions {
  /** The backend (default auto), or a caller's backend object shared by many units. */
  backend?: BackendChoice | Backend;
  trainEngine?: TrainEngineChoice;
  signal?: AbortSignal;
}

const ms = (t: number) => Math.round(t * 10) / 10;

/**
 * The Wasm noise kernel for main.py's noisy data (the same draws as TypeScript's, faster), or
 * undefined (TypeScript) where there is no noise to draw or WebAssembly is unavailable.
 */
export async function noiseKernelFor(config: ExperimentConfig): Promise<NoiseKernel | undefined> {
  if (config.rng !== 'reference' || !(config.noiseStd > 0)) return undefined;
  return wasmNoiseKernel().catch(() => undefined);
}

/** Runs one unit from scratch: its record is a function of (config, unit) alone, timings aside. */
export async function runUnit(config: ExperimentConfig, unit: Unit, options: UnitOptions = {}): Promise<UnitRecord> {
  const started = performance.now();
  const { gates, data } = unitInputs(config, unit.nGates, unit.seedOffset, await noiseKernelFor(config));
  const trained = await trainUnitModel(config, unit, gates, data, { engine: options.trainEngine, signal: options.signal });
  const converged = trained.valAccuracy >= KEEP_ACCURACY && trained.finalLoss <= unit.lossTarget;
  const record: UnitRecord = {
    key: unitKey(unit),
    unit,
    gates: gates.map((g) => g.name),
    converged,
    valAccuracy: trained.valAccuracy,
    finalLoss: trained.finalLoss,
    epochs: trained.epochs,
    model: converged ? modelToJson(trained.model) : null,
    rows: [],
    ms: 0,
  };
  if (converged) {
    try {
      record.rows = await analyzeUnit(config, unit, gates, data, trained, options);
    } catch (e) {
      // The reference raises on such a network (G6); recorded, so that the grid goes on. Matched
      // by name: errors from worker threads arrive as plain errors carrying it.
      if ((e as Error)?.name !== 'DegenerateGroundingError') throw e;
      record.analysisError = (e as Error).message;
    }
  }
  record.ms = ms(performance.now() - started);
  return record;
}

/** The analysis of every output of a converged model, as CSV rows. */
async function analyzeUnit(
  config: ExperimentConfig,
  unit: Unit,
  gates: readonly Gate[],
  data: UnitData,
  trained: TrainResult,
  options: UnitOptions,
): Promise<ResultRow[]> {
  const minSparsity = minSparsityFor(config, unit.size);
  const groundX = toRows(data.tt).x;
  const result = await analyzeModel(trained.model, {
    gates: gates.map((g) => g.name),
    minSparsity,
    pairOrder: config.pairOrder,
    accuracyThreshold: config.accuracyThreshold,
    data: toRows(data.val),
    groundData: { x: groundX },
    backend: options.backend,
    ...(config.maxCircuits !== null ? { maxGroundedCircuits: config.maxCircuits } : {}),
    ...(config.maxEnumerated ? { maxCircuits: config.maxEnumerated } : {}),
    // noisy-iia reads the run's own validation rows when they are noisy, else the ood-0.1 probe set (K5).
    ...(config.criteria?.length ? { criteria: config.criteria, noisyIiaData: config.noiseStd > 0 ? toRows(data.val) : 'probe' } : {}),
    signal: options.signal,
  });
  const rows: ResultRow[] = [];
  for (const o of result.outputs) {
    const counts = o.groundingsPerCircuit;
    const total = counts.reduce<bigint>((a, c) => a + BigInt(c), 0n);
    rows.push({
      gates: gates.map((g) => g.name).join(' '),
      n_gates: unit.nGates,
      sizes: unit.size,
      seed_offset: unit.seedOffset,
      perfect_circuits: o.perfectCircuitCount,
      interpretations_per_circuit: counts,
      formulas: o.formulasWithMapping,
      mappings_per_formula: o.mappingsPerFormula,
      loss_target: unit.lossTarget,
      learning_rate: unit.learningRate,
      depth: unit.depth,
      weights: data.weights,
      output: o.outputIndex,
      gate: o.gate,
      seed: config.seed,
      noise_std: config.noiseStd,
      skewed_distribution: config.skewedDistribution,
      min_sparsity: minSparsity,
      circuits_enumerated: o.circuitsEnumerated,
      total_interpretations: countToJson(total),
      val_accuracy: trained.valAccuracy,
      final_loss: trained.finalLoss,
      epochs: trained.epochs,
      train_ms: ms(trained.ms),
      circuits_ms: ms(o.timings.circuits),
      groundings_ms: ms(o.timings.groundings),
      mappings_ms: ms(o.timings.mappings),
      backend: `${result.backend.circuits}/${result.backend.groundings}`,
      ...(o.criteria ? { criteria: criteriaColumns(o) } : {}),
    });
  }
  return rows;
}
