/**
 * The units of an experiment grid (one training run each) in main.py's loop order, their stable
 * keys, and deterministic shards for scale-out.
 */
import { InputError } from '../errors.ts';
import type { ExperimentConfig } from './config.ts';

/** One training run of the grid: main.py's (n_gates, seed_offset) x (size, depth, loss_target, lr). */
export interface Unit {
  /** Position in the grid (main.py's loop order). */
  readonly index: number;
  readonly nGates: number;
  readonly seedOffset: number;
  readonly size: number;
  readonly depth: number;
  readonly lossTarget: number;
  readonly learningRate: number;
}

/** Every unit of the grid, in order: `product(n_gates, seed_offsets)` outside, `product(size, depth, loss_target, lr)` inside. */
export function gridUnits(config: ExperimentConfig): Unit[] {
  const units: Unit[] = [];
  for (const nGates of config.nGates) {
    for (let seedOffset = 0; seedOffset < config.nExperiments; seedOffset++) {
      for (const size of config.sizes) {
        for (const depth of config.depths) {
          for (const lossTarget of config.lossTargets) {
            for (const learningRate of config.learningRates) {
              units.push({ index: units.length, nGates, seedOffset, size, depth, lossTarget, learningRate });
            }
          }
        }
      }
    }
  }
  return units;
}

/** A unit's key: unique in its grid and the same in every run of that grid. */
export function unitKey(u: Omit<Unit, 'index'>): string {
  return `g${u.nGates}/s${u.seedOffset}/k${u.size}/d${u.depth}/t${u.lossTarget}/lr${u.learningRate}`;
}

/** Shard `index` (1-based) of `count`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** The whole grid as one shard. */
export const WHOLE_GRID: Shard = Object.freeze({ index: 1, count: 1 });

/** Parses `i/n` (1 <= i <= n), e.g. `--shard 2/8`. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new InputError(`--shard must look like i/n (e.g. 1/4), got "${text}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1) throw new InputError(`--shard ${text}: the shard count must be at least 1 (e.g. 1/4 ... 4/4)`);
  if (index < 1 || index > count) {
    throw new InputError(`--shard ${text}: the shard number must be between 1 and the shard count ${count} (shards are 1/${count} ... ${count}/${count})`);
  }
  return { index, count };
}

/**
 * The shard of a Slurm job array task, from SLURM_ARRAY_TASK_ID / _COUNT (and _MIN, so that
 * `--array=0-9` and `--array=1-10` both work); null outside a job array.
 */
export function slurmShard(env: Record<string, string | undefined>): Shard | null {
  const id = env.SLURM_ARRAY_TASK_ID;
  const count = env.SLURM_ARRAY_TASK_COUNT;
  if (id === undefined || count === undefined) return null;
  const min = env.SLURM_ARRAY_TASK_MIN ?? '0';
  if (![id, count, min].every((v) => /^\d+$/.test(v))) {
    throw new InputError(`SLURM_ARRAY_TASK_ID=${id}, SLURM_ARRAY_TASK_COUNT=${count} and SLURM_ARRAY_TASK_MIN=${min} must be integers`);
  }
  return parseShard(`${Number(id) - Number(min) + 1}/${count}`);
}

/** The units of one shard: every `count`-th unit, so that cheap and costly settings spread evenly. */
export function shardUnits(units: readonly Unit[], shard: Shard): Unit[] {
  return units.filter((u) => u.index % shard.count === shard.index - 1);
}
