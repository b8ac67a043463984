/**
 * `mi-ident train`: trains one model exactly as a unit of `mi-ident run` does (same data, same
 * initial weights, same shuffles for the same seed) and writes it as model JSON for `analyze`.
 */
import { InputError } from '../../errors.ts';
import { resolveConfig } from '../../experiment/config.ts';
import { KEEP_ACCURACY, trainUnitModel, unitData } from '../../experiment/unit.ts';
import { getGate } from '../../gates.ts';
import { modelToJson } from '../../model.ts';
import { checkWritableFile, writeFileAtomic } from '../../node/files.ts';
import type { TrainEngineChoice } from '../../train/train.ts';
import { configFromValues, MODEL_OPTIONS, parseCommandArgs } from './options.ts';

const USAGE = `mi-ident train --gates G[,G...] --out MODEL.json [options]
  Trains one MLP (one output per gate) as a unit of "mi-ident run" with seed offset 0 and these
  gates; writes the model JSON (with a "training" record) for "mi-ident analyze".

Options (defaults as mi-ident run, i.e. main.py):
  --gates G[,G...]       the gates, in output order (required)
  --size K --depth D     hidden layers (default 3 and 2)
  --seed S               seed (default 0)
  --noise-std X          Gaussian input noise (default 0.1; 0 = clean)
  --skewed-distribution  random input-row probabilities
  --loss-target X --learning-rate X --batch-size N --epochs N
  --n-samples-train N --n-samples-val N --n-repeats N
  --engine E             auto (Wasm), wasm or ts (the TypeScript reference: same weights, slower)
  --quiet                print nothing but errors`;

const OPTIONS = { ...MODEL_OPTIONS, gates: { type: 'string' }, engine: { type: 'string' } } as const;

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
  const gates = values.gates.split(',').map((g) => getGate(g.trim()));
  const config = resolveConfig({ ...configFromValues(values), targetLogicGates: gates.map((g) => g.name), nGates: [gates.length] });
  if (config.sizes.length > 1 || config.depths.length > 1 || config.lossTargets.length > 1 || config.learningRates.length > 1) {
    throw new InputError('train trains one model: give one --size, --depth, --loss-target and --learning-rate');
  }
  const unit = { nGates: gates.length, seedOffset: 0, size: config.sizes[0]!, depth: config.depths[0]!, lossTarget: config.lossTargets[0]!, learningRate: config.learningRates[0]! };
  const data = unitData(config, gates, 0);
  const trained = await trainUnitModel(config, unit, gates, data, { engine });
  const converged = trained.valAccuracy >= KEEP_ACCURACY && trained.finalLoss <= unit.lossTarget;
  const { targetLogicGates: _gates, nGates: _n, nExperiments: _e, ...settings } = config;
  const json = {
    ...modelToJson(trained.model),
    training: {
      gates: gates.map((g) => g.name),
      seed: config.seed,
      converged,
      finalLoss: trained.finalLoss,
      valAccuracy: trained.valAccuracy,
      epochs: trained.epochs,
      stop: trained.stop,
      engine: trained.engine,
      settings,
    },
  };
  writeFileAtomic(values.out, JSON.stringify(json, null, 1) + '\n');
  if (!values.quiet) {
    console.log(
      `${trained.model.layerSizes.join('-')} ${gates.map((g) => g.name).join(',')}: ${trained.epochs} epochs (${trained.stop}), loss ${trained.finalLoss.toPrecision(4)}, ` +
        `validation accuracy ${trained.valAccuracy}, ${converged ? 'converged' : 'NOT converged (main.py would discard it)'}; ` +
        `${(trained.ms / 1000).toFixed(2)} s on ${trained.engine}; written to ${values.out}`,
    );
  }
  return 0;
}
