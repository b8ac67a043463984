/**
 * Training in the page, exactly as `mi-ident train` (a unit of `mi-ident run` with seed offset 0
 * and the chosen gates): the same data, initial weights and shuffles (main.py's own with the
 * reference random numbers, mi-ident's streams with the fast ones), so the page's model is bit for
 * bit the CLI's. It is spelled out with the public training API, rather than calling
 * `trainUnitModel`, only to report every epoch; test/explorer-state.test.ts checks it still
 * matches `trainUnitModel`.
 */
import {
  KEEP_ACCURACY,
  getGate,
  initModel,
  initModelTorch,
  minSparsityFor,
  referenceUnitInputs,
  resolveConfig,
  streamRng,
  toRows,
  TorchGenerator,
  trainModel,
  unitData,
  unitLayerSizes,
  type Dataset,
  type ExperimentConfig,
  type Model,
} from './lib.ts';
import type { TrainingInfo } from './protocol.ts';
import type { TrainSettings } from './state.ts';

/** A trained model and the data its analysis uses, as `mi-ident run` analyses a unit. */
export interface PageTraining {
  model: Model;
  /** The gates in output order: main.py's random.sample order with the reference random numbers. */
  gates: string[];
  info: TrainingInfo;
  /** Circuit-search data: the validation set (main.py). */
  data: Dataset;
  /** Grounding inputs: the truth-table set `x_tt` (main.py). */
  groundInputs: number[][];
  /** main.py's minimum sparsity for this width. */
  minSparsity: number;
  accuracyThreshold: number;
}

/** The experiment configuration of one page training (main.py's defaults elsewhere). */
export function pageConfig(gates: readonly string[], t: TrainSettings): ExperimentConfig {
  return resolveConfig({
    targetLogicGates: [...gates],
    nGates: [gates.length],
    sizes: [t.width],
    depths: [t.depth],
    seed: t.seed,
    noiseStd: t.noise,
    lossTargets: [t.lossTarget],
    learningRates: [t.learningRate],
    rng: t.rng,
  });
}

/** Trains one model with `gates` as outputs (in order); `onEpoch` sees every epoch's mean loss. */
export async function trainInPage(
  gateNames: readonly string[],
  t: TrainSettings,
  options: { onEpoch?: (epoch: number, loss: number) => void; signal?: AbortSignal } = {},
): Promise<PageTraining> {
  const listed = gateNames.map(getGate);
  const config = pageConfig(listed.map((g) => g.name), t);
  const sizes = unitLayerSizes(listed[0]!.nInputs, t.width, t.depth, listed.length);
  // trainUnitModel's steps: main.py's gate order and data, then torch's generator (initial
  // weights, then the shuffles); or the fast streams, with the gates in the order chosen.
  const reference = config.rng === 'reference';
  const { gates, data } = reference ? referenceUnitInputs(config, listed.length, 0) : { gates: listed, data: unitData(config, listed, 0) };
  const torch = reference ? new TorchGenerator(config.seed) : streamRng('torch', config.seed);
  const initial = torch instanceof TorchGenerator ? initModelTorch(torch, sizes) : initModel(torch, sizes);
  const trained = await trainModel(initial, data.train, torch, {
    learningRate: t.learningRate,
    batchSize: config.batchSize,
    epochs: config.epochs,
    lossTarget: t.lossTarget,
    validation: data.val,
    engine: t.engine,
    onEpoch: options.onEpoch,
    signal: options.signal,
  });
  return {
    model: trained.model,
    gates: gates.map((g) => g.name),
    info: {
      converged: trained.valAccuracy >= KEEP_ACCURACY && trained.finalLoss <= t.lossTarget,
      finalLoss: trained.finalLoss,
      valAccuracy: trained.valAccuracy,
      epochs: trained.epochs,
      stop: trained.stop,
      engine: trained.engine,
      ms: trained.ms,
    },
    data: toRows(data.val),
    groundInputs: toRows(data.tt).x,
    minSparsity: minSparsityFor(config, t.width),
    accuracyThreshold: config.accuracyThreshold,
  };
}
