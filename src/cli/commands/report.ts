/** `mi-ident report DIR... [--out FILE]`: the HTML report of one or more results folders. */
import { writeReport } from '../../experiment/node-report.ts';
import { InputError } from '../../errors.ts';
import { parseCommandArgs } from './options.ts';

const USAGE = `mi-ident report DIR... [--out FILE.html] [--compare FILE]... [--png | --no-png]
  Writes an HTML report (default DIR/report.html) of the results folders: one section per folder,
  as the paper's experiment it holds (basic setup, network size, depth, multi-task, gate, noise,
  skew, loss target; told from its configuration), each with a figure drawn like the paper's
  (interpretations and minimal mappings per network as box plots with means and points, log
  scale), the numbers the paper, its authors and the reference code published beside it, each
  labelled with its source, and where ours and theirs differ, what is known about why
  (docs/paper-report.md). Then a summary per folder and the criteria. Every figure is also written
  as SVG and PNG to FILE-figures/ beside the page. Give several folders, e.g. results/*: a basic
  folder joins the noise, skew and loss-target figures as their baseline.
  --png            require the PNG figures (they need playwright-core and a Chromium, found at
                   the usual paths or given in MI_IDENT_CHROMIUM); by default they are skipped,
                   with a note, when either is missing
  --no-png         write the SVG figures only
  --compare FILE   the original code's results for the same units: main.py's CSV (df_out.csv or
                   data_tmp.csv) or an oracle case file (cases/NAME.json); repeat for several. Adds
                   the section "Ours vs the original code, seed by seed" (for --rng reference runs,
                   which train the original code's networks: every count should agree).`;

const OPTIONS = {
  out: { type: 'string' }, compare: { type: 'string', multiple: true }, png: { type: 'boolean' }, 'no-png': { type: 'boolean' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
} as const;

/** `mi-ident report ...`; returns the exit code. */
export async function reportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, OPTIONS);
  if (values.help || positionals.length === 0) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (values.png && values['no-png']) throw new InputError('give --png or --no-png, not both');
  const png = values.png ? true : values['no-png'] ? false : undefined;
  const { path, figures, partial, figuresDir, pngSkipped } = await writeReport(positionals, values.out, { compare: values.compare ?? [], png });
  if (partial) console.error(`mi-ident: ${partial} (the report says so on every page)`);
  if (pngSkipped && png === undefined) console.error(`mi-ident: PNG figures skipped: ${pngSkipped}`);
  if (!values.quiet) console.log(`report with ${figures} figures written to ${path}; figures as ${pngSkipped ? 'SVG' : 'SVG and PNG'} in ${figuresDir}`);
  return 0;
}
