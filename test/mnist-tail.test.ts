/**
 * The MNIST experiment's pieces: the tail sub-MLP, binarised inputs, groundings on given rows,
 * the tail analysis (checked against the oracle on the pretrained XOR model, whose clean inputs
 * are their own prototypes), MNIST training on the fast engine, and `mi-ident mnist`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli/main.ts';
import { CircuitSpace } from '../src/circuits/space.ts';
import { createTsBackend } from '../src/backends/ts.ts';
import { createWasmBackend } from '../src/backends/wasm.ts';
import { distinctGroundingRows } from '../src/grounding.ts';
import { forward, forwardActivations, parseModel, type Model } from '../src/model.ts';
import { PRETRAINED_XOR } from '../src/pretrained-xor.ts';
import { initModel } from '../src/train/params.ts';
import { streamRng, uniform } from '../src/train/rng.ts';
import { analyzeTail } from '../src/mnist/analyze-tail.ts';
import { fitBinarization, observedRows, patternCounts, patternOf, prototypeRows, tailGate } from '../src/mnist/binarize.ts';
import { filterDigits, mnistSplit } from '../src/mnist/dataset.ts';
import { runMnistExperiment } from '../src/mnist/experiment.ts';
import { loadMnistSplit } from '../src/mnist/node-files.ts';
import { formatMnistSummary } from '../src/mnist/summary.ts';
import { parseIdx } from '../src/mnist/idx.ts';
import { headModel, layerActivations, tailModel } from '../src/mnist/tail.ts';
import { MNIST_LAYER_SIZES, trainMnist } from '../src/mnist/train.ts';
import { FIXTURES } from './helpers.ts';

const xor = parseModel(PRETRAINED_XOR);
const TT = [[0, 0], [0, 1], [1, 0], [1, 1]];

test('the 3-3-3-1 tail of the MNIST model has 24,366 candidate circuits', () => {
  const model = initModel(streamRng('tail-test'), MNIST_LAYER_SIZES);
  const tail = tailModel(model, 3);
  assert.equal(tail.layerSizes, [3, 3, 3, 1]);
  assert.is(new CircuitSpace(tail.layerSizes).count, 24_366);
});

test('head and tail compose to the whole model, bit for bit', () => {
  const model = initModel(streamRng('compose'), [20, 8, 6, 3, 3, 3, 1]);
  const rng = streamRng('compose-x');
  const n = 50;
  const x = Float32Array.from({ length: n * 20 }, () => Math.fround(2 * uniform(rng) - 1));
  const h = layerActivations(model, x, n, 3);
  for (let s = 0; s < n; s++) {
    const whole = forwardActivations(model, x.subarray(s * 20, (s + 1) * 20));
    assert.equal(Array.from(h.subarray(s * 3, (s + 1) * 3)), Array.from(whole[3]!));
    assert.equal(forward(tailModel(model, 3), h.subarray(s * 3, (s + 1) * 3)), whole[6]!);
    assert.equal(forward(headModel(model, 3), x.subarray(s * 20, (s + 1) * 20)), whole[3]!);
  }
  assert.throws(() => tailModel(model, 0), /must start at a hidden layer \(1\.\.5\)/);
  assert.throws(() => tailModel(model, 6), /must start at a hidden layer/);
});

test('binarisation: thresholds between the class means, prototypes per side, patterns', () => {
  // Input 0 separates the labels; input 1 is constant (its bit-1 side is empty).
  const x = Float32Array.from([0, 5, 2, 5, 10, 5, 14, 5]);
  const labels = Float32Array.from([0, 0, 1, 1]);
  const b = fitBinarization(x, 2, labels);
  assert.equal(b.classMeans, [[1, 12], [5, 5]]);
  assert.equal(b.thresholds, [6.5, 5]);
  assert.equal(b.prototypes, [[1, 12], [5, 5]]);
  assert.is(patternOf([10, 5], b), 2);
  assert.equal(prototypeRows(b), [[1, 5], [1, 5], [12, 5], [12, 5]]);
  assert.equal(patternCounts(x, labels, b), [{ pattern: 0, samples: 2, label1: 0 }, { pattern: 2, samples: 2, label1: 2 }]);
  assert.equal(observedRows(x, b), { patterns: [0, 2], rows: [[2, 5], [14, 5]] }); // last occurrence wins
  assert.throws(() => fitBinarization(x, 2, Float32Array.from([0, 0, 0, 0])), /samples of both labels/);
  assert.throws(() => fitBinarization(x, 2, Float32Array.from([0, 0, 2, 1])), /labels must be 0 or 1/);
});

test('on clean XOR data the prototypes are the truth table and the tail gate is XOR', () => {
  const b = fitBinarization(Float32Array.from(TT.flat()), 2, Float32Array.from([0, 1, 1, 0]));
  assert.equal(prototypeRows(b), TT);
  assert.equal(tailGate(xor, b).truthTable, [0, 1, 1, 0]);
});

test('groundings on given rows: one distinct input per pattern, even where truncation would merge the rows (TS and Wasm)', async () => {
  const space = new CircuitSpace(xor.layerSizes);
  const all = Array.from({ length: space.count }, (_, i) => i);
  const ts = createTsBackend();
  const wasm = await createWasmBackend();
  const reference = (await ts.countGroundings({ model: xor, space, indices: all, inputs: distinctGroundingRows(TT, 2) })).counts;
  assert.ok(reference.some((c) => c > 0n));
  // Inputs halved and first-layer weights doubled: the same activations exactly, but every row
  // truncates to (0, 0); keyed by their patterns, the rows give the reference's counts.
  const halved: Model = { ...xor, weights: [xor.weights[0]!.map((w) => w * 2), ...xor.weights.slice(1)] };
  const inputs = { inputs: TT, lastRows: TT.map((r) => r.map((v) => v / 2)) };
  for (const backend of [ts, wasm]) {
    assert.equal((await backend.countGroundings({ model: halved, space, indices: all, inputs })).counts, reference, backend.name);
  }
});

test('analyzeTail reproduces the oracle on the pretrained XOR model (inputs that are their own prototypes)', async () => {
  const x = Float32Array.from([...TT, ...TT, ...TT].flat());
  const labels = Float32Array.from([0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0]);
  for (const groundRows of ['prototypes', 'observed'] as const) {
    const r = await analyzeTail(xor, { x, labels }, { groundRows, backend: 'wasm' });
    assert.is(r.gate.name, 'TAIL_0110');
    assert.is(r.output.circuitsEnumerated, 3000);
    assert.is(r.output.perfectCircuits.length, 32);
    assert.is(r.output.totalGroundings, 234_700);
    if (groundRows === 'observed') continue;
    assert.is(r.output.formulas.length, 56);
    assert.is(r.output.formulasWithMapping, 7);
    assert.is(r.output.mappingsPerFormula.reduce((a, b) => a + b, 0), 42);
  }
});

test('MNIST training: the Wasm and TypeScript engines give the same weights on the wide model', async () => {
  const train = filterDigits(mnistSplit(...sliceIdx('train')));
  const val = filterDigits(mnistSplit(...sliceIdx('t10k')));
  const a = await trainMnist(train, val, { epochs: 2, seed: 5, batchSize: 3, engine: 'wasm' });
  const b = await trainMnist(train, val, { epochs: 2, seed: 5, batchSize: 3, engine: 'ts' });
  assert.is(a.engine, 'wasm');
  assert.is(b.engine, 'ts');
  assert.is(a.epochs, 2);
  assert.equal(a.model.layerSizes, [784, 128, 128, 3, 3, 3, 1]);
  a.model.weights.forEach((w, l) => assert.ok(w.every((v, i) => Object.is(v, b.model.weights[l]![i])), `layer ${l} weights differ`));
  assert.is(a.finalLoss, b.finalLoss);
});

/** The 12-image fixture slice of a split. */
function sliceIdx(split: string) {
  const read = (what: string) => parseIdx(readFileSync(join(FIXTURES, `mnist-${split}-first12-${what}-ubyte`)));
  return [read('images-idx3'), read('labels-idx1')] as const;
}

let splits: { train: ReturnType<typeof loadMnistSplit>; test: ReturnType<typeof loadMnistSplit> } | null = null;
const realSplits = () => (splits ??= { train: loadMnistSplit('train'), test: loadMnistSplit('t10k') });

test('the experiment end to end on a training slice: tail of 24,366 circuits, groundings per perfect circuit', async () => {
  const stages: string[] = [];
  const e = await runMnistExperiment(realSplits(), { trainSamples: 256, train: { epochs: 1 }, tail: { formulaDepth: 1 }, onStage: (s) => stages.push(s) });
  assert.equal(stages, ['train', 'tail inputs', 'tail analysis']);
  assert.is(e.train.n, 256);
  assert.is(e.validation.n, 2115);
  assert.is(e.training!.epochs, 1);
  assert.is(e.tailInputs.length, 2115 * 3);
  assert.ok(Math.abs(e.valAccuracy - e.training!.valAccuracy) < 0.002, 'reference and trainer accuracies agree');
  const o = e.tail.output;
  assert.is(o.circuitsEnumerated, 24_366);
  assert.is(o.groundingsPerCircuit.length, o.perfectCircuits.length);
  assert.equal(e.tail.groundInputs.patterns, [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.is(e.tail.binarization.patterns.reduce((a, p) => a + p.samples, 0), 2115);
  assert.match(formatMnistSummary(e), /24,366 circuits enumerated/);
});

test('mi-ident mnist writes the whole model and the tail analysis', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mi-ident-mnist-'));
  const out: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  let code: number;
  try {
    code = await main(['mnist', '--epochs', '1', '--train-samples', '128', '--depth', '1', '--ground', 'observed', '--out', dir]);
  } finally {
    console.log = log;
  }
  assert.is(code, 0);
  const model = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  assert.equal(parseModel(model).layerSizes, [784, 128, 128, 3, 3, 3, 1]);
  assert.is(model.training.trainImages, 128);
  const tail = JSON.parse(readFileSync(join(dir, 'tail-analysis.json'), 'utf8'));
  assert.is(tail.output.circuitsEnumerated, 24_366);
  assert.is(tail.options.groundRows, 'observed');
  assert.match(out.join('\n'), /validation accuracy/);
  // Re-analysing the saved model gives the same circuits.
  const again = mkdtempSync(join(tmpdir(), 'mi-ident-mnist-'));
  assert.is(await main(['mnist', '--model', join(dir, 'model.json'), '--depth', '1', '--ground', 'observed', '--out', again, '--quiet']), 0);
  const tail2 = JSON.parse(readFileSync(join(again, 'tail-analysis.json'), 'utf8'));
  assert.equal(tail2.output.perfectCircuits, tail.output.perfectCircuits);
  assert.equal(tail2.output.groundingsPerCircuit, tail.output.groundingsPerCircuit);
  assert.not.ok(existsSync(join(again, 'model.json.tmp')));
});

test('mi-ident mnist refuses bad options before loading anything', async () => {
  const bad: [string[], RegExp][] = [
    [['--ground', 'all'], /--ground must be prototypes or observed/],
    [['--threshold', '1.5'], /--threshold must be a number in \[0, 1\)/],
    [['--epochs', '0'], /--epochs must be an integer >= 1/],
    [['--pair-order', 'CD'], /--pair-order must be BA, AB or all/],
    [['--model', '/nonexistent.json'], /--model: cannot read/],
    [['extra'], /takes no positional arguments/],
  ];
  const err = console.error;
  for (const [args, message] of bad) {
    const lines: string[] = [];
    console.error = (...a: unknown[]) => void lines.push(a.join(' '));
    try {
      assert.is(await main(['mnist', ...args]), 2, args.join(' '));
    } finally {
      console.error = err;
    }
    assert.match(lines.join('\n'), message);
  }
});

test.run();
