/**
 * The conformance suite's door into a backend: plain, structured-cloneable calls (models as JSON,
 * data as arrays) and answers, so the same calls run in Node and inside a Chromium page. Only the
 * public API and no Node built-ins: the browser test bundles this file with the library.
 */
import {
  CircuitSpace,
  analyzeModel,
  distinctGroundingRows,
  evaluateCircuitsAblated,
  parseModel,
  weightRows,
  type AnalysisResult,
  type AnalyzeOptions,
  type Backend,
  type Dataset,
  type ModelJson,
  type WeightedRows,
} from '../../src/index.ts';

/** Which backend answered (and why it fell back), as the kernel results say. */
export interface Ran {
  ranOn: string;
  fallback?: string;
}

export interface AnalyzeCall extends Omit<AnalyzeOptions, 'backend' | 'webgpu' | 'workers' | 'signal' | 'onProgress'> {
  model: ModelJson;
}
export interface CircuitCall {
  model: ModelJson;
  minSparsity: number;
  data: Dataset;
  threshold: number;
  start: number;
  end: number;
  /** Replacement values of pruned parts (`CircuitRequest.ablation`), sent through `evaluateCircuitsAblated`. */
  ablation?: number[];
}
export interface GroundingCall {
  model: ModelJson;
  minSparsity: number;
  /** Ascending circuit indices. */
  indices: number[];
  /** Grounding rows, keyed by truncation as the reference does. */
  groundRows: number[][];
  distinct: boolean;
}
export interface CausalCall {
  model: ModelJson;
  minSparsity: number;
  /** Ascending circuit indices. */
  indices: number[];
  groundRows: number[][];
  /** Per index: bit 1, distinct gate dicts of the paper's groundings; bit 2, of the causal ones. */
  distinct: number[];
  distinctCap: number;
}
export interface ValidityCall {
  model: ModelJson;
  tables: { nNodes: number; nPairs: number; expected: number[] }[];
  pairs: { nPairs: number; sources: number[]; bases: number[] };
  candidates: number[];
}

/** The calls a conformance target answers. */
export interface Harness {
  analyze(call: AnalyzeCall): Promise<AnalysisResult>;
  circuits(call: CircuitCall): Promise<Ran & { perfect: number[] }>;
  /** Counts as decimal strings (BigInt does not cross every boundary); a refusal as `{ error }` (its message). */
  groundings(call: GroundingCall): Promise<(Ran & { counts: string[]; distinct?: number[] }) | { error: string }>;
  validity(call: ValidityCall): Promise<Ran & { tables: number[][] }>;
  /**
   * `Backend.causalGroundings` (counts as decimal strings; `null` where the kernel left a circuit
   * to the TS reference); a backend without it answers `ranOn: 'ts'` and every circuit `null`.
   */
  causal(call: CausalCall): Promise<Ran & { circuits: ({ causal: string; distinct: number; distinctCausal: number } | null)[] }>;
}

const spaces = new Map<string, CircuitSpace>();
function spaceFor(layerSizes: readonly number[], minSparsity: number): CircuitSpace {
  const key = `${layerSizes.join('-')}|${minSparsity}`;
  let space = spaces.get(key);
  if (!space) spaces.set(key, (space = new CircuitSpace(layerSizes, { minSparsity })));
  return space;
}

/** The rows as they are, weight 1 each (`weightRows` would merge equal rows, whose replacement values differ). */
export function unmergedRows(data: Dataset): WeightedRows {
  const nInputs = data.x[0]!.length;
  const nOutputs = data.y[0]!.length;
  return {
    nInputs, nOutputs, x: Float32Array.from(data.x.flat()), y: Float32Array.from(data.y.flat()),
    weight: new Uint32Array(data.x.length).fill(1), total: data.x.length,
  };
}

const ran = (r: { ranOn: string; fallback?: string }): Ran => ({ ranOn: r.ranOn, ...(r.fallback ? { fallback: r.fallback } : {}) });

/** The harness of one backend. */
export function harness(backend: Backend): Harness {
  return {
    analyze: ({ model, ...options }) => analyzeModel(parseModel(model), { ...options, backend }),
    async circuits(call) {
      const model = parseModel(call.model);
      const space = spaceFor(model.layerSizes, call.minSparsity);
      const rows = call.ablation ? unmergedRows(call.data) : weightRows(call.data);
      const request = { model, space, start: call.start, end: call.end, rows, accuracyThreshold: call.threshold };
      const r = call.ablation
        ? await evaluateCircuitsAblated(backend, { ...request, ablation: { values: Float32Array.from(call.ablation) } })
        : await backend.evaluateCircuits(request);
      return { perfect: Array.from(r.perfect), ...ran(r) };
    },
    async groundings(call) {
      const model = parseModel(call.model);
      const space = spaceFor(model.layerSizes, call.minSparsity);
      const inputs = distinctGroundingRows(call.groundRows, model.layerSizes[0]!);
      try {
        const r = await backend.countGroundings({ model, space, indices: call.indices, inputs, distinct: call.distinct });
        return { counts: r.counts.map(String), ...(r.distinct ? { distinct: r.distinct } : {}), ...ran(r) };
      } catch (e) {
        return { error: (e as Error).message }; // as a value: a thrown error's text changes on its way out of a page
      }
    },
    async validity(call) {
      const model = parseModel(call.model);
      const r = await backend.validityTables({
        model,
        tables: call.tables.map((t) => ({ nNodes: t.nNodes, nPairs: t.nPairs, expected: Uint8Array.from(t.expected) })),
        pairs: { nPairs: call.pairs.nPairs, sources: Float32Array.from(call.pairs.sources), bases: Float32Array.from(call.pairs.bases) },
        candidates: Uint32Array.from(call.candidates),
      });
      return { tables: r.tables.map((t) => Array.from(t)), ...ran(r) };
    },
    async causal(call) {
      const model = parseModel(call.model);
      if (!backend.causalGroundings) return { ranOn: 'ts', circuits: call.indices.map(() => null) };
      const space = spaceFor(model.layerSizes, call.minSparsity);
      const inputs = distinctGroundingRows(call.groundRows, model.layerSizes[0]!);
      const r = await backend.causalGroundings({ model, space, indices: call.indices, inputs, distinct: Uint8Array.from(call.distinct), distinctCap: call.distinctCap });
      return { circuits: r.circuits.map((c) => (c ? { causal: String(c.causal), distinct: c.distinct, distinctCausal: c.distinctCausal } : null)), ...ran(r) };
    },
  };
}
