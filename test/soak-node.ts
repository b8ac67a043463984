/**
 * The Node soak (run by test/soak.test.ts in a child process started with --expose-gc, so that
 * its figures are this loop's alone): `node --expose-gc --import tsx test/soak-node.ts BACKEND
 * RUNS`, BACKEND `wasm` or `webgpu`. It runs RUNS consecutive analyses through `analyzeModel`,
 * cycling through the pretrained model and oracle cases (see {@link rotation}), checks that every
 * run of an entry gives the same result as its first, and measures after `gc()`: RSS, the JS
 * heap, live GPU buffers (the shared device's createBuffer/destroy, wrapped here), live pool
 * workers (the factory, wrapped here) and the process's threads. The last stdout line is
 * `SOAK <json>` ({@link SoakReport}).
 */
import { readFileSync } from 'node:fs';
import { setImmediate as tick } from 'node:timers/promises';
import { analyzeModel, createWebGpuBackend, parseModel, PRETRAINED_XOR, WorkerPool, type AnalysisResult, type AnalyzeOptions, type Model, type WorkerLike } from '../src/index.ts';
import { nodeWorkerFactory } from '../src/node/index.ts';
import { caseValidationData, fixture } from './helpers.ts';

/** Memory and resources at one point of the soak, after garbage collection. */
export interface Snapshot {
  run: number;
  rss: number;
  heapUsed: number;
  external: number;
  /** Threads of this process (Linux /proc; -1 elsewhere). */
  threads: number;
  /** Pool workers started and not terminated. */
  workers: number;
  /** GPU buffers created and not destroyed, and their bytes. */
  gpuBuffers: number;
  gpuBytes: number;
}

export interface SoakReport {
  backend: string;
  runs: number;
  /** Runs that ended in the documented error (not counted in `runs`). */
  refusals: number;
  /** Which backends each stage ran on, over the whole soak (e.g. `circuits: ['webgpu']`). */
  ranOn: Record<'circuits' | 'groundings' | 'mappings', string[]>;
  snapshots: Snapshot[];
  /** Mean milliseconds per analysis, by rotation entry. */
  meanMs: Record<string, number>;
  gpuBuffersCreated: number;
  workersStarted: number;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('test/soak-node.ts needs node --expose-gc');

const [backendArg, runsArg] = process.argv.slice(2);
if (backendArg !== 'wasm' && backendArg !== 'webgpu') throw new Error(`backend: wasm or webgpu, got ${backendArg}`);
const backend = backendArg;
const RUNS = Number(runsArg ?? 1000);

// ---- accounting -------------------------------------------------------------------------------

let workersStarted = 0;
let workersLive = 0;
/** nodeWorkerFactory, counting the workers it starts and those terminated. */
function countingFactory(): () => WorkerLike {
  const make = nodeWorkerFactory();
  return () => {
    const w = make();
    workersStarted++;
    workersLive++;
    let stopped = false;
    const terminate = w.terminate.bind(w);
    w.terminate = () => {
      if (!stopped) workersLive--;
      stopped = true;
      return terminate();
    };
    return w;
  };
}
let pool: WorkerPool | undefined;
const workers = () => (pool ??= new WorkerPool(countingFactory(), 2));

let buffersCreated = 0;
const liveBuffers = new Map<GPUBuffer, number>();
/** Wraps the shared device's createBuffer (every backend of this process without its own device gets it). */
async function countGpuBuffers(): Promise<void> {
  const probe = await createWebGpuBackend({ allowFallbackAdapter: true });
  const device = probe.device;
  probe.dispose();
  const create = device.createBuffer.bind(device);
  device.createBuffer = (descriptor: GPUBufferDescriptor) => {
    const buffer = create(descriptor);
    buffersCreated++;
    liveBuffers.set(buffer, descriptor.size);
    const destroy = buffer.destroy.bind(buffer);
    buffer.destroy = () => {
      liveBuffers.delete(buffer);
      destroy();
    };
    return buffer;
  };
}

function threads(): number {
  try {
    return Number(/^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? -1);
  } catch {
    return -1;
  }
}

async function snapshot(run: number): Promise<Snapshot> {
  // Twice, with turns of the event loop between: finalizers (Wasm memories, Dawn objects) run late.
  for (let i = 0; i < 3; i++) {
    gc!();
    await tick();
  }
  const m = process.memoryUsage();
  let gpuBytes = 0;
  for (const size of liveBuffers.values()) gpuBytes += size;
  return { run, rss: m.rss, heapUsed: m.heapUsed, external: m.external, threads: threads(), workers: workersLive, gpuBuffers: liveBuffers.size, gpuBytes };
}

// ---- what runs --------------------------------------------------------------------------------

interface Entry {
  name: string;
  model: Model;
  options: AnalyzeOptions;
}

function oracleCase(name: string, extra: Partial<AnalyzeOptions> = {}): Entry {
  const c = fixture(`cases/${name}.json`);
  const gates = (c.expected.outputs as { gate: string }[]).map((o) => o.gate);
  return { name: `${name}${extra.stages ? ' without mappings' : ''}`, model: parseModel(c.model), options: { gates, data: caseValidationData(c, gates), minSparsity: c.config.min_sparsity_used, ...extra } };
}

/**
 * One cycle of the soak: the pretrained model in both pair orders (with distinct gate dicts, with
 * criteria, mappings alone), oracle cases of 2-2-2-1, 2-3-3-1 (AND, OR, XOR seeds) and 2-3-3-2
 * (XOR-NAND) on their validation sets. On Wasm also the 2-4-4-1 case's circuit search (168,672
 * circuits: large enough for the worker pool) and `auto` (on a machine without a GPU: Wasm, after
 * asking Dawn for an adapter). SwiftShader runs the GPU's mapping search slowly (50-150 ms for
 * one model): on WebGPU most entries leave it out, so that 1,000 runs stay within a minute or two.
 */
function rotation(): Entry[] {
  const pretrained = parseModel(PRETRAINED_XOR);
  const noMappings = { stages: { mappings: false } };
  const onGpu = backend === 'webgpu';
  const gpuLight = onGpu ? noMappings : {};
  const entries: (Entry | false)[] = [
    { name: 'pretrained BA', model: pretrained, options: { gates: ['XOR'] } },
    oracleCase('XOR_w3_d2_seed1', gpuLight),
    oracleCase('XOR-NAND_w3_d2_seed0', noMappings),
    { name: 'pretrained AB, distinct gate dicts', model: pretrained, options: { gates: ['XOR'], pairOrder: 'AB', distinctGateDicts: true, ...gpuLight } },
    oracleCase('XOR_w2_d2_seed2'),
    oracleCase('XOR_w3_d2_seed2', gpuLight),
    !onGpu && { name: 'w4 circuits on the pool', model: oracleCase('XOR_w4_d2_seed0').model, options: { gates: ['XOR'], stages: { groundings: false, mappings: false } } },
    oracleCase('AND_w3_d2_seed0', noMappings),
    oracleCase('XOR_w3_d2_seed5', gpuLight),
    { name: 'pretrained AB, mappings alone', model: pretrained, options: { gates: ['XOR'], pairOrder: 'AB', stages: { circuits: false, groundings: false } } },
    !onGpu && { name: 'pretrained, criteria', model: pretrained, options: { gates: ['XOR'], criteria: ['minimal', 'ood-0.1', 'grounding-causal'] } },
    oracleCase('OR_w3_d2_seed1', noMappings),
    oracleCase('XOR_w3_d2_seed8'),
    !onGpu && { name: 'pretrained auto', model: pretrained, options: { gates: ['XOR'], backend: 'auto', webgpu: { onWarning: () => {} } } },
    oracleCase('XOR_w3_d2_seed9', gpuLight),
  ];
  return entries.filter((e): e is Entry => e !== false);
}

/** A result without its timings (which vary from run to run). */
const digest = (r: AnalysisResult) =>
  JSON.stringify({ outputs: r.outputs, backend: { ...r.backend, label: undefined } }, (k, v) => (k === 'timings' ? undefined : typeof v === 'bigint' ? String(v) : v));

// ---- the soak ---------------------------------------------------------------------------------

if (backend === 'webgpu') await countGpuBuffers();
const entries = rotation();
const first = new Map<string, string>();
const time = new Map<string, { ms: number; n: number }>();
const ranOn = { circuits: new Set<string>(), groundings: new Set<string>(), mappings: new Set<string>() };
const snapshots: Snapshot[] = [];
let refusals = 0;
for (let run = 1; run <= RUNS; run++) {
  const entry = entries[(run - 1) % entries.length]!;
  const started = performance.now();
  const result = await analyzeModel(entry.model, { backend, ...(backend === 'wasm' ? { workers } : {}), ...entry.options });
  const t = time.get(entry.name) ?? { ms: 0, n: 0 };
  t.ms += performance.now() - started;
  t.n++;
  time.set(entry.name, t);
  for (const stage of ['circuits', 'groundings', 'mappings'] as const) {
    const on = result.backend[stage];
    if (on) ranOn[stage].add(on);
  }
  const d = digest(result);
  if (!first.has(entry.name)) first.set(entry.name, d);
  else if (first.get(entry.name) !== d) throw new Error(`run ${run} (${entry.name}) differs from the first run of that entry`);
  // Every 100 runs, a run refused after the backend was made (the circuit cap), which must
  // release it as a finished run does.
  if (run % 100 === 0) {
    await analyzeModel(entry.model, { backend, gates: ['XOR', 'NAND'].slice(0, entry.model.layerSizes.at(-1)), maxCircuits: 10 }).then(
      () => {
        throw new Error('maxCircuits 10 was not refused');
      },
      (e: Error) => {
        if (e.name !== 'LimitError') throw e;
        refusals++;
      },
    );
  }
  if (run === 1 || run === 50 || run % 250 === 0 || run === RUNS) snapshots.push(await snapshot(run));
}
pool?.terminate();

const meanMs = Object.fromEntries([...time].map(([k, { ms, n }]) => [k, Math.round((ms / n) * 10) / 10]));
const report: SoakReport = { backend, runs: RUNS, refusals, ranOn: { circuits: [...ranOn.circuits], groundings: [...ranOn.groundings], mappings: [...ranOn.mappings] }, snapshots, meanMs, gpuBuffersCreated: buffersCreated, workersStarted };
console.log(`SOAK ${JSON.stringify(report)}`);
// Dawn's threads may keep the process alive after its device is no longer needed.
process.exit(0);
