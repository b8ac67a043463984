// The estimates behind the refusals of the catalogue: the circuit count computed without
// enumeration equals the enumeration's, the formula estimate is close where it can be checked,
// and large results are written in pieces that stay small.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { analyzeModel } from '../../src/analyze.ts';
import { countCircuits, validEdgeCount } from '../../src/circuits/count.ts';
import { CircuitSpace, validEdgeWords } from '../../src/circuits/space.ts';
import { estimateBaseFormulas, MAX_BASE_FORMULAS, maxFormulaDepth } from '../../src/formula-limits.ts';
import { baseFormulaCounts, baseFormulas } from '../../src/formulas.ts';
import { jsonPieces } from '../../src/json-text.ts';
import { parseModel } from '../../src/model.ts';
import { PRETRAINED_XOR } from '../../src/pretrained-xor.ts';

test('validEdgeCount: the number of masks validEdgeWords lists, for every block up to 5 x 5', () => {
  for (let rows = 0; rows <= 5; rows++) {
    for (let cols = 0; cols <= 5; cols++) {
      const listed = validEdgeWords(Array(Math.max(cols, 1)).fill(0).map((_, i) => (i < cols ? 1 : 0)), Array(Math.max(rows, 1)).fill(0).map((_, i) => (i < rows ? 1 : 0))).length / 2;
      assert.is(Number(validEdgeCount(rows, cols)), listed, `${rows} x ${cols}`);
    }
  }
});

test('countCircuits equals the enumeration on random layouts and sparsity filters (C2, C4 included)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 5 }),
      fc.constantFrom(0, 0.1, 0.2, 0.25, 1 / 3, 0.5, 0.75, 1, -0.5),
      (sizes, minSparsity) => {
        assert.is(countCircuits(sizes, minSparsity).circuits, BigInt(new CircuitSpace(sizes, { minSparsity }).count), `${sizes.join('-')} ${minSparsity}`);
      },
    ),
    { numRuns: 150 },
  );
  assert.is(countCircuits([2, 5, 5, 1], 0.3).circuits, 1_092_035n);
  assert.is(countCircuits([2, 4, 4, 1], 0.2).circuits, 168_672n);
});

test('formula estimate: within 15% of the enumeration where both exist; depth 4 allowed for 2 inputs, 3 for 3', () => {
  const actual = baseFormulas(4, ['A', 'B'])[4]!.length;
  const estimate = estimateBaseFormulas(2, 4);
  assert.ok(Math.abs(estimate - actual) / actual < 0.15, `${estimate} vs ${actual}`);
  assert.is(estimateBaseFormulas(3, 3), baseFormulas(3, ['A', 'B', 'C'])[3]!.length); // exact up to depth 3
  assert.equal([maxFormulaDepth(2), maxFormulaDepth(3)], [4, 3]);
});

test('formula counts without trees; the caps stay: past each one lie more than 10^7 base formulas; one variable has no cap', () => {
  assert.equal(baseFormulaCounts(4, ['A', 'B']), baseFormulas(4, ['A', 'B']).map((l) => l.length));
  assert.equal(baseFormulaCounts(3, ['A', 'B', 'C']), baseFormulas(3, ['A', 'B', 'C']).map((l) => l.length));
  assert.equal(baseFormulaCounts(0, ['A', 'B']), [2]);
  // Fast negations do not make the next depth feasible: the list itself would not fit.
  for (const n of [2, 3, 4, 5]) {
    const max = maxFormulaDepth(n);
    assert.is(max, n === 2 ? 4 : 3, `${n} variables`);
    assert.ok(estimateBaseFormulas(n, max + 1) > 10 * MAX_BASE_FORMULAS, `${n} variables, depth ${max + 1}`);
  }
  // One variable: only A at every depth (A < A fails), so nothing is ever too deep; zero: no formula.
  assert.equal(baseFormulaCounts(5, ['A']), [1, 0, 0, 0, 0, 0]);
  assert.is(maxFormulaDepth(1), Infinity);
  assert.is(maxFormulaDepth(0), Infinity);
});

test('jsonPieces: the text of JSON.stringify(value, null, 1), in small pieces', async () => {
  const result = await analyzeModel(parseModel(PRETRAINED_XOR), { gates: ['XOR'], backend: 'wasm' });
  const odd = { a: [], b: {}, c: [undefined, () => 1, null, 'x\ny'], d: undefined, e: { f: [[[[[1, [2]]]]]] }, g: new Date(0), h: -0, i: [{}, []] };
  for (const value of [result, odd, [], {}, 1, 'text', null, [[[]]]]) {
    assert.is([...jsonPieces(value)].join(''), JSON.stringify(value, null, 1));
  }
  const many = { outputs: [{ perfectCircuits: Array.from({ length: 20_000 }, (_, i) => ({ index: i, nodeMasks: [[1, 1], [1, 0, 1], [1]] })) }] };
  const pieces = [...jsonPieces(many)];
  assert.is(pieces.join(''), JSON.stringify(many, null, 1));
  assert.ok(Math.max(...pieces.map((p) => p.length)) < 200, 'no piece grows with the number of circuits');
});

test.run();
