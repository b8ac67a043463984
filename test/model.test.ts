import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseModel, forwardActivations, subModel, modelToJson } from '../src/model.ts';
import { PRETRAINED_XOR } from '../src/pretrained-xor.ts';
import { ModelFormatError } from '../src/errors.ts';
import { fixture } from './helpers.ts';

test('pretrained model: activations equal the reference bit for bit (float32, torch summation order)', () => {
  const model = parseModel(PRETRAINED_XOR);
  const exp = fixture('xor_mlp_pretrained.expected.json');
  exp.inputs.forEach((x: number[], s: number) => {
    const acts = forwardActivations(model, x);
    for (let l = 1; l < acts.length; l++) assert.equal(Array.from(acts[l]!), exp.activations_clean[l][s], `layer ${l} sample ${s}`);
  });
  assert.equal(exp.model_output_clean, exp.inputs.map((x: number[]) => forwardActivations(model, x)[3]![0]));
});

test('the JSON round trip keeps every float32 bit', () => {
  const model = parseModel(PRETRAINED_XOR);
  assert.equal(parseModel(JSON.stringify(modelToJson(model))), model);
});

test('subModel keeps one output row and the final LeakyReLU', () => {
  const c = fixture('cases/XOR-NAND_w3_d2_seed0.json');
  const model = parseModel(c.model);
  const nand = subModel(model, 1);
  assert.equal(nand.layerSizes, [2, 3, 3, 1]);
  const full = forwardActivations(model, [1, 0])[3]!;
  assert.is(forwardActivations(nand, [1, 0])[3]![0], full[1]);
  assert.throws(() => subModel(model, 2), /output 2 does not exist: the model has 2 output/);
});

const valid = () => JSON.parse(JSON.stringify(PRETRAINED_XOR));
const badModels: [string, (m: any) => unknown, RegExp][] = [
  ['not JSON', () => '{"layerSizes": [2,', /model is not valid JSON/],
  ['not an object', () => [1, 2], /must be a JSON object/],
  ['missing weights', (m) => (delete m.weights, m), /missing the field "weights"/],
  ['missing layerSizes', (m) => (delete m.layerSizes, m), /missing the field "layerSizes"/],
  ['one layer', (m) => ((m.layerSizes = [2]), m), /at least 2 layer sizes/],
  ['zero width', (m) => ((m.layerSizes = [2, 0, 3, 1]), m), /layerSizes\[1\] must be a positive integer, got 0/],
  ['negative width', (m) => ((m.layerSizes = [2, -3, 3, 1]), m), /layerSizes\[1\] must be a positive integer, got -3/],
  ['fractional width', (m) => ((m.layerSizes = [2, 2.5, 3, 1]), m), /layerSizes\[1\] must be a positive integer/],
  ['wrong number of matrices', (m) => (m.weights.pop(), m), /weights has 2 weight matrices, layerSizes says 3/],
  ['wrong row count', (m) => (m.weights[1].pop(), m), /weights\[1\] has 2 rows, layerSizes says 3/],
  ['wrong column count', (m) => (m.weights[1][2].push(0.5), m), /weights\[1\]\[2\] has 4 columns, layerSizes says 3/],
  ['bias length', (m) => (m.biases[0].push(1), m), /biases\[0\] has 4 entries, layerSizes says 3/],
  ['NaN weight', (m) => JSON.stringify(m).replace('1.0496739149093628', 'NaN'), /not valid JSON/],
  ['null weight', (m) => ((m.weights[0][0][1] = null), m), /weights\[0\]\[0\]\[1\] must be a finite number, got null/],
  ['string weight', (m) => ((m.weights[2][0][0] = '0.5'), m), /weights\[2\]\[0\]\[0\] must be a finite number, got "0.5"/],
  ['Infinity bias', (m) => ((m.biases[1][2] = Infinity), m), /biases\[1\]\[2\] must be a finite number, got Infinity/],
  ['NaN bias in an object', (m) => ((m.biases[1][0] = NaN), m), /biases\[1\]\[0\] must be a finite number, got NaN/],
  ['unsupported activation', (m) => ((m.activation = 'tanh'), m), /activation "tanh" is not supported/],
  ['bad slope', (m) => ((m.negativeSlope = 'x'), m), /negativeSlope must be a finite number/],
];
for (const [name, corrupt, message] of badModels) {
  test(`bad model: ${name}`, () => {
    assert.throws(
      () => parseModel(corrupt(valid())),
      (e: Error) => e instanceof ModelFormatError && message.test(e.message),
    );
  });
}

test.run();
