/**
 * Result records: one per unit (what the JSONL holds, converged or not) and one row per analysed
 * output (what the CSV holds), with main.py's columns first and ours after them.
 */
import type { Count } from '../analyze.ts';
import type { ModelJson } from '../model.ts';
import type { Unit } from './grid.ts';
import { criteriaColumnNames, type CriteriaColumns } from '../criteria/rows.ts';

/** The columns main.py writes, in its order. */
export const MAIN_PY_COLUMNS = [
  'gates', 'n_gates', 'sizes', 'seed_offset', 'perfect_circuits', 'interpretations_per_circuit',
  'formulas', 'mappings_per_formula', 'loss_target', 'learning_rate', 'depth', 'weights',
] as const;

/** The columns mi-ident adds. `*_ms` columns are timings, which differ from run to run. */
export const EXTRA_COLUMNS = [
  'output', 'gate', 'seed', 'noise_std', 'skewed_distribution', 'min_sparsity', 'circuits_enumerated',
  'total_interpretations', 'val_accuracy', 'final_loss', 'epochs', 'train_ms', 'circuits_ms',
  'groundings_ms', 'mappings_ms', 'backend',
] as const;

/** Every CSV column, in order. */
export const CSV_COLUMNS = [...MAIN_PY_COLUMNS, ...EXTRA_COLUMNS] as const;

/** One analysed output of one trained model: a CSV row. */
export interface ResultRow {
  /** Every gate of the model, space-separated (main.py's `gates`). */
  gates: string;
  n_gates: number;
  /** Hidden width (main.py's `sizes`). */
  sizes: number;
  seed_offset: number;
  /** Number of perfect circuits of this output. */
  perfect_circuits: number;
  /** Groundings of each grounded circuit (all, or the sparsest `--max-circuits`). */
  interpretations_per_circuit: Count[];
  /** Number of formulas with at least one minimal mapping. */
  formulas: number;
  /** Minimal mappings of each formula that has any. */
  mappings_per_formula: number[];
  loss_target: number;
  learning_rate: number;
  depth: number;
  /** Row probabilities' weights of a skewed run, null otherwise. */
  weights: number[] | null;
  output: number;
  gate: string;
  seed: number;
  noise_std: number;
  skewed_distribution: boolean;
  min_sparsity: number;
  circuits_enumerated: number;
  total_interpretations: Count;
  val_accuracy: number;
  final_loss: number;
  epochs: number;
  train_ms: number;
  circuits_ms: number;
  groundings_ms: number;
  mappings_ms: number;
  backend: string;
  /** With `--criteria`: the criteria's columns (`<id>_circuits`, ..., docs/criteria.md), after the others. */
  criteria?: CriteriaColumns;
}

/** A finished unit: one line of results.jsonl. */
export interface UnitRecord {
  /** The unit's key ({@link unitKey}). */
  key: string;
  unit: Unit;
  /** The drawn gates, one per output. */
  gates: string[];
  /** main.py's test: validation accuracy >= 0.99 and final loss <= the target. */
  converged: boolean;
  valAccuracy: number;
  finalLoss: number;
  epochs: number;
  /** The trained model (converged units only). */
  model: ModelJson | null;
  /** One row per output (converged units only). */
  rows: ResultRow[];
  /**
   * Present when a converged model could not be analysed because the reference's grounding
   * refuses it (G6's "Not allowed"): the reason; the unit then has no rows.
   */
  analysisError?: string;
  /** Milliseconds for the whole unit. */
  ms: number;
}

/** Columns whose values are timings: excluded when comparing two runs. */
export const TIMING_COLUMNS: readonly string[] = ['train_ms', 'circuits_ms', 'groundings_ms', 'mappings_ms'];

/** A value as main.py's pandas CSV shows it: lists as `[1, 2]`, null as empty, booleans as True/False. */
function csvValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return `[${v.map(csvValue).join(', ')}]`;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return String(v);
}

/** RFC 4180 quoting: fields with a comma, quote or newline are quoted, quotes doubled. */
function quote(field: string): string {
  return /[",\n\r]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

/**
 * The rows of the records (converged units, in grid order, outputs in order), as CSV text; with
 * `criteria` (the grid's criterion ids), their columns after the others (docs/criteria.md).
 */
export function recordsToCsv(records: Iterable<UnitRecord>, criteria: readonly string[] = []): string {
  const rows = [...records].sort((a, b) => a.unit.index - b.unit.index).flatMap((r) => r.rows);
  const extra = criteria.length ? criteriaColumnNames(criteria) : [];
  const lines = [[...CSV_COLUMNS, ...extra].join(',')];
  for (const row of rows) lines.push([...CSV_COLUMNS.map((c) => quote(csvValue(row[c]))), ...extra.map((c) => quote(csvValue(row.criteria?.[c])))].join(','));
  return lines.join('\n') + '\n';
}
