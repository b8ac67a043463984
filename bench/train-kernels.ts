/**
 * `npm run bench:train-kernels`: the reference trainer's Wasm kernels side by side in one
 * process, on 4,000,000 synthetic noisy XOR samples (2-3-3-1, batch 100: 40,000 steps): the fma
 * kernel (assembly/train-torch-fma.ts, the default where relaxed SIMD rounds once), the fused
 * kernel (assembly/train-torch-fused.ts, the default elsewhere) and the classic one
 * (assembly/train-torch.ts), each over the samples in order and in a random order (what a
 * cache miss per sample costs), and the engine's `randperm` of 4,000,000. CPU milliseconds, best
 * and all of BENCH_RUNS rounds (default 4), kernels alternating. Printed, never asserted.
 */
import { cpus, loadavg } from 'node:os';
import { initModelTorch, packParameters } from '../src/train/params.ts';
import { TorchGenerator } from '../src/train/reference-rng/torch-random.ts';
import type { TorchEngine } from '../src/train/torch-engine.ts';
import { createWasmTorchEngine, type TorchKernel } from '../src/train/wasm-torch-engine.ts';
import { enableRelaxedSimd } from '../src/node/relaxed-simd.ts';

const fma = enableRelaxedSimd(); // before the first engine: Node 20 has relaxed SIMD behind a flag

const ROUNDS = Number(process.env.BENCH_RUNS ?? 4);
const n = 4_000_000;
const sizes = [2, 3, 3, 1];
const g = new TorchGenerator(1);
const x = new Float32Array(2 * n);
const y = new Float32Array(n);
const u = new Float32Array(1);
for (let i = 0; i < n; i++) {
  const a = g.random32() & 1;
  const b = g.random32() & 1;
  x[2 * i] = a + g.uniform(u, -0.2, 0.2)[0]!;
  x[2 * i + 1] = b + g.uniform(u, -0.2, 0.2)[0]!;
  y[i] = a ^ b;
}
const data = { nInputs: 2, nOutputs: 1, n, x, y };
const adamw = { learningRate: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
const engines = new Map<TorchKernel, TorchEngine>();
for (const kernel of [...(fma ? ['fma'] as const : []), 'fused', 'classic'] as const) {
  engines.set(kernel, await createWasmTorchEngine({ layerSizes: sizes, parameters: packParameters(initModelTorch(new TorchGenerator(0), sizes)), data, batchSize: 100, adamw, slope: 0.01 }, { kernel }));
}
const cpu = (f: () => void) => {
  const c = process.cpuUsage();
  f();
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1000;
};
const orders = { 'in order': new Int32Array(n).map((_, i) => i), 'random order': new TorchGenerator(3).randperm(n) };
const losses = new Float32Array(n / 100);
const times = new Map<string, number[]>();
const add = (key: string, t: number) => (times.get(key) ?? times.set(key, []).get(key)!).push(t);
for (let r = 0; r < ROUNDS; r++) {
  for (const [kernel, engine] of engines) {
    for (const [name, order] of Object.entries(orders)) add(`${kernel} kernel, ${name}`, cpu(() => engine.batches(order, 0, n / 100, losses)));
  }
  add('randperm (engine, Wasm)', cpu(() => engines.get('fused')!.permutation!(r)));
  add('randperm (TorchGenerator, JS)', cpu(() => new TorchGenerator(r).randperm(n)));
}
console.log(`reference trainer kernels: ${cpus()[0]?.model ?? 'cpu'} x ${cpus().length}, Node ${process.version}, one thread; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log('40,000 steps of 2-3-3-1 (batch 100), CPU ms:');
for (const [key, t] of times) console.log(`  ${key.padEnd(30)} best ${Math.min(...t).toFixed(0)}, all ${t.map((v) => v.toFixed(0)).join(' ')}`);
