/**
 * `npm run bench:train`: training time of 2-3-3-1 XOR models with main.py's settings (4,000 clean
 * samples, batch 100, AdamW lr 0.001, loss target 0.01), per converged model, in both rng modes
 * (reference: torch's arithmetic; fast: mi-ident's) on the Wasm engines and their TypeScript twins,
 * next to the original PyTorch code's training times of the oracle's XOR cases
 * (bench/reference-timings.json, one core). Also one epoch of the noisy setting (4,000,000
 * samples) in each mode. Printed, never asserted.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolveConfig } from '../src/experiment/config.ts';
import { trainUnitModel, unitInputs } from '../src/experiment/unit.ts';
import { streamRng } from '../src/train/rng.ts';
import { initModel, initModelTorch } from '../src/train/params.ts';
import { TorchGenerator } from '../src/train/reference-rng/torch-random.ts';
import { trainModel, type RngMode, type TrainEngineChoice } from '../src/train/train.ts';
import { enableRelaxedSimd } from '../src/node/relaxed-simd.ts';

enableRelaxedSimd(); // the reference trainer's fma kernel, as the CLI runs it (Node 20: behind a flag)

const SEEDS = Number(process.env.BENCH_SEEDS ?? 30);
const reference = JSON.parse(readFileSync(new URL('./reference-timings.json', import.meta.url), 'utf8'));
const torchTimes = Object.values(reference.cases as Record<string, { case: string; train_s: number }>)
  .filter((c) => c.case.startsWith('XOR_w3'))
  .map((c) => c.train_s);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function bench(rng: RngMode, engine: TrainEngineChoice, seeds: number) {
  const config = resolveConfig({ targetLogicGates: ['XOR'], noiseStd: 0, nExperiments: Math.max(seeds, 1), rng });
  const converged: number[] = [];
  let total = 0;
  let epochs = 0;
  for (let s = 0; s < seeds; s++) {
    const { gates, data } = unitInputs(config, 1, s);
    const r = await trainUnitModel(config, { nGates: 1, seedOffset: s, size: 3, depth: 2, lossTarget: 0.01, learningRate: 0.001 }, gates, data, { engine });
    total += r.ms;
    epochs += r.epochs;
    if (r.valAccuracy >= 0.99 && r.finalLoss <= 0.01) converged.push(r.ms);
  }
  return { converged, total, epochs };
}

console.log(`training bench: ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, one thread, ${SEEDS} XOR seeds (2-3-3-1, main.py settings)`);
await bench('fast', 'wasm', 3); // warm-up: JIT and the kernel modules
await bench('reference', 'wasm', 3);
for (const [rng, engine] of [['reference', 'wasm'], ['reference', 'ts'], ['fast', 'wasm'], ['fast', 'ts']] as const) {
  const seeds = engine === 'ts' ? Math.min(SEEDS, 10) : SEEDS;
  const { converged, total, epochs } = await bench(rng, engine, seeds);
  console.log(
    `${rng.padEnd(9)} ${engine.padEnd(4)}: ${converged.length}/${seeds} converged; per converged model median ${median(converged).toFixed(1)} ms, mean ${mean(converged).toFixed(1)} ms; ` +
      `all attempts ${(total / seeds).toFixed(1)} ms each (${(epochs / seeds).toFixed(0)} epochs, ${((1000 * epochs * 40) / total).toFixed(0)} steps/s)`,
  );
}
console.log(`PyTorch (original code, oracle XOR cases, ${torchTimes.length} models): median ${(median(torchTimes) * 1000).toFixed(0)} ms, mean ${(mean(torchTimes) * 1000).toFixed(0)} ms per model`);

// The noisy setting: 1000 x 4 draws x 10 repeats = 4,000,000 samples, 40,000 steps per epoch.
for (const rng of ['reference', 'fast'] as const) {
  const noisy = resolveConfig({ targetLogicGates: ['XOR'], noiseStd: 0.1, rng });
  let t = performance.now();
  const { data } = unitInputs(noisy, 1, 0);
  const dataMs = performance.now() - t;
  t = performance.now();
  if (rng === 'reference') {
    const gen = new TorchGenerator(0);
    await trainModel(initModelTorch(gen, [2, 3, 3, 1]), data.train, gen, { epochs: 1 });
  } else {
    await trainModel(initModel(streamRng('bench'), [2, 3, 3, 1]), data.train, streamRng('bench shuffle'), { epochs: 1 });
  }
  console.log(`${rng} noisy data (${data.train.n.toLocaleString('en-US')} samples): generation ${dataMs.toFixed(0)} ms, one epoch (wasm) ${(performance.now() - t).toFixed(0)} ms`);
}
