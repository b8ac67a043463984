/**
 * `mi-ident/experiment`: main.py's experiment grid, its presets and units (train, then analyse),
 * result rows and CSV, statistics and the report's figures. Browser-safe; the Node runner, result
 * store, merge and report writer are in `mi-ident/node`.
 * @packageDocumentation
 * @module mi-ident/experiment
 */
export { DEFAULT_CONFIG, resolveConfig, minSparsityFor, configDifferences, type ExperimentConfig } from './config.ts';
export { gridUnits, unitKey, shardUnits, parseShard, slurmShard, slurmArray, taskShard, shardPlan, WHOLE_GRID, type Unit, type Shard, type ShardPlan } from './grid.ts';
export { PRESETS, getPreset, type Preset } from './presets.ts';
export { mainPyDataSeed, referenceUnitInputs } from './reference-unit.ts';
export { runUnit, unitGates, unitData, unitInputs, trainUnitModel, unitLayerSizes, KEEP_ACCURACY, type UnitData, type UnitOptions } from './unit.ts';
export { recordsToCsv, MAIN_PY_COLUMNS, CSV_COLUMNS, type ResultRow, type UnitRecord } from './rows.ts';
export { resultStats, formatStats, spread, type ResultStats, type Spread } from './stats.ts';
export { figureSpec, figureRequests, reportHtml, partialSources, partialNotice, FACTORS, METRICS, type ReportSource, type PartialSource, type Factor, type Metric, type FigureRequest, type RenderedPaperSection } from './report.ts';
export type { PaperSection } from './paper-report.ts';
export type { ExperimentKind } from './paper.ts';
export { parseReference, compareSeedBySeed, comparisonSummary, type SeedComparison, type ReferenceNetwork, type NetworkCounts } from './compare.ts';
export { criteriaFindings, findingsTable, findingsByGate, gateFindingsTable, type CriterionFinding } from '../criteria/findings.ts';
export { criteriaColumns, criteriaColumnNames, type CriteriaColumns } from '../criteria/rows.ts';
export { criteriaFigures, criteriaSectionHtml, type CriteriaFigure } from '../criteria/report.ts';
