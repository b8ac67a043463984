import { analyzeModel, parseModel, PRETRAINED_XOR } from './src/index.ts';
import { createNodePool } from './src/node/index.ts';
import { fixture } from './test/helpers.ts';
const pre = parseModel(PRETRAINED_XOR);
const w4 = parseModel(fixture('cases/XOR_w4_d2_seed0.json').model);
const gc = (globalThis as any).gc;
const heap = async () => { for (let i = 0; i < 3; i++) { gc(); await new Promise((r) => setImmediate(r)); } return process.memoryUsage().heapUsed; };
const pool = createNodePool(2);
const which = process.argv[2]!;
const cfg: Record<string, [any, any]> = {
  auto: [pre, { gates: ['XOR'], backend: 'auto', webgpu: { onWarning: () => {} } }],
  wasm: [pre, { gates: ['XOR'], backend: 'wasm' }],
  pool: [w4, { gates: ['XOR'], backend: 'wasm', workers: () => pool, stages: { groundings: false, mappings: false } }],
  criteria: [pre, { gates: ['XOR'], backend: 'wasm', criteria: ['minimal', 'ood-0.1', 'grounding-causal'] }],
};
const [model, opts] = cfg[which]!;
const n = Number(process.argv[3] ?? 600);
let h100 = 0;
for (let i = 1; i <= n; i++) {
  await analyzeModel(model, opts);
  if (i === 100) h100 = await heap();
  if (i % 500 === 0) console.log(i, await heap());
}
const end = await heap();
console.log(which, 'heap at 100', h100, 'at', n, end, 'bytes/run', ((end - h100) / (n - 100)).toFixed(1));
pool.terminate();
