/**
 * A run as the worker does it: get the model (pretrained, file or trained here) and call
 * `analyzeModel` with progress; the result says which backend (and adapter) ran each stage.
 */
import {
  PRETRAINED_XOR,
  analyzeModel,
  modelToJson,
  parseModel,
  analyzeCircuitSet,
  InputError,
  LimitError,
  type AnalyzeOptions,
  type OutputAnalysis,
  type Model,
  type WorkerPool,
} from './lib.ts';
import { minimalCircuits } from './circuits.ts';
import { MAX_SET_ANALYSIS, type BackendInfo, type CircuitSetInfo, type RunResponse, type Session, type TrainingInfo } from './protocol.ts';
import type { BackendPick, RunSettings } from './state.ts';
import { trainInPage } from './train-job.ts';

/** A progress event for the page. */
export type Report = (stage: string, done: number, total: number, note?: string) => void;

/** Runs `settings` to the end: training when asked, then every stage of the analysis. */
export async function runJob(settings: RunSettings, report: Report, workers?: () => WorkerPool): Promise<RunResponse> {
  let model: Model;
  let training: TrainingInfo | null = null;
  const extra: Partial<AnalyzeOptions> = {};
  let groundInputs: number[][] | null = null;
  let gates = settings.gates;
  const warnings: string[] = [];
  if (settings.source === 'train') {
    const maxEpochs = 1000; // main.py's default, which the page keeps
    report('training', 0, maxEpochs);
    const trained = await trainInPage(settings.gates, settings.train, {
      onEpoch: (epoch, loss) => report('training', epoch, maxEpochs, `epoch ${epoch}, loss ${loss.toPrecision(3)}`),
    });
    model = trained.model;
    training = trained.info;
    if (trained.gates.join() !== gates.join()) warnings.push(`main.py draws these gates in the order ${trained.gates.join(', ')}: the outputs follow that order`);
    gates = trained.gates;
    groundInputs = trained.groundInputs;
    Object.assign(extra, { data: trained.data, groundData: { x: trained.groundInputs }, minSparsity: trained.minSparsity, accuracyThreshold: trained.accuracyThreshold });
  } else {
    model = parseModel(settings.source === 'file' ? settings.model ?? '' : PRETRAINED_XOR);
  }

  const warn = (m: string) => warnings.push(m);
  const started = performance.now();
  report('starting the backend', 0, 0);
  const options: AnalyzeOptions = {
    ...extra,
    gates,
    pairOrder: settings.pairOrder,
    backend: settings.backend,
    webgpu: { onWarning: warn },
    workers,
    onProgress: (p) => report(p.stage, p.done, p.total),
  };
  // Every criterion (docs/criteria.md), for the page's toggles; a model past the criteria's
  // limits gets the paper's analysis, and a warning says why there are no toggles.
  let result;
  try {
    result = await analyzeModel(model, { ...options, criteria: 'all' });
  } catch (e) {
    if (!(e instanceof InputError || e instanceof LimitError)) throw e;
    warnings.push(`The criteria could not be computed for this model (${e.message}); the paper's analysis is shown without them.`);
    result = await analyzeModel(model, options);
  }
  const analysisMs = performance.now() - started;
  const backend: BackendInfo = {
    requested: settings.backend,
    circuits: result.backend.circuits ?? 'none',
    groundings: result.backend.groundings ?? 'none',
    // The WebGPU backend's label names its adapter: "webgpu on <adapter>".
    adapter: result.backend.name === 'webgpu' ? result.backend.label.replace(/^webgpu on /, '') : null,
    warnings,
  };
  const json = modelToJson(model);
  const session: Session = { model: json, gates, minSparsity: result.options.minSparsity, groundInputs };
  return { result, circuitSets: result.outputs.map(circuitSet), model: json, session, training, backend, analysisMs };
}

/** Nesting and overlap of an output's perfect circuits (what "many circuits" looks like). */
function circuitSet(o: OutputAnalysis): CircuitSetInfo | null {
  if (o.perfectCircuits.length > MAX_SET_ANALYSIS) return null;
  const { nestedPairFraction, meanJaccard } = analyzeCircuitSet(o.perfectCircuits, 0);
  return { nestedPairFraction, meanJaccard, minimal: minimalCircuits(o.perfectCircuits) };
}
