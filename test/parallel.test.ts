// The worker-pool backend's own behaviour (its results are checked by the conformance suite):
// pieces in order, progress per piece, small requests kept on the calling thread.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createParallelBackend } from '../src/parallel/backend.ts';
import { splitRange, WorkerPool } from '../src/parallel/pool.ts';
import { CircuitSpace } from '../src/circuits/space.ts';
import { truthTableDataset, weightRows } from '../src/data.ts';
import { getGate } from '../src/gates.ts';
import { parseModel } from '../src/model.ts';
import { PRETRAINED_XOR } from '../src/pretrained-xor.ts';
import { createNodePool } from '../src/node/workers.ts';
import { runTask } from '../src/parallel/tasks.ts';
import { evaluateCircuitsTs } from '../src/backends/ts.ts';
import { countRequest } from '../src/backends/requests.ts';
import { distinctGroundingRows } from '../src/grounding.ts';
import type { CircuitResult, GroundingResult } from '../src/backends/types.ts';
import type { WorkerLike } from '../src/parallel/pool.ts';
import type { FromWorker, ToWorker } from '../src/parallel/tasks.ts';
import { fixture } from './helpers.ts';

test('splitRange covers the range in order', () => {
  assert.equal(splitRange(10, 3), [[0, 3], [3, 6], [6, 10]]);
  assert.equal(splitRange(2, 8), [[0, 1], [1, 2]]);
  assert.equal(splitRange(0, 4), []);
});

test('a large circuit request is cut into pieces, with progress per piece, and makes the pool; a small one stays here', async () => {
  let started = 0;
  const pool = () => {
    started++;
    return createNodePool(2);
  };
  let made: WorkerPool | undefined;
  const backend = await createParallelBackend({ pool: () => (made ??= pool()), minParallelCircuits: 100_000 });
  const xor = weightRows(truthTableDataset(getGate('XOR')));
  try {
    const small = parseModel(PRETRAINED_XOR);
    const smallSpace = new CircuitSpace(small.layerSizes);
    const r = await backend.evaluateCircuits({ model: small, space: smallSpace, start: 0, end: smallSpace.count, rows: xor, accuracyThreshold: 0.99 });
    assert.is(r.perfect.length, 32);
    assert.is(started, 0, 'no pool for 3,000 circuits');
    const model = parseModel(fixture('cases/XOR_w4_d2_seed0.json').model);
    const space = new CircuitSpace(model.layerSizes, { minSparsity: 0.2 });
    const progress: number[] = [];
    const big = await backend.evaluateCircuits({ model, space, start: 0, end: space.count, rows: xor, accuracyThreshold: 0.99, onProgress: (p) => progress.push(p.done) });
    assert.is(big.perfect.length, 6_301);
    assert.is(started, 1);
    assert.ok(progress.length >= 8, `progress per piece (${progress.length})`);
    assert.is(progress[progress.length - 1], space.count);
    assert.match(backend.label, /on 2 workers/);
  } finally {
    backend.dispose();
    made?.terminate();
  }
});

test('a worker\'s tasks: a copy of the last model or rows stands in for it, and any other value (one weight, one bias, the slope, one label) is its own', async () => {
  // Tasks run here as a worker runs them (runTask), each with fresh copies, as messages arrive.
  const base = parseModel(fixture('cases/XOR_w4_d2_seed0.json').model);
  const space = new CircuitSpace(base.layerSizes, { minSparsity: 0.2 });
  const spaceKey = { layerSizes: space.layerSizes, minSparsity: space.minSparsity };
  const xor = weightRows(truthTableDataset(getGate('XOR')));
  const changedWeight = structuredClone(base);
  changedWeight.weights[1]![5] = changedWeight.weights[1]![5]! + 0.75;
  const changedBias = structuredClone(base);
  changedBias.biases[2]![0] = changedBias.biases[2]![0]! - 0.5;
  const changedSlope = { ...structuredClone(base), negativeSlope: Math.fround(0.5) };
  const and = weightRows(truthTableDataset(getGate('AND')));
  const cases = [[base, xor], [base, xor], [changedWeight, xor], [base, xor], [changedBias, xor], [changedSlope, xor], [base, and], [base, xor]] as const;
  const seen = new Set<string>();
  for (const [model, rows] of cases) {
    const request = { model, space, start: 20_000, end: 120_000, rows, accuracyThreshold: 0.99 };
    const got = (await runTask({ kind: 'circuits', kernels: 'wasm', model: structuredClone(model), space: spaceKey, rows: structuredClone(rows), accuracyThreshold: 0.99, start: 20_000, end: 120_000 })) as CircuitResult;
    const expected = Array.from(evaluateCircuitsTs(request));
    assert.equal(Array.from(got.perfect), expected);
    seen.add(JSON.stringify(expected));
    const indices = expected.slice(0, 50);
    const inputs = distinctGroundingRows(truthTableDataset(getGate('XOR')).x, 2);
    const counts = (await runTask({ kind: 'groundings', kernels: 'wasm', model: structuredClone(model), space: spaceKey, indices, inputs, distinct: false })) as GroundingResult;
    assert.equal(counts.counts, countRequest(null, { model, space, indices, inputs }).counts);
  }
  assert.ok(seen.size >= 4, `the changed models and rows find other circuits (${seen.size} distinct answers)`);
});

/** Workers in this thread (tasks run by runTask), which say they are ready only when told to. */
function lateWorkers() {
  const made: { like: WorkerLike; tasks: number; start(): void; fail(): void }[] = [];
  const factory = () => {
    const w = {
      tasks: 0,
      like: {
        postMessage(m: ToWorker) {
          w.tasks++;
          void runTask(m.task).then((result) => setTimeout(() => w.like.onmessage?.({ data: { id: m.id, result } as FromWorker }), 0));
        },
        onmessage: null,
        onerror: null,
        terminate() {},
      } as WorkerLike,
      start: () => w.like.onmessage?.({ data: { id: 0, ready: true } }),
      fail: () => w.like.onerror?.(new Error('its module did not load')),
    };
    made.push(w);
    return w.like;
  };
  return { made, factory };
}

test('a request that comes while the workers are starting runs on the calling thread; once one has started, it gets the pieces', async () => {
  const { made, factory } = lateWorkers();
  const pool = new WorkerPool(factory, 2);
  const backend = await createParallelBackend({ pool, minParallelCircuits: 0 });
  const model = parseModel(fixture('cases/XOR_w4_d2_seed0.json').model);
  const space = new CircuitSpace(model.layerSizes, { minSparsity: 0.2 });
  const request = { model, space, start: 0, end: space.count, rows: weightRows(truthTableDataset(getGate('XOR'))), accuracyThreshold: 0.99 };
  const expected = Array.from(evaluateCircuitsTs(request));
  try {
    assert.ok(pool.starting);
    const progress: number[] = [];
    const early = await backend.evaluateCircuits({ ...request, onProgress: (p) => progress.push(p.done) });
    assert.equal(Array.from(early.perfect), expected);
    assert.equal(made.map((w) => w.tasks), [0, 0], 'no piece waited for a worker');
    assert.ok(progress.length >= 8 && progress[progress.length - 1] === space.count, 'progress per piece');
    made[1]!.start(); // one worker has started: it takes every piece, the other none yet
    assert.is(pool.ready, 1);
    assert.not.ok(pool.starting);
    const later = await backend.evaluateCircuits(request);
    assert.equal(Array.from(later.perfect), expected);
    assert.is(made[0]!.tasks, 0);
    assert.ok(made[1]!.tasks >= 8, `pieces on the started worker (${made[1]!.tasks})`);
    let all = false;
    void pool.whenStarted().then(() => (all = true));
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.not.ok(all, 'whenStarted waits for every worker');
    made[0]!.start();
    await pool.whenStarted();
    const indices = expected.slice(0, 5000);
    const inputs = distinctGroundingRows(truthTableDataset(getGate('XOR')).x, 2);
    const counts = await backend.countGroundings({ model, space, indices, inputs });
    assert.equal(counts.counts, countRequest(null, { model, space, indices, inputs }).counts);
    assert.ok(made[0]!.tasks > 0, 'both workers take pieces once both have started');
  } finally {
    backend.dispose();
    pool.terminate();
  }
});

test('a worker that answers a task has started, ready message or not', async () => {
  const { made, factory } = lateWorkers();
  const pool = new WorkerPool(factory, 1);
  const model = parseModel(PRETRAINED_XOR);
  const space = new CircuitSpace(model.layerSizes);
  const result = (await pool.run({ kind: 'circuits', kernels: 'ts', model, space: { layerSizes: space.layerSizes, minSparsity: 0 }, rows: weightRows(truthTableDataset(getGate('XOR'))), accuracyThreshold: 0.99, start: 0, end: space.count })) as CircuitResult;
  assert.is(result.perfect.length, 32);
  assert.is(made[0]!.tasks, 1);
  assert.is(pool.ready, 1);
  assert.not.ok(pool.starting);
  pool.terminate();
});

test('a worker that fails before it starts: requests get its error, not a wait for ever', async () => {
  const { made, factory } = lateWorkers();
  const pool = new WorkerPool(factory, 2);
  const backend = await createParallelBackend({ pool, minParallelCircuits: 0 });
  const started = pool.whenStarted();
  made[0]!.fail();
  const why = await started.then(() => null, (e: Error) => e);
  assert.match(why?.message ?? 'whenStarted resolved', /a worker failed: its module did not load/);
  assert.not.ok(pool.starting, 'a failed pool is not starting: its requests go to it, and fail');
  const model = parseModel(PRETRAINED_XOR);
  const space = new CircuitSpace(model.layerSizes);
  try {
    await backend.evaluateCircuits({ model, space, start: 0, end: space.count, rows: weightRows(truthTableDataset(getGate('XOR'))), accuracyThreshold: 0.99 });
    assert.unreachable('the request failed');
  } catch (e) {
    assert.is((e as Error).name, 'BackendUnavailableError');
    assert.match((e as Error).message, /a worker failed: its module did not load/);
  } finally {
    backend.dispose();
    pool.terminate();
  }
});

test('an aborted request stops between pieces', async () => {
  const pool = createNodePool(2);
  const backend = await createParallelBackend({ pool, minParallelCircuits: 0 });
  const model = parseModel(fixture('cases/XOR_w4_d2_seed0.json').model);
  const space = new CircuitSpace(model.layerSizes, { minSparsity: 0.2 });
  const controller = new AbortController();
  try {
    await backend.evaluateCircuits({
      model, space, start: 0, end: space.count, rows: weightRows(truthTableDataset(getGate('XOR'))), accuracyThreshold: 0.99,
      signal: controller.signal, onProgress: () => controller.abort(new Error('stopped by the test')),
    });
    assert.unreachable('the request was aborted');
  } catch (e) {
    assert.match((e as Error).message, /stopped by the test/);
  } finally {
    pool.terminate();
  }
});

test.run();
