/**
 * Whole-analysis probe: one `analyzeModel` of a model file in this fresh process, on worker
 * threads, with its wall time, CPU time (every thread) and peak resident memory, as one JSON line
 * prefixed `WHOLE `. Used by bench/scale.ts for the wide models.
 *
 *   node --import tsx bench/whole-probe.ts --file test/fixtures/XOR_w6_trained.json --gates XOR \
 *     [--min-sparsity 0.3] [--threads 2] [--backend wasm|webgpu]
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { analyzeModel, parseModel, type BackendChoice } from '../src/index.ts';
import { createNodePool } from '../src/node/index.ts';

const { values } = parseArgs({
  options: {
    file: { type: 'string' },
    gates: { type: 'string', default: 'XOR' },
    'min-sparsity': { type: 'string', default: '0.3' },
    threads: { type: 'string', default: String(availableParallelism()) },
    backend: { type: 'string', default: 'wasm' },
  },
});
if (!values.file) throw new Error('whole-probe: --file is required');
const model = parseModel(JSON.parse(readFileSync(values.file, 'utf8')));
const threads = Number(values.threads);
const pool = threads > 1 ? createNodePool(threads) : undefined;
const t = performance.now();
const result = await analyzeModel(model, {
  gates: values.gates.split(','),
  backend: values.backend as BackendChoice,
  minSparsity: Number(values['min-sparsity']),
  maxCircuits: Number.MAX_SAFE_INTEGER,
  workers: pool && (() => pool),
});
const wallMs = performance.now() - t;
const usage = process.resourceUsage();
const o = result.outputs[0]!;
console.log(`WHOLE ${JSON.stringify({
  wallMs,
  cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
  maxRssBytes: usage.maxRSS * 1024,
  timings: o.timings,
  backend: result.backend.label,
  summary: `${o.circuitsEnumerated.toLocaleString('en-US')} circuits, ${o.perfectCircuitCount.toLocaleString('en-US')} perfect, ${o.totalGroundings} groundings`,
})}`);
await pool?.terminate();
