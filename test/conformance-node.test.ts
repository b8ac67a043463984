// The conformance suite (test/conformance/suite.ts) in Node, against every backend: the TS
// reference, Wasm (fast and exact mode), Wasm on worker threads, WebGPU on Dawn (SwiftShader on a
// machine without a GPU), and WebGPU with its groundings on worker threads.
import { test } from 'uvu';
import { createParallelBackend } from '../src/parallel/backend.ts';
import { createTsBackend } from '../src/backends/ts.ts';
import { createWasmBackend } from '../src/backends/wasm.ts';
import { createWebGpuBackend } from '../src/backends/webgpu.ts';
import type { Backend } from '../src/backends/types.ts';
import { createNodePool } from '../src/node/workers.ts';
import { harness } from './conformance/harness.ts';
import { conformanceSuite, type Register, type Target } from './conformance/suite.ts';
import { gpuTests, staleShaders } from './webgpu-shared.ts';

const pool = createNodePool(2);
const onCpu = (kernels: string, causal = kernels) => ({ circuits: kernels, groundings: kernels, mappings: kernels, ablation: kernels, causal });
const onGpu = (causal: string) => ({ circuits: 'webgpu', groundings: 'wasm', mappings: 'webgpu', ablation: 'webgpu', causal });
const warnings: string[] = [];
const onWarning = (m: string) => warnings.push(m);

/** A target on a backend made once, and the register function for its environment. */
function target(label: string, backend: Backend, ranOn: Target['ranOn'], scale: number): Target {
  return { label, ranOn, runs: (n) => Math.max(1, Math.round(n * scale)), ...harness(backend) };
}

const plain: Register = (name, fn) => test(name, fn);
conformanceSuite(target('node ts', createTsBackend(), onCpu('ts'), 0.25), plain);
conformanceSuite(target('node wasm', await createWasmBackend(), onCpu('wasm'), 1), plain);
conformanceSuite(target('node wasm (exact mode)', await createWasmBackend({ fastMode: false }), onCpu('wasm'), 0.5), plain);
// Started first, so that the workers take the pieces (a request while they start runs here).
await pool.whenStarted();
conformanceSuite(target('node wasm + 2 worker threads', await createParallelBackend({ pool, minParallelCircuits: 0 }), onCpu('wasm', 'ts'), 0.5), plain);

let reason = await staleShaders();
let gpu: Backend | undefined;
let gpuWithWorkers: Backend | undefined;
if (!reason) {
  try {
    gpu = await createWebGpuBackend({ onWarning });
    gpuWithWorkers = await createWebGpuBackend({ onWarning, cpu: createParallelBackend({ pool }) });
  } catch (e) {
    reason = (e as Error).message;
  }
}
const gpuTest = gpuTests('Node (Dawn) conformance', reason);
const onDawn: Register = (name, fn) => gpuTest(name, fn);
if (gpu && gpuWithWorkers) {
  conformanceSuite(target('node webgpu', gpu, onGpu('wasm'), 0.5), onDawn);
  conformanceSuite(target('node webgpu + groundings on 2 worker threads', gpuWithWorkers, onGpu('ts'), 0.25), onDawn);
} else {
  onDawn('node webgpu', async () => {});
}

test.after(() => pool.terminate());
test.run();
