/**
 * `mi-ident` command line: `analyze`, `demo`, `help`. Parsing is node:util.parseArgs; user errors
 * print one clear line and exit 2, never a stack trace.
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { analyzeModel, type AnalyzeOptions } from '../analyze.ts';
import { BACKEND_CHOICES, type BackendChoice } from '../backends/select.ts';
import { parseDataset } from '../data.ts';
import { InputError, isUserError } from '../errors.ts';
import { jsonPieces } from '../json-text.ts';
import { parseModel, type Model } from '../model.ts';
import { PRETRAINED_XOR } from '../pretrained-xor.ts';
import { formatSummary } from '../summary.ts';
import { checkWritableFile, readJsonFile, readModelPath, writeFileAtomic } from '../node/files.ts';
import { normalizeArgs } from './commands/options.ts';
import { progressBar } from '../node/progress-bar.ts';
import { enableRelaxedSimd } from '../node/relaxed-simd.ts';
import { createNodePool } from '../node/workers.ts';
import type { WorkerPool } from '../parallel/pool.ts';
import { availableParallelism } from 'node:os';
import type { PairOrder } from '../mappings.ts';
import { resolveCriteria } from '../criteria/ids.ts';

const USAGE = `mi-ident: exhaustive identifiability analysis of small MLPs (Méloux et al., ICLR 2025)

Usage:
  mi-ident demo [--json OUT] [analyze's options except --gates]
      Analyse the authors' pretrained XOR model (embedded, gate XOR): every stage, with timings.
  mi-ident analyze MODEL --gates XOR[,NAND,...] [options]
      Analyse a model: model JSON, a torch.save file (.pt) of a state_dict, or safetensors
      (formats in the README). Output n is analysed on its own with gate n.
  mi-ident train --gates G[,G...] --out MODEL.json [options]
      Train one model as main.py does (deterministic: same seed, same weights).
  mi-ident run --out DIR [main.py's flags]
      Train and analyse a grid of models; resumable, shardable (--shard i/n), parallel.
  mi-ident reproduce basic|multitask|gates|size|noise|skew|loss-target [--out DIR]
      One of the paper's experiments (the authors' README settings).
  mi-ident reproduce paper [--out DIR]
      All seven (reusing finished units in DIR/NAME), then the paper report DIR/paper-report.html.
  mi-ident convert MODEL --out OUT.json|OUT.safetensors
      Write a model file as model JSON (what mi-ident reads from it) or as safetensors.
  mi-ident merge --out DIR SRC...     combine shard folders of one grid
  mi-ident report DIR... [--out FILE] HTML report with figures and summary statistics
  mi-ident mnist [--epochs N] [--seed S] [--threshold 0.99] [--out DIR]
      The paper's MNIST 0-vs-1 model (784-128-128-3-3-3-1): train, then analyse its 3-3-3-1 tail.
  (mi-ident COMMAND --help lists the options of train, run, reproduce, merge, report, mnist and convert)

Options of analyze:
  --gates G[,G...]       one gate per output (AND OR IMP NAND NOR NIMP XOR, MAJORITY PARITY ...)
  --min-sparsity S       drop node combinations with hidden sparsity <= S
                         (default: main.py's rule, 0.2 if a hidden layer is wider than 3, 0.3 if wider than 4)
  --pair-order O         interchange sample pairs: BA (reference, default), AB, or all
  --distrib-layers       let one formula node map to neurons of several layers
  --data FILE            circuit-search data {"x": [[...]], "y": [[...]]} (default: clean truth table)
  --ground-data FILE     grounding inputs {"x": [[...]]} (default: clean truth table)
  --threshold T          accuracy a circuit must exceed (default 0.99)
  --depth D              maximum formula depth (default: hidden layers + 1)
  --max-circuits N       refuse to enumerate more circuits than N (default 5000000)
  --distinct             also count distinct gate assignments per circuit
  --stages S[,S...]      run only these stages of circuits, groundings, mappings (default all;
                         groundings need circuits); --stages mappings also takes a model too
                         wide or too large for the circuit search
  --criteria all|ID,...  also compute criteria that might restore identifiability (docs/criteria.md):
                         minimal, mean-ablation, resample-ablation, ood-<σ> (e.g. ood-0.1),
                         grounding-causal, grounding-distinct, symmetric, joint, unmapped,
                         full-state, noisy-iia, all (every one, and their conjunction)
  --backend B            ${BACKEND_CHOICES.join(' | ')} (default auto)
  --threads N            worker threads for large searches (default: all cores; 1 = none)
  --json OUT             write the full result as JSON (atomically)
  --quiet                print nothing but errors
  -h, --help             this text
  --version              the version`;

const OPTIONS = {
  gates: { type: 'string' },
  'min-sparsity': { type: 'string' },
  'pair-order': { type: 'string' },
  'distrib-layers': { type: 'boolean' },
  data: { type: 'string' },
  'ground-data': { type: 'string' },
  threshold: { type: 'string' },
  depth: { type: 'string' },
  'max-circuits': { type: 'string' },
  distinct: { type: 'boolean' },
  stages: { type: 'string' },
  criteria: { type: 'string' },
  backend: { type: 'string' },
  threads: { type: 'string' },
  json: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  // Before any training: the reference trainer's fused multiply-add (Node 20 has it behind a flag).
  enableRelaxedSimd();
  const experimentCommand = EXPERIMENT_COMMANDS.get(argv[0] ?? '');
  if (experimentCommand) return runExperimentCommand(experimentCommand, argv.slice(1));
  let parsed;
  try {
    // `--depth -1` reaches validation (which says what is allowed) instead of parseArgs' ambiguity error.
    parsed = parseArgs({ args: normalizeArgs(argv, []), options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    console.error(`mi-ident: ${(e as Error).message}\nRun "mi-ident help" for usage.`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.version) {
    console.log(version());
    return 0;
  }
  if (values.help || command === undefined || command === 'help') {
    console.log(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  try {
    switch (command) {
      case 'demo':
        if (rest.length) throw new InputError(`demo takes no model file (got ${rest.join(' ')}); it uses the embedded pretrained XOR model`);
        // The demo's model has one XOR output: a --gates value would be replaced, not used.
        if (values.gates !== undefined) {
          throw new InputError(`demo takes no --gates (got "${values.gates}"): it always analyses the pretrained XOR model with gate XOR; use mi-ident analyze MODEL.json --gates G instead`);
        }
        return await runAnalysis(parseModel(PRETRAINED_XOR), { ...analyzeOptions(values), gates: ['XOR'] }, values, true);
      case 'analyze': {
        if (rest.length !== 1) throw new InputError('analyze needs exactly one model file: mi-ident analyze MODEL.json --gates XOR');
        if (!values.gates) throw new InputError('analyze needs --gates, one gate per model output (e.g. --gates XOR or --gates XOR,NAND)');
        const model = readModelPath(rest[0]!).model;
        return await runAnalysis(model, analyzeOptions(values, model), values, false);
      }
      default:
        throw new InputError(`unknown command "${command}" (commands: analyze, demo, convert, train, run, reproduce, merge, report, mnist, help)`);
    }
  } catch (e) {
    if (isUserError(e)) {
      console.error(`mi-ident: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

/** Training and experiment commands: their own options, loaded only when used. */
const EXPERIMENT_COMMANDS = new Map<string, () => Promise<(argv: string[]) => Promise<number>>>([
  ['train', async () => (await import('./commands/train.ts')).trainCommand],
  ['run', async () => (await import('./commands/run.ts')).runCommand],
  ['reproduce', async () => (await import('./commands/run.ts')).reproduceCommand],
  ['merge', async () => (await import('./commands/merge.ts')).mergeCommand],
  ['report', async () => (await import('./commands/report.ts')).reportCommand],
  ['mnist', async () => (await import('./commands/mnist.ts')).mnistCommand],
  ['convert', async () => (await import('./commands/convert.ts')).convertCommand],
]);

async function runExperimentCommand(load: () => Promise<(argv: string[]) => Promise<number>>, argv: string[]): Promise<number> {
  try {
    return await (await load())(argv);
  } catch (e) {
    if (isUserError(e)) {
      console.error(`mi-ident: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

async function runAnalysis(model: Model, options: AnalyzeOptions, values: Values, demo: boolean): Promise<number> {
  if (values.json) checkWritableFile(values.json, '--json'); // before the analysis, not after it
  const threads = values.threads === undefined ? availableParallelism() : integerOption(values.threads, '--threads', 1);
  let pool: WorkerPool | undefined;
  const t = performance.now();
  let result;
  try {
    result = await analyzeModel(model, {
      ...options,
      onProgress: values.quiet ? undefined : progressBar(),
      workers: threads > 1 ? () => (pool ??= createNodePool(threads)) : undefined,
    });
  } finally {
    pool?.terminate();
  }
  const totalMs = performance.now() - t;
  // Written in pieces: the JSON of a million perfect circuits exceeds V8's longest string.
  if (values.json) writeFileAtomic(values.json, jsonLines(result));
  if (!values.quiet) {
    if (demo) console.log("Pretrained XOR model of the paper's authors (xor_mlp.pt)");
    console.log(formatSummary(result, { stages: options.stages }));
    console.log(`\ntotal ${(totalMs / 1000).toFixed(2)} s${values.json ? `; result written to ${values.json}` : ''}`);
  }
  return 0;
}

/** The text of `JSON.stringify(value, null, 1)` and a final newline, in pieces. */
function* jsonLines(value: unknown): Generator<string> {
  yield* jsonPieces(value);
  yield '\n';
}

/** Turns CLI values into {@link AnalyzeOptions}, validating each. */
function analyzeOptions(values: Values, model?: Model): AnalyzeOptions {
  const nIn = model?.layerSizes[0] ?? 2;
  const nOut = model?.layerSizes[model.layerSizes.length - 1] ?? 1;
  const options: AnalyzeOptions = { gates: (values.gates ?? '').split(',').map((g) => g.trim()).filter(Boolean) };
  if (values['min-sparsity'] !== undefined) options.minSparsity = numberOption(values['min-sparsity'], '--min-sparsity', 0, 1);
  if (values.threshold !== undefined) options.accuracyThreshold = numberOption(values.threshold, '--threshold', 0, 1);
  if (values.depth !== undefined) options.formulaDepth = integerOption(values.depth, '--depth', 0);
  if (values['max-circuits'] !== undefined) options.maxCircuits = integerOption(values['max-circuits'], '--max-circuits', 1);
  if (values['pair-order'] !== undefined) {
    const order = values['pair-order'];
    if (order !== 'BA' && order !== 'AB' && order !== 'all') throw new InputError(`--pair-order must be BA, AB or all, got "${order}"`);
    options.pairOrder = order as PairOrder;
  }
  if (values.backend !== undefined) {
    if (!BACKEND_CHOICES.includes(values.backend as BackendChoice)) {
      throw new InputError(`--backend must be one of ${BACKEND_CHOICES.join(', ')}, got "${values.backend}"`);
    }
    options.backend = values.backend as BackendChoice;
  }
  if (values.data) options.data = parseDataset(readJsonFile(values.data, '--data'), nIn, nOut, '--data');
  if (values['ground-data']) options.groundData = parseDataset(readJsonFile(values['ground-data'], '--ground-data'), nIn, null, '--ground-data');
  if (values.stages !== undefined) options.stages = stagesOption(values.stages);
  options.distribLayers = values['distrib-layers'] ?? false;
  options.distinctGateDicts = values.distinct ?? false;
  if (values.criteria !== undefined) options.criteria = criteriaOption(values.criteria);
  return options;
}

const STAGES = ['circuits', 'groundings', 'mappings'] as const;

/** `--stages circuits,mappings`: the stages to run, each named once or more, at least one. */
function stagesOption(text: string): NonNullable<AnalyzeOptions['stages']> {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.find((s) => !(STAGES as readonly string[]).includes(s));
  if (unknown !== undefined) throw new InputError(`--stages: unknown stage "${unknown}" (stages: ${STAGES.join(', ')})`);
  if (!names.length) throw new InputError(`--stages needs at least one stage of ${STAGES.join(', ')}, got "${text}"`);
  const stages = { circuits: names.includes('circuits'), groundings: names.includes('groundings'), mappings: names.includes('mappings') };
  // Groundings are counted for the perfect circuits: alone, the stage would count nothing.
  if (stages.groundings && !stages.circuits) throw new InputError('--stages: groundings are counted for the perfect circuits, so they need circuits too (--stages circuits,groundings)');
  return stages;
}

/** `--criteria all` or `--criteria id,id,...`, checked (the ids by resolveCriteria). */
function criteriaOption(text: string): 'all' | string[] {
  const ids = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (ids.length === 0) throw new InputError('--criteria needs all, or criterion ids separated by commas (e.g. --criteria minimal,grounding-causal)');
  resolveCriteria(ids, '--criteria');
  return ids.length === 1 && ids[0] === 'all' ? 'all' : ids;
}

function numberOption(text: string, flag: string, min: number, max: number): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < min || v > max) {
    throw new InputError(`${flag} must be a number between ${min} and ${max}, got "${text}"`);
  }
  return v;
}

function integerOption(text: string, flag: string, min: number): number {
  const v = Number(text);
  if (!/^\d+$/.test(text.trim()) || v < min) throw new InputError(`${flag} must be an integer >= ${min}, got "${text}"`);
  return v;
}

/** The package version, read from package.json above this file (source or dist layout). */
function version(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'mi-ident') return pkg.version;
    } catch {
      // not at this level; try the next
    }
  }
  return 'unknown';
}
