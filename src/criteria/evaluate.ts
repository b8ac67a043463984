/**
 * Every requested criterion for one output of a model (docs/criteria.md): which perfect circuits,
 * groundings and minimal mappings survive, the counts per criterion (raw and up to isomorphism),
 * and the pass flags the result JSON carries (docs/semantics.md, K1, K6). The plain TS reference
 * of issue 15; the data tests go to the backend as kernel requests.
 */
import type { Backend, KernelRun } from '../backends/types.ts';
import type { CircuitSpace } from '../circuits/space.ts';
import type { WeightedRows } from '../data.ts';
import { InputError, LimitError } from '../errors.ts';
import type { Gate } from '../gates.ts';
import type { GroundingInputs } from '../grounding.ts';
import type { PairOrder } from '../mappings.ts';
import type { Model } from '../model.ts';
import { checkAborted } from '../progress.ts';
import { minimalCircuits, meanAblationTest, oodProbeSet, oodTest, resampleAblationTest, type CircuitTestContext } from './circuits.ts';
import { causalProblem, countCausalGroundings, distinctGateDictsOf, DISTINCT_CAP } from './grounding-causal.ts';
import {
  CIRCUIT_CRITERIA,
  criterionSide,
  MAPPING_CRITERIA,
  NOISY_IIA_SIGMA,
  oodId,
  type CriteriaSelection,
  type CriterionId,
} from './ids.ts';
import {
  CleanInterventions,
  explanationSignature,
  mappedVariables,
  noisyValidity,
  passesFullState,
  passesJoint,
  passesUnmapped,
  symmetricValidity,
  type FormulaWithMappings,
  type NoisyRows,
} from './mappings.ts';

/** A grounding count: a number while exact (< 2^53), else a decimal string (as `Count` in the result). */
export type CountJson = number | string;
const countJson = (n: bigint): CountJson => (n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString());

/** What survives one criterion, for one output. */
export interface CriterionCounts {
  /** Perfect circuits that pass (for the grounding criteria: that keep at least one grounding). */
  circuits: number;
  /** Groundings of those circuits that pass (where-then-what explanations). */
  groundings: CountJson;
  /** Formulas with at least one surviving minimal mapping. */
  formulas: number;
  /** Surviving minimal mappings (what-then-where explanations). */
  mappings: number;
  /** The same two counts up to isomorphism, where they differ from the raw ones. */
  upToIsomorphism?: { formulas: number; mappings: number };
  /** Surviving minimal mappings that passed this criterion without any test (what-then-where criteria). */
  vacuous?: number;
  /** Perfect circuits whose groundings under this criterion the cap left uncounted (not in `groundings`). */
  uncounted?: number[];
  /** Whether exactly one explanation remains on each side. */
  unique: { whereThenWhat: boolean; whatThenWhere: boolean; whatThenWhereUpToIsomorphism: boolean };
}

/** What {@link evaluateCriteria} needs of one output (the pipeline's request, its results so far). */
export interface CriteriaRequest {
  readonly backend: Backend;
  readonly model: Model;
  readonly gate: Gate;
  /** The circuit space (null without the circuit stage: then only what-then-where criteria run). */
  readonly space: CircuitSpace | null;
  readonly rows: WeightedRows;
  readonly groundInputs: GroundingInputs;
  readonly accuracyThreshold: number;
  readonly pairOrder: PairOrder;
  readonly distribLayers: boolean;
  readonly selection: CriteriaSelection;
  /** Every perfect circuit, ascending (null: the circuit stages did not run). */
  readonly perfect: Float64Array | null;
  /** The paper's grounding count of each perfect circuit, aligned with `perfect`. */
  readonly groundings: readonly bigint[] | null;
  /** The mapping search's results (null: it did not run). */
  readonly formulas: readonly FormulaWithMappings[] | null;
  /** Rows of `noisy-iia` (default: the `ood-0.1` probe set). */
  readonly noisyRows?: NoisyRows;
  /** Cap of the distinct gate-dict counts, per circuit (default 5,000,000 groundings). */
  readonly distinctCap?: number;
  readonly signal?: AbortSignal;
}

/** {@link evaluateCriteria}'s answer. */
export interface CriteriaResult {
  readonly counts: Partial<Record<CriterionId, CriterionCounts>>;
  /** The paper's formulas with a mapping and minimal mappings up to isomorphism (what no criterion filters). */
  readonly paperUpToIsomorphism: { formulas: number; mappings: number };
  /** Per perfect circuit (aligned with `perfect`): the where-then-what criteria it passes. */
  readonly circuitPasses: CriterionId[][];
  /** Per perfect circuit: its groundings under the grounding criteria and `all`. */
  readonly circuitGroundings: Partial<Record<CriterionId, CountJson>>[];
  /** Per formula, per minimal mapping: the what-then-where criteria it passes, and those it passes vacuously. */
  readonly mappingPasses: CriterionId[][][];
  readonly mappingVacuous: CriterionId[][][];
  readonly runs: KernelRun[];
}

/** Computes every criterion of `request.selection` for one output. */
export async function evaluateCriteria(request: CriteriaRequest): Promise<CriteriaResult> {
  const { selection, signal } = request;
  const wants = (id: CriterionId) => selection.ids.includes(id) || selection.ids.includes('all');
  const needsWhere = selection.ids.some((id) => criterionSide(id) !== 'what');
  const needsWhat = selection.ids.some((id) => criterionSide(id) !== 'where');
  if (needsWhere && (!request.perfect || !request.groundings)) {
    throw new InputError('the where-then-what criteria need the circuit and grounding stages (and every perfect circuit grounded: leave out --max-circuits / maxGroundedCircuits)');
  }
  if (needsWhat && !request.formulas) throw new InputError('the what-then-where criteria need the mapping stage');
  const runs: KernelRun[] = [];
  checkAborted(signal);

  // ---- where-then-what: a pass flag per perfect circuit and criterion, grounding counts per circuit
  const perfect = request.perfect ?? new Float64Array(0);
  const paper = request.groundings ?? [];
  const circuitPass = new Map<CriterionId, boolean[]>();
  const ctx: CircuitTestContext = { ...request, space: request.space!, perfect }; // read only by where-then-what tests, which have a space
  if (needsWhere) {
    if (wants('minimal')) circuitPass.set('minimal', minimalCircuits(request.space!, perfect, signal)); // perfect circuits imply a space
    for (const [id, test] of [['mean-ablation', meanAblationTest], ['resample-ablation', resampleAblationTest]] as const) {
      if (!wants(id)) continue;
      const t = await test(ctx);
      circuitPass.set(id, t.passes);
      runs.push(...t.runs);
    }
    for (const sigma of selection.oodSigmas) {
      const t = await oodTest(ctx, sigma);
      circuitPass.set(oodId(sigma), t.passes);
      runs.push(...t.runs);
    }
  }
  // Grounding counts under grounding-causal, grounding-distinct and all (distinct causal ones of the circuits passing every circuit test).
  const causal: bigint[] = [];
  const distinct: (bigint | null)[] = [];
  const distinctCausal: (bigint | null)[] = [];
  const circuitIds = [...CIRCUIT_CRITERIA, ...selection.oodSigmas.map(oodId)];
  const passesEveryCircuitTest = (k: number) => circuitIds.every((id) => circuitPass.get(id)![k]);
  if (needsWhere && (wants('grounding-causal') || wants('grounding-distinct'))) {
    const cap = request.distinctCap ?? DISTINCT_CAP;
    const distinctOrNull = (f: () => number) => {
      try {
        return BigInt(f());
      } catch (e) {
        if (e instanceof LimitError || e instanceof InputError) return null; // reported as uncounted
        throw e;
      }
    };
    // Bit 1: distinct gate dicts of the paper's groundings; bit 2: of the causal ones.
    const flags = Uint8Array.from(perfect, (_, k) => (wants('grounding-distinct') ? 1 : 0) | (wants('all') && passesEveryCircuitTest(k) ? 2 : 0));
    const fast = request.backend.causalGroundings
      ? await request.backend.causalGroundings({ model: request.model, space: request.space!, indices: Array.from(perfect), inputs: request.groundInputs, distinct: flags, distinctCap: cap })
      : null;
    if (fast) runs.push({ ranOn: fast.ranOn, ...(fast.fallback ? { fallback: fast.fallback } : {}) });
    const fromKernel = (n: number) => (n < 0 ? null : BigInt(n));
    for (let k = 0; k < perfect.length; k++) {
      if (k % 64 === 0) checkAborted(signal);
      const f = fast?.circuits[k];
      if (f) {
        // The kernel's answer (the TS reference's numbers, checked in the conformance suite).
        if (wants('grounding-causal')) causal.push(f.causal);
        if (wants('grounding-distinct')) distinct.push(fromKernel(f.distinct));
        if (wants('all')) distinctCausal.push(flags[k]! & 2 ? fromKernel(f.distinctCausal) : 0n);
        continue;
      }
      const cp = causalProblem(request.model, request.space!.decode(perfect[k]!), request.groundInputs);
      if (wants('grounding-causal')) causal.push(countCausalGroundings(cp, true));
      if (wants('grounding-distinct')) distinct.push(distinctOrNull(() => distinctGateDictsOf(cp, false, cap)));
      if (wants('all')) distinctCausal.push(passesEveryCircuitTest(k) ? distinctOrNull(() => distinctGateDictsOf(cp, true, cap)) : 0n);
    }
  }
  const circuitGroundings = Array.from(perfect, (_, k) => {
    const g: Partial<Record<CriterionId, CountJson>> = {};
    if (causal.length) g['grounding-causal'] = countJson(causal[k]!);
    if (distinct[k] !== undefined && distinct[k] !== null) g['grounding-distinct'] = countJson(distinct[k]!);
    if (distinctCausal[k] !== undefined && distinctCausal[k] !== null) g.all = countJson(distinctCausal[k]!);
    return g;
  });

  // ---- what-then-where: a pass flag per minimal mapping and criterion
  const formulas = request.formulas ?? [];
  const variables = formulas.map((f) => f.minimalMappings.map((m) => mappedVariables(request.model, f.formula, m)));
  const mappingPass = new Map<CriterionId, boolean[][]>();
  const mappingVacuous = new Map<CriterionId, boolean[][]>();
  if (needsWhat) {
    const perMapping = (test: (f: number, vars: (typeof variables)[number][number]) => boolean) =>
      variables.map((forFormula, f) => forFormula.map((vars) => test(f, vars)));
    const setValidity = async (id: CriterionId, result: { valid: ((node: number, mask: number) => boolean)[]; run: KernelRun | null }) => {
      if (result.run) runs.push(result.run);
      mappingPass.set(id, perMapping((f, vars) => vars.every((v, node) => result.valid[f]!(node, v.mask))));
      mappingVacuous.set(id, perMapping((_, vars) => vars.length === 0));
    };
    const entries = formulas.map((f) => f.formula);
    if (wants('symmetric')) await setValidity('symmetric', await symmetricValidity(request.backend, request.model, entries, request.distribLayers, signal));
    if (wants('noisy-iia')) {
      const rows = request.noisyRows ?? probeRows(request.model.layerSizes[0]!);
      await setValidity('noisy-iia', await noisyValidity(request.backend, request.model, entries, request.pairOrder, rows, request.distribLayers, signal));
    }
    const ci = new CleanInterventions(request.model);
    if (wants('joint')) {
      mappingPass.set('joint', perMapping((f, vars) => passesJoint(ci, formulas[f]!.formula, vars, signal)));
      mappingVacuous.set('joint', perMapping((_, vars) => vars.length < 2));
    }
    if (wants('unmapped')) {
      mappingPass.set('unmapped', perMapping((_, vars) => passesUnmapped(ci, vars)));
      mappingVacuous.set('unmapped', perMapping((_, vars) => vars.length === 0));
    }
    if (wants('full-state')) {
      mappingPass.set('full-state', perMapping((_, vars) => passesFullState(ci, vars)));
      mappingVacuous.set('full-state', perMapping((_, vars) => vars.length === 0));
    }
  }

  // ---- counts per criterion
  const paperTotal = paper.reduce((a, b) => a + b, 0n);
  const signatures = variables.map((forFormula, f) => forFormula.map((vars) => explanationSignature(formulas[f]!.formula, vars)));
  // Per-circuit groundings under a grounding criterion (null entries: left uncounted by the cap).
  const groundingsUnder = (id: CriterionId) => (id === 'grounding-causal' ? causal : id === 'grounding-distinct' ? distinct : id === 'all' ? distinctCausal : null);
  // A circuit that the cap left uncounted survives when it has groundings at all (and, for all, passes every circuit test).
  const survivesUncounted = (id: CriterionId, k: number) => paper[k]! > 0n && (id !== 'all' || passesEveryCircuitTest(k));
  /** The where-then-what side under a criterion (a what-then-where criterion leaves the paper's). */
  const whereOf = (id: CriterionId): Pick<CriterionCounts, 'circuits' | 'groundings' | 'uncounted'> & { total: bigint } => {
    const pass = circuitPass.get(id);
    if (pass) {
      let circuits = 0;
      let total = 0n;
      pass.forEach((p, k) => {
        if (!p) return;
        circuits++;
        total += paper[k]!;
      });
      return { circuits, groundings: countJson(total), total };
    }
    const per = groundingsUnder(id);
    if (!per) return { circuits: perfect.length, groundings: countJson(paperTotal), total: paperTotal };
    let circuits = 0;
    let total = 0n;
    const uncounted: number[] = [];
    per.forEach((n, k) => {
      if (n === null) {
        uncounted.push(perfect[k]!);
        if (survivesUncounted(id, k)) circuits++;
        return;
      }
      if (n > 0n) circuits++;
      total += n;
    });
    return { circuits, groundings: countJson(total), total, ...(uncounted.length ? { uncounted } : {}) };
  };
  const whatOf = (ids: readonly CriterionId[]) => {
    const passing = (f: number, m: number) => ids.every((id) => mappingPass.get(id)![f]![m]);
    let mappings = 0;
    let vacuous = 0;
    let formulasWith = 0;
    const isoMappings = new Set<string>();
    const isoFormulas = new Set<string>();
    formulas.forEach((entry, f) => {
      const kept = entry.minimalMappings.map((_, m) => m).filter((m) => passing(f, m));
      if (!kept.length) return;
      formulasWith++;
      mappings += kept.length;
      vacuous += kept.filter((m) => ids.some((id) => mappingVacuous.get(id)![f]![m])).length;
      kept.forEach((m) => isoMappings.add(signatures[f]![m]!));
      isoFormulas.add(kept.map((m) => signatures[f]![m]!).sort().join('#'));
    });
    return { formulas: formulasWith, mappings, vacuous, iso: { formulas: isoFormulas.size, mappings: isoMappings.size } };
  };
  const mappingIds = (id: CriterionId): CriterionId[] =>
    id === 'all' ? [...MAPPING_CRITERIA] : (MAPPING_CRITERIA as readonly string[]).includes(id) ? [id] : [];
  const counts: Partial<Record<CriterionId, CriterionCounts>> = {};
  for (const id of selection.ids) {
    const where = whereOf(id);
    const what = whatOf(mappingIds(id));
    const differs = what.iso.formulas !== what.formulas || what.iso.mappings !== what.mappings;
    counts[id] = {
      circuits: where.circuits,
      groundings: where.groundings,
      formulas: what.formulas,
      mappings: what.mappings,
      ...(differs ? { upToIsomorphism: what.iso } : {}),
      ...(mappingIds(id).length ? { vacuous: what.vacuous } : {}),
      ...(where.uncounted ? { uncounted: where.uncounted } : {}),
      unique: { whereThenWhat: where.total === 1n && !where.uncounted, whatThenWhere: what.mappings === 1, whatThenWhereUpToIsomorphism: what.iso.mappings === 1 },
    };
  }

  // ---- pass flags
  const circuitPasses = Array.from(perfect, (_, k) =>
    selection.ids.filter((id) => {
      if (criterionSide(id) === 'what') return false;
      const pass = circuitPass.get(id);
      if (pass) return pass[k]!;
      const n = groundingsUnder(id)![k]!;
      return n === null ? survivesUncounted(id, k) : n > 0n;
    }),
  );
  const flags = (of: Map<CriterionId, boolean[][]>, withAll: boolean) =>
    formulas.map((entry, f) =>
      entry.minimalMappings.map((_, m) => {
        const ids = selection.ids.filter((id) => of.get(id)?.[f]![m]);
        if (withAll && selection.ids.includes('all') && MAPPING_CRITERIA.every((id) => of.get(id)![f]![m])) ids.push('all');
        return ids;
      }),
    );
  return { counts, paperUpToIsomorphism: whatOf([]).iso, circuitPasses, circuitGroundings, mappingPasses: flags(mappingPass, true), mappingVacuous: flags(mappingVacuous, false), runs };
}

/** The `ood-0.1` probe set as noisy rows (`noisy-iia`'s default). */
function probeRows(nInputs: number): NoisyRows {
  return oodProbeSet(nInputs, NOISY_IIA_SIGMA);
}
