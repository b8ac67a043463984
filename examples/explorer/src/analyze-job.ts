/**
 * A run as the worker does it: get the model (pretrained, file or trained here), pick the backend
 * (and learn which adapter it runs on), and call `analyzeModel` with progress.
 */
import {
  PRETRAINED_XOR,
  adapterName,
  analyzeModel,
  createWebGpuBackend,
  modelToJson,
  parseModel,
  analyzeCircuitSet,
  type AnalyzeOptions,
  type OutputAnalysis,
  type BackendChoice,
  type Model,
  type WorkerPool,
} from './lib.ts';
import { minimalCircuits } from './circuits.ts';
import { MAX_SET_ANALYSIS, type BackendInfo, type CircuitSetInfo, type RunResponse, type Session, type TrainingInfo } from './protocol.ts';
import type { BackendPick, RunSettings } from './state.ts';
import { trainInPage } from './train-job.ts';

/** A progress event for the page. */
export type Report = (stage: string, done: number, total: number, note?: string) => void;

/** How the analysis will run: the library's choice, plus the adapter when WebGPU is up. */
interface BackendPlan {
  choice: BackendChoice;
  webgpu: AnalyzeOptions['webgpu'];
  adapter: string | null;
}

/**
 * WebGPU is tried here rather than inside `analyzeModel` only to learn the adapter's name; the
 * device is then handed to `analyzeModel`, which makes the same choice the library would.
 */
async function planBackend(pick: BackendPick, warn: (m: string) => void): Promise<BackendPlan> {
  if (pick !== 'webgpu' && pick !== 'auto') return { choice: pick, webgpu: undefined, adapter: null };
  try {
    // 'auto' takes only a real GPU (a software adapter is slower than Wasm), as the library does.
    const gpu = await createWebGpuBackend({ allowFallbackAdapter: pick === 'webgpu', onWarning: warn });
    const plan = { choice: 'webgpu' as const, webgpu: { device: gpu.device, onWarning: warn }, adapter: adapterName(gpu.adapter) };
    gpu.dispose(); // the device stays: it belongs to this realm, not to the backend
    return plan;
  } catch {
    // No (suitable) adapter: the library falls back and, for 'webgpu', warns why.
    return { choice: pick, webgpu: { onWarning: warn }, adapter: null };
  }
}

/** Runs `settings` to the end: training when asked, then every stage of the analysis. */
export async function runJob(settings: RunSettings, report: Report, workers?: () => WorkerPool): Promise<RunResponse> {
  let model: Model;
  let training: TrainingInfo | null = null;
  const extra: Partial<AnalyzeOptions> = {};
  let groundInputs: number[][] | null = null;
  if (settings.source === 'train') {
    const maxEpochs = 1000; // main.py's default, which the page keeps
    report('training', 0, maxEpochs);
    const trained = await trainInPage(settings.gates, settings.train, {
      onEpoch: (epoch, loss) => report('training', epoch, maxEpochs, `epoch ${epoch}, loss ${loss.toPrecision(3)}`),
    });
    model = trained.model;
    training = trained.info;
    groundInputs = trained.groundInputs;
    Object.assign(extra, { data: trained.data, groundData: { x: trained.groundInputs }, minSparsity: trained.minSparsity, accuracyThreshold: trained.accuracyThreshold });
  } else {
    model = parseModel(settings.source === 'file' ? settings.model ?? '' : PRETRAINED_XOR);
  }

  const warnings: string[] = [];
  const warn = (m: string) => warnings.push(m);
  const started = performance.now();
  report('starting the backend', 0, 0);
  const plan = await planBackend(settings.backend, warn);
  const result = await analyzeModel(model, {
    ...extra,
    gates: settings.gates,
    pairOrder: settings.pairOrder,
    backend: plan.choice,
    webgpu: plan.webgpu,
    workers,
    onProgress: (p) => report(p.stage, p.done, p.total),
  });
  const analysisMs = performance.now() - started;
  const backend: BackendInfo = {
    requested: settings.backend,
    circuits: result.backend.circuits,
    groundings: result.backend.groundings,
    adapter: result.backend.circuits === 'webgpu' ? plan.adapter : null,
    warnings,
  };
  const json = modelToJson(model);
  const session: Session = { model: json, gates: settings.gates, minSparsity: result.options.minSparsity, groundInputs };
  return { result, circuitSets: result.outputs.map(circuitSet), model: json, session, training, backend, analysisMs };
}

/** Nesting and overlap of an output's perfect circuits (what "many circuits" looks like). */
function circuitSet(o: OutputAnalysis): CircuitSetInfo | null {
  if (o.perfectCircuits.length > MAX_SET_ANALYSIS) return null;
  const { nestedPairFraction, meanJaccard } = analyzeCircuitSet(o.perfectCircuits, 0);
  return { nestedPairFraction, meanJaccard, minimal: minimalCircuits(o.perfectCircuits) };
}
