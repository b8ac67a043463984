/**
 * The 2-5-5-1 circuit search (test/fixtures/XOR_w5_trained.json at 0.3, 1,092,035 circuits) cut
 * into the eight pieces the worker-pool backend sends, side by side in one process (warm: after
 * a first round, medians of `--runs`):
 * - each piece on this thread with the request's own model and rows, then with fresh copies of
 *   them (what a worker receives: a structured clone per message);
 * - the whole search on this thread, then on a pool of two worker threads (right after the last
 *   request, after 5 ms with the workers idle, and after 5 ms of work on this thread);
 * - decoding its perfect circuits for the result (the listed masks) with the first shared decoder
 *   of a new space, which unpacks every edge row, and with a later one, which finds them kept;
 * - when the pool pays: whole searches of 0.26 to 77 million circuits (the trained 2-5-5-1 and
 *   2-6-6-1 XOR at several min sparsities) on this thread and on the pool, round by round, then
 *   the circuit stage of whole analyses (analyzeModel: groundings on the same backend and the
 *   mapping stage on this thread between searches), which is what the backend's
 *   `minParallelCircuits` default rests on.
 *
 *   node --import tsx bench/pieces.ts [--runs 30]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { analyzeModel } from '../src/analyze.ts';
import { createWasmBackend } from '../src/backends/wasm.ts';
import { sharedCircuitSpace } from '../src/circuits/space-cache.ts';
import { CircuitSpace } from '../src/circuits/space.ts';
import { truthTableDataset, weightRows } from '../src/data.ts';
import { getGate } from '../src/gates.ts';
import { parseModel } from '../src/model.ts';
import { createNodePool } from '../src/node/workers.ts';
import { createParallelBackend } from '../src/parallel/backend.ts';
import { splitRange } from '../src/parallel/pool.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '30' } } });
const runs = Number(values.runs);
const model = parseModel(JSON.parse(readFileSync(new URL('../test/fixtures/XOR_w5_trained.json', import.meta.url), 'utf8')));
const space = sharedCircuitSpace(model.layerSizes, 0.3);
const rows = weightRows(truthTableDataset(getGate('XOR')));
const request = { model, space, start: 0, end: space.count, rows, accuracyThreshold: 0.99 };
const local = await createWasmBackend();
const pool = createNodePool(2);
// Every request on the pool, whatever its size (the default keeps small ones here).
const parallel = await createParallelBackend({ pool, minParallelCircuits: 0 });
const pieces = splitRange(space.count, 8); // what the backend sends to a pool of two

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const piecesOn = (copies: boolean) => async () => {
  for (const [start, end] of pieces) {
    const m = copies ? structuredClone(model) : model;
    const r = copies ? structuredClone(rows) : rows;
    await local.evaluateCircuits({ ...request, model: m, rows: r, start, end });
  }
};
const onPool = () => parallel.evaluateCircuits({ ...request, model: structuredClone(model), rows: structuredClone(rows) });
// A variant that returns a number times itself (what it does before the search is not counted).
const variants: [string, () => Promise<unknown>][] = [
  ["eight pieces on this thread, the request's model and rows", piecesOn(false)],
  ['eight pieces on this thread, fresh copies per piece', piecesOn(true)],
  ['the whole search on this thread', () => local.evaluateCircuits(request)],
  ['the whole search on a pool of two worker threads', () => onPool()],
  ['  the same, after the workers idled 5 ms', async () => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    const t = performance.now();
    await onPool();
    return performance.now() - t;
  }],
  ['  the same, after this thread computed for 5 ms', async () => {
    const until = performance.now() + 5;
    while (performance.now() < until); // as the mapping stage keeps this thread busy
    const t = performance.now();
    await onPool();
    return performance.now() - t;
  }],
];
// Round by round, every variant once (this machine's speed wanders: each round meets the same).
const times = variants.map(() => [] as number[]);
for (let round = -1; round < runs; round++) {
  for (const [v, [, run]] of variants.entries()) {
    const t = performance.now();
    const own = await run();
    if (round >= 0) times[v]!.push(typeof own === 'number' ? own : performance.now() - t); // round -1 warms up
  }
}
console.log(`2-5-5-1 @0.3, ${space.count} circuits: medians (best) of ${runs} warm rounds`);
for (const [v, [name]] of variants.entries()) {
  const xs = times[v]!;
  const perPiece = v < 2 ? ` = ${(median(xs) / pieces.length).toFixed(2)} ms a piece` : '';
  console.log(`  ${name.padEnd(58)} ${median(xs).toFixed(2)} ms (${Math.min(...xs).toFixed(2)})${perPiece}`);
}
const perfect = (await local.evaluateCircuits(request)).perfect;
const decodeFirst: number[] = [];
const decodeKept: number[] = [];
for (let round = 0; round < runs; round++) {
  const fresh = new CircuitSpace(model.layerSizes, { minSparsity: 0.3 });
  for (const decodeTimes of [decodeFirst, decodeKept]) {
    const t = performance.now();
    const decode = fresh.sharedDecoder();
    for (const index of perfect) decode(index);
    decodeTimes.push(performance.now() - t);
  }
}
console.log(`  decoding the ${perfect.length} perfect circuits, a new space's first decoder`.padEnd(60), `${median(decodeFirst).toFixed(2)} ms (${Math.min(...decodeFirst).toFixed(2)})`);
console.log(`  decoding them again, a later decoder of that space`.padEnd(60), `${median(decodeKept).toFixed(2)} ms (${Math.min(...decodeKept).toFixed(2)})`);

// When the pool pays: the same searches here and on the pool, alternating, medians of warm rounds.
const sizes: [string, number][] = [['XOR_w6_trained.json', 0.5], ['XOR_w5_trained.json', 0.3], ['XOR_w6_trained.json', 0.45], ['XOR_w5_trained.json', 0.2], ['XOR_w6_trained.json', 0.4]];
console.log('\nwhole searches, this thread / a pool of two (warm medians, best in brackets):');
for (const [file, minSparsity] of sizes) {
  const m = parseModel(JSON.parse(readFileSync(new URL(`../test/fixtures/${file}`, import.meta.url), 'utf8')));
  const s = sharedCircuitSpace(m.layerSizes, minSparsity);
  const r = { model: m, space: s, start: 0, end: s.count, rows, accuracyThreshold: 0.99 };
  const rounds = Math.max(3, Math.min(runs, Math.round(3e7 / s.count)));
  const here: number[] = [];
  const there: number[] = [];
  for (let round = -1; round < rounds; round++) {
    for (const [xs, backend] of [[here, local], [there, parallel]] as const) {
      const t = performance.now();
      await backend.evaluateCircuits(r);
      if (round >= 0) xs.push(performance.now() - t);
    }
  }
  const shown = (xs: number[]) => `${median(xs).toFixed(1)} ms (${Math.min(...xs).toFixed(1)})`;
  console.log(`  ${`${m.layerSizes.join('-')} @${minSparsity}, ${s.count.toLocaleString('en-US')} circuits`.padEnd(40)} ${shown(here).padEnd(20)} ${shown(there).padEnd(20)} pool ${(median(here) / median(there)).toFixed(2)}x, ${rounds} rounds`);
}

// The same in whole analyses: the circuit stage as analyzeModel times it.
console.log('\ncircuit stages of whole analyses, this thread / a pool of two (warm medians, best in brackets):');
for (const [file, minSparsity] of [['XOR_w5_trained.json', 0.3], ['XOR_w6_trained.json', 0.45]] as const) {
  const m = parseModel(JSON.parse(readFileSync(new URL(`../test/fixtures/${file}`, import.meta.url), 'utf8')));
  const here: number[] = [];
  const there: number[] = [];
  for (let round = -2; round < Math.min(runs, 10); round++) {
    for (const [xs, backend] of [[here, local], [there, parallel]] as const) {
      const r = await analyzeModel(m, { gates: ['XOR'], backend, minSparsity });
      if (round >= 0) xs.push(r.outputs[0]!.timings.circuits);
    }
  }
  const shown = (xs: number[]) => `${median(xs).toFixed(1)} ms (${Math.min(...xs).toFixed(1)})`;
  const count = sharedCircuitSpace(m.layerSizes, minSparsity).count;
  console.log(`  ${`${m.layerSizes.join('-')} @${minSparsity}, ${count.toLocaleString('en-US')} circuits`.padEnd(40)} ${shown(here).padEnd(20)} ${shown(there).padEnd(20)} pool ${(median(here) / median(there)).toFixed(2)}x`);
}
parallel.dispose();
local.dispose();
await pool.terminate();
