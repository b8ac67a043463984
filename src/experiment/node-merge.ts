/**
 * Merging results folders (Node only): shards of one grid, run on different machines or Slurm
 * tasks, into one folder that is exactly what a single run of the whole grid writes.
 *
 * An incomplete grid is refused before anything is written, naming the missing shards and units
 * and the commands that finish them, unless the caller asks for a partial merge.
 */
import { InputError } from '../errors.ts';
import { configArgs, configDifferences, type ExperimentConfig } from './config.ts';
import { describeTasks, gridUnits, unitKey, WHOLE_GRID, type Shard, type ShardPlan, type Unit } from './grid.ts';
import { ResultStore } from './node-store.ts';
import type { UnitRecord } from './rows.ts';

/** Options of {@link mergeResults}. */
export interface MergeOptions {
  /** Merge even when units are missing (default: refuse, with an {@link IncompleteGridError}). */
  allowPartial?: boolean;
  /** The Slurm job array's shard plan, to name the array tasks of missing shards. */
  shardPlan?: ShardPlan;
}

/** What a merge did. */
export interface MergeReport {
  out: string;
  /** Units of the grid. */
  total: number;
  /** Units the merged folder holds. */
  merged: number;
  /** Keys of units no source holds. */
  missing: string[];
  /** When units are missing: which, by shard, and how to finish them (lines of text). */
  missingReport: string[];
  csvPath: string;
}

/** A merge refused because units of the grid are missing; `missing` lists their keys. */
export class IncompleteGridError extends InputError {
  override name = 'IncompleteGridError';
  constructor(message: string, readonly missing: string[]) {
    super(message);
  }
}

/**
 * Merges the results folders `sources` into `out` (created, or extended if it holds the same
 * grid). Refuses, writing nothing, when the sources (with what `out` holds) miss units of the
 * grid, unless `options.allowPartial`.
 */
export function mergeResults(out: string, sources: readonly string[], options: MergeOptions = {}): MergeReport {
  if (sources.length === 0) throw new InputError('merge needs at least one results folder to read');
  const inputs = sources.map((dir) => ({ dir, ...ResultStore.read(dir) }));
  const config = inputs[0]!.stored.config;
  for (const { dir, stored } of inputs.slice(1)) {
    const diff = configDifferences(config, stored.config);
    if (diff.length) throw new InputError(`${dir} holds another configuration than ${inputs[0]!.dir} (${diff.join('; ')}); only shards of one grid can be merged`);
  }
  const units = gridUnits(config);
  const byKey = new Map<string, UnitRecord>();
  for (const { dir, records } of inputs) {
    for (const r of records) {
      if (!units[r.unit.index] || unitKey(units[r.unit.index]!) !== r.key) throw new InputError(`${dir}: unit ${r.key} is not part of the configured grid`);
      if (!byKey.has(r.key)) byKey.set(r.key, r);
    }
  }
  // What `out` already holds counts (a merge extended later); it is refused here as open would.
  const held = new Set([...byKey.keys(), ...ResultStore.peek(out, config, WHOLE_GRID).map((r) => r.key)]);
  const missingUnits = units.filter((u) => !held.has(unitKey(u)));
  const missingReport = missingUnits.length ? describeMissing(config, inputs, missingUnits, units.length, out, options.shardPlan, options.allowPartial ?? false) : [];
  if (missingUnits.length && !options.allowPartial) {
    throw new IncompleteGridError(
      [`merge refused: ${missingReport[0]}`, ...missingReport.slice(1), `Or merge what there is with --allow-partial (its report then says on every page that the results are partial).`].join('\n'),
      missingUnits.map(unitKey),
    );
  }
  const store = ResultStore.open(out, config, WHOLE_GRID);
  try {
    for (const u of units) {
      const r = byKey.get(unitKey(u));
      if (r) store.append(r);
    }
    const csvPath = store.writeCsv();
    const missing = units.map(unitKey).filter((k) => !store.has(k));
    return { out, total: units.length, merged: units.length - missing.length, missing, missingReport, csvPath };
  } finally {
    store.close();
  }
}

/** Whether a word reaches a shell as it is, unquoted. */
const plainWord = (s: string) => /^[\w@%+=:,./-]+$/.test(s);
/** A path as one shell word (quoted when it needs it), for commands to paste. */
const shellWord = (s: string) => (plainWord(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** How many unit keys a message lists per shard. */
const KEYS_SHOWN = 4;

/** How many shards a message lists one by one (with a command each); the rest share one line. */
const SHARDS_SHOWN = 3;

/**
 * The missing units by shard (when the sources are shards of one count) and the commands that
 * finish them: first line a summary, then one line per shard, then the commands. Its length does
 * not grow with the number of missing shards: past {@link SHARDS_SHOWN} they are named in ranges,
 * and with more than one the grid's arguments are written once, as a shell variable. Each command
 * line pastes into a shell as it is (what it says beside it is a comment).
 */
function describeMissing(
  config: ExperimentConfig,
  inputs: readonly { dir: string; stored: { shard: Shard } }[],
  missing: readonly Unit[],
  total: number,
  out: string,
  plan: ShardPlan | undefined,
  partial: boolean,
): string[] {
  const counts = new Set(inputs.map((i) => i.stored.shard.count));
  const n = counts.size === 1 ? [...counts][0]! : 1; // mixed shard counts: one group, the grid
  const groups = new Map<number, Unit[]>();
  for (const u of missing) {
    const j = (u.index % n) + 1;
    (groups.get(j) ?? groups.set(j, []).get(j)!).push(u);
  }
  const sorted = [...groups.entries()].sort((a, b) => a[0] - b[0]);
  const shown = sorted.slice(0, SHARDS_SHOWN);
  const hidden = sorted.slice(SHARDS_SHOWN);
  // One missing shard: its command and the last line carry the arguments inline. More: they
  // would be written three times or more, so the commands share a variable.
  // (Only plain words go in the variable: an unquoted $ARGS splits on spaces and keeps quotes.)
  const flags = configArgs(config);
  const args = flags.map(shellWord);
  const viaVariable = args.length > 0 && groups.size > 1 && flags.every(plainWord);
  const argText = viaVariable ? ['$ARGS'] : args;
  const run = (...parts: string[]) => ['mi-ident run', ...parts, ...argText].join(' ');
  const planTask = (j: number) => (plan && plan.tasks.length === n ? plan.tasks[j - 1] : undefined);
  const folderOf = (j: number) => inputs.find((i) => i.stored.shard.count === n && i.stored.shard.index === j)?.dir;
  const newFolders = shown.filter(([j]) => folderOf(j) === undefined).length;
  const lines = [`the sources hold ${total - missing.length} of the grid's ${total} units; ${missing.length} ${missing.length === 1 ? 'is' : 'are'} missing` + (n > 1 ? ` from ${groups.size} of its ${n} shards:` : ':')];
  const commands: string[] = [];
  for (const [j, us] of shown) {
    const shard = n > 1 ? `shard ${j}/${n}` : 'the grid';
    const folder = folderOf(j);
    const task = planTask(j);
    const where = [folder ?? 'no source folder holds it', ...(task !== undefined ? [`array task ${task}`] : [])].join('; ');
    const size = Math.ceil((total - j + 1) / n);
    // A shard missing whole needs no examples; a partly run one shows which of its units are left.
    const keys = us.slice(0, KEYS_SHOWN).map(unitKey).join(', ') + (us.length > KEYS_SHOWN ? `, ... (${us.length - KEYS_SHOWN} more)` : '');
    lines.push(`  ${shard} (${where}): ${us.length === size && size > KEYS_SHOWN ? `all ${size} of its units` : `${us.length} of its ${size} units: ${keys}`}`);
    const shardFlag = n > 1 ? [`--shard ${j}/${n}`] : [];
    // Two shards run into one new folder would clash: each new folder gets its shard's number.
    const fresh = newFolders > 1 ? `NEW_FOLDER_${j}` : 'NEW_FOLDER';
    commands.push(folder ? `  ${run('--out', shellWord(folder), ...shardFlag)}` : `  ${run('--out', fresh, ...shardFlag)}   # then add ${fresh} to the merge's sources`);
  }
  if (hidden.length) {
    const list = describeTasks(hidden.map(([j]) => j));
    const units = hidden.reduce((sum, [, us]) => sum + us.length, 0);
    const held = hidden.filter(([j]) => folderOf(j) !== undefined).length;
    const one = hidden.length === 1;
    lines.push(`  and ${hidden.length} more ${one ? 'shard' : 'shards'} (${list}): ${units} ${units === 1 ? 'unit' : 'units'}; ${held === 0 ? 'no source folder holds' : `source folders hold ${held} of`} ${one ? 'it' : 'them'}`);
    commands.push(`  and likewise for ${one ? `shard ${list} (its folder, or a new one, and --shard ${list}/${n})` : `shards ${list} (each its own folder, or a new one, and --shard J/${n})`}`);
  }
  lines.push('Finish them (each command resumes its folder), then merge again:');
  if (viaVariable) lines.push(`  ARGS="${args.join(' ')}"   # the grid's arguments, for the commands below`);
  lines.push(...commands);
  const tasks = [...groups.keys()].map(planTask);
  if (tasks.length && tasks.every((t) => t !== undefined)) {
    const list = describeTasks([...(tasks as number[])].sort((a, b) => a - b));
    lines.push(`  or, in the Slurm job array, resubmit ${tasks.length === 1 ? 'task' : 'tasks'} ${list} alone (sbatch --array=${list} with the same script and arguments): each runs its shard again, resuming its folder`);
  }
  const rest = run('--out', shellWord(out));
  lines.push(partial ? `  or "${rest}" runs just the missing units into the merged folder` : `  or merge with --allow-partial, then "${rest}" runs just the missing units into the merged folder`);
  return lines;
}
