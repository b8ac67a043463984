// src/pyset.ts against CPython 3.11: replays the operation sequences of
// test/fixtures/pyset-vectors.json (made by scripts/pyset-vectors.py) and compares the
// iteration order after every operation.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PySet, pyHash, type PyKey } from '../src/pyset.ts';

interface Case {
  name: string;
  ops: unknown[][];
  orders: PyKey[][];
}
const vectors = JSON.parse(readFileSync(new URL('./fixtures/pyset-vectors.json', import.meta.url), 'utf8')) as {
  python: string;
  cases: Case[];
};

/** Applies one recorded operation; returns the set it wrote. */
function apply(sets: Map<number, PySet>, op: unknown[]): PySet {
  const [kind, dst] = op as [string, number];
  const get = (i: unknown) => sets.get(i as number)!;
  const keys = (v: unknown) => v as PyKey[];
  switch (kind) {
    case 'literal': sets.set(dst, PySet.of(...keys(op[2]))); break;
    case 'fromList': sets.set(dst, new PySet(keys(op[2]))); break;
    case 'copy': sets.set(dst, new PySet(get(op[2]))); break;
    case 'add': get(dst).add(op[2] as PyKey); break;
    case 'discard': get(dst).discard(op[2] as PyKey); break;
    case 'updateSet': get(dst).update(get(op[2])); break;
    case 'updateList': get(dst).update(keys(op[2])); break;
    case 'isub': get(dst).differenceUpdate(get(op[2])); break;
    case 'diffUpdateList': get(dst).differenceUpdate(keys(op[2])); break;
    case 'diff': sets.set(dst, get(op[2]).difference(get(op[3]))); break;
    case 'diffList': sets.set(dst, get(op[2]).difference(keys(op[3]))); break;
    default: throw new Error(`unknown op ${kind}`);
  }
  return get(dst);
}

test('vectors come from CPython 3.11', () => {
  assert.match(vectors.python, /^3\.11\./);
  assert.ok(vectors.cases.length > 20);
});

for (const c of vectors.cases) {
  test(`iteration order after every operation: ${c.name}`, () => {
    const sets = new Map<number, PySet>();
    c.ops.forEach((op, i) => {
      const s = apply(sets, op);
      const got = s.toArray();
      if (JSON.stringify(got) !== JSON.stringify(c.orders[i])) {
        assert.equal(got, c.orders[i], `${c.name} op #${i} ${JSON.stringify(op).slice(0, 120)}`);
      }
      assert.is(s.size, c.orders[i]!.length);
    });
  });
}

test('hash values match CPython', () => {
  // Values printed by CPython 3.11 (64-bit).
  assert.is(pyHash(-1), BigInt.asUintN(64, -2n));
  assert.is(pyHash(2 ** 53 - 1), 2n ** 53n - 1n);
  assert.is(pyHash(-(2 ** 53 - 1)), BigInt.asUintN(64, -(2n ** 53n - 1n)));
  assert.is(pyHash([]), 5740354900026072187n);
  assert.is(BigInt.asIntN(64, pyHash([1, 2])), -3550055125485641917n);
  assert.is(BigInt.asIntN(64, pyHash([2, 0])), 4685526799349444076n);
});

test('has / discard / size', () => {
  const s = new PySet([[1, 0], [1, 1], 3]);
  assert.ok(s.has([1, 1]));
  assert.not.ok(s.has([1]));
  assert.ok(s.discard(3));
  assert.not.ok(s.discard(3));
  assert.is(s.size, 2);
});

test.run();
