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
 * Which shard each task of a Slurm job array runs: the task IDs of the array as first submitted.
 * Task `tasks[i]` (ascending) runs shard `i + 1` of `tasks.length`, whatever the IDs are
 * (`--array=0-9`, `1-10`, `0-6:2`, `1,4,7`). Kept in a file (`--shard-plan`), it outlives the
 * array, so that a task resubmitted alone (`sbatch --array=4`) runs the shard it had.
 */
export interface ShardPlan {
  /** The array's task IDs, ascending, distinct. */
  readonly tasks: readonly number[];
}

/** The shard of array task `id` in `plan`; `where` names the plan in the error. */
export function taskShard(plan: ShardPlan, id: number, where: string): Shard {
  const position = plan.tasks.indexOf(id);
  if (position < 0) {
    throw new InputError(`array task ${id} is not one of the ${plan.tasks.length} tasks of ${where} (${describeTasks(plan.tasks)}); resubmit only those task IDs, or use another results folder for another array`);
  }
  return { index: position + 1, count: plan.tasks.length };
}

/** Task IDs as Slurm writes them: `0-3,7,9-11`. */
export function describeTasks(tasks: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < tasks.length; i++) {
    let j = i;
    while (j + 1 < tasks.length && tasks[j + 1] === tasks[j]! + 1) j++;
    parts.push(j > i ? `${tasks[i]}-${tasks[j]}` : `${tasks[i]}`);
    i = j;
  }
  return parts.join(',');
}

/** Checks a plan's task list (any order) and returns it ascending. */
export function shardPlan(tasks: unknown, where: string): ShardPlan {
  if (!Array.isArray(tasks) || tasks.length === 0 || !tasks.every((t) => Number.isSafeInteger(t) && t >= 0)) {
    throw new InputError(`${where}: "tasks" must be a non-empty list of array task IDs (integers >= 0)`);
  }
  const sorted = [...(tasks as number[])].sort((a, b) => a - b);
  if (sorted.some((t, i) => i > 0 && t === sorted[i - 1])) throw new InputError(`${where}: "tasks" lists a task ID twice`);
  return { tasks: sorted };
}

const SLURM_VARS = ['SLURM_ARRAY_TASK_ID', 'SLURM_ARRAY_TASK_COUNT', 'SLURM_ARRAY_TASK_MIN', 'SLURM_ARRAY_TASK_MAX', 'SLURM_ARRAY_TASK_STEP'] as const;

/**
 * The job array of a Slurm task from its variables: its task ID, and its plan when the variables
 * determine it. Slurm gives MIN, MAX, STEP and COUNT but not the list itself, and sets STEP=1 for
 * any list (`--array=1,4,7` too), so the IDs are known only when they are MIN, MIN+STEP, ... MAX;
 * `plan` is null otherwise. Null outside a job array.
 */
export function slurmArray(env: Record<string, string | undefined>): { id: number; plan: ShardPlan | null } | null {
  if (env.SLURM_ARRAY_TASK_ID === undefined) return null;
  const v = Object.fromEntries(SLURM_VARS.map((k) => [k, env[k]])) as Record<(typeof SLURM_VARS)[number], string | undefined>;
  const bad = SLURM_VARS.filter((k) => v[k] !== undefined && !/^\d+$/.test(v[k]!));
  if (bad.length || v.SLURM_ARRAY_TASK_COUNT === undefined) {
    const shown = SLURM_VARS.filter((k) => v[k] !== undefined).map((k) => `${k}=${v[k]}`).join(', ');
    throw new InputError(`the Slurm job array variables must be integers, with SLURM_ARRAY_TASK_COUNT set (got ${shown})`);
  }
  const id = Number(v.SLURM_ARRAY_TASK_ID);
  const count = Number(v.SLURM_ARRAY_TASK_COUNT);
  // Without MIN (very old Slurm, or set by hand): IDs 0..COUNT-1, as before MIN existed.
  const min = Number(v.SLURM_ARRAY_TASK_MIN ?? 0);
  const step = Number(v.SLURM_ARRAY_TASK_STEP ?? 1);
  const max = v.SLURM_ARRAY_TASK_MAX === undefined ? min + (count - 1) * step : Number(v.SLURM_ARRAY_TASK_MAX);
  const evenlySpaced = count >= 1 && step >= 1 && min + (count - 1) * step === max && id >= min && id <= max && (id - min) % step === 0;
  return { id, plan: evenlySpaced ? { tasks: Array.from({ length: count }, (_, i) => min + i * step) } : null };
}

/**
 * The shard of a Slurm job array task, from its variables alone (see {@link slurmArray}); null
 * outside a job array. A list that is not evenly spaced is refused: its tasks' places are unknown.
 */
export function slurmShard(env: Record<string, string | undefined>): Shard | null {
  const array = slurmArray(env);
  if (!array) return null;
  if (!array.plan) throw new InputError(unknownPlanMessage(env));
  return taskShard(array.plan, array.id, 'this job array');
}

/** Why a task's shard cannot be told from the Slurm variables, and what to do. */
export function unknownPlanMessage(env: Record<string, string | undefined>): string {
  const e = (k: string) => env[`SLURM_ARRAY_TASK_${k}`] ?? '?';
  return (
    `array task ${e('ID')} cannot tell its shard: its array's ${e('COUNT')} task IDs between ${e('MIN')} and ${e('MAX')} are not evenly spaced ` +
    `(a list such as --array=1,2,7?), and Slurm does not tell a task the list; submit a range (--array=0-9 or 0-18:2), ` +
    `or give --shard-plan FILE written when the array was submitted (examples/slurm-array.sh writes it)`
  );
}

/** The units of one shard: every `count`-th unit, so that cheap and costly settings spread evenly. */
export function shardUnits(units: readonly Unit[], shard: Shard): Unit[] {
  return units.filter((u) => u.index % shard.count === shard.index - 1);
}
