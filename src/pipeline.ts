/**
 * The per-output pipeline, the one place the stages meet: circuits -> perfect -> groundings
 * counted (where-then-what), formulas -> minimal mappings (what-then-where). `analyzeModel`, the
 * MNIST tail and experiment units all run it; each stage is one kernel request to the backend,
 * which never gets asked what it is.
 */
import type { Backend, KernelRun } from './backends/types.ts';
import { hiddenSparsity, type CircuitSpace } from './circuits/space.ts';
import type { WeightedRows } from './data.ts';
import { LimitError } from './errors.ts';
import { formulasForGate, type PairOrder } from './formulas.ts';
import type { Gate } from './gates.ts';
import type { GroundingInputs } from './grounding.ts';
import { searchMappings, sortNeuronLists, type MinimalMapping } from './mappings.ts';
import type { Model } from './model.ts';
import { checkAborted, type LongRunOptions } from './progress.ts';

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
  /** The size of the circuit space; 0 when the circuit stage did not run. */
  circuitsEnumerated: number;
  perfectCircuits: PerfectCircuitJson[];
  /** One count per grounded circuit: every perfect circuit in order, or those of `groundedIndices`. */
  groundingsPerCircuit: Count[];
  /** Present when only some perfect circuits were grounded (main.py's --max-circuits): their indices, in count order. */
  groundedIndices?: number[];
  totalGroundings: Count;
  distinctGateDictsPerCircuit?: number[];
  formulas: { formula: string; minimalMappings: MinimalMapping[] }[];
  formulasWithMapping: number;
  mappingsPerFormula: number[];
  /** Milliseconds per stage. */
  timings: { circuits: number; groundings: number; mappings: number };
}

/** The stages of the pipeline. */
export type Stage = 'circuits' | 'groundings' | 'mappings';

/** What one output of a model asks of the pipeline. */
export interface OutputRequest extends LongRunOptions {
  /** A single-output model (see `subModel`). */
  readonly model: Model;
  /** Which output of the original model this is (for the result and progress). */
  readonly outputIndex: number;
  /** The Boolean function the formulas compute. */
  readonly gate: Gate;
  /** The circuits to search; null when the circuit stage is off (nothing else reads it then). */
  readonly space: CircuitSpace | null;
  /** Circuit-search data: one label column. */
  readonly rows: WeightedRows;
  readonly groundInputs: GroundingInputs;
  readonly accuracyThreshold: number;
  readonly formulaDepth: number;
  readonly pairOrder: PairOrder;
  readonly distribLayers: boolean;
  readonly distinctGateDicts: boolean;
  readonly stages: Readonly<Record<Stage, boolean>>;
  /** Ground only this many perfect circuits, those of highest node sparsity (main.py's --max-circuits); null: all. */
  readonly maxGrounded?: number | null;
  /** Model inputs standing for the Boolean input patterns in interventions (see `MappingSearchOptions`). */
  readonly booleanRows?: readonly (readonly number[])[];
}

/** The kernel runs of each stage (which backend answered, and why one fell back). */
export type StageRuns = Record<Stage, KernelRun[]>;

/**
 * Most perfect circuits a result holds: each is decoded into mask arrays (up to about 1.5 KB on a
 * deep model), and past this they would exhaust Node's default heap of about 4 GiB.
 */
export const MAX_PERFECT_CIRCUITS = 2_000_000;

/** Exact count to JSON: a number while it is a safe integer, else a decimal string. */
export function countToJson(n: bigint): Count {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
}

/** Runs every stage for one output on `backend`. */
export async function analyzeOutput(backend: Backend, request: OutputRequest): Promise<{ output: OutputAnalysis; runs: StageRuns }> {
  const { model, gate, space, stages, signal } = request;
  const progress = progressFor(request);
  const runs: StageRuns = { circuits: [], groundings: [], mappings: [] };
  checkAborted(signal);

  // Where: every circuit of the space, kept when its accuracy beats the threshold.
  let t = performance.now();
  let perfect: Uint32Array = new Uint32Array(0);
  if (stages.circuits) {
    if (!space) throw new Error('analyzeOutput: the circuit stage needs a circuit space');
    const r = await backend.evaluateCircuits({
      model, space, start: 0, end: space.count, rows: request.rows, accuracyThreshold: request.accuracyThreshold, ...progress,
    });
    perfect = r.perfect;
    runs.circuits.push(r);
  }
  const circuitsMs = performance.now() - t;
  // Perfect circuits come from the space: none without one.
  const perfectCircuits = space ? decodePerfect(space, perfect) : [];

  // Then what: the groundings of each perfect circuit (or of the sparsest, as main.py's --max-circuits).
  t = performance.now();
  const grounded = groundedOrder(perfectCircuits, request.maxGrounded ?? null);
  let counts: bigint[] = [];
  let distinct: number[] | undefined;
  if (stages.groundings && grounded.length && space) {
    const ascending = [...grounded].sort((a, b) => a - b);
    const r = await backend.countGroundings({
      model, space, indices: ascending, inputs: request.groundInputs, distinct: request.distinctGateDicts, ...progress,
    });
    runs.groundings.push(r);
    const at = new Map(ascending.map((index, i) => [index, i]));
    counts = grounded.map((index) => r.counts[at.get(index)!]!);
    distinct = r.distinct && grounded.map((index) => r.distinct![at.get(index)!]!);
  }
  const groundingsMs = performance.now() - t;

  // What-then-where: every formula of the gate, mapped with interchange interventions.
  t = performance.now();
  let formulas: OutputAnalysis['formulas'] = [];
  if (stages.mappings) {
    checkAborted(signal);
    const r = await searchMappings(model, formulasForGate(gate, request.formulaDepth), {
      pairOrder: request.pairOrder, distribLayers: request.distribLayers, signal, backend, booleanRows: request.booleanRows,
    });
    runs.mappings.push(...r.runs);
    // Neuron lists sorted, as in the oracle's exported files (the search itself keeps set order).
    formulas = r.formulas.map((f) => ({ formula: f.formula, minimalMappings: f.minimalMappings.map(sortNeuronLists) }));
  }
  const mappingsMs = performance.now() - t;
  const withMapping = formulas.filter((f) => f.minimalMappings.length > 0);

  const output: OutputAnalysis = {
    outputIndex: request.outputIndex,
    gate: gate.name,
    circuitsEnumerated: stages.circuits && space ? space.count : 0,
    perfectCircuits,
    groundingsPerCircuit: counts.map(countToJson),
    ...(stages.groundings && grounded.length < perfect.length ? { groundedIndices: grounded } : {}),
    totalGroundings: countToJson(counts.reduce((a, b) => a + b, 0n)),
    ...(distinct ? { distinctGateDictsPerCircuit: distinct } : {}),
    formulas,
    formulasWithMapping: withMapping.length,
    mappingsPerFormula: withMapping.map((f) => f.minimalMappings.length),
    timings: { circuits: circuitsMs, groundings: groundingsMs, mappings: mappingsMs },
  };
  return { output, runs };
}

/** The perfect circuits' masks, once their number is known to fit in a result. */
function decodePerfect(space: CircuitSpace, perfect: Uint32Array): PerfectCircuitJson[] {
  checkPerfectCount(perfect.length, space);
  return Array.from(perfect, (index): PerfectCircuitJson => {
    const c = space.decode(index);
    return { index, nodeMasks: c.nodeMasks, edgeMasks: c.edgeMasks, nodeSparsity: hiddenSparsity(c.nodeMasks) };
  });
}

/**
 * The circuits to ground, in the order their counts are listed: all of them in enumeration order,
 * or main.py's `--max-circuits`: the `limit` of highest node sparsity (a stable sort, so ties keep
 * enumeration order).
 */
function groundedOrder(perfect: readonly PerfectCircuitJson[], limit: number | null): number[] {
  if (limit === null || limit >= perfect.length) return perfect.map((c) => c.index);
  return [...perfect].sort((a, b) => b.nodeSparsity - a.nodeSparsity).slice(0, limit).map((c) => c.index);
}

function checkPerfectCount(n: number, space: CircuitSpace): void {
  if (n <= MAX_PERFECT_CIRCUITS) return;
  throw new LimitError(
    `the circuit search found ${n.toLocaleString('en-US')} perfect circuits (of ${space.count.toLocaleString('en-US')}); the result keeps every one's masks ` +
      `(about 1.5 KB each), and holds at most ${MAX_PERFECT_CIRCUITS.toLocaleString('en-US')}: raise the min sparsity, or analyse a smaller model`,
  );
}

/** Prefixes progress stages with the gate so multi-output runs read clearly. */
function progressFor(request: OutputRequest): LongRunOptions {
  const { onProgress, signal } = request;
  const gate = request.gate.name;
  return { signal, onProgress: onProgress && ((p) => onProgress({ ...p, stage: `${gate} ${p.stage}` })) };
}

/** The backend that answered each stage and every fallback, for the result JSON. */
export interface BackendRecord {
  /** The backend the analysis was given (fixed for its lifetime). */
  name: string;
  /** Its one-line description (adapter, workers). */
  label: string;
  /** Which backend answered each stage (several joined by '+'); null when the stage did not run. */
  circuits: string | null;
  groundings: string | null;
  mappings: string | null;
  /** Every reason a stage ran elsewhere than on the backend it was given, once each. */
  fallbacks: { output: number | null; stage: Stage | 'setup'; reason: string }[];
}

/** Summarises the stage runs of every output. */
export function backendRecord(backend: Backend, outputs: readonly { outputIndex: number; runs: StageRuns }[], setup: readonly string[] = []): BackendRecord {
  const ranOn = (stage: Stage) => {
    const names = [...new Set(outputs.flatMap((o) => o.runs[stage].map((r) => r.ranOn)))];
    return names.length ? names.join('+') : null;
  };
  const fallbacks: BackendRecord['fallbacks'] = setup.map((reason) => ({ output: null, stage: 'setup', reason }));
  const seen = new Set<string>();
  for (const o of outputs) {
    for (const stage of ['circuits', 'groundings', 'mappings'] as const) {
      for (const r of o.runs[stage]) {
        if (!r.fallback || seen.has(`${stage}|${r.fallback}`)) continue;
        seen.add(`${stage}|${r.fallback}`);
        fallbacks.push({ output: o.outputIndex, stage, reason: r.fallback });
      }
    }
  }
  return { name: backend.name, label: backend.label, circuits: ranOn('circuits'), groundings: ranOn('groundings'), mappings: ranOn('mappings'), fallbacks };
}
