/**
 * The identifiability analysis of a tail sub-MLP on a data-defined task (the paper's MNIST tail:
 * 3-3-3-1 on the third hidden layer's activations, labels 0/1 for the digit):
 *
 * 1. where-then-what: every circuit of the tail, kept when its accuracy on the data beats the
 *    threshold (C5, labels from the data, not a gate);
 * 2. groundings of each perfect circuit with the tail's inputs binarised (binarize.ts): one
 *    distinct Boolean input per pattern, presented as its prototype (default) or as the last
 *    observed sample of that pattern;
 * 3. what-then-where: the formulas of the Boolean function the tail computes on its prototypes,
 *    each mapped onto the tail's hidden neurons with interchange interventions on the prototypes.
 */
import { countToJson, defaultMinSparsity, type OutputAnalysis, type PerfectCircuitJson } from '../analyze.ts';
import { selectBackend, type BackendChoice } from '../backends/select.ts';
import { findPerfectCircuits } from '../circuits/search.ts';
import { CircuitSpace, DEFAULT_MAX_CIRCUITS, hiddenSparsity } from '../circuits/space.ts';
import { weightRows } from '../data.ts';
import { InputError } from '../errors.ts';
import { mappingSearchAsync, sortNeuronLists, validityTable, type PairInputs, type PairOrder, type ValidityTablesFn } from '../mappings.ts';
import type { Model } from '../model.ts';
import type { LongRunOptions } from '../progress.ts';
import { fitBinarization, observedRows, patternCounts, prototypeRows, tailGate, type Binarization, type PatternCount } from './binarize.ts';
import { countGroundingsOnRows } from './groundings.ts';

/** The tail's data: inputs (`n x width`, row-major, float32) and 0/1 labels. */
export interface TailData {
  readonly x: Float32Array;
  readonly labels: Float32Array;
}

/** Which real rows stand for the Boolean patterns when grounding. */
export type GroundRows = 'prototypes' | 'observed';

/** Options of {@link analyzeTail}. */
export interface TailAnalysisOptions extends LongRunOptions {
  /** Accuracy a circuit must strictly exceed (default 0.99). */
  accuracyThreshold?: number;
  /** Maximum formula depth (default: the tail's hidden layers + 1, as main.py). */
  formulaDepth?: number;
  /** Interchange sample pairs (default 'BA', the reference's order). */
  pairOrder?: PairOrder;
  /** Grounding inputs (default 'prototypes': every pattern). */
  groundRows?: GroundRows;
  /** Circuit-search backend (default 'auto'). */
  backend?: BackendChoice;
  /** Refuse to enumerate more circuits than this (default 5,000,000). */
  maxCircuits?: number;
  /** Skip stages, e.g. `{ mappings: false }`. */
  stages?: { groundings?: boolean; mappings?: boolean };
}

/** The result: the analysis JSON of the tail (the `analyze --json` output shape plus the binarisation). */
export interface TailAnalysis {
  schemaVersion: 1;
  layerSizes: number[];
  options: { accuracyThreshold: number; formulaDepth: number; pairOrder: PairOrder; groundRows: GroundRows; minSparsity: number };
  backend: { circuits: string; groundings: 'wasm' | 'ts' };
  /** Samples in the data and their label-1 count. */
  samples: { n: number; label1: number };
  binarization: Binarization & { patterns: PatternCount[] };
  /** The Boolean function of the tail on its prototypes (what-then-where's gate). */
  gate: { name: string; truthTable: number[] };
  /** The grounding inputs: pattern per row and the real row. */
  groundInputs: { patterns: number[]; rows: number[][] };
  output: OutputAnalysis;
}

/** Runs the three stages on `tail` with `data`. */
export async function analyzeTail(tail: Model, data: TailData, options: TailAnalysisOptions = {}): Promise<TailAnalysis> {
  const width = tail.layerSizes[0]!;
  const n = data.labels.length;
  if (data.x.length !== n * width) throw new InputError(`the tail takes ${width} inputs: expected ${n} x ${width} values, got ${data.x.length}`);
  if (tail.layerSizes[tail.layerSizes.length - 1] !== 1) throw new InputError('the tail must have a single output');
  const accuracyThreshold = options.accuracyThreshold ?? 0.99;
  const formulaDepth = options.formulaDepth ?? tail.layerSizes.length - 1;
  const pairOrder = options.pairOrder ?? 'BA';
  const groundRows = options.groundRows ?? 'prototypes';
  const stages = { groundings: true, mappings: true, ...options.stages };
  const { signal, onProgress } = options;

  const binarization = fitBinarization(data.x, width, data.labels);
  const gate = tailGate(tail, binarization);
  const prototypes = prototypeRows(binarization);
  const groundInputs = groundRows === 'observed' ? observedRows(data.x, binarization) : { patterns: prototypes.map((_, p) => p), rows: prototypes };

  // 1. Circuits: the tail's labels come from the data. main.py's sparsity rule (none for 3-wide layers).
  const minSparsity = defaultMinSparsity(tail.layerSizes);
  const space = new CircuitSpace(tail.layerSizes, { minSparsity });
  space.assertWithin(options.maxCircuits ?? DEFAULT_MAX_CIRCUITS);
  let t = performance.now();
  const rows = weightRows({
    x: Array.from({ length: n }, (_, s) => Array.from(data.x.subarray(s * width, (s + 1) * width))),
    y: Array.from(data.labels, (v) => [v]),
  });
  const backend = await selectBackend(options.backend ?? 'auto');
  let perfect: number[];
  try {
    perfect = await findPerfectCircuits(backend, tail, space, rows, { accuracyThreshold, signal, onProgress });
  } finally {
    backend.dispose();
  }
  const circuitsMs = performance.now() - t;
  const perfectCircuits: PerfectCircuitJson[] = perfect.map((index) => {
    const c = space.decode(index);
    return { index, nodeMasks: c.nodeMasks, edgeMasks: c.edgeMasks, nodeSparsity: hiddenSparsity(c.nodeMasks) };
  });

  // 2. Groundings on the binarised inputs.
  t = performance.now();
  const grounded = stages.groundings ? await countGroundingsOnRows(tail, space, perfect, groundInputs.rows, { signal, onProgress }) : null;
  const counts = grounded?.counts ?? [];
  const groundingsMs = performance.now() - t;

  // 3. Formulas of the tail's Boolean function, mapped with interventions on the prototypes.
  t = performance.now();
  const formulas = stages.mappings ? await mappingSearchAsync(tail, gate, formulaDepth, { pairOrder, signal, validityTables: onPrototypes(prototypes) }) : [];
  const mappingsMs = performance.now() - t;
  const withMapping = formulas.filter((f) => f.minimalMappings.length > 0);

  return {
    schemaVersion: 1,
    layerSizes: [...tail.layerSizes],
    options: { accuracyThreshold, formulaDepth, pairOrder, groundRows, minSparsity },
    backend: { circuits: backend.name, groundings: grounded?.backend ?? 'ts' },
    samples: { n, label1: Array.from(data.labels).filter((v) => v === 1).length },
    binarization: { ...binarization, patterns: patternCounts(data.x, data.labels, binarization) },
    gate: { name: gate.name, truthTable: [...gate.truthTable] },
    groundInputs,
    output: {
      outputIndex: 0,
      gate: gate.name,
      circuitsEnumerated: space.count,
      perfectCircuits,
      groundingsPerCircuit: counts.map(countToJson),
      totalGroundings: countToJson(counts.reduce((a, b) => a + b, 0n)),
      formulas: formulas.map((f) => ({ formula: f.formula, minimalMappings: f.minimalMappings.map(sortNeuronLists) })),
      formulasWithMapping: withMapping.length,
      mappingsPerFormula: withMapping.map((f) => f.minimalMappings.length),
      timings: { circuits: circuitsMs, groundings: groundingsMs, mappings: mappingsMs },
    },
  };
}

/**
 * A validity-table hook that runs the interchange test on the prototypes: the formula samples'
 * Boolean inputs (pattern bits) are replaced by their prototype rows before the tail sees them.
 */
function onPrototypes(prototypes: readonly (readonly number[])[]): ValidityTablesFn {
  return async (model, tables, pairs, candidates) => {
    const width = model.layerSizes[0]!;
    const real = (bits: Float32Array) => {
      const out = new Float32Array(bits.length);
      for (let r = 0; r * width < bits.length; r++) {
        let p = 0;
        for (let k = 0; k < width; k++) p = p * 2 + (bits[r * width + k]! > 0.5 ? 1 : 0);
        out.set(prototypes[p]!, r * width);
      }
      return out;
    };
    const onRows: PairInputs = { nPairs: pairs.nPairs, sources: real(pairs.sources), bases: real(pairs.bases) };
    return tables.map((table) => validityTable(model, table, onRows, candidates));
  };
}
