/**
 * `npm run bench:webgpu`: circuit evaluations/s and interventions/s for WebGPU, Wasm and TS in one
 * run, with the adapter's name. Never asserted anywhere; results are checked for equality only.
 *
 * 1. The 2-5-5-1 XOR circuit stage: CircuitSpace([2,5,5,1], {minSparsity: 0.3}), 1,092,035
 *    circuits, the trained model test/fixtures/XOR_w5_trained.json, the 4 truth-table rows; the
 *    search as `analyze` runs it (one request; each backend chunks it: 2^22 circuits per GPU
 *    request, 65,536 per Wasm call). Circuits/s: the GPU kernel stops a circuit at its first
 *    wrong row, so rows are not all evaluated.
 * 2. Throughput: the same model and circuits on many distinct noisy rows with early exit off, so
 *    the GPU evaluates every circuit-row: circuit-row evaluations/s. The Wasm kernel memoises
 *    hidden neurons by edge pattern, so its rate is labelled memoised (not a plain forward pass).
 * 3. Interventions: validity tables of all 56 XOR formulas (pair order 'all', neuron sets across
 *    layers), interventions = formula nodes x neuron sets x sample pairs.
 *
 * The GPU kernels try a certified native-f32 path first and fall back to the exact integer
 * emulation when its error bound cannot decide (shaders/mlp.wgsl); case 2 also runs the exact
 * emulation alone ("exact only"). On a software adapter (SwiftShader) the large cases run on a
 * slice sized to a few seconds.
 * Env: BENCH_ROWS (rows of case 2, default 256), BENCH_WG (workgroup sizes, default "64,256").
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
// The public entry where it has what is needed: internals move without breaking the bench.
import {
  adapterName, CircuitSpace, createTsBackend, createWasmBackend, createWebGpuBackend, findPerfectCircuits, formulasForGate, getGate, parseModel,
  relevantNodes, samplePairs, truthTableDataset, validityTable, weightRows, type Backend, type Model, type WeightedRows,
} from '../src/index.ts';
import { candidateMasks, highLevelTable, pairInputs } from '../src/mappings.ts';

/** mulberry32: a small seeded generator, so every run benchmarks the same model. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomModel(sizes: number[], seed: number): Model {
  const r = rng(seed);
  const u = () => Math.fround((r() * 2 - 1) * 1.5);
  return parseModel({
    layerSizes: sizes,
    weights: sizes.slice(1).map((out, l) => Array.from({ length: out }, () => Array.from({ length: sizes[l]! }, u))),
    biases: sizes.slice(1).map((out) => Array.from({ length: out }, u)),
  });
}

const fmtTime = (ms: number) => (ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`);
const fmtRate = (perSecond: number) =>
  perSecond >= 1e9 ? `${(perSecond / 1e9).toFixed(2)} G/s` : perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(1)} M/s` : `${(perSecond / 1e3).toFixed(1)} k/s`;

async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

function row(what: string, backend: string, items: string, ms: number, rate: string, note = ''): void {
  console.log(`| ${what.padEnd(34)} | ${backend.padEnd(14)} | ${items.padStart(16)} | ${fmtTime(ms).padStart(10)} | ${rate.padStart(10)} | ${note}`);
}

const gpu = await createWebGpuBackend({ onWarning: (m) => console.log(`warning: ${m}`) });
const wasm = await createWasmBackend();
const tsBackend = createTsBackend();
const software = gpu.adapter.isFallback;
console.log(`mi-ident WebGPU bench: ${adapterName(gpu.adapter)}`);
console.log(`Node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}); Wasm and TS on one thread.`);
console.log('| case                               | backend        |            items |       time |       rate | note');
console.log('|---|---|---|---|---|---|');

// 1. The 2-5-5-1 circuit stage, on a trained model: what `analyze` sees.
const model = parseModel(JSON.parse(readFileSync(new URL('../test/fixtures/XOR_w5_trained.json', import.meta.url), 'utf8')));
const built = await timed(() => new CircuitSpace([2, 5, 5, 1], { minSparsity: 0.3 }));
const space = built.value;
row('2-5-5-1 circuit space (CPU)', 'ts', `${space.count.toLocaleString('en-US')} circ`, built.ms, '-');
const xor = weightRows(truthTableDataset(getGate('XOR')));
const circuitRows = (circuits: number, rows: WeightedRows) => circuits * rows.weight.length;

/** Circuits [0, end) in one request, as `analyze` makes it. */
async function search(backend: Backend, end: number): Promise<number[]> {
  return Array.from((await backend.evaluateCircuits({ model, space, start: 0, end, rows: xor, accuracyThreshold: 0.99 })).perfect);
}

/** On a software adapter the GPU runs a slice of the stage (SwiftShader is far slower than Wasm). */
const stageEnd = software ? 100_000 : space.count;
async function stage(name: string, backend: Backend, end: number) {
  await backend.evaluateCircuits({ model, space, start: 0, end: 1000, rows: xor, accuracyThreshold: 0.99 }); // warm-up, compile
  const chunked = await timed(() => search(backend, end));
  const what = end < space.count ? `2-5-5-1 XOR stage, first ${end.toLocaleString('en-US')}` : '2-5-5-1 XOR stage, as analyze runs it';
  const note = `${chunked.value.length} perfect; circuits/s${name === 'wasm' ? ' (memoised)' : ''}`;
  row(what, name, `${end.toLocaleString('en-US')} circ`, chunked.ms, fmtRate((end / chunked.ms) * 1000), note);
  return chunked.value;
}
const gpuPerfect = await stage('webgpu', gpu, stageEnd);
const wasmPerfect = await stage('wasm', wasm, stageEnd);
const tsSlice = 100_000;
const ts = await timed(() => tsBackend.evaluateCircuits({ model, space, start: 0, end: tsSlice, rows: xor, accuracyThreshold: 0.99 }));
row('2-5-5-1 XOR stage, first 100,000', 'ts', `${tsSlice.toLocaleString('en-US')} circ`, ts.ms, fmtRate((tsSlice / ts.ms) * 1000), 'circuits/s');
console.log(`| same perfect circuits (webgpu = wasm) | ${String(gpuPerfect.join() === wasmPerfect.join())} |`);
console.log(`| rows the exact path decided so far | ${gpu.stats.exactRows} of ${gpu.stats.circuitRows} asked for (early exit skips some) |`);

// 2. Throughput: many distinct rows, every circuit-row evaluated.
const nRows = Number(process.env.BENCH_ROWS ?? 256);
const r = rng(7);
const noisy = Array.from({ length: nRows }, () => {
  const a = r() < 0.5 ? 0 : 1;
  const b = r() < 0.5 ? 0 : 1;
  return { x: [a + (r() - 0.5) * 0.2, b + (r() - 0.5) * 0.2], y: [a ^ b] };
});
const many = weightRows({ x: noisy.map((s) => s.x), y: noisy.map((s) => s.y) });
const sizes = (process.env.BENCH_WG ?? '64,256').split(',').map(Number);
let best = 0;
for (const fastPath of [true, false]) {
  for (const workgroupSize of sizes) {
    const full = await createWebGpuBackend({ kernel: { earlyExit: false, workgroupSize, fastPath }, onWarning: (m) => console.log(`warning: ${m}`) });
    await full.evaluateCircuits({ model, space, start: 0, end: 256, rows: many, accuracyThreshold: 0.99 }); // compile
    const second = await timed(() => full.evaluateCircuits({ model, space, start: 0, end: 1024, rows: many, accuracyThreshold: 0.99 }));
    // On a software adapter, a slice of about 3 s (from the second, compiled run).
    const slice = software ? Math.min(space.count, Math.max(1024, Math.round((1024 * 3000) / Math.max(1, second.ms)))) : space.count;
    const run = await timed(() => full.evaluateCircuits({ model, space, start: 0, end: slice, rows: many, accuracyThreshold: 0.99 }));
    const rate = (circuitRows(slice, many) / run.ms) * 1000;
    if (fastPath) best = Math.max(best, rate);
    const how = fastPath ? `exact rows ${full.stats.exactRows}` : 'exact only';
    row(`throughput, ${many.weight.length} rows, no early exit`, `webgpu wg ${workgroupSize}`, `${circuitRows(slice, many).toExponential(2)} c-r`, run.ms, fmtRate(rate), `circuit-row evaluations/s; ${how}`);
  }
}
const wasmSlice = Math.min(space.count, 20_000);
const wasmRun = await timed(() => wasm.evaluateCircuits({ model, space, start: 0, end: wasmSlice, rows: many, accuracyThreshold: 0.99 }));
row(`throughput, ${many.weight.length} rows`, 'wasm', `${circuitRows(wasmSlice, many).toExponential(2)} c-r`, wasmRun.ms, fmtRate((circuitRows(wasmSlice, many) / wasmRun.ms) * 1000), 'memoised circuit-rows/s (hidden neurons reused by edge pattern)');
const tsRun = await timed(() => tsBackend.evaluateCircuits({ model, space, start: 0, end: 1000, rows: many, accuracyThreshold: 0.99 }));
row(`throughput, ${many.weight.length} rows`, 'ts', `${circuitRows(1000, many).toExponential(2)} c-r`, tsRun.ms, fmtRate((circuitRows(1000, many) / tsRun.ms) * 1000), 'circuit-row evaluations/s');

// 3. Interventions.
async function interventions(sizes: number[], formulaCount: number) {
  const m = randomModel(sizes, 99);
  const formulas = formulasForGate(getGate('XOR'), 3);
  const pairs = samplePairs(formulas[0]!, 'all');
  const inputs = pairInputs(pairs);
  const tables = formulas.map((f) => highLevelTable(f, relevantNodes(f.tree), samplePairs(f, 'all')));
  const candidates = candidateMasks(m, true);
  const count = (ts: typeof tables) => ts.reduce((a, t) => a + t.nNodes, 0) * candidates.length * pairs.length;
  const request = (ts: typeof tables) => ({ model: m, tables: ts, pairs: inputs, candidates });
  await gpu.validityTables(request(tables.slice(0, 1))); // warm-up, compile
  const g = await timed(async () => (await gpu.validityTables(request(tables))).tables);
  const label = `${sizes.join('-')}: ${formulas.length} formulas, ${candidates.length} sets`;
  row(label, 'webgpu', count(tables).toExponential(2), g.ms, fmtRate((count(tables) / g.ms) * 1000), 'interventions/s');
  const w = await timed(async () => (await wasm.validityTables(request(tables))).tables);
  row(label, 'wasm', count(tables).toExponential(2), w.ms, fmtRate((count(tables) / w.ms) * 1000), 'interventions/s (each (set, pair) output once, shared by the formulas)');
  const some = tables.slice(0, formulaCount);
  const c = await timed(() => some.map((t) => validityTable(m, t, inputs, candidates)));
  row(`${label} (first ${formulaCount})`, 'ts', count(some).toExponential(2), c.ms, fmtRate((count(some) / c.ms) * 1000), 'interventions/s');
  const same = c.value.every((v, i) => v.join() === g.value[i]!.join() && v.join() === w.value[i]!.join());
  console.log(`| same validity tables (webgpu = wasm = ts) | ${same} |`);
}
await interventions([2, 3, 3, 1], 56);
await interventions(software ? [2, 5, 5, 1] : [2, 8, 8, 1], software ? 4 : 1);
console.log(`\nbest WebGPU throughput: ${fmtRate(best)} circuit-row evaluations (${adapterName(gpu.adapter)})`);
