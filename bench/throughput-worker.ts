/**
 * Bench helper run in a worker thread: evaluates the pretrained 2-3-3-1 model's circuit space
 * `reps` times with the Wasm backend and reports the elapsed milliseconds (the kernel's
 * throughput per core, as an experiment grid uses the cores: one model per thread).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CircuitSpace, createWasmBackend, getGate, parseModel, PRETRAINED_XOR, truthTableDataset, weightRows } from '../src/index.ts';

const model = parseModel(PRETRAINED_XOR);
const space = new CircuitSpace(model.layerSizes);
const request = { model, space, start: 0, end: space.count, rows: weightRows(truthTableDataset(getGate('XOR'))), accuracyThreshold: 0.99 };
const wasm = await createWasmBackend();
// Warm-up: long enough for V8 to tier the kernel up from its baseline compiler.
for (const until = performance.now() + 500; performance.now() < until; ) await wasm.evaluateCircuits(request);
parentPort!.once('message', async () => {
  const t = performance.now();
  for (let i = 0; i < workerData.reps; i++) await wasm.evaluateCircuits(request);
  parentPort!.postMessage(performance.now() - t);
});
parentPort!.postMessage('ready');
