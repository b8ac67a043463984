/** `mi-ident report DIR... [--out FILE]`: the HTML report of one or more results folders. */
import { writeReport } from '../../experiment/node-report.ts';
import { parseCommandArgs } from './options.ts';

const USAGE = `mi-ident report DIR... [--out FILE.html] [--compare FILE]...
  Writes an HTML report (default DIR/report.html) of the results folders: summary statistics, the
  shares of networks with exactly one explanation, and SVG figures of perfect circuits,
  interpretations per circuit, formulas and mappings per formula against every factor that varies
  (hidden width, gate, number of gates, noise, skew, loss target). Give several folders to compare
  experiments, e.g. results/basic results/noise results/skew.
  --compare FILE   the original code's results for the same units: main.py's CSV (df_out.csv or
                   data_tmp.csv) or an oracle case file (cases/NAME.json); repeat for several. Adds
                   the section "Ours vs the original code, seed by seed" (for --rng reference runs,
                   which train the original code's networks: every count should agree).`;

const OPTIONS = { out: { type: 'string' }, compare: { type: 'string', multiple: true }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

/** `mi-ident report ...`; returns the exit code. */
export async function reportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, OPTIONS);
  if (values.help || positionals.length === 0) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const { path, figures, partial } = await writeReport(positionals, values.out, values.compare ?? []);
  if (partial) console.error(`mi-ident: ${partial} (the report says so on every page)`);
  if (!values.quiet) console.log(`report with ${figures} figures written to ${path}`);
  return 0;
}
