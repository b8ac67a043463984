// Soak (issue 17): 1,000 consecutive analyses in one Node process through analyzeModel, on Wasm
// (with a worker pool for the large requests) and on WebGPU (Dawn; SwiftShader without a GPU).
// Each runs in a child process started with --expose-gc (test/soak-node.ts), so that its memory
// is the loop's alone and is measured after garbage collection. After the last run, RSS and the
// JS heap must be within 10 % of where they stood after run 50, and live GPU buffers, pool
// workers and threads no more than then. The figures are printed (docs/reliability.md quotes them).
// Without a WebGPU adapter the WebGPU soak is skipped; REQUIRE_WEBGPU=1 fails instead.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { requestNodeAdapter } from '../src/node/webgpu-node.ts';
import type { SoakReport, Snapshot } from './soak-node.ts';
import { gpuTests, ROOT, staleShaders } from './webgpu-shared.ts';

const RUNS = 1000;
/** The run after which the baseline is taken. */
const BASELINE = 50;

let gpuReason = await staleShaders();
if (!gpuReason) {
  const found = await requestNodeAdapter({ allowSoftware: true });
  if (!found.adapter) gpuReason = found.reason;
}
const gpuTest = gpuTests('Soak (Dawn)', gpuReason);

/** Runs the soak child for `backend`; resolves with its report. */
function soak(backend: 'wasm' | 'webgpu'): Promise<SoakReport> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', 'test/soak-node.ts', backend, String(RUNS)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('SOAK '));
      if (code !== 0 || !line) reject(new Error(`the ${backend} soak exited with ${code}:\n${err.slice(-4000)}`));
      else resolve(JSON.parse(line.slice(5)) as SoakReport);
    });
  });
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const change = (a: number, b: number) => `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(1)} %`;

/** Prints the baseline and the end, and checks that nothing grew. */
function checkFigures(report: SoakReport): void {
  const base = report.snapshots.find((s) => s.run === BASELINE)!;
  const end = report.snapshots.find((s) => s.run === RUNS)!;
  assert.ok(base && end, 'snapshots after run 50 and after the last run');
  console.log(`  ${report.backend} soak: ${report.runs} analyses (+${report.refusals} refused by the circuit cap), after gc(), run ${BASELINE} -> run ${RUNS}:`);
  console.log(`    RSS ${mib(base.rss)} -> ${mib(end.rss)} (${change(base.rss, end.rss)}); JS heap ${mib(base.heapUsed)} -> ${mib(end.heapUsed)} (${change(base.heapUsed, end.heapUsed)})`);
  console.log(`    live GPU buffers ${base.gpuBuffers} -> ${end.gpuBuffers} (${report.gpuBuffersCreated} created in all); live pool workers ${base.workers} -> ${end.workers} (${report.workersStarted} started); threads ${base.threads} -> ${end.threads}`);
  console.log(`    along the way: ${report.snapshots.map((s: Snapshot) => `run ${s.run} ${mib(s.rss)}`).join(', ')}`);
  assert.is(report.runs, RUNS);
  assert.ok(end.rss <= base.rss * 1.1, `RSS grew by more than 10 %: ${mib(base.rss)} -> ${mib(end.rss)}`);
  assert.ok(end.heapUsed <= base.heapUsed * 1.1, `the JS heap grew by more than 10 %: ${mib(base.heapUsed)} -> ${mib(end.heapUsed)}`);
  assert.ok(end.gpuBuffers <= base.gpuBuffers, `live GPU buffers: ${base.gpuBuffers} -> ${end.gpuBuffers}`);
  assert.ok(end.workers <= base.workers, `live pool workers: ${base.workers} -> ${end.workers}`);
  if (end.threads >= 0) assert.ok(end.threads <= base.threads, `threads: ${base.threads} -> ${end.threads}`);
}

test(`Wasm soak: ${RUNS} analyses in one process, memory, workers and threads as after run ${BASELINE}`, async () => {
  const report = await soak('wasm');
  checkFigures(report);
  assert.equal(report.ranOn.circuits, ['wasm']);
  // The 2-4-4-1 circuit search went to the pool, which started once, with its 2 workers.
  assert.is(report.workersStarted, 2);
  assert.is(report.snapshots.at(-1)!.workers, 2);
});

gpuTest(`WebGPU soak: ${RUNS} analyses in one process, memory and live GPU buffers as after run ${BASELINE}`, async () => {
  const report = await soak('webgpu');
  checkFigures(report);
  // Every circuit search and mapping search ran on the GPU (groundings are the CPU's by design).
  assert.equal(report.ranOn.circuits, ['webgpu']);
  assert.equal(report.ranOn.mappings, ['webgpu']);
  assert.ok(report.gpuBuffersCreated >= RUNS, `the accounting saw the backend's buffers (${report.gpuBuffersCreated})`);
  assert.is(report.snapshots.at(-1)!.gpuBuffers, 0, 'no buffer outlives its request');
});

test.run();
