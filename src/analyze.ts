/**
 * The whole identifiability analysis of one model: for each output, where-then-what (circuits,
 * then their groundings) and what-then-where (formulas, then their minimal mappings).
 * This is what `mi-ident analyze` and `mi-ident demo` run, and what the explorer embeds.
 */
import { CircuitSpace, DEFAULT_MAX_CIRCUITS } from './circuits/space.ts';
import { findPerfectCircuits } from './circuits/search.ts';
import { hiddenSparsity } from './circuits/space.ts';
import { truthTableDataset, weightRows, type Dataset } from './data.ts';
import { InputError, LimitError } from './errors.ts';
import { checkFormulaDepth, maxFormulaDepth } from './formula-limits.ts';
import { getGate, type Gate } from './gates.ts';
import { subModel, type Model } from './model.ts';
import { checkAborted, type LongRunOptions } from './progress.ts';
import { countGroundingsFor, type GroundingBackendName } from './grounding-runner.ts';
import { mappingSearch, mappingSearchAsync, sortNeuronLists, type MinimalMapping, type PairOrder } from './mappings.ts';
import { selectBackend, type BackendChoice } from './backends/select.ts';
import { isWebGpuBackend, type WebGpuBackendOptions } from './backends/webgpu.ts';
import { splitRange, type WorkerPool } from './parallel/pool.ts';

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
  /** Compute backend for circuit evaluation and, with WebGPU, interventions (default 'auto'). */
  backend?: BackendChoice;
  /** WebGPU: a caller's GPUDevice, where fallback warnings go, kernel tuning. */
  webgpu?: WebGpuBackendOptions;
  /** Also count distinct gate dicts per circuit (enumerates groundings; slower). */
  distinctGateDicts?: boolean;
  /** Skip stages: e.g. `{ groundings: false }`. */
  stages?: { circuits?: boolean; groundings?: boolean; mappings?: boolean };
  /**
   * Worker pool for large searches (called only when the work is big enough to pay for it):
   * `createNodePool` from `mi-ident/node`, or a `WorkerPool` of browser Web Workers. Results are
   * identical to one thread.
   */
  workers?: () => WorkerPool;
}

/** Below these sizes a search stays on the calling thread: starting workers would cost more. */
export const PARALLEL_MIN_CIRCUITS = 100_000;
export const PARALLEL_MIN_GROUNDINGS = 4_000;

/** A perfect circuit in the result JSON. */
export interface PerfectCircuitJson {
  /** Index in the enumeration order. */
  index: number;
  nodeMasks: number[][];
  edgeMasks: number[][][];
  nodeSparsity: number;
}

/** A grounding count: a number while exact (< 2^53), else a decimal string. */
export type Count = number | string;

/** Results for one output of the model: the `analyze --json` shape. */
export interface OutputAnalysis {
  outputIndex: number;
  gate: string;
  circuitsEnumerated: number;
  perfectCircuits: PerfectCircuitJson[];
  groundingsPerCircuit: Count[];
  totalGroundings: Count;
  distinctGateDictsPerCircuit?: number[];
  formulas: { formula: string; minimalMappings: MinimalMapping[] }[];
  formulasWithMapping: number;
  mappingsPerFormula: number[];
  /** Milliseconds per stage. */
  timings: { circuits: number; groundings: number; mappings: number };
}

/** The complete, versioned analysis result. */
export interface AnalysisResult {
  schemaVersion: 1;
  layerSizes: number[];
  options: {
    minSparsity: number;
    pairOrder: PairOrder;
    accuracyThreshold: number;
    formulaDepth: number;
    distribLayers: boolean;
  };
  backend: { circuits: string; groundings: GroundingBackendName };
  outputs: OutputAnalysis[];
}

/** main.py's forced minimum sparsity for wide networks. */
export function defaultMinSparsity(layerSizes: readonly number[]): number {
  const widest = Math.max(...layerSizes.slice(1, -1));
  return widest > 4 ? 0.3 : widest > 3 ? 0.2 : 0;
}

/** Exact count to JSON: a number while it is a safe integer, else a decimal string. */
export function countToJson(n: bigint): Count {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
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
}

/**
 * Most perfect circuits a result holds: each is decoded into mask arrays (up to about 1.5 KB on a
 * deep model), and past this they would exhaust Node's default heap of about 4 GiB.
 */
export const MAX_PERFECT_CIRCUITS = 2_000_000;

function checkPerfectCount(n: number, space: CircuitSpace): void {
  if (n <= MAX_PERFECT_CIRCUITS) return;
  throw new LimitError(
    `the circuit search found ${n.toLocaleString('en-US')} perfect circuits (of ${space.count.toLocaleString('en-US')}); the result keeps every one's masks ` +
      `(about 1.5 KB each), and holds at most ${MAX_PERFECT_CIRCUITS.toLocaleString('en-US')}: raise the min sparsity, or analyse a smaller model`,
  );
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
  const backend = await selectBackend(options.backend ?? 'auto', { webgpu: options.webgpu });
  const outputs: OutputAnalysis[] = [];
  let groundingBackend: GroundingBackendName = 'ts';
  try {
    for (const [o, gate] of gates.entries()) {
      checkAborted(options.signal);
      const sub = subModel(model, o);
      // The cap is checked on the exact count before any edge list is built.
      const space = new CircuitSpace(sub.layerSizes, { minSparsity, maxCircuits: options.maxCircuits ?? DEFAULT_MAX_CIRCUITS });
      const data: Dataset = options.data
        ? { x: options.data.x, y: options.data.y.map((row) => [row[o]!]) }
        : truthTableDataset(gate);
      const groundInputs = (options.groundData ?? truthTableDataset(gate)).x.map((r) => [...r]);
      if (groundInputs.some((r) => r.length !== nIn)) throw new InputError(`grounding inputs must have ${nIn} values per row`);

      let t = performance.now();
      const rows = weightRows(data);
      const kernelBackend = backend.name === 'ts' ? 'ts' : 'wasm';
      const spaceKey = { layerSizes: sub.layerSizes, minSparsity };
      let perfect: number[] = [];
      // Workers run CPU kernels: a WebGPU backend searches on its device instead.
      if (stages.circuits && options.workers && !isWebGpuBackend(backend) && space.count >= PARALLEL_MIN_CIRCUITS) {
        const pool = options.workers();
        perfect = await inPieces(space.count, pool, options, gate, 'circuits', async ([start, end]) =>
          Array.from((await pool.run({ kind: 'circuits', backend: kernelBackend, model: sub, space: spaceKey, rows, accuracyThreshold, start, end })) as Uint32Array),
        );
      } else if (stages.circuits) {
        perfect = await findPerfectCircuits(backend, sub, space, rows, { accuracyThreshold, ...progressFor(options, gate) });
      }
      const circuitsMs = performance.now() - t;
      checkPerfectCount(perfect.length, space);
      const perfectCircuits = perfect.map((index) => {
        const c = space.decode(index);
        return { index, nodeMasks: c.nodeMasks, edgeMasks: c.edgeMasks, nodeSparsity: hiddenSparsity(c.nodeMasks) };
      });

      t = performance.now();
      let groundings: { counts: bigint[]; distinct?: number[]; backend: GroundingBackendName } = { counts: [], backend: 'ts' };
      if (stages.groundings && options.workers && !options.distinctGateDicts && perfect.length >= PARALLEL_MIN_GROUNDINGS) {
        const pool = options.workers();
        const counts = await inPieces(perfect.length, pool, options, gate, 'groundings', async ([a, b]) =>
          (await pool.run({ kind: 'groundings', backend: kernelBackend, model: sub, space: spaceKey, indices: perfect.slice(a, b), groundInputs })) as bigint[],
        );
        groundings = { counts, backend: kernelBackend };
        groundingBackend = kernelBackend;
      } else if (stages.groundings) {
        groundings = await countGroundingsFor(sub, space, perfect, groundInputs, {
          distinct: options.distinctGateDicts ?? false,
          backend: backend.name === 'ts' ? 'ts' : 'auto',
          ...progressFor(options, gate),
        });
        groundingBackend = groundings.backend;
      }
      const groundingsMs = performance.now() - t;

      t = performance.now();
      const mappingOptions = { pairOrder, distribLayers, signal: options.signal };
      const formulas = !stages.mappings
        ? []
        : isWebGpuBackend(backend)
          ? await mappingSearchAsync(sub, gate, formulaDepth, { ...mappingOptions, validityTables: backend.validityTables })
          : mappingSearch(sub, gate, formulaDepth, mappingOptions);
      const mappingsMs = performance.now() - t;
      const withMapping = formulas.filter((f) => f.minimalMappings.length > 0);

      outputs.push({
        outputIndex: o,
        gate: gate.name,
        circuitsEnumerated: space.count,
        perfectCircuits,
        groundingsPerCircuit: groundings.counts.map(countToJson),
        totalGroundings: countToJson(groundings.counts.reduce((a, b) => a + b, 0n)),
        ...(groundings.distinct ? { distinctGateDictsPerCircuit: groundings.distinct } : {}),
        // Neuron lists sorted, as in the oracle's exported files (the search itself keeps set order).
        formulas: formulas.map((f) => ({ formula: f.formula, minimalMappings: f.minimalMappings.map(sortNeuronLists) })),
        formulasWithMapping: withMapping.length,
        mappingsPerFormula: withMapping.map((f) => f.minimalMappings.length),
        timings: { circuits: circuitsMs, groundings: groundingsMs, mappings: mappingsMs },
      });
    }
  } finally {
    backend.dispose();
  }
  return {
    schemaVersion: 1,
    layerSizes: [...model.layerSizes],
    options: { minSparsity, pairOrder, accuracyThreshold, formulaDepth, distribLayers },
    backend: { circuits: backend.name, groundings: groundingBackend },
    outputs,
  };
}

/**
 * Runs `work` on contiguous pieces of `[0, total)` across the pool and concatenates the results in
 * piece order, so the output equals a single-thread run's.
 */
async function inPieces<T>(
  total: number,
  pool: WorkerPool,
  options: AnalyzeOptions,
  gate: Gate,
  stage: string,
  work: (range: [number, number]) => Promise<T[]>,
): Promise<T[]> {
  let done = 0;
  const { onProgress } = progressFor(options, gate);
  const parts = await Promise.all(
    splitRange(total, pool.size * 4).map(async (range) => {
      checkAborted(options.signal);
      const part = await work(range);
      done += range[1] - range[0];
      onProgress?.({ stage, done, total });
      return part;
    }),
  );
  return parts.flat();
}

/** Prefixes progress stages with the gate so multi-output runs read clearly. */
function progressFor(options: AnalyzeOptions, gate: Gate): LongRunOptions {
  const { onProgress, signal } = options;
  return {
    signal,
    onProgress: onProgress && ((p) => onProgress({ ...p, stage: `${gate.name} ${p.stage}` })),
  };
}
