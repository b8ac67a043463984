/**
 * `npm run bench`: per-stage time of the whole analysis for the pretrained XOR model and a trained
 * 2-3-3-1 oracle case, next to the original code's times (bench/reference-timings.json), as ratios.
 * Medians of several runs; the machine is printed with them. Never asserted anywhere.
 * warm: after warm-up runs in this process (formula list cached, Wasm compiled, JIT done).
 * cold: the first analysis in a fresh process (bench/stage-probe.ts), what one `mi-ident analyze` pays.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
// The public entry only: internals move (backends, analyze, parallel) without breaking the bench.
import { analyzeModel, CircuitSpace, countToJson, parseModel, PRETRAINED_XOR, type AnalysisResult, type BackendChoice, type Model } from '../src/index.ts';
import { median, medianTimes, runProbe, type StageTimes as ProbeTimes } from './probe-run.ts';

const reference = JSON.parse(readFileSync(new URL('./reference-timings.json', import.meta.url), 'utf8'));
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
/** Unrecorded runs per model and backend before the timed ones. */
const WARMUPS = 3;
const root = fileURLToPath(new URL('..', import.meta.url));

interface StageTimes {
  enumerate: number;
  circuits: number;
  groundings: number;
  mappings: number;
  /** Wall time of the analyzeModel call. */
  call: number;
}

async function measure(model: Model, gate: string, backend: BackendChoice): Promise<{ times: StageTimes; result: AnalysisResult }> {
  const samples: StageTimes[] = [];
  let result!: AnalysisResult;
  for (let r = 0; r < WARMUPS + RUNS; r++) {
    let t = performance.now();
    new CircuitSpace(model.layerSizes);
    const enumerate = performance.now() - t;
    t = performance.now();
    result = await analyzeModel(model, { gates: [gate], backend });
    const call = performance.now() - t;
    const o = result.outputs[0]!;
    if (r >= WARMUPS) samples.push({ enumerate, circuits: o.timings.circuits, groundings: o.timings.groundings, mappings: o.timings.mappings, call });
  }
  const pick = (k: keyof StageTimes) => median(samples.map((s) => s[k]));
  return { times: { enumerate: pick('enumerate'), circuits: pick('circuits'), groundings: pick('groundings'), mappings: pick('mappings'), call: pick('call') }, result };
}

/** Cold Wasm stage times: median over RUNS fresh processes of their first analysis. */
const cold = (caseName: string): ProbeTimes => medianTimes(Array.from({ length: RUNS }, () => runProbe(root, caseName, { warmups: 0, runs: 0 }).cold));

const fmtMs = (ms: number) => (ms < 1000 ? `${ms.toFixed(2)} ms` : `${(ms / 1000).toFixed(2)} s`);

function row(stage: string, tsMs: number, wasmMs: number, coldMs: number | undefined, refS: number | undefined): string {
  const ref = refS === undefined ? '-' : `${refS.toFixed(3)} s`;
  const vs = (t: number | undefined) => (refS === undefined || t === undefined ? '-' : `${Math.round((refS * 1000) / t).toLocaleString('en-US')}x`);
  const tsRatio = `${(tsMs / wasmMs).toFixed(1)}x`;
  const coldText = coldMs === undefined ? '-' : fmtMs(coldMs);
  return `| ${stage.padEnd(30)} | ${fmtMs(tsMs).padStart(10)} | ${fmtMs(wasmMs).padStart(10)} | ${tsRatio.padStart(8)} | ${coldText.padStart(10)} | ${ref.padStart(10)} | ${vs(wasmMs).padStart(9)} | ${vs(coldMs).padStart(9)} |`;
}

type RefTimes = { enumerate?: number; circuits?: number; groundings?: number; mappings?: number };

function table(title: string, ts: StageTimes, wasm: StageTimes, coldWasm: ProbeTimes, ref: RefTimes) {
  const sum = (t: StageTimes) => t.enumerate + t.circuits + t.groundings + t.mappings;
  const refTotal = [ref.enumerate, ref.circuits, ref.groundings, ref.mappings].reduce((a: number, b) => a + (b ?? 0), 0);
  console.log(`\n${title}`);
  console.log('| stage                          |    TS warm |  Wasm warm | TS/Wasm  |  Wasm cold |  reference | ref/warm  | ref/cold  |');
  console.log('|---|---|---|---|---|---|---|---|');
  console.log(row('enumerate circuits', ts.enumerate, wasm.enumerate, undefined, ref.enumerate));
  console.log(row('find circuits (truth table)', ts.circuits, wasm.circuits, coldWasm.circuits, ref.circuits));
  console.log(row('groundings (exact counts)', ts.groundings, wasm.groundings, coldWasm.groundings, ref.groundings));
  console.log(row('formulas + minimal mappings', ts.mappings, wasm.mappings, coldWasm.mappings, ref.mappings));
  console.log(row('all stages', sum(ts), sum(wasm), undefined, refTotal));
  console.log(row('analyzeModel call (wall time)', ts.call, wasm.call, coldWasm.total, refTotal));
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `mi-ident bench: Node ${process.version}, ${availableParallelism()} cores (${cpu}), one thread, medians of ${RUNS}.\n` +
    'TS = --backend ts (reference for circuits and groundings), Wasm = --backend wasm (SIMD circuit search, grounding kernels);\n' +
    'formulas and mappings run in TS in both. warm = runs after ' + WARMUPS + ' warm-ups in this process (the formula list is cached\n' +
    'after the first run; the reference rebuilds it); cold = the first analysis in a fresh process (Wasm compile, formula list, JIT).\n' +
    'The analyzeModel call also covers circuit enumeration and backend set-up.\n' +
    'Reference = the original PyTorch code on one core of the same kind of machine (bench/reference-timings.json).',
);

{
  const model = parseModel(PRETRAINED_XOR);
  const ts = (await measure(model, 'XOR', 'ts')).times;
  const { times, result } = await measure(model, 'XOR', 'wasm');
  const o = result.outputs[0]!;
  const p = reference.pretrained;
  table(
    `Pretrained XOR 2-3-3-1: ${o.circuitsEnumerated} circuits, ${o.perfectCircuits.length} perfect, ${o.totalGroundings} groundings, ` +
      `${o.formulas.length} formulas, ${o.formulasWithMapping} mapped `,
    ts,
    times,
    cold('pretrained'),
    { enumerate: p.enumerate_s, circuits: p.find_circuits_4in_s, groundings: p.grounding_total_s, mappings: p.formula_dataset_s + p.mapping_search_s },
  );
}

for (const name of ['XOR_w3_d2_seed2', 'AND_w3_d2_seed0']) {
  const c = JSON.parse(readFileSync(new URL(`../test/fixtures/cases/${name}.json`, import.meta.url), 'utf8'));
  const model = parseModel(c.model);
  const ts = (await measure(model, c.expected.outputs[0].gate, 'ts')).times;
  const { times, result } = await measure(model, c.expected.outputs[0].gate, 'wasm');
  const o = result.outputs[0]!;
  const r = reference.cases[name];
  table(
    `${name} (trained 2-3-3-1): ${o.perfectCircuits.length} perfect, ${countToJson(BigInt(o.totalGroundings))} groundings, ${o.formulasWithMapping} formulas mapped`,
    ts,
    times,
    cold(name),
    { circuits: r.find_circuits_4in_s, groundings: r.grounding_total_s, mappings: r.mapping_search_s },
  );
}
