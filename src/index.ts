/**
 * mi-ident: exhaustive identifiability analysis of small MLPs (Méloux et al., ICLR 2025).
 * The root entry holds the analysis: model, gates, data, circuits, groundings, formulas,
 * mappings, the pipeline and its backends, errors. No Node built-ins, so it runs in Node and in
 * browsers. Training, experiments, MNIST and the Node helpers are subpath entries:
 * `mi-ident/train`, `mi-ident/experiment`, `mi-ident/mnist`, `mi-ident/node`.
 * @packageDocumentation
 * @module mi-ident
 */
export { parseModel, modelToJson, forward, forwardActivations, subModel, leaky, type Model, type ModelJson } from './model.ts';
export { readModelFile, loadModelFile, modelFileFormat, type ModelFile, type ModelFileFormat } from './model-file.ts';
export { modelToSafetensors } from './formats/safetensors.ts';
export type { LayerKeys } from './formats/layers.ts';
export { PRETRAINED_XOR } from './pretrained-xor.ts';
export { GATES, TWO_INPUT_GATES, TWO_INPUT_GATE_NAMES, getGate, inputRows, evaluateGate, nameGate, type Gate } from './gates.ts';
export { truthTableDataset, parseDataset, weightRows, roundHalfEven, type Dataset, type WeightedRows } from './data.ts';
export { ModelFormatError, InputError, LimitError, BackendUnavailableError, MissingPackageError, isUserError } from './errors.ts';
export type { Progress, LongRunOptions } from './progress.ts';

// Where: circuits, their enumeration order and the search.
export { circuitActivations, circuitOutput, fullCircuit, type Circuit } from './circuits/circuit.ts';
export { CircuitSpace, DEFAULT_MAX_CIRCUITS, validEdgeMasks, hiddenSparsity, nodeMaskCombinations, type NodeCombination, type CircuitSpaceOptions } from './circuits/space.ts';
export { findPerfectCircuits, type CircuitSearchOptions } from './circuits/search.ts';
export { circuitMetrics, sparsity, isIncluded, jaccard, analyzeCircuitSet, type CircuitMetrics, type CircuitSetAnalysis } from './circuits/metrics.ts';

// What: groundings of a circuit (the TS reference; backends count them in bulk).
export {
  groundingProblem,
  distinctGroundingRows,
  countGroundings,
  iterateGroundings,
  distinctGateDicts,
  gateDictString,
  type Grounding,
  type GroundingStep,
  type GroundingProblem,
  type GroundingNeuron,
  type GroundingInputs,
} from './grounding.ts';

// What-then-where: formulas and their minimal mappings.
export { formulasForGate, formulaString, samplePairs, relevantNodes, type Formula, type LogicTree, type Op, type PairOrder, type Sample, type SamplePair, type Assignment } from './formulas.ts';
export {
  findMinimalMappings,
  mappingSearch,
  validityTable,
  hiddenNeurons,
  formulasWithMapping,
  mappingsPerFormula,
  sortNeuronLists,
  type Mapping,
  type MinimalMapping,
  type MappingOptions,
  type MappingSearchOptions,
  type FormulaMappings,
  type HighLevelTable,
  type PairInputs,
} from './mappings.ts';

// The pipeline: every stage for each output of a model.
export {
  analyzeModel,
  defaultMinSparsity,
  countToJson,
  type AnalyzeOptions,
  type AnalysisResult,
  type OutputAnalysis,
  type PerfectCircuitJson,
  type Count,
  type BackendRecord,
} from './analyze.ts';
export type { Stage } from './pipeline.ts';
export { formatSummary, type SummaryOptions } from './summary.ts';

// Criteria that might restore identifiability (docs/criteria.md): ids, the TS reference, the
// table; `analyzeModel({ criteria })` runs them (the parts are in src/criteria/).
export { resolveCriteria, type CriterionId, type CriterionSide, type CriteriaSelection } from './criteria/ids.ts';
export { evaluateCriteria, type CountJson, type CriterionCounts, type CriteriaRequest, type CriteriaResult } from './criteria/evaluate.ts';
export { minimalCircuits, type ProbeSet } from './criteria/circuits.ts';
export { causalProblem, countCausalGroundings, holdsCausally, type CausalProblem, type CausalScenario } from './criteria/grounding-causal.ts';
export type { MappedVariable, NoisyRows, FormulaWithMappings } from './criteria/mappings.ts';
export { formatCriteriaTable, type PaperCounts } from './criteria/summary.ts';
export { ablatedActivations, type NeuronIntervention } from './circuits/ablation.ts';
export { evaluateCircuitsAblated } from './backends/ablation.ts';

// Backends: the three kernels behind one interface.
export type {
  Backend,
  BackendName,
  KernelRun,
  CircuitRequest,
  CircuitResult,
  GroundingRequest,
  GroundingResult,
  ValidityRequest,
  ValidityResult,
  CircuitAblation,
  KernelExtensions,
} from './backends/types.ts';
export { selectBackend, BACKEND_CHOICES, type BackendChoice, type BackendOptions } from './backends/select.ts';
export { createTsBackend } from './backends/ts.ts';
export { createWasmBackend, type WasmBackend, type WasmBackendOptions } from './backends/wasm.ts';
export { createWebGpuBackend, adapterName, type WebGpuBackend, type WebGpuBackendOptions, type AdapterSummary, type GpuStats } from './backends/webgpu.ts';
export type { CircuitKernelOptions } from './backends/webgpu-circuits.ts';
export { createParallelBackend, type ParallelBackendOptions } from './parallel/backend.ts';
export { WorkerPool, type WorkerLike } from './parallel/pool.ts';
// The messages a pool exchanges with its workers (types only: the worker code is mi-ident/browser/worker).
export type { WorkerKernels, Task, TaskResult, CircuitTask, GroundingTask, SpaceKey, ToWorker, FromWorker } from './parallel/tasks.ts';
