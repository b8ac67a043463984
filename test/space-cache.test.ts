import { MessageChannel } from 'node:worker_threads';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LimitError } from '../src/errors.ts';
import { clearSpaceCache, sharedCircuitSpace, spaceCacheStats, SPACE_CACHE_BYTES } from '../src/circuits/space-cache.ts';
import { CircuitSpace } from '../src/circuits/space.ts';

test('the same shape gives the same space; it equals a fresh one', () => {
  clearSpaceCache();
  const a = sharedCircuitSpace([2, 3, 3, 1], 0);
  assert.is(sharedCircuitSpace([2, 3, 3, 1], 0), a);
  assert.is.not(sharedCircuitSpace([2, 3, 3, 1], 0.3), a);
  const fresh = new CircuitSpace([2, 3, 3, 1]);
  assert.is(a.count, fresh.count);
  for (const i of [0, 1, 17, a.count - 1]) assert.equal(a.decode(i), fresh.decode(i));
});

test('the circuit cap is checked on every call, kept space or not', () => {
  clearSpaceCache();
  sharedCircuitSpace([2, 4, 4, 1], 0);
  assert.throws(() => sharedCircuitSpace([2, 4, 4, 1], 0, 1000), (e: unknown) => e instanceof LimitError && /more than the cap of 1,000/.test((e as Error).message));
  assert.throws(() => sharedCircuitSpace([2, 5, 5, 1], 0, 1000), (e: unknown) => e instanceof LimitError);
});

test('older spaces are dropped past the byte budget; the last one used is kept', () => {
  clearSpaceCache();
  const first = sharedCircuitSpace([2, 5, 5, 1], 0);
  const one = spaceCacheStats().bytes;
  assert.ok(one > 0);
  const shapes = Math.ceil(SPACE_CACHE_BYTES / one) + 2;
  let last = first;
  for (let i = 1; i <= shapes; i++) last = sharedCircuitSpace([2, 5, 5, 1], i * 1e-9); // same lists, new keys
  const { spaces, bytes } = spaceCacheStats();
  assert.ok(bytes - one <= SPACE_CACHE_BYTES, `${bytes} bytes kept`);
  assert.ok(spaces < shapes + 1, `${spaces} spaces kept of ${shapes + 1}`);
  assert.is(sharedCircuitSpace([2, 5, 5, 1], shapes * 1e-9), last, 'the last one used is kept');
  assert.is.not(sharedCircuitSpace([2, 5, 5, 1], 0), first, 'the oldest was dropped');
  clearSpaceCache();
});

test('a space built in shared memory, and one built from its lists on another thread, equal a plain one', async () => {
  for (const [sizes, sparsity] of [[[2, 3, 3, 1], 0], [[2, 4, 4, 1], 0.2], [[3, 2, 2, 2], 0], [[2, 5, 5, 1], 0.3]] as const) {
    const plain = new CircuitSpace(sizes, { minSparsity: sparsity });
    const shared = new CircuitSpace(sizes, { minSparsity: sparsity, shared: true });
    const lists = shared.sharedEdgeLists();
    assert.ok(lists && lists.buffer instanceof SharedArrayBuffer);
    assert.is(plain.sharedEdgeLists(), null);
    // Across a real thread boundary: the buffer is shared, not copied.
    const channel = new MessageChannel();
    const received = await new Promise<typeof lists>((resolve) => {
      channel.port2.once('message', resolve);
      channel.port1.postMessage(lists);
    });
    channel.port1.close();
    const rebuilt = new CircuitSpace(sizes, { minSparsity: sparsity, edgeLists: received });
    for (const other of [shared, rebuilt]) {
      assert.is(other.count, plain.count);
      assert.is(other.combinations.length, plain.combinations.length);
      other.combinations.forEach((c, i) => c.edgeWords.forEach((w, l) => assert.equal(Array.from(w), Array.from(plain.combinations[i]!.edgeWords[l]!))));
    }
    assert.ok(rebuilt.combinations[0]!.edgeWords[0]!.buffer === received.buffer, 'the rebuilt space reads the shared buffer');
  }
});

test.run();
