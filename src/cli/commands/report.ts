/** `mi-ident report DIR... [--out FILE]`: the HTML report of one or more results folders. */
import { writeReport } from '../../experiment/node-report.ts';
import { parseCommandArgs } from './options.ts';

const USAGE = `mi-ident report DIR... [--out FILE.html]
  Writes an HTML report (default DIR/report.html) of the results folders: summary statistics, the
  shares of networks with exactly one explanation, and SVG figures of perfect circuits,
  interpretations per circuit, formulas and mappings per formula against every factor that varies
  (hidden width, gate, number of gates, noise, skew, loss target). Give several folders to compare
  experiments, e.g. results/basic results/noise results/skew.`;

const OPTIONS = { out: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

/** `mi-ident report ...`; returns the exit code. */
export async function reportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, OPTIONS);
  if (values.help || positionals.length === 0) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const { path, figures, partial } = await writeReport(positionals, values.out);
  if (partial) console.error(`mi-ident: ${partial} (the report says so on every page)`);
  if (!values.quiet) console.log(`report with ${figures} figures written to ${path}`);
  return 0;
}
