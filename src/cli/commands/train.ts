/**
 * `mi-ident train`: trains one model exactly as a unit of `mi-ident run` does (same data, same
 * initial weights, same shuffles for the same seed and offset) and writes it as model JSON for
 * `analyze`. With `--rng reference` that is the network main.py trains for that iteration.
 */
import { InputError } from '../../errors.ts';
import { resolveConfig } from '../../experiment/config.ts';
import { KEEP_ACCURACY, trainUnitModel, noiseKernelFor, unitData, unitInputs } from '../../experiment/unit.ts';
import { getGate } from '../../gates.ts';
import { modelToJson } from '../../model.ts';
import { checkWritableFile, writeFileAtomic } from '../../node/files.ts';
import type { TrainEngineChoice } from '../../train/train.ts';
import { configFromValues, MODEL_OPTIONS, parseCommandArgs } from './options.ts';

const USAGE = `mi-ident train --gates G[,G...] --out MODEL.json [options]
  Trains one MLP (one output per gate) as the unit of "mi-ident run --target-logic-gates G...
  --n-gates <number of gates>" at seed offset K (default 0); writes the model JSON (with a
  "training" record) for "mi-ident analyze". With --rng reference (the default) this is the network
  main.py trains in iteration K, bit for bit; as in main.py, several gates come in the order
  random.sample draws them.

Options (defaults as mi-ident run, i.e. main.py):
  --gates G[,G...]       the gates (required); outputs in this order with --rng fast, in
                         random.sample's order with --rng reference (as main.py)
  --size K --depth D     hidden layers (default 3 and 2)
  --seed S               seed (default 0)
  --seed-offset K        main.py's iteration K: torch seed S + K, data of iteration K (default 0)
  --rng reference|fast   main.py's random numbers and torch's arithmetic (default), or mi-ident's own
  --noise-std X          Gaussian input noise (default 0.1; 0 = clean)
  --skewed-distribution  random input-row probabilities
  --loss-target X --learning-rate X --batch-size N --epochs N
  --n-samples-train N --n-samples-val N --n-repeats N
  --engine E             auto (Wasm), wasm or ts (the TypeScript reference: same weights, slower)
  --quiet                print nothing but errors`;

const OPTIONS = { ...MODEL_OPTIONS, gates: { type: 'string' }, engine: { type: 'string' }, 'seed-offset': { type: 'string' } } as const;

/** `mi-ident train ...`; returns the exit code. */
export async function trainCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, OPTIONS);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length) throw new InputError(`train takes no positional arguments (got ${positionals.join(' ')})`);
  if (!values.gates) throw new InputError('train needs --gates, one gate per output (e.g. --gates XOR or --gates XOR,NAND)');
  if (!values.out) throw new InputError('train needs --out MODEL.json');
  checkWritableFile(values.out, '--out'); // before training, not after it
  const engine = (values.engine ?? 'auto') as TrainEngineChoice;
  if (!['auto', 'wasm', 'ts'].includes(engine)) throw new InputError(`--engine must be auto, wasm or ts, got "${values.engine}"`);
  const offsetText = values['seed-offset'] ?? '0';
  const seedOffset = Number(offsetText);
  if (!/^\s*\d+\s*$/.test(offsetText)) throw new InputError(`--seed-offset must be an integer >= 0, got "${offsetText}"`);
  const listed = values.gates.split(',').map((g) => getGate(g.trim()));
  const config = resolveConfig({
    ...configFromValues(values),
    targetLogicGates: listed.map((g) => g.name),
    nGates: [listed.length],
    nExperiments: seedOffset + 1,
  });
  if (config.sizes.length > 1 || config.depths.length > 1 || config.lossTargets.length > 1 || config.learningRates.length > 1) {
    throw new InputError('train trains one model: give one --size, --depth, --loss-target and --learning-rate');
  }
  const unit = { nGates: listed.length, seedOffset, size: config.sizes[0]!, depth: config.depths[0]!, lossTarget: config.lossTargets[0]!, learningRate: config.learningRates[0]! };
  // Fast mode keeps the listed order; main.py (reference) draws the order with random.sample.
  const { gates, data } = config.rng === 'reference' ? unitInputs(config, unit.nGates, seedOffset, await noiseKernelFor(config)) : { gates: listed, data: unitData(config, listed, seedOffset) };
  const trained = await trainUnitModel(config, unit, gates, data, { engine });
  const converged = trained.valAccuracy >= KEEP_ACCURACY && trained.finalLoss <= unit.lossTarget;
  const { targetLogicGates: _gates, nGates: _n, nExperiments: _e, ...settings } = config;
  const json = {
    ...modelToJson(trained.model),
    training: {
      gates: gates.map((g) => g.name),
      seed: config.seed,
      seedOffset,
      converged,
      finalLoss: trained.finalLoss,
      valAccuracy: trained.valAccuracy,
      epochs: trained.epochs,
      stop: trained.stop,
      engine: trained.engine,
      rng: trained.rng,
      settings,
    },
  };
  writeFileAtomic(values.out, JSON.stringify(json, null, 1) + '\n');
  if (!values.quiet) {
    if (gates.some((g, i) => g !== listed[i])) console.log(`main.py draws these gates in the order ${gates.map((g) => g.name).join(',')}: the outputs follow it`);
    console.log(
      `${trained.model.layerSizes.join('-')} ${gates.map((g) => g.name).join(',')}: ${trained.epochs} epochs (${trained.stop}), loss ${trained.finalLoss.toPrecision(4)}, ` +
        `validation accuracy ${trained.valAccuracy}, ${converged ? 'converged' : 'NOT converged (main.py would discard it)'}; ` +
        `${(trained.ms / 1000).toFixed(2)} s on ${trained.engine}; written to ${values.out}`,
    );
  }
  return 0;
}
