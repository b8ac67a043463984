/**
 * An experiment grid's configuration: main.py's options and defaults, validation with messages a
 * researcher understands, and the canonical form stored with results (to refuse mixing).
 */
import { InputError } from '../errors.ts';
import { preview } from '../json-text.ts';
import { getGate, TWO_INPUT_GATES } from '../gates.ts';
import type { PairOrder } from '../mappings.ts';
import type { RngMode } from '../train/train.ts';
import { resolveCriteria } from '../criteria/ids.ts';

/** What defines an experiment grid and its results (main.py's flags, camel-cased). */
export interface ExperimentConfig {
  /** `--target-logic-gates`: the gates each model's targets are drawn from. */
  targetLogicGates: string[];
  /** `--n-gates`: numbers of gates (model outputs) to draw. */
  nGates: number[];
  /** `--size`: hidden layer widths. */
  sizes: number[];
  /** `--depth`: numbers of hidden layers. */
  depths: number[];
  /** `--n-experiments`: seed offsets 0 .. n-1. */
  nExperiments: number;
  /** `--seed`: the first seed. */
  seed: number;
  /** `--noise-std`: Gaussian input noise (0: clean inputs, no repetition). */
  noiseStd: number;
  /** `--skewed-distribution`: draw truth-table rows with random per-run probabilities. */
  skewedDistribution: boolean;
  /** `--loss-target`: training stops below this epoch loss; a model is kept only at or below it. */
  lossTargets: number[];
  /** `--learning-rate`. */
  learningRates: number[];
  batchSize: number;
  epochs: number;
  /** `--n-samples-train` / `--n-samples-val` / `--n-repeats` (main.py's n_repeats of each set). */
  nSamplesTrain: number;
  nSamplesVal: number;
  nRepeats: number;
  /** Circuit accuracy must be strictly above this. */
  accuracyThreshold: number;
  /** `--min-sparsity` for sizes <= 3; main.py forces 0.2 above 3 and 0.3 above 4. */
  minSparsity: number;
  /** `--max-circuits`: ground only this many perfect circuits, the sparsest first (null: all). */
  maxCircuits: number | null;
  /**
   * `--max-enumerated`: the most circuits the search enumerates per model (null: the analysis'
   * default, `DEFAULT_MAX_CIRCUITS`); a grid whose models have more is refused before training.
   */
  maxEnumerated: number | null;
  /** Sample-pair order of the mapping search (BA: the reference under PYTHONHASHSEED=0). */
  pairOrder: PairOrder;
  /**
   * `--rng`: `reference` draws main.py's random numbers (Python, numpy, torch) in its order and
   * trains with torch's arithmetic, so every unit trains the original code's network
   * (docs/semantics.md, P9, N11); `fast` uses mi-ident's own streams (D1, D2).
   */
  rng: RngMode;
  /** `--criteria`: criteria computed for every analysed output (docs/criteria.md), as resolved ids; [] for none (mi-ident's). */
  criteria: string[];
}

/** main.py's defaults. */
export const DEFAULT_CONFIG: Readonly<ExperimentConfig> = Object.freeze({
  targetLogicGates: [...TWO_INPUT_GATES],
  nGates: [1],
  sizes: [3],
  depths: [2],
  nExperiments: 100,
  seed: 0,
  noiseStd: 0.1,
  skewedDistribution: false,
  lossTargets: [0.01],
  learningRates: [0.001],
  batchSize: 100,
  epochs: 1000,
  nSamplesTrain: 1000,
  nSamplesVal: 50,
  nRepeats: 10,
  accuracyThreshold: 0.99,
  minSparsity: 0,
  maxCircuits: null,
  maxEnumerated: null,
  pairOrder: 'BA',
  rng: 'reference',
  criteria: [],
});

/** The fields of {@link ExperimentConfig}, in the order they are stored and compared. */
export const CONFIG_FIELDS = Object.keys(DEFAULT_CONFIG) as (keyof ExperimentConfig)[];

/** The minimum sparsity main.py uses for hidden width `size` (C4). */
export function minSparsityFor(config: Pick<ExperimentConfig, 'minSparsity'>, size: number): number {
  return size > 4 ? 0.3 : size > 3 ? 0.2 : config.minSparsity;
}

const positiveInts = (v: readonly number[]) => v.length > 0 && v.every((n) => Number.isInteger(n) && n >= 1);
const positiveNumbers = (v: readonly number[]) => v.length > 0 && v.every((n) => Number.isFinite(n) && n > 0);

/**
 * The most units a grid may hold. Far past any study (each unit trains a model; main.py runs 100
 * experiments), and what keeps listing the units cheap: a corrupt config.json of 2^31
 * experiments would otherwise take hours to list before anything reads it.
 */
export const MAX_GRID_UNITS = 1_000_000;

/**
 * A stored configuration (a results folder's config.json) checked as the flags are: each field
 * present has its JSON type, then {@link resolveConfig} checks the values. `where` names the file.
 */
export function configFromJson(value: unknown, where: string): ExperimentConfig {
  const fail = (what: string): never => {
    throw new InputError(`${where} holds an invalid configuration: ${what}`);
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`its config is ${preview(value)}, not an object`);
  const given = value as Record<string, unknown>;
  const partial: Record<string, unknown> = {};
  for (const k of CONFIG_FIELDS) {
    const v = given[k];
    if (v === undefined) continue; // written before the field existed: its default
    const d = DEFAULT_CONFIG[k];
    const type = Array.isArray(d) ? (k === 'targetLogicGates' || k === 'criteria' ? 'strings' : 'numbers') : d === null ? 'number or null' : typeof d;
    const ok = type === 'strings' ? Array.isArray(v) && v.every((x) => typeof x === 'string')
      : type === 'numbers' ? Array.isArray(v) && v.every((x) => typeof x === 'number')
        : type === 'number or null' ? v === null || typeof v === 'number'
          : typeof v === type;
    if (!ok) fail(`${k} is ${preview(v)}, not ${type === 'strings' || type === 'numbers' ? `a list of ${type}` : `a ${type}`}`);
    partial[k] = v;
  }
  try {
    return resolveConfig(partial as Partial<ExperimentConfig>);
  } catch (e) {
    if (e instanceof InputError) fail(e.message);
    throw e;
  }
  return fail('unreachable');
}

/** Fills defaults and checks every field; throws an {@link InputError} naming the flag. */
export function resolveConfig(partial: Partial<ExperimentConfig> = {}): ExperimentConfig {
  const c: ExperimentConfig = { ...DEFAULT_CONFIG, ...definedOnly(partial) } as ExperimentConfig;
  const fail = (flag: string, what: string, got: unknown) => {
    throw new InputError(`${flag} ${what}, got ${Array.isArray(got) ? got.slice(0, 8).join(' ') + (got.length > 8 ? ` ... (${got.length} values)` : '') : typeof got === 'string' ? got.slice(0, 60) : String(got)}`);
  };
  if (c.targetLogicGates.length === 0) fail('--target-logic-gates', 'needs at least one gate', '');
  const gates = c.targetLogicGates.map((g) => getGate(g)); // unknown names throw, listing the known ones
  c.targetLogicGates = gates.map((g) => g.name);
  if (new Set(c.targetLogicGates).size !== gates.length) fail('--target-logic-gates', 'must not repeat a gate', c.targetLogicGates);
  if (!positiveInts(c.nGates)) fail('--n-gates', 'must be positive integers', c.nGates);
  const maxGates = Math.max(...c.nGates);
  if (maxGates > gates.length) {
    fail('--n-gates', `cannot exceed the number of target gates (${gates.length}: ${c.targetLogicGates.join(' ')}), as gates are drawn without replacement;`, maxGates);
  }
  if (maxGates > 1 && new Set(gates.map((g) => g.nInputs)).size > 1) {
    fail('--target-logic-gates', 'must all take the same number of inputs when --n-gates > 1 (they share one model)', c.targetLogicGates);
  }
  if (!positiveInts(c.sizes)) fail('--size', 'must be positive integers', c.sizes);
  if (!positiveInts(c.depths)) fail('--depth', 'must be positive integers', c.depths);
  if (!Number.isInteger(c.nExperiments) || c.nExperiments < 1) fail('--n-experiments', 'must be a positive integer', c.nExperiments);
  if (!Number.isSafeInteger(c.seed) || c.seed < 0) fail('--seed', 'must be an integer >= 0', c.seed);
  if (!Number.isFinite(c.noiseStd) || c.noiseStd < 0) fail('--noise-std', 'must be a number >= 0', c.noiseStd);
  if (!positiveNumbers(c.lossTargets)) fail('--loss-target', 'must be positive numbers', c.lossTargets);
  if (!positiveNumbers(c.learningRates)) fail('--learning-rate', 'must be positive numbers', c.learningRates);
  for (const [flag, v] of [['--batch-size', c.batchSize], ['--epochs', c.epochs], ['--n-samples-train', c.nSamplesTrain], ['--n-samples-val', c.nSamplesVal], ['--n-repeats', c.nRepeats]] as const) {
    if (!Number.isInteger(v) || v < 1) fail(flag, 'must be a positive integer', v);
  }
  if (!(c.accuracyThreshold >= 0 && c.accuracyThreshold <= 1)) fail('--accuracy-threshold', 'must be between 0 and 1', c.accuracyThreshold);
  if (!(c.minSparsity >= 0 && c.minSparsity <= 1)) fail('--min-sparsity', 'must be between 0 and 1', c.minSparsity);
  if (c.maxCircuits !== null && (!Number.isInteger(c.maxCircuits) || c.maxCircuits < 1)) fail('--max-circuits', 'must be a positive integer', c.maxCircuits);
  if (c.maxEnumerated !== null && (!Number.isSafeInteger(c.maxEnumerated) || c.maxEnumerated < 1)) fail('--max-enumerated', 'must be a positive integer', c.maxEnumerated);
  if (!['BA', 'AB', 'all'].includes(c.pairOrder)) fail('--pair-order', 'must be BA, AB or all', c.pairOrder);
  if (!['reference', 'fast'].includes(c.rng)) fail('--rng', 'must be reference or fast', c.rng);
  if (c.rng === 'reference') {
    if (c.seed + c.nExperiments - 1 > 0xffffffff) fail('--seed', "plus the seed offsets must stay below 2^32 with --rng reference (numpy's seed range)", c.seed);
  }
  // A value listed twice would make two units of one key: the second could never be stored.
  for (const [flag, list] of [['--n-gates', c.nGates], ['--size', c.sizes], ['--depth', c.depths], ['--loss-target', c.lossTargets], ['--learning-rate', c.learningRates]] as const) {
    if (new Set(list).size !== list.length) fail(flag, 'must not repeat a value', list);
  }
  const units = c.nGates.length * c.nExperiments * c.sizes.length * c.depths.length * c.lossTargets.length * c.learningRates.length;
  if (units > MAX_GRID_UNITS) {
    fail('--n-experiments', `makes a grid of ${units} units (with the other lists), more than one grid may hold (${MAX_GRID_UNITS}): split it into several grids`, c.nExperiments);
  }
  if (!Array.isArray(c.criteria)) fail('--criteria', 'must be a list of criterion ids', c.criteria);
  if (c.criteria.length) c.criteria = [...resolveCriteria(c.criteria, '--criteria').ids];
  if (c.criteria.length && c.maxCircuits !== null) fail('--criteria', 'need every perfect circuit grounded: leave out --max-circuits', c.maxCircuits);
  return canonicalConfig(c);
}

/** The config with its fields in {@link CONFIG_FIELDS} order (stable JSON for comparisons). */
export function canonicalConfig(c: ExperimentConfig): ExperimentConfig {
  return Object.fromEntries(CONFIG_FIELDS.map((k) => [k, c[k]])) as unknown as ExperimentConfig;
}

/** Differences between two configs, as `--flag a vs b` lines (empty when they are the same grid). */
export function configDifferences(a: ExperimentConfig, b: ExperimentConfig): string[] {
  // A field a stored config lacks (written before the field existed) has its default value.
  const value = (c: ExperimentConfig, k: keyof ExperimentConfig) => c[k] ?? DEFAULT_CONFIG[k];
  return CONFIG_FIELDS.filter((k) => JSON.stringify(value(a, k)) !== JSON.stringify(value(b, k))).map(
    (k) => `${flagOf(k)}: ${showDifference(value(a, k), value(b, k))}`,
  );
}

/** Lists longer than this are not shown whole in a difference: where they part is. */
const LIST_SHOWN = 12;

/** `a vs b`; for long lists, their lengths and the first value where they differ. */
function showDifference(a: unknown, b: unknown): string {
  if (!Array.isArray(a) || !Array.isArray(b) || Math.max(a.length, b.length) <= LIST_SHOWN) return `${show(a)} vs ${show(b)}`;
  let i = 0;
  while (i < a.length && i < b.length && JSON.stringify(a[i]) === JSON.stringify(b[i])) i++;
  const at = (v: unknown[]) => (i < v.length ? show(v[i]) : 'none');
  return `${a.length} vs ${b.length} values, first different at value ${i + 1}: ${at(a)} vs ${at(b)}`;
}

/** The CLI flag of a config field (`lossTargets` -> `--loss-target`). */
export function flagOf(field: keyof ExperimentConfig): string {
  const special: Partial<Record<keyof ExperimentConfig, string>> = { sizes: 'size', depths: 'depth', lossTargets: 'loss-target', learningRates: 'learning-rate' };
  return `--${special[field] ?? field.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`)}`;
}

/**
 * The config as `mi-ident run` flags: those whose value is not main.py's default, so that
 * `mi-ident run <flags>` is this grid again (printed in commands that finish a grid).
 */
export function configArgs(c: ExperimentConfig): string[] {
  const args: string[] = [];
  for (const k of CONFIG_FIELDS) {
    const v: unknown = c[k];
    if (JSON.stringify(v) === JSON.stringify(DEFAULT_CONFIG[k]) || v === null || v === false) continue;
    args.push(flagOf(k), ...(v === true ? [] : Array.isArray(v) ? v.map(String) : [String(v)]));
  }
  return args;
}

function show(v: unknown): string {
  return Array.isArray(v) ? v.join(' ') : String(v);
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
