import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { analyzeModel } from '../src/analyze.ts';
import { parseModel } from '../src/model.ts';
import { createNodePool } from '../src/node/workers.ts';
import { splitRange } from '../src/parallel/pool.ts';
import { fixture } from './helpers.ts';

test('splitRange covers the range in order', () => {
  assert.equal(splitRange(10, 3), [[0, 3], [3, 6], [6, 10]]);
  assert.equal(splitRange(2, 8), [[0, 1], [1, 2]]);
  assert.equal(splitRange(0, 4), []);
});

test('worker threads give exactly the single-thread result (w4 case: 168,672 circuits, 6,301 perfect)', async () => {
  const c = fixture('cases/XOR_w4_d2_seed0.json');
  const model = parseModel(c.model);
  const pool = createNodePool(2);
  let progressed = 0;
  try {
    const options = { gates: ['XOR'], stages: { mappings: false } };
    const single = await analyzeModel(model, options);
    const parallel = await analyzeModel(model, { ...options, workers: () => pool, onProgress: () => progressed++ });
    assert.equal(parallel.outputs[0]!.perfectCircuits, single.outputs[0]!.perfectCircuits);
    assert.equal(parallel.outputs[0]!.groundingsPerCircuit, single.outputs[0]!.groundingsPerCircuit);
    assert.is(parallel.outputs[0]!.totalGroundings, 12_508_504_018);
    assert.ok(progressed >= 16, 'progress reported per piece');
  } finally {
    pool.terminate();
  }
});

test.run();
