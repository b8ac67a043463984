/**
 * Shard plan files (Node only): which shard each task of a Slurm job array runs, kept next to the
 * results so that it outlives the array. examples/slurm-array.sh writes one when it submits the
 * array (from the task IDs Slurm made of `--array`); without one, the first task to start writes
 * it from the Slurm variables. Every task, and every later resubmission of some of them, reads it.
 */
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../errors.ts';
import { shardPlan, slurmArray, taskShard, unknownPlanMessage, type Shard, type ShardPlan } from './grid.ts';

/** What a shard plan file holds (`job`: the array that wrote it, for people; not read). */
export interface ShardPlanFile {
  tool: 'mi-ident';
  kind: 'shard-plan';
  tasks: number[];
  job?: string;
}

/** Reads a shard plan file, or null when there is none. */
export function readShardPlan(path: string): ShardPlan | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new InputError(`--shard-plan: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let data: Partial<ShardPlanFile>;
  try {
    data = JSON.parse(text) as Partial<ShardPlanFile>;
  } catch (e) {
    throw new InputError(`--shard-plan: ${path} is not valid JSON (${(e as Error).message}); restore it from the array's first submission, or delete it only if no task of that array has run`);
  }
  if (data?.tool !== 'mi-ident' || data.kind !== 'shard-plan') throw new InputError(`--shard-plan: ${path} is not an mi-ident shard plan (no "tool": "mi-ident", "kind": "shard-plan")`);
  return shardPlan(data.tasks, `--shard-plan ${path}`);
}

/**
 * Writes a plan unless the file exists, atomically: a reader sees no file or the whole file, and
 * of two tasks starting at once, one writes and both then read the same plan.
 */
export function writeShardPlanOnce(path: string, plan: ShardPlan, job?: string): void {
  const data: ShardPlanFile = { tool: 'mi-ident', kind: 'shard-plan', tasks: [...plan.tasks], ...(job ? { job } : {}) };
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (e) {
    throw new InputError(`--shard-plan: cannot create the folder of ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify(data) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // link() never replaces an existing file, unlike rename(): the first plan written stays.
    linkSync(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new InputError(`--shard-plan: cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  } finally {
    if (existsSync(tmp)) unlinkSync(tmp);
  }
}

/**
 * The shard of this Slurm job array task by the plan in `path`: read, or (no file yet) made from
 * the Slurm variables and written for the tasks that come later.
 */
export function shardFromPlan(path: string, env: Record<string, string | undefined>): Shard {
  const array = slurmArray(env);
  if (!array) throw new InputError(`--shard-plan ${path} gives the shard of a Slurm job array task, but SLURM_ARRAY_TASK_ID is not set; outside a job array use --shard i/n`);
  let plan = readShardPlan(path);
  if (!plan) {
    if (!array.plan) throw new InputError(`${unknownPlanMessage(env)} (${path} does not exist yet)`);
    writeShardPlanOnce(path, array.plan, env.SLURM_ARRAY_JOB_ID);
    plan = readShardPlan(path)!; // another task may have written it first: its plan is the one
  }
  return taskShard(plan, array.id, `the shard plan ${path}`);
}
