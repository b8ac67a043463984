/**
 * Parsing of the experiment commands' options: main.py's flags (lists as `--size 2 3 4`, as
 * argparse's nargs='+', or `--size 2,3,4`), turned into a validated {@link ExperimentConfig}.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BACKEND_CHOICES, type BackendChoice } from '../../backends/select.ts';
import { InputError } from '../../errors.ts';
import type { ExperimentConfig } from '../../experiment/config.ts';
import { parseShard, slurmShard, type Shard } from '../../experiment/grid.ts';
import { shardFromPlan } from '../../experiment/node-plan.ts';
import type { PairOrder } from '../../mappings.ts';
import type { RngMode } from '../../train/train.ts';

/** Flags that take one or more values. */
const LIST_FLAGS = ['target-logic-gates', 'n-gates', 'size', 'depth', 'loss-target', 'learning-rate', 'criteria'];

/** The flags that describe how one model is trained (shared by `run`, `reproduce` and `train`). */
export const MODEL_OPTIONS = {
  size: { type: 'string' },
  depth: { type: 'string' },
  seed: { type: 'string' },
  'noise-std': { type: 'string' },
  'skewed-distribution': { type: 'boolean' },
  'loss-target': { type: 'string' },
  'learning-rate': { type: 'string' },
  'batch-size': { type: 'string' },
  epochs: { type: 'string' },
  'n-samples-train': { type: 'string' },
  'n-samples-val': { type: 'string' },
  'n-repeats': { type: 'string' },
  rng: { type: 'string' },
  out: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Options of `run` and `reproduce`. */
export const RUN_OPTIONS = {
  ...MODEL_OPTIONS,
  'target-logic-gates': { type: 'string' },
  'n-gates': { type: 'string' },
  'n-experiments': { type: 'string' },
  'accuracy-threshold': { type: 'string' },
  'min-sparsity': { type: 'string' },
  'max-circuits': { type: 'string' },
  'max-enumerated': { type: 'string' },
  'pair-order': { type: 'string' },
  criteria: { type: 'string' },
  backend: { type: 'string' },
  shard: { type: 'string' },
  'shard-plan': { type: 'string' },
  workers: { type: 'string' },
  // Accepted so that main.py command lines can be pasted; they change nothing here.
  verbose: { type: 'boolean' },
  'val-frequency': { type: 'string' },
  device: { type: 'string' },
} as const;

/** Parsed values of {@link RUN_OPTIONS}. */
export type RunValues = ReturnType<typeof parseArgs<{ options: typeof RUN_OPTIONS; allowPositionals: true }>>['values'];

/**
 * Rewrites argparse-style arguments for node:util.parseArgs: the values after a list flag are
 * joined (`--size 2 3 4` -> `--size=2,3,4`), and a negative number after a flag is attached to it
 * (`--noise-std -1` -> `--noise-std=-1`), so that it reaches validation instead of being taken
 * for a flag.
 */
export function normalizeArgs(argv: readonly string[], listFlags: readonly string[] = LIST_FLAGS): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--') || arg.includes('=')) {
      out.push(arg);
      continue;
    }
    if (listFlags.includes(arg.slice(2))) {
      const values: string[] = [];
      while (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) values.push(argv[++i]!);
      out.push(values.length ? `${arg}=${values.join(',')}` : arg);
    } else if (i + 1 < argv.length && /^-\.?\d/.test(argv[i + 1]!)) {
      out.push(`${arg}=${argv[++i]}`);
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** Parses `argv` with the given options (strict), after {@link normalizeArgs}. */
export function parseCommandArgs<O extends NonNullable<ParseArgsConfig['options']>>(
  argv: readonly string[],
  options: O,
): ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args: normalizeArgs(argv), options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new InputError((e as Error).message);
  }
}

const split = (text: string) => text.split(',').map((s) => s.trim()).filter(Boolean);

function numbers(text: string, flag: string, integer: boolean): number[] {
  const parts = split(text);
  if (!parts.length) throw new InputError(`${flag} needs a value`);
  return parts.map((p) => {
    const v = Number(p);
    if (!Number.isFinite(v) || (integer && !Number.isInteger(v))) throw new InputError(`${flag} must be ${integer ? 'integers' : 'numbers'}, got "${p}"`);
    return v;
  });
}

function one(text: string, flag: string, integer: boolean): number {
  const v = numbers(text, flag, integer);
  if (v.length !== 1) throw new InputError(`${flag} takes one value, got ${v.join(' ')}`);
  return v[0]!;
}

/** The config fields given on the command line (validation of ranges is resolveConfig's). */
export function configFromValues(values: Partial<RunValues>): Partial<ExperimentConfig> {
  const c: Partial<ExperimentConfig> = {};
  if (values['target-logic-gates'] !== undefined) c.targetLogicGates = split(values['target-logic-gates']);
  if (values['n-gates'] !== undefined) c.nGates = numbers(values['n-gates'], '--n-gates', true);
  if (values.size !== undefined) c.sizes = numbers(values.size, '--size', true);
  if (values.depth !== undefined) c.depths = numbers(values.depth, '--depth', true);
  if (values['n-experiments'] !== undefined) c.nExperiments = one(values['n-experiments'], '--n-experiments', true);
  if (values.seed !== undefined) c.seed = one(values.seed, '--seed', true);
  if (values['noise-std'] !== undefined) c.noiseStd = one(values['noise-std'], '--noise-std', false);
  if (values['skewed-distribution']) c.skewedDistribution = true;
  if (values['loss-target'] !== undefined) c.lossTargets = numbers(values['loss-target'], '--loss-target', false);
  if (values['learning-rate'] !== undefined) c.learningRates = numbers(values['learning-rate'], '--learning-rate', false);
  if (values['batch-size'] !== undefined) c.batchSize = one(values['batch-size'], '--batch-size', true);
  if (values.epochs !== undefined) c.epochs = one(values.epochs, '--epochs', true);
  if (values['n-samples-train'] !== undefined) c.nSamplesTrain = one(values['n-samples-train'], '--n-samples-train', true);
  if (values['n-samples-val'] !== undefined) c.nSamplesVal = one(values['n-samples-val'], '--n-samples-val', true);
  if (values['n-repeats'] !== undefined) c.nRepeats = one(values['n-repeats'], '--n-repeats', true);
  if (values['accuracy-threshold'] !== undefined) c.accuracyThreshold = one(values['accuracy-threshold'], '--accuracy-threshold', false);
  if (values['min-sparsity'] !== undefined) c.minSparsity = one(values['min-sparsity'], '--min-sparsity', false);
  if (values['max-circuits'] !== undefined) c.maxCircuits = one(values['max-circuits'], '--max-circuits', true);
  if (values['max-enumerated'] !== undefined) c.maxEnumerated = one(values['max-enumerated'], '--max-enumerated', true);
  if (values['pair-order'] !== undefined) c.pairOrder = values['pair-order'] as PairOrder;
  if (values.rng !== undefined) c.rng = values.rng as RngMode;
  if (values.criteria !== undefined) {
    c.criteria = split(values.criteria);
    if (!c.criteria.length) throw new InputError('--criteria needs all, or criterion ids (e.g. --criteria minimal grounding-causal)');
  }
  return c;
}

/** `--backend`, checked. */
export function backendFromValues(values: { backend?: string }): BackendChoice | undefined {
  if (values.backend === undefined) return undefined;
  if (!BACKEND_CHOICES.includes(values.backend as BackendChoice)) {
    throw new InputError(`--backend must be one of ${BACKEND_CHOICES.join(', ')}, got "${values.backend}"`);
  }
  return values.backend as BackendChoice;
}

/**
 * `--shard i/n`, else the Slurm job array task's shard by `--shard-plan FILE` or by the array's
 * variables, else the whole grid.
 */
export function shardFromValues(values: { shard?: string; 'shard-plan'?: string }, env: Record<string, string | undefined> = process.env): Shard | undefined {
  if (values.shard !== undefined && values['shard-plan'] !== undefined) throw new InputError('give --shard i/n or --shard-plan FILE, not both');
  if (values.shard !== undefined) return parseShard(values.shard);
  if (values['shard-plan'] !== undefined) return shardFromPlan(values['shard-plan'], env);
  return slurmShard(env) ?? undefined;
}

/** `--workers N` (default: every core); 0 or less is refused, not taken as 1. */
export function workersFromValues(values: { workers?: string }): number | undefined {
  if (values.workers === undefined) return undefined;
  const n = Number(values.workers);
  if (!/^\s*\d+\s*$/.test(values.workers) || n < 1) throw new InputError(`--workers must be an integer >= 1 (1 = one unit at a time), got "${values.workers}"`);
  return n;
}
