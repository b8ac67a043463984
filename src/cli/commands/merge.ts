/** `mi-ident merge --out DIR SRC...`: combine shard folders into one results folder. */
import { InputError } from '../../errors.ts';
import { mergeResults } from '../../experiment/node-merge.ts';
import { readShardPlan } from '../../experiment/node-plan.ts';
import { parseCommandArgs } from './options.ts';

const USAGE = `mi-ident merge --out DIR SRC... [--allow-partial] [--shard-plan FILE]
  Combines results folders of one grid (e.g. the shards of a Slurm job array) into DIR, which then
  holds exactly what one run of the whole grid writes. Folders of different configurations are refused.
  A grid with units missing is refused (exit code 2, nothing written), naming the missing shards and
  units and the commands that finish them.
  --allow-partial      merge what there is anyway; the report of DIR then says it is partial
  --shard-plan FILE    the Slurm job array's shard plan (run --shard-plan): name the array tasks
                       of missing shards
  --quiet              print nothing but errors`;

const OPTIONS = {
  out: { type: 'string' },
  'allow-partial': { type: 'boolean' },
  'shard-plan': { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `mi-ident merge ...`; returns the exit code. */
export async function mergeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, OPTIONS);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.out) throw new InputError('merge needs --out DIR, the folder to write the merged results to');
  if (positionals.length === 0) throw new InputError('merge needs the results folders to combine: mi-ident merge --out DIR SRC...');
  let shardPlan;
  if (values['shard-plan'] !== undefined) {
    shardPlan = readShardPlan(values['shard-plan']);
    if (!shardPlan) throw new InputError(`--shard-plan: ${values['shard-plan']} does not exist`);
  }
  const report = mergeResults(values.out, positionals, { allowPartial: values['allow-partial'] ?? false, shardPlan });
  if (report.missing.length) {
    // Partial on request: said even with --quiet, on stderr, so that it is never missed.
    console.error(`mi-ident: PARTIAL merge (--allow-partial): ${report.missingReport.join('\n')}`);
  }
  if (!values.quiet) console.log(`merged ${report.merged} of ${report.total} units into ${report.out}${report.missing.length ? ' (partial)' : ''}; results: ${report.csvPath}`);
  return 0;
}
