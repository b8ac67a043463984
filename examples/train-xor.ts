/**
 * Trains a 2-3-3-1 XOR MLP with the library API (main.py's settings, seeded and deterministic),
 * then analyses it: the same steps as one unit of `mi-ident run`, written out.
 *
 *   node --import tsx examples/train-xor.ts [seed]
 */
import { analyzeModel, getGate } from '../src/index.ts';
import { gateData, initModel, streamRng, toRows, trainModel } from '../src/train/index.ts';

const seed = Number(process.argv[2] ?? 0);
const xor = getGate('XOR');
// Data: 4,000 training and 200 validation samples drawn from the truth table (no noise).
const data = streamRng('example data', seed);
const train = gateData(data, [xor], { nRepeats: 1000, noiseStd: 0 });
const val = gateData(data, [xor], { nRepeats: 50, noiseStd: 0 });
// One stream for the initial weights and then the shuffles, as torch's global generator.
const torch = streamRng('example torch', seed);
const trained = await trainModel(initModel(torch, [2, 3, 3, 1]), train, torch, { validation: val, lossTarget: 0.01 });
console.log(`trained in ${trained.epochs} epochs (${trained.stop}), loss ${trained.finalLoss.toFixed(5)}, validation accuracy ${trained.valAccuracy}, ${trained.ms.toFixed(0)} ms`);
if (trained.valAccuracy < 0.99 || trained.finalLoss > 0.01) {
  console.log('not converged: main.py would discard this model; try another seed');
} else {
  const result = await analyzeModel(trained.model, { gates: ['XOR'], data: toRows(val) });
  const o = result.outputs[0]!;
  console.log(`${o.perfectCircuits.length} perfect circuits, ${o.totalGroundings} groundings, ${o.formulasWithMapping} formulas with a mapping (${o.mappingsPerFormula.join(', ')})`);
}
