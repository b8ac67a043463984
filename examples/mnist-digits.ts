/**
 * MNIST 0-vs-1 in the terminal: a few validation digits as ASCII art, each with the model's
 * output, the tail's binarised inputs (layer-3 activations -> bits) and the outputs of the
 * sparsest perfect circuits of the 3-3-3-1 tail on that digit.
 *
 *   npx tsx examples/mnist-digits.ts [MODEL.json]
 *
 * MODEL.json is a model written by `mi-ident mnist --out DIR` (DIR/model.json); without it a
 * model is trained first (10 epochs, seed 0: about 15 s on 2 cores).
 */
import { readFileSync } from 'node:fs';
import { circuitOutput } from '../src/circuits/circuit.ts';
import { CircuitSpace } from '../src/circuits/space.ts';
import { forward, parseModel } from '../src/model.ts';
import { digitAscii } from '../src/mnist/ascii.ts';
import { patternOf } from '../src/mnist/binarize.ts';
import { runMnistExperiment } from '../src/mnist/experiment.ts';
import { loadMnistSplit } from '../src/mnist/node-files.ts';
import { tailModel } from '../src/mnist/tail.ts';

const modelFile = process.argv[2];
const splits = { train: loadMnistSplit('train'), test: loadMnistSplit('t10k') };
if (!modelFile) console.log('training the 784-128-128-3-3-3-1 model (10 epochs)...');
const e = await runMnistExperiment(splits, {
  model: modelFile ? parseModel(readFileSync(modelFile, 'utf8')) : undefined,
  tail: { stages: { groundings: false, mappings: false } }, // circuits are enough here
});
const tail = tailModel(e.model, e.tailStart);
const space = new CircuitSpace(tail.layerSizes);
const perfect = e.tail.output.perfectCircuits;
// The three sparsest perfect circuits (most hidden nodes dropped), in enumeration order among equals.
const shown = [...perfect].sort((a, b) => b.nodeSparsity - a.nodeSparsity || a.index - b.index).slice(0, 3);
const masks = (index: number) => space.decode(index).nodeMasks.slice(1, -1).map((m) => m.join('')).join(' ');

console.log(`validation accuracy ${e.valAccuracy.toFixed(4)}; tail: ${perfect.length.toLocaleString('en-US')} perfect circuits of ${e.tail.output.circuitsEnumerated.toLocaleString('en-US')}`);
shown.forEach((c, i) => console.log(`  circuit ${String.fromCharCode(65 + i)}: #${c.index}, hidden nodes kept ${masks(c.index)}`));
console.log('');

// Two zeros, two ones, and the first digit the model gets wrong (if any).
const v = e.validation;
const width = tail.layerSizes[0]!;
const picks = [...pick((s) => v.y[s] === 0, 2), ...pick((s) => v.y[s] === 1, 2), ...pick((s) => Math.round(forward(tail, row(s))[0]!) !== v.y[s], 1)];

for (const s of picks) {
  const art = digitAscii(splits.test.images.subarray(v.indices[s]! * 784, (v.indices[s]! + 1) * 784), 28);
  const h = row(s);
  const info = [
    `validation image #${s} (test split #${v.indices[s]}), digit ${v.digits[s]}`,
    `model output ${forward(tail, h)[0]!.toFixed(3)}`,
    `layer-3 activations ${Array.from(h, (a) => a.toFixed(2)).join(', ')}`,
    `binarised inputs ${patternOf(h, e.tail.binarization).toString(2).padStart(width, '0')}`,
    ...shown.map((c, i) => `circuit ${String.fromCharCode(65 + i)} output ${circuitOutput(tail, space.decode(c.index), h)[0]!.toFixed(3)}`),
  ];
  art.forEach((line, i) => console.log(`${line.padEnd(30)}${info[i] ?? ''}`));
  console.log('');
}

function row(s: number): Float32Array {
  return e.tailInputs.subarray(s * width, (s + 1) * width);
}

function pick(ok: (s: number) => boolean, k: number): number[] {
  const out: number[] = [];
  for (let s = 0; s < v.n && out.length < k; s++) if (ok(s)) out.push(s);
  return out;
}
