/**
 * The Wasm search kernel's branch and bound (assembly/forward.ts, prepareProductBounds) on and
 * off, side by side in one process on one thread: whole circuit searches of trained XOR models,
 * round by round (on, off, on, ...), warm medians after a first round, with the share of circuits
 * the bound rejected unevaluated. Both sides must find the same circuits with the same exact
 * redos; the bench stops if they do not.
 *
 *   node --import tsx bench/pruning.ts [--runs 9]
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { evaluateCircuitsWasm, lastExactRedos, lastPrunedCircuits, setTailPruning } from '../src/backends/wasm-circuits.ts';
import { instantiateWasmModule } from '../src/backends/wasm-module.ts';
import { sharedCircuitSpace } from '../src/circuits/space-cache.ts';
import { CIRCUIT_CHUNK } from '../src/backends/requests.ts';
import { truthTableDataset, weightRows } from '../src/data.ts';
import { getGate } from '../src/gates.ts';
import { parseModel, type Model } from '../src/model.ts';
import { PRETRAINED_XOR } from '../src/pretrained-xor.ts';
import { median } from './probe-run.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '9' } } });
const runs = Number(values.runs);
const fixture = (name: string) => parseModel(JSON.parse(readFileSync(new URL(`../test/fixtures/${name}`, import.meta.url), 'utf8')));
const cases: [string, Model, number][] = [
  ['pretrained 2-3-3-1 @0', parseModel(PRETRAINED_XOR), 0],
  ['2-5-5-1 @0.3', fixture('XOR_w5_trained.json'), 0.3],
  ['2-5-5-1 @0.2', fixture('XOR_w5_trained.json'), 0.2],
  ['2-6-6-1 @0.5', fixture('XOR_w6_trained.json'), 0.5],
  ['2-6-6-1 @0.45', fixture('XOR_w6_trained.json'), 0.45],
  ['2-8-8-1 @0.65', fixture('XOR_w8_trained.json'), 0.65],
];
const module = await instantiateWasmModule();
const rows = weightRows(truthTableDataset(getGate('XOR')));
const ms = (t: number) => (t < 1000 ? `${t.toFixed(1)} ms` : `${(t / 1000).toFixed(2)} s`);

/** One whole search in the chunks the Wasm backend uses: time, circuits found, exact redos, pruned. */
function search(model: Model, minSparsity: number, pruning: boolean) {
  const space = sharedCircuitSpace(model.layerSizes, minSparsity);
  setTailPruning(module, pruning);
  const found: number[] = [];
  let redos = 0;
  let pruned = 0;
  const t = performance.now();
  for (let start = 0; start < space.count; start += CIRCUIT_CHUNK) {
    const part = evaluateCircuitsWasm(module, { model, space, start, end: Math.min(space.count, start + CIRCUIT_CHUNK), rows, accuracyThreshold: 0.99 });
    for (const index of part) found.push(index);
    redos += lastExactRedos(module);
    pruned += lastPrunedCircuits(module);
  }
  return { ms: performance.now() - t, found, redos, pruned, count: space.count };
}

console.log(`Branch and bound on / off, one thread, ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}; warm medians of ${runs} rounds after one (best in brackets)`);
console.log('| search | circuits | perfect | off | on | off / on | rejected by the bound |');
console.log('|---|--:|--:|--:|--:|--:|--:|');
for (const [name, model, minSparsity] of cases) {
  const on: number[] = [];
  const off: number[] = [];
  let last = search(model, minSparsity, true);
  // Fewer rounds for long searches: the whole bench stays within a few minutes.
  const rounds = Math.max(3, Math.min(runs, Math.round(2e8 / last.count)));
  for (let round = -1; round < rounds; round++) {
    const a = search(model, minSparsity, true);
    const b = search(model, minSparsity, false);
    if (a.found.length !== b.found.length || a.found.some((v, i) => v !== b.found[i]) || a.redos !== b.redos) {
      throw new Error(`${name}: the bound changed the result (${a.found.length} vs ${b.found.length} circuits, ${a.redos} vs ${b.redos} exact redos)`);
    }
    if (round >= 0) {
      on.push(a.ms);
      off.push(b.ms);
    }
    last = a;
  }
  const shown = (xs: number[]) => `${ms(median(xs))} (${ms(Math.min(...xs))})`;
  console.log(`| ${name} | ${last.count.toLocaleString('en-US')} | ${last.found.length.toLocaleString('en-US')} | ${shown(off)} | ${shown(on)} | ${(median(off) / median(on)).toFixed(2)}x | ${((100 * last.pruned) / last.count).toFixed(1)} % |`);
}
setTailPruning(module, true);
