/**
 * One process of bench/train-speed.ts: epochs of the noisy setting (XOR 2-3-3-1, main.py's noise
 * 0.1: 4,000,000 samples, 40,000 steps) trained by the checkout at ROOT, one thread.
 *
 *   node --import tsx bench/train-probe.ts ROOT reference|fast REPS
 *
 * Prints one JSON line: the data generation's time and per repetition the CPU and wall
 * milliseconds of one epoch (`trainModel` with `epochs: 1`, a fresh model each time: the first
 * epoch of a training, AdamW scalars included). A warm-up epoch runs first, unrecorded. Uses only
 * entries that every checkout since the reference trainer has.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const [root, rng, repsArg] = process.argv.slice(2);
if (!root || (rng !== 'reference' && rng !== 'fast')) {
  console.error('usage: node --import tsx bench/train-probe.ts ROOT reference|fast REPS');
  process.exit(2);
}
const reps = Number(repsArg ?? 3);
const load = (p: string) => import(pathToFileURL(join(root, p)).href);
const { resolveConfig } = await load('src/experiment/config.ts');
const { unitInputs } = await load('src/experiment/unit.ts');
const { trainModel } = await load('src/train/train.ts');
const { initModel, initModelTorch } = await load('src/train/params.ts');
const { TorchGenerator } = await load('src/train/reference-rng/torch-random.ts');
const { streamRng } = await load('src/train/rng.ts');

const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
const config = resolveConfig({ targetLogicGates: ['XOR'], noiseStd: 0.1, rng });
let c0 = process.cpuUsage();
let t0 = performance.now();
const { data } = unitInputs(config, 1, 0);
const dataGen = { cpu: cpuMs(process.cpuUsage(c0)), wall: performance.now() - t0 };
const sizes = [2, 3, 3, 1];
const epochs: { cpu: number; wall: number }[] = [];
for (let r = -1; r < reps; r++) {
  c0 = process.cpuUsage();
  t0 = performance.now();
  if (rng === 'reference') {
    const gen = new TorchGenerator(100 + r);
    await trainModel(initModelTorch(gen, sizes), data.train, gen, { epochs: 1 });
  } else {
    await trainModel(initModel(streamRng(`bench ${r}`), sizes), data.train, streamRng(`bench shuffle ${r}`), { epochs: 1 });
  }
  if (r >= 0) epochs.push({ cpu: cpuMs(process.cpuUsage(c0)), wall: performance.now() - t0 });
}
console.log(JSON.stringify({ n: data.train.n, dataGen, epochs }));
