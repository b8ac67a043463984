/** `mi-ident merge --out DIR SRC...`: combine shard folders into one results folder. */
import { InputError } from '../../errors.ts';
import { mergeResults } from '../../experiment/node-merge.ts';
import { parseCommandArgs } from './options.ts';

const USAGE = `mi-ident merge --out DIR SRC...
  Combines results folders of one grid (e.g. the shards of a Slurm job array) into DIR, which then
  holds exactly what one run of the whole grid writes. Folders of different configurations are refused.
  Missing units are listed; "mi-ident run --out DIR" with the grid's options runs them.`;

const OPTIONS = { out: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

/** `mi-ident merge ...`; returns the exit code. */
export async function mergeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, OPTIONS);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.out) throw new InputError('merge needs --out DIR, the folder to write the merged results to');
  if (positionals.length === 0) throw new InputError('merge needs the results folders to combine: mi-ident merge --out DIR SRC...');
  const report = mergeResults(values.out, positionals);
  if (!values.quiet) {
    console.log(`merged ${report.merged} of ${report.total} units into ${report.out}; results: ${report.csvPath}`);
    if (report.missing.length) {
      const shown = report.missing.slice(0, 5).join(', ');
      console.log(`missing ${report.missing.length} unit(s): ${shown}${report.missing.length > 5 ? ', ...' : ''} (run the missing shards, or mi-ident run --out ${report.out} with the grid's options)`);
    }
  }
  return 0;
}
