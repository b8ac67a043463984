/**
 * `mi-ident/experiment` (Node only): the experiment runner and its results folders, on top of the
 * browser-safe experiment API of the main entry point.
 */
export { runExperiment, type RunOptions, type RunReport } from './node-runner.ts';
export { ResultStore, readStoredConfig, RESULTS_FORMAT, type StoredConfig } from './node-store.ts';
export { mergeResults, type MergeReport } from './node-merge.ts';
export { writeReport, renderSvg, readSources } from './node-report.ts';
