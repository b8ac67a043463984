/**
 * The whole identifiability analysis of one model: for each output, where-then-what (circuits,
 * then their groundings) and what-then-where (formulas, then their minimal mappings).
 * This is what `mi-ident analyze` and `mi-ident demo` run, and what the explorer embeds.
 */
import { CircuitSpace, DEFAULT_MAX_CIRCUITS } from './circuits/space.ts';
import { sharedCircuitSpace } from './circuits/space-cache.ts';
import { truthTableDataset, weightRows, type Dataset } from './data.ts';
import { InputError, LimitError } from './errors.ts';
import { checkFormulaDepth, maxFormulaDepth } from './formula-limits.ts';
import { getGate, type Gate } from './gates.ts';
import { distinctGroundingRows } from './grounding.ts';
import { subModel, type Model } from './model.ts';
import { checkAborted, type LongRunOptions } from './progress.ts';
import type { PairOrder } from './mappings.ts';
import { analyzeOutput, backendRecord, type BackendRecord, type OutputAnalysis, type StageRuns } from './pipeline.ts';
import { selectBackend, type BackendChoice } from './backends/select.ts';
import type { Backend } from './backends/types.ts';
import type { WebGpuBackendOptions } from './backends/webgpu.ts';
import type { WorkerPool } from './parallel/pool.ts';
import { criterionSide, resolveCriteria, type CriteriaSelection, type CriterionId } from './criteria/ids.ts';
import { cleanRowOf, type NoisyRows } from './criteria/mappings.ts';

export { countToJson, DEFAULT_LISTED_CIRCUITS, type Count, type OutputAnalysis, type PerfectCircuitJson, type BackendRecord } from './pipeline.ts';

/** Options of {@link analyzeModel}. */
export interface AnalyzeOptions extends LongRunOptions {
  /** One gate name per output (a single name is used for every output). */
  gates: string[];
  /**
   * Node-combination filter (C4). Default: main.py's rule, 0.2 when a hidden layer is wider
   * than 3 and 0.3 when wider than 4, else no filter.
   */
  minSparsity?: number;
  /** Sample-pair order of the interchange test: 'BA' (reference, default), 'AB' or 'all'. */
  pairOrder?: PairOrder;
  /** Allow a formula node to map to neurons of several layers (reference: false). */
  distribLayers?: boolean;
  /** Circuit-search data (default: the gate's clean truth table). Labels: one column per output. */
  data?: Dataset;
  /** Grounding inputs (default: the clean truth-table inputs). Only `x` is read. */
  groundData?: Pick<Dataset, 'x'>;
  /** Refuse to enumerate more circuits than this (default 5,000,000). */
  maxCircuits?: number;
  /** Accuracy threshold, strictly exceeded (default 0.99). */
  accuracyThreshold?: number;
  /** Maximum formula depth (default: number of hidden layers + 1, as main.py). */
  formulaDepth?: number;
  /**
   * The backend that runs the kernels: a choice (default 'auto': WebGPU on a real GPU, else Wasm),
   * or a caller's backend object (used as is, never disposed here).
   */
  backend?: BackendChoice | Backend;
  /** WebGPU: a caller's GPUDevice, where fallback warnings go, kernel tuning. */
  webgpu?: Omit<WebGpuBackendOptions, 'cpu'>;
  /** Also count distinct gate dicts per circuit (enumerates groundings; slower). */
  distinctGateDicts?: boolean;
  /**
   * Skip stages: e.g. `{ groundings: false }`. Groundings are counted for the perfect circuits, so
   * they need the circuit stage. Without the circuit stage no circuit space is built (nor checked
   * against `maxCircuits` and the layout limits), and `circuitsEnumerated` is 0.
   */
  stages?: { circuits?: boolean; groundings?: boolean; mappings?: boolean };
  /**
   * Worker pool for the CPU kernels, started only when a request is big enough to pay for it:
   * `createNodePool` from `mi-ident/node`, or a `WorkerPool` of browser Web Workers. Results are
   * identical to one thread. (Ignored when `backend` is a backend object.)
   */
  workers?: () => WorkerPool;
  /** main.py's `--max-circuits`: ground only this many perfect circuits, those of highest node sparsity. */
  maxGroundedCircuits?: number;
  /**
   * List at most this many perfect circuits per output with their masks and counts (default
   * 100,000); every other one is still counted and grounded (totals, min and max).
   */
  maxListedCircuits?: number;
  /**
   * Criteria that might restore identifiability (docs/criteria.md): `'all'` or ids such as
   * `['minimal', 'grounding-causal', 'ood-0.1']`. Each output then reports what survives each
   * one (`outputs[].criteria`), and pass flags on its circuits and minimal mappings.
   */
  criteria?: 'all' | readonly string[];
  /**
   * The rows of the `noisy-iia` criterion: given rows, `'probe'` for the `ood-0.1` probe set,
   * or (default) `data` when given, else the probe set. Each row's clean input is its values
   * read as bits (>= 0.5 is 1).
   */
  noisyIiaData?: Pick<Dataset, 'x'> | 'probe';
}

/** The complete, versioned analysis result. */
export interface AnalysisResult {
  schemaVersion: 2;
  layerSizes: number[];
  options: {
    minSparsity: number;
    pairOrder: PairOrder;
    accuracyThreshold: number;
    formulaDepth: number;
    distribLayers: boolean;
    /** The criteria computed, when some were asked for. */
    criteria?: CriterionId[];
  };
  /** Which backend ran each stage, and why a stage fell back. */
  backend: BackendRecord;
  outputs: OutputAnalysis[];
}

/** main.py's forced minimum sparsity for wide networks. */
export function defaultMinSparsity(layerSizes: readonly number[]): number {
  const widest = Math.max(...layerSizes.slice(1, -1));
  return widest > 4 ? 0.3 : widest > 3 ? 0.2 : 0;
}

/** Resolves the per-output gates, checking names and input counts. */
function resolveGates(model: Model, names: string[]): Gate[] {
  const nOut = model.layerSizes[model.layerSizes.length - 1]!;
  if (names.length === 0) throw new InputError('no gate given: name one gate per model output (e.g. --gates XOR)');
  if (names.length !== 1 && names.length !== nOut) {
    throw new InputError(`the model has ${nOut} output(s) but ${names.length} gates were given (${names.join(',')}); give one gate per output`);
  }
  return Array.from({ length: nOut }, (_, o) => {
    const gate = getGate(names.length === 1 ? names[0]! : names[o]!);
    if (gate.nInputs !== model.layerSizes[0]) {
      throw new InputError(`gate ${gate.name} takes ${gate.nInputs} inputs but the model has ${model.layerSizes[0]}`);
    }
    return gate;
  });
}

/**
 * Checks the numeric and enumerated options up front: a wrong value would otherwise surface only
 * after the circuit search (pairOrder) or silently change what is counted (NaN thresholds).
 */
function checkOptions(options: AnalyzeOptions): void {
  const fail = (what: string, got: unknown) => {
    throw new InputError(`analyzeModel: ${what}, got ${typeof got === 'string' ? JSON.stringify(got) : String(got)}`);
  };
  const { minSparsity, accuracyThreshold, formulaDepth, maxCircuits, pairOrder } = options;
  if (!Array.isArray(options.gates)) fail('gates must be an array of gate names (e.g. ["XOR"])', options.gates);
  if (minSparsity !== undefined && !Number.isFinite(minSparsity)) fail('minSparsity must be a finite number (0 disables the filter)', minSparsity);
  if (accuracyThreshold !== undefined && !Number.isFinite(accuracyThreshold)) fail('accuracyThreshold must be a finite number', accuracyThreshold);
  if (formulaDepth !== undefined && !(Number.isInteger(formulaDepth) && formulaDepth >= 0)) fail('formulaDepth must be an integer >= 0', formulaDepth);
  if (maxCircuits !== undefined && !(maxCircuits >= 1)) fail('maxCircuits must be a number >= 1', maxCircuits);
  if (pairOrder !== undefined && !['BA', 'AB', 'all'].includes(pairOrder)) fail("pairOrder must be 'BA', 'AB' or 'all'", pairOrder);
  const { maxGroundedCircuits } = options;
  if (maxGroundedCircuits !== undefined && !(Number.isInteger(maxGroundedCircuits) && maxGroundedCircuits >= 0)) fail('maxGroundedCircuits must be an integer >= 0', maxGroundedCircuits);
  const { maxListedCircuits } = options;
  if (maxListedCircuits !== undefined && !(Number.isInteger(maxListedCircuits) && maxListedCircuits >= 0)) fail('maxListedCircuits must be an integer >= 0', maxListedCircuits);
}

/**
 * The criteria of the options, checked against the stages that feed them before anything runs:
 * where-then-what criteria filter every perfect circuit and its groundings, what-then-where ones
 * the minimal mappings.
 */
function checkedCriteria(options: AnalyzeOptions, stages: Readonly<Record<'circuits' | 'groundings' | 'mappings', boolean>>): CriteriaSelection | undefined {
  if (options.criteria === undefined) return undefined;
  const selection = resolveCriteria(options.criteria, 'analyzeModel: criteria');
  const where = selection.ids.filter((id) => criterionSide(id) !== 'what');
  const what = selection.ids.filter((id) => criterionSide(id) !== 'where');
  if (where.length && !(stages.circuits && stages.groundings)) {
    throw new InputError(`analyzeModel: the criteria ${where.join(', ')} filter perfect circuits and their groundings, so they need the circuit and grounding stages (API: stages)`);
  }
  if (what.length && !stages.mappings) throw new InputError(`analyzeModel: the criteria ${what.join(', ')} filter minimal mappings, so they need the mapping stage (API: stages)`);
  if (where.length && options.maxGroundedCircuits !== undefined) {
    throw new InputError('analyzeModel: criteria need every perfect circuit grounded; leave out maxGroundedCircuits (--max-circuits)');
  }
  return selection;
}

/** The rows of `noisy-iia` (undefined: the probe set), their clean inputs read as bits. */
function noisyRowsOf(options: AnalyzeOptions): NoisyRows | undefined {
  const given = options.noisyIiaData ?? options.data;
  if (given === undefined || given === 'probe') return undefined;
  const x = given.x.map((r) => [...r]);
  return { x, clean: x.map(cleanRowOf) };
}

/** Runs every stage of the analysis on each output of `model`. */
export async function analyzeModel(model: Model, options: AnalyzeOptions): Promise<AnalysisResult> {
  checkOptions(options);
  const gates = resolveGates(model, options.gates);
  const minSparsity = options.minSparsity ?? defaultMinSparsity(model.layerSizes);
  const pairOrder = options.pairOrder ?? 'BA';
  const accuracyThreshold = options.accuracyThreshold ?? 0.99;
  const formulaDepth = options.formulaDepth ?? model.layerSizes.length - 1;
  const distribLayers = options.distribLayers ?? false;
  const stages = { circuits: true, groundings: true, mappings: true, ...options.stages };
  const criteria = checkedCriteria(options, stages);
  const noisyRows = criteria ? noisyRowsOf(options) : undefined;
  if (noisyRows && noisyRows.x.some((r) => r.length !== model.layerSizes[0])) throw new InputError(`noisyIiaData: rows must have ${model.layerSizes[0]} values`);
  if (stages.mappings) {
    const why = options.formulaDepth === undefined ? ' (the default is the number of hidden layers + 1, as in main.py)' : '';
    for (const gate of new Set(gates)) {
      const max = maxFormulaDepth(gate.nInputs);
      const fix = `give a formula depth of ${max} or less${why} with analyze --depth ${max} (API: formulaDepth), or leave out the mapping stage (API: stages: { mappings: false })`;
      checkFormulaDepth(gate, formulaDepth, fix);
    }
  }
  const nIn = model.layerSizes[0]!;
  if (options.data && options.data.y[0]?.length !== gates.length) {
    throw new InputError(`the circuit data has ${options.data.y[0]?.length} label column(s); the model has ${gates.length} output(s)`);
  }
  const setup: string[] = [];
  const given = typeof options.backend === 'object' ? options.backend : null;
  const choice = typeof options.backend === 'string' ? options.backend : 'auto';
  const backend = given ?? (await selectBackend(choice, { webgpu: withRecordedWarnings(options.webgpu, setup), workers: options.workers }));
  const outputs: { output: OutputAnalysis; runs: StageRuns; outputIndex: number }[] = [];
  // Every output's single-output model has the same layout: one space serves them all.
  let shared: CircuitSpace | undefined;
  try {
    for (const [o, gate] of gates.entries()) {
      checkAborted(options.signal);
      const sub = subModel(model, o);
      // The cap is checked on the exact count before any edge list is built. Without the circuit
      // stage there is no space, so a model too wide or too large for it still gets its mappings.
      const space = stages.circuits ? (shared ??= circuitSpace(sub.layerSizes, minSparsity, options.maxCircuits ?? DEFAULT_MAX_CIRCUITS)) : null;
      const data: Dataset = options.data
        ? { x: options.data.x, y: options.data.y.map((row) => [row[o]!]) }
        : truthTableDataset(gate);
      const groundRows = (options.groundData ?? truthTableDataset(gate)).x.map((r) => [...r]);
      if (groundRows.some((r) => r.length !== nIn)) throw new InputError(`grounding inputs must have ${nIn} values per row`);
      const r = await analyzeOutput(backend, {
        model: sub,
        outputIndex: o,
        gate,
        space,
        rows: weightRows(data),
        groundInputs: distinctGroundingRows(groundRows, nIn),
        accuracyThreshold,
        formulaDepth,
        pairOrder,
        distribLayers,
        distinctGateDicts: options.distinctGateDicts ?? false,
        stages,
        maxGrounded: options.maxGroundedCircuits ?? null,
        maxListed: options.maxListedCircuits,
        ...(criteria ? { criteria, noisyRows } : {}),
        signal: options.signal,
        onProgress: options.onProgress,
      });
      outputs.push({ ...r, outputIndex: o });
    }
  } finally {
    if (!given) backend.dispose();
  }
  return {
    schemaVersion: 2,
    layerSizes: [...model.layerSizes],
    options: { minSparsity, pairOrder, accuracyThreshold, formulaDepth, distribLayers, ...(criteria ? { criteria: [...criteria.ids] } : {}) },
    backend: backendRecord(backend, outputs, setup),
    outputs: outputs.map((o) => o.output),
  };
}

/** The circuit space of an output; a refusal also says that the mappings can be searched without it. */
function circuitSpace(layerSizes: readonly number[], minSparsity: number, maxCircuits: number): CircuitSpace {
  try {
    return sharedCircuitSpace(layerSizes, minSparsity, maxCircuits);
  } catch (e) {
    if (!(e instanceof LimitError)) throw e;
    throw new LimitError(`${e.message}; for the mappings alone, leave out the circuit stage: analyze --stages mappings (API: stages: { circuits: false, groundings: false })`);
  }
}

/** The WebGPU options with warnings also recorded (a fallback at setup goes into the result). */
function withRecordedWarnings(webgpu: AnalyzeOptions['webgpu'], into: string[]): AnalyzeOptions['webgpu'] {
  const forward = webgpu?.onWarning ?? ((m: string) => console.warn(`mi-ident: ${m}`));
  return { ...webgpu, onWarning: (m) => (into.push(m), forward(m)) };
}
