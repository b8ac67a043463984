/**
 * One process of bench/train-speed.ts: epochs of the noisy setting (XOR 2-3-3-1, main.py's noise
 * 0.1: 4,000,000 samples, 40,000 steps) trained by the checkout at ROOT, one thread.
 *
 *   node --import tsx bench/train-probe.ts ROOT reference|fast REPS
 *
 * Prints one JSON line: the data generation's time and, per repetition (a fresh model trained
 * for 3 epochs, no early stop), the CPU and wall milliseconds of its first epoch (the engine's
 * setup included) and of the two after it. A one-epoch warm-up runs first, unrecorded. Uses only
 * entries that every checkout since the reference trainer has, and the Wasm noise kernel
 * (`noiseKernelFor`) where the checkout has it.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const [root, rng, repsArg] = process.argv.slice(2);
if (!root || (rng !== 'reference' && rng !== 'fast')) {
  console.error('usage: node --import tsx bench/train-probe.ts ROOT reference|fast REPS');
  process.exit(2);
}
const reps = Number(repsArg ?? 2);
const load = (p: string) => import(pathToFileURL(join(root, p)).href);
const { resolveConfig } = await load('src/experiment/config.ts');
const { unitInputs, noiseKernelFor } = await load('src/experiment/unit.ts');
const { trainModel } = await load('src/train/train.ts');
const { initModel, initModelTorch } = await load('src/train/params.ts');
const { TorchGenerator } = await load('src/train/reference-rng/torch-random.ts');
const { streamRng } = await load('src/train/rng.ts');

const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
const config = resolveConfig({ targetLogicGates: ['XOR'], noiseStd: 0.1, rng });
let c0 = process.cpuUsage();
let t0 = performance.now();
// Checkouts with the Wasm noise kernel (4afae69 and later) draw the noise the way runUnit does.
const noise = noiseKernelFor ? await noiseKernelFor(config) : undefined;
c0 = process.cpuUsage();
t0 = performance.now();
const { data } = unitInputs(config, 1, 0, noise);
const dataGen = { cpu: cpuMs(process.cpuUsage(c0)), wall: performance.now() - t0 };
const sizes = [2, 3, 3, 1];
const first: { cpu: number; wall: number }[] = [];
const later: { cpu: number; wall: number }[] = [];
for (let r = -1; r < reps; r++) {
  // Three epochs each (no early stop): the first with the engine's setup, then two steady ones.
  let c = process.cpuUsage();
  let t = performance.now();
  let epoch = 0;
  const onEpoch = () => {
    const sample = { cpu: cpuMs(process.cpuUsage(c)), wall: performance.now() - t };
    if (r >= 0) (epoch++ === 0 ? first : later).push(sample);
    c = process.cpuUsage();
    t = performance.now();
  };
  const options = { epochs: r < 0 ? 1 : 3, lossTarget: 1e-30, patience: 1000, onEpoch };
  if (rng === 'reference') {
    const gen = new TorchGenerator(100 + r);
    await trainModel(initModelTorch(gen, sizes), data.train, gen, options);
  } else {
    await trainModel(initModel(streamRng(`bench ${r}`), sizes), data.train, streamRng(`bench shuffle ${r}`), options);
  }
}
console.log(JSON.stringify({ n: data.train.n, dataGen, first, later }));
