// Backend selection and the parts of the kernel interface the conformance suite does not see:
// fixed names, labels, and a layout past the Wasm kernels' limits recorded as a fallback.
// (Every backend's results are checked in test/conformance-*.test.ts.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { analyzeModel } from '../src/analyze.ts';
import { evaluateCircuitsAblated } from '../src/backends/ablation.ts';
import { selectBackend } from '../src/backends/select.ts';
import { evaluateCircuitsTs } from '../src/backends/ts.ts';
import { ablationUnits } from '../src/circuits/ablation.ts';
import { createWasmBackend } from '../src/backends/wasm.ts';
import { CircuitSpace } from '../src/circuits/space.ts';
import { truthTableDataset, weightRows } from '../src/data.ts';
import { InputError } from '../src/errors.ts';
import { getGate } from '../src/gates.ts';
import { parseModel } from '../src/model.ts';
import { PRETRAINED_XOR } from '../src/pretrained-xor.ts';

test('backend selection: ts and wasm by name; auto is Wasm unless a real GPU adapter exists', async () => {
  // WebGPU selection (auto on a real adapter, the webgpu fallback) is tested in webgpu-node.test.ts.
  assert.ok(['wasm', 'webgpu'].includes((await selectBackend('auto')).name));
  assert.is((await selectBackend('ts')).name, 'ts');
  assert.is((await selectBackend('wasm')).name, 'wasm');
  try {
    await selectBackend('cuda' as never);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, InputError);
    assert.match((e as Error).message, /unknown backend "cuda"/);
  }
});

test('the result records which backend ran each stage', async () => {
  const r = await analyzeModel(parseModel(PRETRAINED_XOR), { gates: ['XOR'], backend: 'wasm' });
  assert.equal(r.backend, { name: 'wasm', label: 'wasm', circuits: 'wasm', groundings: 'wasm', mappings: 'wasm', fallbacks: [] });
  const skipped = await analyzeModel(parseModel(PRETRAINED_XOR), { gates: ['XOR'], backend: 'ts', stages: { groundings: false, mappings: false } });
  assert.equal([skipped.backend.circuits, skipped.backend.groundings, skipped.backend.mappings], ['ts', null, null]);
});

test("a layout past the Wasm kernels' limits: the TS reference answers, the backend keeps its name, the result says why", async () => {
  // 17 weight layers: more than the circuit kernel's 16 (assembly/layout.ts MAX_LAYERS).
  const sizes = [2, 2, ...new Array<number>(15).fill(1), 1];
  const model = parseModel({
    layerSizes: sizes,
    weights: sizes.slice(1).map((out, l) => Array.from({ length: out }, () => new Array<number>(sizes[l]!).fill(1))),
    biases: sizes.slice(1).map((out) => new Array<number>(out).fill(0)),
  });
  const backend = await createWasmBackend();
  const space = new CircuitSpace(sizes);
  const r = await backend.evaluateCircuits({ model, space, start: 0, end: space.count, rows: weightRows(truthTableDataset(getGate('OR'))), accuracyThreshold: 0.5 });
  assert.is(backend.name, 'wasm');
  assert.is(r.ranOn, 'ts');
  assert.match(r.fallback ?? '', /16 layers/);
  const result = await analyzeModel(model, { gates: ['OR'], backend, stages: { mappings: false } });
  assert.equal(result.backend.fallbacks.map((f) => f.stage), ['circuits']);
  assert.is(result.backend.circuits, 'ts');
});

test('ablated circuit requests: the backends with the kernel answer them; another backend gets the TS reference, recorded as a fallback', async () => {
  const model = parseModel(PRETRAINED_XOR);
  const space = new CircuitSpace(model.layerSizes);
  const rows = weightRows(truthTableDataset(getGate('XOR')));
  const values = new Float32Array(rows.weight.length * ablationUnits(model.layerSizes).count).fill(0.25);
  const request = { model, space, start: 0, end: space.count, rows, accuracyThreshold: 0.99, ablation: { values } };
  const wasm = await createWasmBackend();
  const own = await evaluateCircuitsAblated(wasm, request);
  assert.equal([own.ranOn, own.fallback], ['wasm', undefined]);
  // A backend without `kernelExtensions.ablation` (here: the Wasm one with the flag taken away).
  const plain = { ...wasm, kernelExtensions: undefined, evaluateCircuits: () => Promise.reject(new Error('must not be asked')) };
  const other = await evaluateCircuitsAblated(plain, request);
  assert.is(other.ranOn, 'ts');
  assert.match(other.fallback ?? '', /no ablation kernel/);
  assert.equal(Array.from(other.perfect), Array.from(own.perfect));
  assert.equal(Array.from(own.perfect), Array.from(evaluateCircuitsTs(request)));
});

test.run();
