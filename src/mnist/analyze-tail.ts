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
import { defaultMinSparsity } from '../analyze.ts';
import { selectBackend, type BackendChoice } from '../backends/select.ts';
import type { Backend } from '../backends/types.ts';
import { CircuitSpace, DEFAULT_MAX_CIRCUITS } from '../circuits/space.ts';
import { sharedCircuitSpace } from '../circuits/space-cache.ts';
import { weightRows } from '../data.ts';
import { InputError } from '../errors.ts';
import type { PairOrder } from '../mappings.ts';
import type { Model } from '../model.ts';
import { analyzeOutput, backendRecord, type BackendRecord, type OutputAnalysis, type StageRuns } from '../pipeline.ts';
import type { LongRunOptions } from '../progress.ts';
import { fitBinarization, observedRows, patternCounts, prototypeRows, tailGate, type Binarization, type PatternCount } from './binarize.ts';

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
  /** The backend (default 'auto'), or a caller's backend object (never disposed here). */
  backend?: BackendChoice | Backend;
  /** Refuse to enumerate more circuits than this (default 5,000,000). */
  maxCircuits?: number;
  /** Skip stages, e.g. `{ mappings: false }`. */
  stages?: { groundings?: boolean; mappings?: boolean };
}

/** The result: the analysis JSON of the tail (the `analyze --json` output shape plus the binarisation). */
export interface TailAnalysis {
  schemaVersion: 2;
  layerSizes: number[];
  options: { accuracyThreshold: number; formulaDepth: number; pairOrder: PairOrder; groundRows: GroundRows; minSparsity: number };
  /** Which backend ran each stage, and why a stage fell back. */
  backend: BackendRecord;
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

  // The tail's labels come from the data. main.py's sparsity rule (none for 3-wide layers).
  const minSparsity = defaultMinSparsity(tail.layerSizes);
  const space = sharedCircuitSpace(tail.layerSizes, minSparsity);
  space.assertWithin(options.maxCircuits ?? DEFAULT_MAX_CIRCUITS);
  const rows = weightRows({
    x: Array.from({ length: n }, (_, s) => Array.from(data.x.subarray(s * width, (s + 1) * width))),
    y: Array.from(data.labels, (v) => [v]),
  });
  // One distinct input per pattern (its bits), standing for the prototype or observed row.
  const patternBits = (p: number) => Array.from({ length: width }, (_, k) => (p >> (width - 1 - k)) & 1);
  const given = typeof options.backend === 'object' ? options.backend : null;
  const choice = typeof options.backend === 'string' ? options.backend : 'auto';
  const backend = given ?? (await selectBackend(choice));
  let analysis: { output: OutputAnalysis; runs: StageRuns };
  try {
    analysis = await analyzeOutput(backend, {
      model: tail,
      outputIndex: 0,
      gate,
      space,
      rows,
      groundInputs: { inputs: groundInputs.patterns.map(patternBits), lastRows: groundInputs.rows },
      accuracyThreshold,
      formulaDepth,
      pairOrder,
      distribLayers: false,
      distinctGateDicts: false,
      stages: { circuits: true, ...stages },
      // Interventions run on the prototypes: the formulas' Boolean inputs stand for their patterns.
      booleanRows: prototypes,
      signal,
      onProgress,
    });
  } finally {
    if (!given) backend.dispose();
  }

  return {
    schemaVersion: 2,
    layerSizes: [...tail.layerSizes],
    options: { accuracyThreshold, formulaDepth, pairOrder, groundRows, minSparsity },
    backend: backendRecord(backend, [{ outputIndex: 0, runs: analysis.runs }]),
    samples: { n, label1: Array.from(data.labels).filter((v) => v === 1).length },
    binarization: { ...binarization, patterns: patternCounts(data.x, data.labels, binarization) },
    gate: { name: gate.name, truthTable: [...gate.truthTable] },
    groundInputs,
    output: analysis.output,
  };
}
