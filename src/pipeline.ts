/**
 * The per-output pipeline, the one place the stages meet: circuits -> perfect -> groundings
 * counted (where-then-what), formulas -> minimal mappings (what-then-where). `analyzeModel`, the
 * MNIST tail and experiment units all run it; each stage is one kernel request to the backend,
 * which never gets asked what it is.
 */
import type { Backend, KernelRun } from './backends/types.ts';
import { hiddenSparsity, type CircuitSpace } from './circuits/space.ts';
import type { WeightedRows } from './data.ts';
import { InputError, LimitError } from './errors.ts';
import { formulasForGate, type Formula, type PairOrder } from './formulas.ts';
import type { Gate } from './gates.ts';
import type { GroundingInputs } from './grounding.ts';
import { searchMappings, sortNeuronLists, type MinimalMapping } from './mappings.ts';
import type { Model } from './model.ts';
import { checkAborted, type LongRunOptions } from './progress.ts';
import { evaluateCriteria, type CriterionCounts } from './criteria/evaluate.ts';
import type { CriteriaSelection, CriterionId } from './criteria/ids.ts';
import type { NoisyRows } from './criteria/mappings.ts';

/**
 * A perfect circuit in the result JSON. Its mask arrays are shared with the other listed
 * circuits that have the same node masks or the same edge choice in a layer: read them, copy
 * before changing one.
 */
export interface PerfectCircuitJson {
  /** Index in the enumeration order. */
  index: number;
  nodeMasks: number[][];
  edgeMasks: number[][][];
  nodeSparsity: number;
  /** With criteria: the where-then-what criteria this circuit passes (docs/criteria.md). */
  passes?: CriterionId[];
  /** With grounding criteria: this circuit's groundings under `grounding-causal`, `grounding-distinct` and `all`. */
  criterionGroundings?: Partial<Record<CriterionId, Count>>;
}

/** A grounding count: a number while exact (< 2^53), else a decimal string. */
export type Count = number | string;

/** Results for one output of the model: the `analyze --json` shape. */
export interface OutputAnalysis {
  outputIndex: number;
  gate: string;
  /** The size of the circuit space; 0 when the circuit stage did not run. */
  circuitsEnumerated: number;
  /** How many circuits are perfect (all of them, listed or not). */
  perfectCircuitCount: number;
  /** The perfect circuits in enumeration order, the first `listing.limit` of them when there are more. */
  perfectCircuits: PerfectCircuitJson[];
  /** Present when not every perfect circuit is listed: the limit, and how many were counted but not listed. */
  listing?: { limit: number; omitted: number };
  /** One count per listed circuit, in order (or per circuit of `groundedIndices`). */
  groundingsPerCircuit: Count[];
  /** Present when only some perfect circuits were grounded (main.py's --max-circuits): their indices, in count order. */
  groundedIndices?: number[];
  /** Groundings of every grounded circuit, listed or not. */
  totalGroundings: Count;
  /** The fewest and most groundings of one circuit, over every grounded circuit. */
  groundingsRange?: { min: Count; max: Count };
  distinctGateDictsPerCircuit?: number[];
  /**
   * With criteria, `passes[j]` lists the what-then-where criteria minimal mapping j passes, and
   * `vacuous[j]` those it passes without any test (docs/criteria.md).
   */
  formulas: { formula: string; minimalMappings: MinimalMapping[]; passes?: CriterionId[][]; vacuous?: CriterionId[][] }[];
  formulasWithMapping: number;
  mappingsPerFormula: number[];
  /** With criteria: what survives each one (docs/criteria.md). */
  criteria?: Partial<Record<CriterionId, CriterionCounts>>;
  /** With criteria: `formulasWithMapping` and the minimal mappings counted up to isomorphism (docs/criteria.md). */
  upToIsomorphism?: { formulas: number; mappings: number };
  /** Milliseconds per stage. */
  timings: { circuits: number; groundings: number; mappings: number; criteria?: number };
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
  /** List at most this many perfect circuits with masks and counts (default {@link DEFAULT_LISTED_CIRCUITS}). */
  readonly maxListed?: number;
  /** Model inputs standing for the Boolean input patterns in interventions (see `MappingSearchOptions`). */
  readonly booleanRows?: readonly (readonly number[])[];
  /** The criteria to compute (docs/criteria.md); every perfect circuit must be grounded. */
  readonly criteria?: CriteriaSelection;
  /** Rows of the `noisy-iia` criterion (default: the `ood-0.1` probe set). */
  readonly noisyRows?: NoisyRows;
}

/** The kernel runs of each stage (which backend answered, and why one fell back); `criteria` with criteria. */
export type StageRuns = Record<Stage, KernelRun[]> & { criteria?: KernelRun[] };

/**
 * Perfect circuits an output lists by default, with masks and grounding counts (each decoded
 * circuit takes up to about 1.5 KB); the rest are counted, grounded and summed, not listed.
 */
export const DEFAULT_LISTED_CIRCUITS = 100_000;
/** Circuits per slab of the streamed search (circuits, then the groundings of the slab's perfect ones). */
const STREAM_SLAB = 1 << 24;

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

  // Where-then-what, streamed: slab by slab, the perfect circuits, then their groundings, so that
  // memory stays flat however many circuits pass (only the first `listed` are kept with masks).
  const listLimit = request.maxListed ?? DEFAULT_LISTED_CIRCUITS;
  const maxGrounded = request.maxGrounded ?? null;
  const listed: PerfectCircuitJson[] = [];
  const listedCounts: bigint[] = [];
  let listedDistinct: number[] | undefined;
  const tally = { total: 0n, min: null as bigint | null, max: null as bigint | null, grounded: 0 };
  const allPerfect: Float64Array[] = []; // kept only for main.py's --max-circuits choice
  let perfectCount = 0;
  // With criteria: every perfect circuit and its count, in enumeration order.
  const criteria = request.criteria;
  if (criteria && maxGrounded !== null) throw new InputError('criteria need every perfect circuit grounded: leave out --max-circuits (API: maxGroundedCircuits)');
  const everyPerfect: Float64Array[] = [];
  const everyCount: bigint[] = [];
  let circuitsMs = 0;
  let groundingsMs = 0;
  const count = async (space: CircuitSpace, indices: number[], distinct: boolean) => {
    const t = performance.now();
    const r = await backend.countGroundings({
      model, space, indices, inputs: request.groundInputs, distinct,
      signal, onProgress: progress.onProgress && ((p) => progress.onProgress!({ ...p, stage: 'groundings', done: tally.grounded + p.done, total: perfectCount })),
    });
    runs.groundings.push(runOf(r)); // not the answer itself: its counts would pile up
    if (criteria) everyCount.push(...r.counts);
    for (const c of r.counts) {
      tally.total += c;
      if (tally.min === null || c < tally.min) tally.min = c;
      if (tally.max === null || c > tally.max) tally.max = c;
    }
    tally.grounded += indices.length;
    groundingsMs += performance.now() - t;
    return r;
  };
  if (stages.circuits) {
    if (!space) throw new Error('analyzeOutput: the circuit stage needs a circuit space');
    const listedJson = perfectCircuitJson(space);
    for (let start = 0; start < space.count; start += STREAM_SLAB) {
      checkAborted(signal);
      const end = Math.min(space.count, start + STREAM_SLAB);
      const t = performance.now();
      const r = await backend.evaluateCircuits({
        model, space, start, end, rows: request.rows, accuracyThreshold: request.accuracyThreshold,
        signal, onProgress: progress.onProgress && ((p) => progress.onProgress!({ ...p, done: start + p.done, total: space.count })),
      });
      runs.circuits.push(runOf(r));
      perfectCount += r.perfect.length;
      if (criteria) everyPerfect.push(r.perfect);
      const newlyListed = Math.min(r.perfect.length, Math.max(0, listLimit - listed.length));
      for (let i = 0; i < newlyListed; i++) listed.push(listedJson(r.perfect[i]!));
      circuitsMs += performance.now() - t;
      if (!stages.groundings || r.perfect.length === 0) continue;
      if (maxGrounded !== null) {
        allPerfect.push(r.perfect);
        continue;
      }
      // The listed ones with their counts (and distinct gate dicts on request), the rest into the tally.
      const indices = Array.from(r.perfect);
      if (newlyListed > 0) {
        const g = await count(space, indices.slice(0, newlyListed), request.distinctGateDicts);
        listedCounts.push(...g.counts);
        if (g.distinct) (listedDistinct ??= []).push(...g.distinct);
      }
      if (newlyListed < indices.length) await count(space, indices.slice(newlyListed), false);
    }
  }
  let groundedIndices: number[] | undefined;
  if (stages.groundings && maxGrounded !== null && perfectCount > 0 && space) {
    // main.py's --max-circuits: the `limit` circuits of highest node sparsity (a stable sort, so
    // ties keep enumeration order), their counts listed in that order.
    const all = allPerfect.flatMap((part) => Array.from(part, (index) => ({ index, sparsity: hiddenSparsity(space.decode(index).nodeMasks) })));
    const chosen = all.sort((x, y) => y.sparsity - x.sparsity).slice(0, maxGrounded).map((c) => c.index);
    const ascending = [...chosen].sort((x, y) => x - y);
    const g = await count(space, ascending, request.distinctGateDicts);
    const at = new Map(ascending.map((index, i) => [index, i]));
    listedCounts.push(...chosen.map((index) => g.counts[at.get(index)!]!));
    if (g.distinct) listedDistinct = chosen.map((index) => g.distinct![at.get(index)!]!);
    if (chosen.length < perfectCount) groundedIndices = chosen;
  }

  // What-then-where: every formula of the gate, mapped with interchange interventions.
  const t = performance.now();
  let formulas: OutputAnalysis['formulas'] = [];
  let found: { formulaEntry: Formula; minimalMappings: MinimalMapping[] }[] | null = null;
  if (stages.mappings) {
    checkAborted(signal);
    const r = await searchMappings(model, formulasForGate(gate, request.formulaDepth), {
      pairOrder: request.pairOrder, distribLayers: request.distribLayers, signal, backend, booleanRows: request.booleanRows,
    });
    runs.mappings.push(...r.runs);
    found = r.formulas;
    // Neuron lists sorted, as in the oracle's exported files (the search itself keeps set order).
    formulas = r.formulas.map((f) => ({ formula: f.formula, minimalMappings: f.minimalMappings.map(sortNeuronLists) }));
  }
  const mappingsMs = performance.now() - t;

  // The criteria: filters of what the stages found (docs/criteria.md).
  let criteriaCounts: OutputAnalysis['criteria'];
  let upToIsomorphism: OutputAnalysis['upToIsomorphism'];
  let criteriaMs: number | undefined;
  if (criteria) {
    const tc = performance.now();
    const perfect = stages.circuits ? concatIndices(everyPerfect) : null;
    const c = await evaluateCriteria({
      backend, model, gate, space, rows: request.rows, groundInputs: request.groundInputs, accuracyThreshold: request.accuracyThreshold,
      pairOrder: request.pairOrder, distribLayers: request.distribLayers, selection: criteria,
      perfect, groundings: stages.circuits && stages.groundings ? everyCount : null,
      formulas: found && found.map((f) => ({ formula: f.formulaEntry, minimalMappings: f.minimalMappings })),
      noisyRows: request.noisyRows, signal,
    });
    runs.criteria = c.runs;
    criteriaCounts = c.counts;
    upToIsomorphism = c.paperUpToIsomorphism;
    listed.forEach((circuit, i) => {
      circuit.passes = c.circuitPasses[i]!;
      if (Object.keys(c.circuitGroundings[i]!).length) circuit.criterionGroundings = c.circuitGroundings[i]!;
    });
    formulas.forEach((f, i) => {
      f.passes = c.mappingPasses[i]!;
      f.vacuous = c.mappingVacuous[i]!;
    });
    criteriaMs = performance.now() - tc;
  }
  const withMapping = formulas.filter((f) => f.minimalMappings.length > 0);

  const output: OutputAnalysis = {
    outputIndex: request.outputIndex,
    gate: gate.name,
    circuitsEnumerated: stages.circuits && space ? space.count : 0,
    perfectCircuitCount: perfectCount,
    perfectCircuits: listed,
    ...(listed.length < perfectCount ? { listing: { limit: listLimit, omitted: perfectCount - listed.length } } : {}),
    groundingsPerCircuit: listedCounts.map(countToJson),
    ...(groundedIndices ? { groundedIndices } : {}),
    totalGroundings: countToJson(tally.total),
    ...(tally.min !== null ? { groundingsRange: { min: countToJson(tally.min), max: countToJson(tally.max!) } } : {}),
    ...(listedDistinct ? { distinctGateDictsPerCircuit: listedDistinct } : {}),
    formulas,
    formulasWithMapping: withMapping.length,
    mappingsPerFormula: withMapping.map((f) => f.minimalMappings.length),
    ...(criteriaCounts ? { criteria: criteriaCounts, upToIsomorphism } : {}),
    timings: { circuits: circuitsMs, groundings: groundingsMs, mappings: mappingsMs, ...(criteriaMs !== undefined ? { criteria: criteriaMs } : {}) },
  };
  return { output, runs };
}

/** Which backend answered and why it fell back, without the answer. */
function runOf(r: KernelRun): KernelRun {
  return r.fallback ? { ranOn: r.ranOn, fallback: r.fallback } : { ranOn: r.ranOn };
}

/** The slabs' perfect indices as one ascending array. */
function concatIndices(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The JSON of perfect circuits of `space`: index, masks and node sparsity. The listed circuits
 * share their mask arrays (a layer's rows per edge choice, the node masks per combination):
 * decoding each one afresh was about a quarter of a 2-5-5-1 circuit stage.
 */
function perfectCircuitJson(space: CircuitSpace): (index: number) => PerfectCircuitJson {
  const decode = space.sharedDecoder();
  const sparsity = new Map<readonly number[][], number>();
  return (index) => {
    const { nodeMasks, edgeMasks } = decode(index);
    let nodeSparsity = sparsity.get(nodeMasks);
    if (nodeSparsity === undefined) sparsity.set(nodeMasks, (nodeSparsity = hiddenSparsity(nodeMasks)));
    return { index, nodeMasks, edgeMasks, nodeSparsity };
  };
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
  /** With criteria: which backend answered their kernel requests (absent without criteria). */
  criteria?: string | null;
  /** Every reason a stage ran elsewhere than on the backend it was given, once each. */
  fallbacks: { output: number | null; stage: Stage | 'criteria' | 'setup'; reason: string }[];
}

/** Summarises the stage runs of every output. */
export function backendRecord(backend: Backend, outputs: readonly { outputIndex: number; runs: StageRuns }[], setup: readonly string[] = []): BackendRecord {
  const ranOn = (stage: Stage | 'criteria') => {
    const names = [...new Set(outputs.flatMap((o) => (o.runs[stage] ?? []).map((r) => r.ranOn)))];
    return names.length ? names.join('+') : null;
  };
  const fallbacks: BackendRecord['fallbacks'] = setup.map((reason) => ({ output: null, stage: 'setup', reason }));
  const seen = new Set<string>();
  for (const o of outputs) {
    for (const stage of ['circuits', 'groundings', 'mappings', 'criteria'] as const) {
      for (const r of o.runs[stage] ?? []) {
        if (!r.fallback || seen.has(`${stage}|${r.fallback}`)) continue;
        seen.add(`${stage}|${r.fallback}`);
        fallbacks.push({ output: o.outputIndex, stage, reason: r.fallback });
      }
    }
  }
  const withCriteria = outputs.some((o) => o.runs.criteria);
  return {
    name: backend.name, label: backend.label, circuits: ranOn('circuits'), groundings: ranOn('groundings'), mappings: ranOn('mappings'),
    ...(withCriteria ? { criteria: ranOn('criteria') } : {}), fallbacks,
  };
}
