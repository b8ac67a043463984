/**
 * `npm run bench:cpu`: the CPU fast path's targets (issue 4), each measured next to the TS reference
 * backend in the same run and, where known, the original code's time, as ratios. Prints the
 * machine. Never asserted anywhere: timings on 2 shared cores vary by about +-30 %.
 *
 *   BENCH_RUNS=5 node --import tsx bench/cpu.ts
 */
import { readFileSync, existsSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { analyzeModel, type AnalyzeOptions } from '../src/analyze.ts';
import { CircuitSpace } from '../src/circuits/space.ts';
import { parseModel, type Model } from '../src/model.ts';
import { PRETRAINED_XOR } from '../src/pretrained-xor.ts';
import { createNodePool } from '../src/node/workers.ts';
import type { WorkerPool } from '../src/parallel/pool.ts';
import { truthTableDataset, weightRows } from '../src/data.ts';
import { getGate } from '../src/gates.ts';
import { createWasmBackend } from '../src/backends/wasm.ts';
import { evaluateCircuitsTs } from '../src/backends/ts.ts';
import { Worker } from 'node:worker_threads';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const reference = JSON.parse(readFileSync(new URL('./reference-timings.json', import.meta.url), 'utf8'));
const fixture = (p: string) => JSON.parse(readFileSync(new URL(`../test/fixtures/${p}`, import.meta.url), 'utf8'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (t: number) => (t < 1000 ? `${t.toFixed(1)} ms` : `${(t / 1000).toFixed(2)} s`);

/** Warm-up runs before timing: V8 needs a few to optimise the JS stages (formulas, mappings). */
const WARMUPS = 3;

/** Median wall time of the whole analysis (space construction included) over RUNS runs, after the warm-ups. */
async function timeAnalysis(model: Model, options: AnalyzeOptions): Promise<{ ms: number; summary: string }> {
  let summary = '';
  const times: number[] = [];
  for (let r = 0; r < WARMUPS + RUNS; r++) {
    const t = performance.now();
    const result = await analyzeModel(model, options);
    const dt = performance.now() - t;
    if (r >= WARMUPS) times.push(dt);
    const o = result.outputs[0]!;
    const mappings = o.mappingsPerFormula.reduce((a, b) => a + b, 0);
    summary = `${o.circuitsEnumerated} circuits, ${o.perfectCircuits.length} perfect, ${o.totalGroundings} groundings, ${o.formulasWithMapping} formulas / ${mappings} mappings [${result.backend.circuits}/${result.backend.groundings}]`;
  }
  return { ms: median(times), summary };
}

function line(label: string, oursMs: number, target: number | null, others: [string, number][]): void {
  const verdict = target === null ? '' : oursMs <= target ? `  (target <= ${ms(target)}: met)` : `  (target <= ${ms(target)}: NOT met, ${(oursMs / target).toFixed(2)}x over)`;
  const ratios = others.map(([name, t]) => `${name} ${ms(t)} = ${(t / oursMs).toFixed(1)}x`).join(', ');
  console.log(`  ${label}: ${ms(oursMs)}${verdict}${ratios ? `; ${ratios}` : ''}`);
}

console.log(`mi-ident CPU bench: Node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), median of ${RUNS} runs after ${WARMUPS} warm-ups`);
let pool: WorkerPool | undefined;
const workers = () => (pool ??= createNodePool(availableParallelism()));

// 1. The pretrained model, all four stages.
{
  const model = parseModel(PRETRAINED_XOR);
  const wasm = await timeAnalysis(model, { gates: ['XOR'], backend: 'wasm' });
  const ts = await timeAnalysis(model, { gates: ['XOR'], backend: 'ts' });
  const p = reference.pretrained;
  const refMs = 1000 * (p.enumerate_s + p.find_circuits_4in_s + p.grounding_total_s + p.formula_dataset_s + p.mapping_search_s);
  console.log(`\nPretrained XOR 2-3-3-1 (${wasm.summary})`);
  line('all four stages, Wasm', wasm.ms, 100, [['TS backend', ts.ms], ['original code', refMs]]);
}

// 2. Every trained 2-3-3-1 oracle case end to end.
{
  console.log('\nTrained 2-3-3-1 oracle cases, all four stages (Wasm; TS backend and original code for comparison)');
  for (const name of ['AND_w3_d2_seed0', 'OR_w3_d2_seed1', 'XOR_w3_d2_seed0', 'XOR_w3_d2_seed1', 'XOR_w3_d2_seed2', 'XOR_w3_d2_seed3', 'XOR_w3_d2_seed4', 'XOR_w3_d2_seed5', 'XOR_w3_d2_seed6', 'XOR_w3_d2_seed8', 'XOR_w3_d2_seed9']) {
    const c = fixture(`cases/${name}.json`);
    const model = parseModel(c.model);
    const gates = [c.expected.outputs[0].gate];
    const wasm = await timeAnalysis(model, { gates, backend: 'wasm' });
    const ts = await timeAnalysis(model, { gates, backend: 'ts' });
    const r = reference.cases[name];
    const refMs = 1000 * (r.find_circuits_4in_s + r.grounding_total_s + r.mapping_search_s);
    line(name, wasm.ms, 50, [['TS backend', ts.ms], ['original code', refMs]]);
  }
}

// 3. XOR_w4_d2_seed0 (2-4-4-1, min sparsity 0.2), all four stages.
{
  const c = fixture('cases/XOR_w4_d2_seed0.json');
  const model = parseModel(c.model);
  const one = await timeAnalysis(model, { gates: ['XOR'], backend: 'wasm' });
  const many = await timeAnalysis(model, { gates: ['XOR'], backend: 'wasm', workers });
  const ts = await timeAnalysis(model, { gates: ['XOR'], backend: 'ts' });
  console.log(`\nXOR_w4_d2_seed0 2-4-4-1 (${one.summary})`);
  line('all four stages, Wasm, 1 thread', one.ms, 300, [['TS backend', ts.ms]]);
  line(`all four stages, Wasm, ${availableParallelism()} threads`, many.ms, 300, [['TS backend', ts.ms]]);
}

// 4. A trained 2-5-5-1 XOR model (min sparsity 0.3, 1,092,035 circuits).
{
  const file = new URL('../test/fixtures/XOR_w5_trained.json', import.meta.url);
  if (existsSync(file)) {
    const model = parseModel(JSON.parse(readFileSync(file, 'utf8')));
    const many = await timeAnalysis(model, { gates: ['XOR'], backend: 'wasm', workers });
    const one = await timeAnalysis(model, { gates: ['XOR'], backend: 'wasm' });
    console.log(`\nTrained XOR 2-5-5-1 (${many.summary})`);
    line(`all four stages, Wasm, ${availableParallelism()} threads`, many.ms, 1000, [['1 thread', one.ms]]);
  } else {
    console.log('\n(no test/fixtures/XOR_w5_trained.json: 2-5-5-1 skipped)');
  }
}

// 5. Masked forward throughput: the 2-3-3-1 space (4 samples per circuit), repeated.
{
  const model = parseModel(PRETRAINED_XOR);
  const space = new CircuitSpace(model.layerSizes);
  const rows = weightRows(truthTableDataset(getGate('XOR')));
  const request = { model, space, start: 0, end: space.count, rows, accuracyThreshold: 0.99 };
  const wasm = await createWasmBackend();
  const reps = 3000;
  // Warm-up: long enough for V8 to tier the kernel up from its baseline compiler.
  for (const until = performance.now() + 500; performance.now() < until; ) await wasm.evaluateCircuits(request);
  let t = performance.now();
  for (let i = 0; i < reps; i++) await wasm.evaluateCircuits(request);
  const oneMs = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < 20; i++) evaluateCircuitsTs(request);
  const tsMs = ((performance.now() - t) / 20) * reps;
  // Every core runs the same loop in its own thread (as the experiment grid uses cores).
  const threads = availableParallelism();
  const started = Array.from({ length: threads }, () => {
    const w = new Worker(new URL('../src/node/tsx-worker.mjs', import.meta.url), {
      workerData: { entry: new URL('./throughput-worker.ts', import.meta.url).href, reps },
    });
    return new Promise<Worker>((resolve) => w.once('message', () => resolve(w)));
  });
  const ready = await Promise.all(started);
  t = performance.now();
  await Promise.all(ready.map((w) => new Promise((resolve) => (w.once('message', resolve), w.postMessage('go')))));
  const manyMs = performance.now() - t;
  await Promise.all(ready.map((w) => w.terminate()));
  const rate = (dt: number) => (space.count * 4 * reps) / (dt / 1000) / 1e6;
  console.log(`\nMasked forward throughput, 2-3-3-1, 4 samples per circuit (${space.count} circuits x ${reps})`);
  console.log(`  Wasm, 1 thread: ${rate(oneMs).toFixed(1)} M circuit-samples/s; TS backend: ${rate(tsMs).toFixed(1)} M/s (${(tsMs / oneMs).toFixed(1)}x slower)`);
  const many = rate(manyMs) * threads;
  console.log(`  Wasm, ${threads} threads: ${many.toFixed(1)} M circuit-samples/s (target >= 100 M/s on 2 cores: ${many >= 100 ? 'met' : 'NOT met'})`);
}

pool?.terminate();
