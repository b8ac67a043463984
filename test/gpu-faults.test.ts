// GPU faults: no adapter, a refused device, a device lost mid-run, out-of-memory on buffer
// creation. Each must end in one clear warning and the Wasm (interventions: TS) result, identical
// to a run without a GPU. Faults are injected around Dawn's real adapter and device (SwiftShader
// on a machine without a GPU); the 'no adapter' case is simulated and runs everywhere.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeModel, type AnalysisResult, type BackendRecord } from '../src/analyze.ts';
import { createWebGpuBackend } from '../src/backends/webgpu.ts';
import { BackendUnavailableError } from '../src/errors.ts';
import { parseModel } from '../src/model.ts';
import { requestNodeAdapter } from '../src/node/webgpu-node.ts';
import { PRETRAINED_XOR } from '../src/pretrained-xor.ts';
import { fixture } from './helpers.ts';
import { ROOT, gpuTests, staleShaders } from './webgpu-shared.ts';

let adapter: GPUAdapter | null = null;
let reason = await staleShaders();
if (!reason) {
  const found = await requestNodeAdapter({ allowSoftware: true });
  if (found.adapter) adapter = found.adapter;
  else reason = found.reason;
}
const gpuTest = gpuTests('GPU faults (Dawn)', reason);

/**
 * The pretrained XOR model (3,000 circuits), and a 2-4-4-1 case (168,672 circuits) for the faults
 * met before any GPU work (SwiftShader would take seconds for its circuit search).
 */
const PRETRAINED = { name: 'pretrained 2-3-3-1', model: parseModel(PRETRAINED_XOR) };
const WIDER = { name: 'XOR_w4_d2_seed0', model: parseModel(fixture('cases/XOR_w4_d2_seed0.json').model) };
const reference = new Map<string, AnalysisResult>();
for (const { name, model } of [PRETRAINED, WIDER]) reference.set(name, await analyzeModel(model, { gates: ['XOR'], backend: 'wasm' }));

/** What a run computes, without its timings. */
const counts = (r: AnalysisResult) => r.outputs.map((o) => ({ ...o, timings: null }));

type WebGpuOptions = NonNullable<Parameters<typeof analyzeModel>[1]['webgpu']>;

/** Runs `models` on `backend: 'webgpu'` with options from `make`, checking each result against Wasm's. */
async function sameAsWasm(models: (typeof PRETRAINED)[], make: (warn: (m: string) => void) => Promise<WebGpuOptions>) {
  const warnings: string[] = [];
  const records: BackendRecord[] = [];
  for (const { name, model } of models) {
    const result = await analyzeModel(model, { gates: ['XOR'], backend: 'webgpu', webgpu: await make((m) => warnings.push(m)) });
    assert.equal(counts(result), counts(reference.get(name)!), name);
    records.push(result.backend);
  }
  // Every fallback is in the result, with the warning's text.
  for (const r of records) for (const f of r.fallbacks) assert.ok(warnings.includes(f.reason), f.reason);
  return { warnings, records, backends: records.map((r) => r.name) };
}

/** Calls methods of a native WebGPU object on the object itself (a Proxy would be `this` otherwise). */
function wrap<T extends object>(target: T, overrides: Partial<Record<keyof T, unknown>>): T {
  return new Proxy(target, {
    get(t, key) {
      if (key in overrides) return overrides[key as keyof T];
      const v = Reflect.get(t, key, t);
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
}

/** A device of its own (an adapter gives one device only). */
async function freshDevice(): Promise<GPUDevice> {
  const found = await requestNodeAdapter({ allowSoftware: true });
  if (!found.adapter) throw new Error(found.reason);
  return found.adapter.requestDevice();
}

/** A GPU whose requestAdapter returns `adapter`. */
const gpuGiving = (a: GPUAdapter | null) => ({ requestAdapter: async () => a }) as unknown as GPU;

test('no adapter: createWebGpuBackend says why; analyzeModel warns once and gives the Wasm result', async () => {
  const none = gpuGiving(null);
  try {
    await createWebGpuBackend({ gpu: none });
    assert.unreachable('a backend without an adapter');
  } catch (e) {
    assert.instance(e, BackendUnavailableError);
    assert.match((e as Error).message, /^no WebGPU adapter: the given GPU\.requestAdapter\(\) returned none/);
  }
  const failing = { requestAdapter: () => Promise.reject(new Error('simulated driver crash')) } as unknown as GPU;
  await createWebGpuBackend({ gpu: failing }).then(
    () => assert.unreachable(),
    (e: Error) => assert.match(e.message, /no WebGPU adapter: the given GPU\.requestAdapter\(\) failed: simulated driver crash/),
  );
  const { warnings, backends, records } = await sameAsWasm([PRETRAINED, WIDER], async (onWarning) => ({ gpu: none, onWarning }));
  assert.equal(backends, ['wasm', 'wasm']);
  assert.is(warnings.length, 2); // one per analysis
  for (const r of records) assert.equal(r.fallbacks.map((f) => f.stage), ['setup']);
  for (const w of warnings) assert.match(w, /^the webgpu backend is not available \(no WebGPU adapter: .*\); using the wasm backend instead$/);
});

gpuTest('requestDevice failure: the adapter is named, the Wasm result', async () => {
  const refusing = wrap(adapter!, { requestDevice: () => Promise.reject(new Error('simulated: not enough memory for a device')) });
  const { warnings, backends } = await sameAsWasm([PRETRAINED, WIDER], async (onWarning) => ({ gpu: gpuGiving(refusing), onWarning }));
  assert.equal(backends, ['wasm', 'wasm']);
  for (const w of warnings) {
    assert.match(w, /the webgpu backend is not available \(the WebGPU adapter \(.+\) refused a device: simulated: not enough memory for a device\); using the wasm backend instead/);
  }
});

/**
 * A device on Dawn whose `submit` number `at` (1-based) is followed by `device.destroy()`:
 * a loss in the middle of a request (kernels dispatched, results not read back yet).
 */
async function losingDevice(at: number): Promise<GPUDevice> {
  const device = await freshDevice();
  let submits = 0;
  const queue = wrap(device.queue, {
    submit: (buffers: GPUCommandBuffer[]) => {
      device.queue.submit(buffers);
      if (++submits === at) device.destroy();
    },
  });
  return wrap(device, { queue });
}

gpuTest('device lost mid-run (destroy() after a dispatch): a warning naming the loss, the Wasm/TS result, no hang', async () => {
  // Submit 1 dispatches the circuit kernel, submit 3 the intervention kernel (2 reads the circuits
  // back). A fresh device each time: a lost one stays lost (and its kernels compile anew, ~2 s).
  for (const at of [1, 3]) {
    let device!: GPUDevice;
    const { warnings, backends, records } = await sameAsWasm([PRETRAINED], async (onWarning) => ({ device: (device = await losingDevice(at)), onWarning }));
    device.destroy();
    assert.ok(warnings.some((w) => /the WebGPU device was lost/.test(w)), `submit ${at}: the loss is named: ${warnings.join(' | ')}`);
    for (const w of warnings) assert.match(w, /^WebGPU (circuit search|interchange interventions) on .+: .+; computing it with the (wasm|ts) backend instead$/);
    // The backend keeps its name; the stage that fell back says which CPU backend ran it, and why.
    const stage = at === 1 ? 'circuits' : 'mappings';
    assert.equal(backends, ['webgpu']);
    assert.ok(records[0]!.fallbacks.some((f) => f.stage === stage && /the WebGPU device was lost/.test(f.reason)), `submit ${at}: ${JSON.stringify(records[0])}`);
    assert.ok(['wasm', 'ts'].includes(records[0]![stage]!), `submit ${at}: ${stage} ran on ${records[0]![stage]}`);
  }
});

/** Which `createBuffer` calls fail, and how: by throwing, or as WebGPU reports out-of-memory. */
interface BufferFault {
  fails: (label: string) => boolean;
  throws: boolean;
}

/**
 * A device on Dawn whose `createBuffer` fails while `fault()` says so: with `throws`, by throwing
 * (as for an oversized mapped buffer); otherwise as WebGPU reports out-of-memory, an error caught
 * by the innermost 'out-of-memory' error scope. One device serves every case, so that the
 * kernels compile once.
 */
async function faultyDevice(fault: () => BufferFault | null): Promise<GPUDevice> {
  const device = await freshDevice();
  const scopes: { filter: GPUErrorFilter; injected: string | null }[] = [];
  return wrap(device, {
    pushErrorScope: (filter: GPUErrorFilter) => {
      scopes.push({ filter, injected: null });
      device.pushErrorScope(filter);
    },
    popErrorScope: async () => {
      const scope = scopes.pop();
      const real = await device.popErrorScope();
      return scope?.injected ? ({ message: scope.injected } as GPUError) : real;
    },
    createBuffer: (descriptor: GPUBufferDescriptor) => {
      const label = descriptor.label ?? '';
      const f = fault();
      if (f?.fails(label)) {
        const message = `simulated out of memory allocating ${descriptor.size} bytes for "${label}"`;
        if (f.throws) throw new RangeError(message);
        const scope = [...scopes].reverse().find((s) => s.filter === 'out-of-memory');
        if (scope) scope.injected = message;
      }
      return device.createBuffer(descriptor);
    },
  });
}

gpuTest('out-of-memory on buffer creation (error scope, or a throw): a clear warning, the Wasm/TS result', async () => {
  const cases: [string, BufferFault, RegExp, 'circuits' | 'mappings'][] = [
    ['circuit output, OOM error scope', { fails: (l) => l === 'found', throws: false }, /^WebGPU circuit search .*: the GPU failed \(WebGPU out-of-memory error while dispatching the circuit kernel: simulated out of memory allocating \d+ bytes for "found"/, 'circuits'],
    ['intervention table, OOM error scope', { fails: (l) => l === 'valid', throws: false }, /^WebGPU interchange interventions .*: the GPU failed \(WebGPU out-of-memory error while dispatching the intervention kernel: simulated out of memory .*"valid"/, 'mappings'],
    ['readback, createBuffer throws', { fails: (l) => l === 'readback', throws: true }, /^WebGPU circuit search .*: the GPU failed \(simulated out of memory .*"readback"\)/, 'circuits'],
  ];
  let current: BufferFault | null = null;
  const device = await faultyDevice(() => current);
  try {
    for (const [name, fault, message, stage] of cases) {
      current = fault;
      const { warnings, records } = await sameAsWasm([PRETRAINED], async (onWarning) => ({ device, onWarning }));
      assert.ok(warnings.some((w) => message.test(w)), `${name}: ${warnings.join(' | ')}`);
      for (const w of warnings) assert.match(w, /; computing it with the (wasm|ts) backend instead$/, name);
      assert.ok(records[0]!.fallbacks.some((f) => f.stage === stage && message.test(f.reason)), `${name}: ${JSON.stringify(records[0])}`);
      assert.is(records[0]!.name, 'webgpu', name);
    }
    // Memory errors are not a loss: the same device serves the next request.
    current = null;
    const { warnings, records } = await sameAsWasm([PRETRAINED], async (onWarning) => ({ device, onWarning }));
    assert.equal([warnings, records[0]!.circuits, records[0]!.mappings, records[0]!.fallbacks], [[], 'webgpu', 'webgpu', []]);
  } finally {
    device.destroy();
  }
});

gpuTest('an experiment failing while its other worker thread is inside Dawn: the run rejects with its error, the process never aborts', () => {
  // Terminating a thread inside a Dawn call (or exiting it with a WebGPU promise pending) is a
  // native abort of the whole process; the runner lets a busy thread finish its unit first.
  // Eight failure points, each with the other thread somewhere in its unit.
  const work = mkdtempSync(join(tmpdir(), 'mi-ident-stop-mid-run-'));
  try {
    for (let k = 1; k <= 8; k++) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test/stop-mid-run-node.ts'), join(work, `out-${k}`), String(k)], { cwd: ROOT, encoding: 'utf8' });
      assert.is(r.status, 0, `failure at unit ${k}: exit ${r.status} ${r.signal ?? ''}\n${r.stdout}${r.stderr}`);
      assert.match(r.stdout, `REJECTED stopped at unit ${k}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test.run();
