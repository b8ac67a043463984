/**
 * `mi-ident run` (main.py's grid with its flags) and `mi-ident reproduce NAME` (the paper's
 * experiments): train and analyse every unit into a resumable results folder.
 */
import { InputError, isUserError } from '../../errors.ts';
import { resolveConfig, type ExperimentConfig } from '../../experiment/config.ts';
import { runExperiment, UnitThreads, type RunReport } from '../../experiment/node-runner.ts';
import { getPreset, PRESETS } from '../../experiment/presets.ts';
import { formatStats, resultStats } from '../../experiment/stats.ts';
import { progressBar } from '../../node/progress-bar.ts';
import { requestNodeAdapter } from '../../node/webgpu-node.ts';
import { adapterName, summarizeAdapter } from '../../backends/webgpu-device.ts';
import { criteriaFindings, findingsByGate, findingsTable, gateFindingsTable } from '../../criteria/findings.ts';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeReport } from '../../experiment/node-report.ts';
import { PAPER_EXPERIMENTS } from '../../experiment/paper.ts';
import { backendFromValues, configFromValues, parseCommandArgs, RUN_OPTIONS, shardFromValues, workersFromValues, type RunValues } from './options.ts';

/** Usage of the grid flags shared by run and reproduce. */
export const RUN_FLAGS_USAGE = `Grid (main.py's flags and defaults; lists as --size 2 3 4 or --size 2,3,4):
  --target-logic-gates G...  gates to draw from (default AND OR IMP NAND NOR NIMP XOR)
  --n-gates N...             gates per model, one output each (default 1)
  --size K...                hidden layer width (default 3)
  --depth D...               hidden layers (default 2)
  --n-experiments N          seed offsets 0..N-1 (default 100)
  --seed S                   first seed (default 0)
  --noise-std X              Gaussian input noise (default 0.1; 0 = clean)
  --skewed-distribution      draw input rows with random probabilities
  --loss-target X...         training loss to reach (default 0.01)
  --learning-rate X...       AdamW learning rate (default 0.001)
  --batch-size N --epochs N --n-samples-train N --n-samples-val N --n-repeats N
                             (defaults 100, 1000, 1000, 50, 10)
  --accuracy-threshold X     a circuit must beat this accuracy (default 0.99)
  --min-sparsity X           for sizes <= 3 (main.py forces 0.2 for sizes > 3, 0.3 for sizes > 4)
  --max-circuits N           ground only the N sparsest perfect circuits (default: all)
  --max-enumerated N         enumerate at most N circuits per model (default 5,000,000; 2-6-6-1
                             at main.py's min sparsity has 1,336,281,766)
  --pair-order BA|AB|all     interchange sample pairs of the mapping search (default BA)
  --rng reference|fast       reference (default): main.py's own random numbers (Python, numpy,
                             torch) in its order and torch's arithmetic, so every seed trains the
                             original code's network; fast: mi-ident's own streams and arithmetic
  --criteria all|ID...       also compute criteria that might restore identifiability, with CSV
                             columns ID_circuits ID_groundings ID_formulas ID_mappings (docs/criteria.md)
Running:
  --out DIR                  results folder: config.json, results.jsonl, results.csv
                             (rerun the same command to resume; another configuration is refused)
  --shard i/n                run the i-th of n slices of the grid (default: the Slurm job array
                             task's, else all); combine folders with mi-ident merge
  --shard-plan FILE          in a Slurm job array: the shard of each task ID, kept in FILE (written by
                             examples/slurm-array.sh, else by the first task), so that a task
                             resubmitted alone (sbatch --array=3) runs its shard again
  --workers N                parallel units (default: every core)
  --backend B                circuit-search backend: auto, ts, wasm, webgpu (default auto)
  --quiet                    print nothing but errors
  (--verbose, --val-frequency and --device are accepted for main.py command lines and ignored)`;

const RUN_USAGE = `mi-ident run --out DIR [grid flags]
  Trains and analyses every model of the grid (main.py's run_experiment), one row per output.

${RUN_FLAGS_USAGE}`;

const REPRODUCE_USAGE = `mi-ident reproduce EXPERIMENT [--out DIR] [grid flags]
  Runs one of the paper's experiments (the authors' README settings) into DIR (default results/EXPERIMENT).
  Grid flags given here override the experiment's settings (e.g. --n-experiments 10).

Experiments:
${Object.values(PRESETS).map((p) => `  ${p.name.padEnd(12)} ${p.description}`).join('\n')}
  ${'criteria'.padEnd(12)} basic and gates with --criteria all, into DIR/basic and DIR/gates, and the
  ${''.padEnd(12)} findings table: which criteria leave one explanation (docs/criteria.md)
  ${'paper'.padEnd(12)} the seven experiments above, each into DIR/NAME (default DIR: results, where
  ${''.padEnd(12)} reproduce NAME writes its folder), reusing finished
  ${''.padEnd(12)} units; then the paper report DIR/paper-report.html, its figures as SVG and PNG in
  ${''.padEnd(12)} DIR/paper-report-figures/ (docs/paper-report.md). Every other results folder
  ${''.padEnd(12)} in DIR (e.g. DIR/size-max10 from reproduce size --max-circuits 10
  ${''.padEnd(12)} --out DIR/size-max10) joins the report. An experiment that stops with an
  ${''.padEnd(12)} error does not stop the others: the report shows what its folder holds (as
  ${''.padEnd(12)} partial), and the exit status is 2

${RUN_FLAGS_USAGE}`;

/** `mi-ident run ...`; returns the exit code. */
export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, RUN_OPTIONS);
  if (values.help) return usage(RUN_USAGE);
  if (positionals.length) throw new InputError(`run takes no positional arguments (got ${positionals.join(' ')}); did you mean mi-ident reproduce ${positionals[0]}?`);
  if (!values.out) throw new InputError('run needs --out DIR, the results folder (rerun the same command to resume)');
  return execute(resolveConfig(configFromValues(values)), values, values.out);
}

/** `mi-ident reproduce NAME ...`; returns the exit code. */
export async function reproduceCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, RUN_OPTIONS);
  if (values.help) return usage(REPRODUCE_USAGE);
  if (positionals.length !== 1) throw new InputError(`reproduce needs one experiment name (${[...Object.keys(PRESETS), 'criteria', 'paper'].join(', ')})`);
  if (positionals[0] === 'criteria') return reproduceCriteria(values);
  if (positionals[0] === 'paper') return reproducePaper(values);
  const preset = getPreset(positionals[0]!);
  const given = configFromValues(values);
  let settings = preset.config;
  // A preset with settings for a real GPU (size-plus's width 7) asks for one unless the flags
  // given already set what those settings would.
  if (preset.onRealGpu && !Object.keys(preset.onRealGpu).every((k) => k in given)) {
    const gpu = await realGpuAdapter();
    if (gpu.name) settings = { ...settings, ...preset.onRealGpu };
    if (!values.quiet) console.log(`${preset.name}: ${gpu.name ? `a real GPU adapter (${gpu.name}): ` : `no real GPU adapter (${gpu.reason}): `}${describe(settings)}`);
  }
  const config = resolveConfig({ ...settings, ...given });
  return execute(config, values, values.out ?? `results/${preset.name}`);
}

/** The preset settings a real GPU changes, as flags (e.g. `--size 2 3 4 5 6`). */
function describe(settings: Partial<ExperimentConfig>): string {
  return settings.sizes ? `--size ${settings.sizes.join(' ')}${settings.maxEnumerated ? ` --max-enumerated ${settings.maxEnumerated}` : ''}` : JSON.stringify(settings);
}

/** The name of a real (not software) WebGPU adapter of this machine, or why there is none. */
async function realGpuAdapter(): Promise<{ name: string | null; reason: string }> {
  const found = await requestNodeAdapter({ allowSoftware: false });
  if (!found.adapter) return { name: null, reason: found.reason };
  const summary = summarizeAdapter(found.adapter.info);
  return summary.isFallback ? { name: null, reason: `only ${adapterName(summary)}` } : { name: adapterName(summary), reason: '' };
}

/**
 * `reproduce criteria`: the basic and gates experiments with every criterion (grid flags given
 * override both), each into its own folder, then the findings table of each.
 */
async function reproduceCriteria(values: RunValues): Promise<number> {
  const out = values.out ?? 'results/criteria';
  for (const name of ['basic', 'gates']) {
    const preset = getPreset(name);
    const config = resolveConfig({ criteria: ['all'], ...preset.config, ...configFromValues(values) });
    const dir = `${out}/${name}`;
    const code = await execute(config, values, dir, (records) => {
      if (values.quiet) return;
      console.log(`\n${name}: which criteria leave exactly one explanation (networks = analysed outputs)`);
      const rows = records.flatMap((r) => r.rows);
      for (const line of findingsTable(criteriaFindings(rows))) console.log(line);
      const byGate = findingsByGate(rows);
      if (byGate.size > 1) {
        console.log(`\n${name}, per gate: networks with exactly one explanation where-then-what / what-then-where`);
        for (const line of gateFindingsTable(byGate)) console.log(line);
      }
    });
    if (code !== 0) return code;
  }
  return 0;
}

/**
 * `reproduce paper`: the paper's seven experiments (grid flags given override each), each into
 * DIR/NAME, where a finished unit is reused (the runner resumes), then the paper report of those
 * folders and of any other results folder already in DIR (e.g. a size grid with --max-circuits).
 */
async function reproducePaper(values: RunValues): Promise<number> {
  const out = values.out ?? 'results';
  const dirs: string[] = [];
  const failed: string[] = [];
  // One set of worker threads for the seven: each starts and warms up once (the small
  // experiments' 100 units took as long on two fresh threads as on one).
  const threads = new UnitThreads();
  try {
    for (const name of PAPER_EXPERIMENTS) {
      const preset = getPreset(name);
      const config = resolveConfig({ ...preset.config, ...configFromValues(values) });
      const dir = join(out, name);
      if (!values.quiet) console.log(`\n${name}: ${preset.description}`);
      try {
        const code = await execute(config, values, dir, undefined, threads);
        if (code !== 0) return code;
      } catch (e) {
        // One experiment refused (a unit the reference refuses too, a folder of another grid): the
        // others still run, and the report shows what its folder holds, as partial.
        if (!isUserError(e)) throw e;
        console.error(`mi-ident: ${name}: ${e.message}`);
        failed.push(name);
        if (!existsSync(join(dir, 'config.json'))) continue;
      }
      dirs.push(dir);
    }
  } finally {
    await threads.close();
  }
  // Every other results folder in DIR joins the report (e.g. DIR/size-max10 from
  // `reproduce size --max-circuits 10 --out DIR/size-max10`: a hypothesis of the size section).
  const extra = readdirSync(out, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !(PAPER_EXPERIMENTS as readonly string[]).includes(e.name) && existsSync(join(out, e.name, 'config.json')))
    .map((e) => e.name)
    .sort();
  const report = await writeReport([...dirs, ...extra.map((name) => join(out, name))], join(out, 'paper-report.html'));
  if (report.partial) console.error(`mi-ident: ${report.partial} (the report says so on every page)`);
  if (report.pngSkipped) console.error(`mi-ident: PNG figures skipped: ${report.pngSkipped}`);
  if (!values.quiet) console.log(`\npaper report with ${report.figures} figures written to ${report.path}${extra.length ? ` (with ${extra.join(', ')})` : ''}; figures in ${report.figuresDir}`);
  if (failed.length) {
    console.error(`mi-ident: ${failed.join(', ')} stopped with the error${failed.length > 1 ? 's' : ''} above; the report shows what ${failed.length > 1 ? 'their folders hold' : 'its folder holds'}`);
    return 2;
  }
  return 0;
}

function usage(text: string): number {
  console.log(text);
  return 0;
}

async function execute(config: ExperimentConfig, values: RunValues, out: string, after?: (records: RunReport['records']) => void, threads?: UnitThreads): Promise<number> {
  const shard = shardFromValues(values);
  const quiet = values.quiet ?? false;
  const bar = quiet ? undefined : progressBar();
  // A killed or interrupted run loses nothing stored: say how to go on. SIGTERM is how Slurm
  // stops a task (scancel, time limit, preemption); exiting through process.exit releases the
  // folder's lock, so that the task resubmitted on another node can take the folder.
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\nmi-ident: ${signal === 'SIGINT' ? 'interrupted' : `stopped by ${signal}`}; finished units are in ${out}: run the same command again to resume\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const report = await runExperiment(config, {
      out,
      shard,
      workers: workersFromValues(values),
      backend: backendFromValues(values),
      onProgress: bar,
      threads,
    });
    if (!quiet) {
      const part = shard && shard.count > 1 ? `shard ${shard.index}/${shard.count}: ` : '';
      console.log(`${part}${report.total} units in ${out} (${report.resumed} already done, ${report.ran} run now) in ${(report.ms / 1000).toFixed(1)} s`);
      for (const line of formatStats(resultStats(report.records))) console.log(`  ${line}`);
      console.log(`results: ${report.csvPath}`);
    }
    after?.(report.records);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
