/**
 * The Wasm fast mode's static error bound on the oracle models, and its range.
 *
 *   node --import tsx scripts/fast-bound-range.ts
 *
 * For each model (the authors' pretrained XOR model, every trained case in
 * test/fixtures/cases/, and the trained 2-5-5-1 XOR model test/fixtures/XOR_w5_trained.json)
 * and each output (analysed on its own, as `analyze` does, with its gate), this computes the
 * decision margins of src/backends/wasm-fast-bound.ts on the gate's clean truth table, as the
 * Wasm backend does. A row's bound is 0.5 - its margin: how far the fast float32 output may be
 * from the reference output, on any circuit of the model. The model's bound is the largest over
 * its rows. Each line also gives how many circuits of the model's circuit space (main.py's min
 * sparsity, accuracy threshold 0.99, truth-table rows) the Wasm kernel evaluated again in exact
 * mode because an output lay within the bound of a rounding boundary. Prints one line per model
 * output, then the range over the oracle models (pretrained model and cases) and over the 2-5-5-1
 * model.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { defaultMinSparsity } from '../src/analyze.ts';
import { evaluateCircuitsWasm, lastExactRedos } from '../src/backends/wasm-circuits.ts';
import { fastDecisionMargins } from '../src/backends/wasm-fast-bound.ts';
import { instantiateWasmModule } from '../src/backends/wasm-module.ts';
import { CircuitSpace } from '../src/circuits/space.ts';
import { truthTableDataset, weightRows } from '../src/data.ts';
import { getGate } from '../src/gates.ts';
import { parseModel, subModel, type Model } from '../src/model.ts';
import { PRETRAINED_XOR } from '../src/pretrained-xor.ts';

const fixtures = new URL('../test/fixtures/', import.meta.url);
const readJson = (path: string) => JSON.parse(readFileSync(new URL(path, fixtures), 'utf8'));

const kernels = await instantiateWasmModule();

/** The largest 0.5 - margin over the gate's truth-table rows (null when fast mode is off), and the exact-mode redos. */
function modelBound(model: Model, gateName: string): { bound: number | null; circuits: number; redone: number } {
  const rows = weightRows(truthTableDataset(getGate(gateName)));
  const margins = fastDecisionMargins(model, rows);
  let bound: number | null = null;
  if (margins) {
    bound = 0;
    for (const m of margins) bound = Math.max(bound, 0.5 - m);
  }
  const space = new CircuitSpace(model.layerSizes, { minSparsity: defaultMinSparsity(model.layerSizes) });
  evaluateCircuitsWasm(kernels, { model, space, start: 0, end: space.count, rows, accuracyThreshold: 0.99 }, true);
  return { bound, circuits: space.count, redone: lastExactRedos(kernels) };
}

interface Entry { name: string; group: 'oracle' | 'trained 2-5-5-1'; sizes: readonly number[]; gate: string; bound: number | null; circuits: number; redone: number }
const entries: Entry[] = [];
const add = (name: string, group: Entry['group'], model: Model, gates: string[]) => {
  gates.forEach((gate, o) => {
    const sub = subModel(model, o);
    entries.push({ name: gates.length > 1 ? `${name} output ${o}` : name, group, sizes: model.layerSizes, gate, ...modelBound(sub, gate) });
  });
};

add('xor_mlp_pretrained (PRETRAINED_XOR)', 'oracle', parseModel(PRETRAINED_XOR), ['XOR']);
for (const file of readdirSync(new URL('cases/', fixtures)).filter((f) => f.endsWith('.json')).sort()) {
  const c = readJson(`cases/${file}`);
  add(c.name ?? file.replace(/\.json$/, ''), 'oracle', parseModel(c.model), c.expected.outputs.map((o: { gate: string }) => o.gate));
}
add('XOR_w5_trained', 'trained 2-5-5-1', parseModel(readJson('XOR_w5_trained.json')), ['XOR']);

const fmt = (x: number | null) => (x === null ? 'fast mode off' : x.toExponential(2));
const count = (n: number) => n.toLocaleString('en-US');
for (const e of entries) {
  console.log(`${e.name.padEnd(36)} ${e.sizes.join('-').padEnd(9)} ${e.gate.padEnd(5)} bound ${fmt(e.bound).padEnd(9)} redone in exact mode: ${count(e.redone)} of ${count(e.circuits)} circuits`);
}
for (const group of ['oracle', 'trained 2-5-5-1'] as const) {
  const bounds = entries.filter((e) => e.group === group && e.bound !== null).map((e) => e.bound!);
  const off = entries.filter((e) => e.group === group && e.bound === null).length;
  console.log(`${group}: ${bounds.length} model outputs, bound ${fmt(Math.min(...bounds))} to ${fmt(Math.max(...bounds))}${off ? `, ${off} with fast mode off` : ''}`);
}
