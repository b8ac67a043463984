// formulasForGate (the negation pattern found from subtree truth tables) against the exhaustive
// reference (test/formulas-reference.ts): the same list, order and Formula objects. The slow
// comparisons (3-input gates at depth 3, XOR at depth 4) run the reference once each: about
// 40 s of this file's time, most of it PARITY and EXACT_2, whose 3,350 depth-3 formulas all fail.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { baseFormulas, formulasForGate, formulaString, nodeIdOrder, type Formula, type LogicTree } from '../src/formulas.ts';
import { GATES, inputRows, type Gate } from '../src/gates.ts';
import { formulasReference } from './formulas-reference.ts';
import { fixture } from './helpers.ts';

/** Every field the rest of the code reads from a formula, with the tree as plain data. */
const plain = (f: Formula) => ({ str: f.str, base: f.base, variables: [...f.variables], tree: plainTree(f.tree) });
const plainTree = (t: LogicTree): unknown => ({ op: t.op, id: t.id, children: t.children.map(plainTree) });

/** The reference depends on the truth table and depth only: FULL_ADDER is PARITY's table. */
const referenceCache = new Map<string, Formula[]>();
function reference(gate: Gate, depth: number): Formula[] {
  const key = `${gate.nInputs}:${gate.truthTable.join('')}:${depth}`;
  let r = referenceCache.get(key);
  if (!r) referenceCache.set(key, (r = formulasReference(gate, depth)));
  return r;
}

function assertSame(gate: Gate, depth: number, label = `${gate.name} at depth ${depth}`): void {
  const fast = formulasForGate(gate, depth);
  const ref = reference(gate, depth);
  assert.equal(fast.map((f) => f.str), ref.map((f) => f.str), `${label}: strings and order`);
  assert.equal(fast.map(plain), ref.map(plain), `${label}: formulas`);
}

test('the fast path premise: every base formula iterates its node ids ascending (R1)', () => {
  for (const [variables, depth] of [[['A', 'B'], 4], [['A', 'B', 'C'], 3]] as const) {
    for (const level of baseFormulas(depth, variables)) {
      for (const f of level) {
        const order = nodeIdOrder(f);
        assert.ok(order.every((id, i) => id === i), `${formulaString(f)}: ${order.join(',')}`);
      }
    }
  }
});

test('the reference matches the oracle formula dataset (depth 3, 2-input gates)', () => {
  const dataset = fixture('formula_dataset_depth3.json');
  const fixtureTree = (t: LogicTree): unknown =>
    t.children.length ? { id: t.id, op: String(t.op), children: t.children.map(fixtureTree) } : { id: t.id, op: String(t.op) };
  for (const [name, exp] of Object.entries<any>(dataset.gates)) {
    for (const list of [reference(GATES[name]!, 3), formulasForGate(GATES[name]!, 3)]) {
      assert.equal(list.map((f) => f.str), exp.formulas.map((e: any) => e.formula), name);
      assert.equal(list.map((f) => fixtureTree(f.tree)), exp.formulas.map((e: any) => e.tree), `${name} trees`);
    }
  }
});

for (const [name, gate] of Object.entries(GATES)) {
  test(`${name}: the same formulas as the reference at depths 0 to 3`, () => {
    for (let depth = 0; depth <= 3; depth++) assertSame(gate, depth);
  });
}

test('XOR at depth 4: the same 7,310 formulas as the reference', () => {
  assertSame(GATES.XOR!, 4);
  assert.is(formulasForGate(GATES.XOR!, 4).length, 7310);
});

test('every 2-input Boolean function at depths 0 to 3', () => {
  for (let bits = 0; bits < 16; bits++) {
    const truthTable = [3, 2, 1, 0].map((i) => (bits >> i) & 1);
    assertSame({ name: `F${bits}`, nInputs: 2, truthTable }, 3);
  }
});

test('property: random Boolean functions of 1 to 5 inputs at depths 0 to 2 (and gate-like objects as the MNIST tail builds them)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 5 }).chain((n) => fc.tuple(fc.constant(n), fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 1 << n, maxLength: 1 << n }))),
      fc.integer({ min: 0, max: 2 }),
      ([nInputs, truthTable], depth) => {
        // tailGate's shape: a name from the table, nInputs, the table in row order.
        assertSame({ name: `TAIL_${truthTable.join('')}`, nInputs, truthTable }, depth);
      },
    ),
    { numRuns: 120 },
  );
  // A truth table longer than its rows, with a 1 past them: no formula computes it.
  assertSame({ name: 'LONG', nInputs: 2, truthTable: [0, 1, 1, 0, 1] }, 3);
  assert.is(formulasForGate({ name: 'LONG', nInputs: 2, truthTable: [0, 1, 1, 0, 1] }, 3).length, 0);
  assertSame({ name: 'LONG0', nInputs: 2, truthTable: [1, 0, 0, 1, 0, 0] }, 2);
  // Functions whose formulas need negations in many places, and constants, over 3 inputs.
  for (const fn of [([a, b, c]: number[]) => a! & (1 - b!) & c!, () => 1, () => 0, ([a, b, c]: number[]) => (a! ^ b!) & c!]) {
    assertSame({ name: 'G', nInputs: 3, truthTable: inputRows(3).map(fn) }, 2);
  }
});

test.run();
