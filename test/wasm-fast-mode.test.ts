/**
 * The Wasm kernel's fast mode (float32x4, products and sums rounded separately) and its static
 * error bound (src/backends/wasm-fast-bound.ts): the bound holds against a simulation of the fast
 * arithmetic, circuits near rounding boundaries go to exact mode, and results equal the TS
 * reference and exact mode.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { CircuitSpace } from '../src/circuits/space.ts';
import { circuitOutput, fullCircuit, type Circuit } from '../src/circuits/circuit.ts';
import { evaluateCircuitsTs } from '../src/backends/ts.ts';
import { createWasmBackend } from '../src/backends/wasm.ts';
import { evaluateCircuitsWasm, lastExactRedos } from '../src/backends/wasm-circuits.ts';
import { instantiateWasmModule } from '../src/backends/wasm-module.ts';
import { fastDecisionMargins, fastErrorBound } from '../src/backends/wasm-fast-bound.ts';
import { parseModel, type Model } from '../src/model.ts';
import { weightRows } from '../src/data.ts';

/** The fast mode's arithmetic in JS: every product and every sum rounded to float32 on its own. */
function fastOutput(model: Model, circuit: Circuit, input: ArrayLike<number>): number[] {
  let x = Array.from(input, Math.fround);
  model.weights.forEach((w, l) => {
    const nIn = model.layerSizes[l]!;
    x = x.map((v, j) => v * circuit.nodeMasks[l]![j]!);
    x = Array.from(model.biases[l]!, (bias, r) => {
      const weight = (j: number) => (circuit.edgeMasks[l]![r]![j] ? w[r * nIn + j]! : 0);
      let acc = Math.fround(x[0]! * weight(0));
      for (let j = 1; j < nIn; j++) acc = Math.fround(acc + Math.fround(x[j]! * weight(j)));
      const v = Math.fround(acc + bias);
      return v >= 0 ? v : Math.fround(v * model.negativeSlope);
    });
  });
  return x;
}

const wide = fc.float({ min: -8, max: 8, noNaN: true, noDefaultInfinity: true });
// Near float32's smallest normal: products underflow to subnormals and zero.
const tiny = fc.float({ min: Math.fround(-1e-36), max: Math.fround(1e-36), noNaN: true, noDefaultInfinity: true });
const modelArb = (sizes: number[], weight: fc.Arbitrary<number>) =>
  fc
    .tuple(
      fc.tuple(...sizes.slice(1).map((out, l) => fc.array(fc.array(weight, { minLength: sizes[l]!, maxLength: sizes[l]! }), { minLength: out, maxLength: out }))),
      fc.tuple(...sizes.slice(1).map((out) => fc.array(weight, { minLength: out, maxLength: out }))),
      fc.constantFrom(0.01, 0.2, -0.5, 1.5),
    )
    .map(([weights, biases, negativeSlope]) => parseModel({ layerSizes: sizes, weights, biases, negativeSlope }));
const inputsArb = (nIn: number) =>
  fc.array(fc.array(fc.float({ min: -2, max: 2, noNaN: true, noDefaultInfinity: true }), { minLength: nIn, maxLength: nIn }), { minLength: 1, maxLength: 6 });

test('property: the static bound covers the fast arithmetic on every circuit (wide or tiny weights, noisy inputs)', () => {
  let differing = 0;
  for (const sizes of [[2, 3, 3, 1], [3, 4, 2, 2], [2, 2, 2, 2, 1], [4, 5, 1]]) {
    const space = new CircuitSpace(sizes);
    fc.assert(
      fc.property(fc.oneof(modelArb(sizes, wide), modelArb(sizes, tiny)), inputsArb(sizes[0]!), fc.integer({ min: 0, max: space.count - 1 }), (model, xs, start) => {
        const bounds = xs.map((x) => fastErrorBound(model, Float32Array.from(x)));
        for (const circuit of space.circuits(start, Math.min(space.count, start + 40))) {
          for (const [s, x] of xs.entries()) {
            const bound = bounds[s];
            assert.ok(bound, 'weights and inputs this small keep the bound in range');
            const reference = circuitOutput(model, circuit, x);
            fastOutput(model, circuit, x).forEach((f, o) => {
              const gap = Math.abs(f - reference[o]!);
              if (gap > 0) differing++;
              assert.ok(gap <= bound[o]!, `|fast - reference| = ${gap} > bound ${bound[o]}`);
            });
          }
        }
      }),
      { numRuns: 60 },
    );
  }
  assert.ok(differing > 0, `the two arithmetics differed on ${differing} outputs (the property must see differences)`);
});

test('an output on a rounding tie that the fast arithmetic would round the other way goes to exact mode', async () => {
  // Hidden neuron h = x0 w0 + x1 w1 with noisy inputs: the reference fuses the second
  // product into the sum; fast mode rounds it first. Pick weights where fast ends one ulp
  // higher, then set the output bias so that the reference output is exactly 0.5 (a tie,
  // rounding to 0 = the label) while the fast value is 0.5 + 2^-24 (rounding to 1).
  const x = [Math.fround(1.1), Math.fround(0.7)];
  let found: Model | null = null;
  for (let i = 1; i < 5000 && !found; i++) {
    const w0 = Math.fround(0.3 + i * 1e-4);
    const w1 = Math.fround(0.05 + i * 7e-5);
    const hRef = Math.fround(Math.fround(x[0]! * w0) + x[1]! * w1);
    const hFast = Math.fround(Math.fround(x[0]! * w0) + Math.fround(x[1]! * w1));
    if (!(hRef >= 0.5 && hRef < 1 && hFast > hRef)) continue;
    // A second, idle hidden neuron: circuit search never evaluates the full network itself.
    found = parseModel({ layerSizes: [2, 2, 1], weights: [[[w0, w1], [0, 0]], [[1, 0]]], biases: [[0, 0], [0.5 - hRef]] });
  }
  assert.ok(found, 'a weight pair where the two arithmetics differ exists');
  const model = found!;
  const full = fullCircuit(model.layerSizes);
  assert.is(circuitOutput(model, full, x)[0], 0.5, 'the reference output is exactly the tie');
  assert.ok(fastOutput(model, full, x)[0]! > 0.5, 'the fast arithmetic lands above the tie');
  const rows = weightRows({ x: [x], y: [[0]] });
  const space = new CircuitSpace(model.layerSizes);
  const request = { model, space, start: 0, end: space.count, rows, accuracyThreshold: 0.99 };
  const kernels = await instantiateWasmModule();
  const fast = Array.from(evaluateCircuitsWasm(kernels, request, true));
  assert.ok(lastExactRedos(kernels) >= 1, 'the undecided circuit was evaluated again exactly');
  assert.equal(fast, Array.from(evaluateCircuitsTs(request)));
  assert.equal(fast, Array.from(evaluateCircuitsWasm(kernels, request, false)));
  assert.ok(fast.length > 0, 'the full circuit is perfect in the reference');
});

test('an output on the tie below the label (-0.5) that the fast arithmetic misses goes to exact mode, not rejected', async () => {
  // The mirror of the test above, for the all-rows decision by sum thresholds: the reference
  // output is exactly -0.5 (output weight -1, bias h - 0.5, slope 1), rounding half to even to
  // -0, the label 0, while the fast value is one ulp off it. That sum is outside the band the
  // label accepts but inside the one it surely rejects (below -1 + margin), so only exact mode
  // may decide it. Two idle hidden neurons (weights 0) let perfect circuits follow a step that
  // changed only the last kept neuron's edges (the kernel's run of common steps).
  const x = [Math.fround(1.1), Math.fround(0.7)];
  let found: Model | null = null;
  for (let i = 1; i < 5000 && !found; i++) {
    const w0 = Math.fround(0.3 + i * 1e-4);
    const w1 = Math.fround(0.05 + i * 7e-5);
    const hRef = Math.fround(Math.fround(x[0]! * w0) + x[1]! * w1);
    const hFast = Math.fround(Math.fround(x[0]! * w0) + Math.fround(x[1]! * w1));
    if (!(hRef >= 0.5 && hRef < 1 && hFast !== hRef)) continue;
    found = parseModel({ layerSizes: [2, 3, 1], weights: [[[w0, w1], [0, 0], [0, 0]], [[-1, 0, 0]]], biases: [[0, 0, 0], [hRef - 0.5]], negativeSlope: 1 });
  }
  assert.ok(found, 'a weight pair where the two arithmetics differ exists');
  const model = found!;
  const full = fullCircuit(model.layerSizes);
  assert.is(circuitOutput(model, full, x)[0], -0.5, 'the reference output is exactly the tie');
  assert.ok(fastOutput(model, full, x)[0] !== -0.5, 'the fast arithmetic lands off the tie');
  const rows = weightRows({ x: [x], y: [[0]] });
  const space = new CircuitSpace(model.layerSizes);
  const request = { model, space, start: 0, end: space.count, rows, accuracyThreshold: 0.99 };
  const kernels = await instantiateWasmModule();
  const fast = Array.from(evaluateCircuitsWasm(kernels, request, true));
  assert.ok(lastExactRedos(kernels) >= 1, 'the undecided circuit was evaluated again exactly');
  assert.equal(fast, Array.from(evaluateCircuitsTs(request)));
  assert.equal(fast, Array.from(evaluateCircuitsWasm(kernels, request, false)));
  assert.ok(fast.length > 0, 'a circuit is perfect in the reference');
});

// Weights on a coarse grid with 0/1 inputs: outputs land exactly on 0.5, 1.5, -0.5 ... often.
const gridWeight = fc.constantFrom(-1.5, -1, -0.5, -0.25, 0, 0.25, 0.5, 1, 1.5);
const gateData = (nIn: number, nOut: number) =>
  fc.array(
    fc.tuple(fc.array(fc.integer({ min: 0, max: 1 }), { minLength: nIn, maxLength: nIn }), fc.array(fc.integer({ min: 0, max: 1 }), { minLength: nOut, maxLength: nOut })),
    { minLength: 1, maxLength: 9 },
  ).map((rows) => ({ x: rows.map(([x]) => x), y: rows.map(([, y]) => y) }));

test('property: on models full of exact ties, fast mode (with its exact redos), exact mode and TS agree', async () => {
  const kernels = await instantiateWasmModule();
  let redos = 0;
  for (const sizes of [[2, 3, 3, 1], [2, 3, 2, 2], [3, 2, 2, 1]]) {
    const space = new CircuitSpace(sizes);
    await fc.assert(
      fc.asyncProperty(modelArb(sizes, gridWeight), gateData(sizes[0]!, sizes[sizes.length - 1]!), fc.constantFrom(0, 0.5, 0.99), async (model, data, threshold) => {
        const request = { model, space, start: 0, end: space.count, rows: weightRows(data), accuracyThreshold: threshold };
        const fast = Array.from(evaluateCircuitsWasm(kernels, request, true));
        redos += lastExactRedos(kernels);
        assert.equal(fast, Array.from(evaluateCircuitsTs(request)));
        assert.equal(fast, Array.from(evaluateCircuitsWasm(kernels, request, false)));
      }),
      { numRuns: 25 },
    );
  }
  assert.ok(redos > 0, 'ties were sent to exact mode');
});

test('property: the all-rows decision by sum thresholds (any slope, labels 0/1, outputs near the rounding edges) agrees with exact mode and TS', async () => {
  // Output biases that put many outputs right at label +- 1/2 and +- 1 + margin, where the
  // thresholds of the sums lie; a negative slope takes decideOne's own path. Thresholds 0.99 and
  // 1 (which no circuit passes: every row right is not enough).
  const kernels = await instantiateWasmModule();
  let perfect = 0;
  const weight = fc.oneof(gridWeight, fc.float({ min: -2, max: 2, noNaN: true, noDefaultInfinity: true }));
  const truthTable = fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 4, maxLength: 4 }).map((y) => ({ x: [[0, 0], [0, 1], [1, 0], [1, 1]], y: y.map((v) => [v]) }));
  for (const sizes of [[2, 3, 3, 1], [2, 4, 4, 1]]) {
    const space = new CircuitSpace(sizes, { minSparsity: sizes[1] === 4 ? 0.2 : 0 });
    const layers = fc.tuple(...sizes.slice(1).map((out, l) => fc.array(fc.array(weight, { minLength: sizes[l]!, maxLength: sizes[l]! }), { minLength: out, maxLength: out })));
    const hidden = fc.tuple(...sizes.slice(1, -1).map((out) => fc.array(weight, { minLength: out, maxLength: out })));
    await fc.assert(
      fc.asyncProperty(layers, hidden, fc.constantFrom(0.5, -0.5, 1.5, 0.25, 0), fc.constantFrom(0.01, 0, -0.2), truthTable, fc.constantFrom(0.99, 1), async (weights, biases, shift, negativeSlope, data, threshold) => {
        const tuned = parseModel({ layerSizes: sizes, weights, biases: [...biases, [shift]], negativeSlope });
        const request = { model: tuned, space, start: 0, end: Math.min(space.count, 20_000), rows: weightRows(data), accuracyThreshold: threshold };
        const fast = Array.from(evaluateCircuitsWasm(kernels, request, true));
        assert.equal(fast, Array.from(evaluateCircuitsTs(request)));
        if (threshold === 1) assert.equal(fast, []);
        perfect += fast.length;
      }),
      { numRuns: 15, seed: 20261202 },
    );
  }
  assert.ok(perfect > 0, 'some circuits passed');
});

test('a label that is no whole number (0.5) is never the rounded output: the sum thresholds stand aside, as in the TS reference', async () => {
  // The fuzz case of seed 2133450304: one row, label 0.5. An output of about 0.5 is within the
  // margin of the label but rounds to 0 or 1, so no circuit is right; the band of the sum
  // thresholds (|F - label| < margin) alone would have accepted it.
  const model = parseModel({ layerSizes: [2, 3, 3, 1], weights: [[[1, 0], [0, 1], [0, 0]], [[1, 1, 0], [0, 0, 0], [0, 0, 0]], [[1, 0, 0]]], biases: [[0, 0, 0], [0, 0, 0], [-0.49]] });
  const kernels = await instantiateWasmModule();
  const space = new CircuitSpace(model.layerSizes);
  for (const label of [0.5, -0.5, 1.5, 0.25]) {
    const request = { model, space, start: 0, end: space.count, rows: weightRows({ x: [[0, 1]], y: [[label]] }), accuracyThreshold: 0.99 };
    const fast = Array.from(evaluateCircuitsWasm(kernels, request, true));
    assert.equal(fast, [], `label ${label}`);
    assert.equal(fast, Array.from(evaluateCircuitsTs(request)), `label ${label}`);
  }
});

test('property: labels of any value (whole or not, beyond 0/1) give fast mode the TS reference\'s circuits', async () => {
  const kernels = await instantiateWasmModule();
  const sizes = [2, 3, 3, 1];
  const space = new CircuitSpace(sizes);
  const label = fc.constantFrom(0, 1, 0.5, -0.5, 1.5, 2, -1, 0.25);
  const data = fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), label), { minLength: 1, maxLength: 4 })
    .map((rows) => ({ x: rows.map(([i]) => [i >> 1, i & 1]), y: rows.map(([, y]) => [y]) }));
  await fc.assert(
    fc.asyncProperty(modelArb(sizes, gridWeight), data, fc.constantFrom(0, 0.5, 0.99), async (model, rows, threshold) => {
      const request = { model, space, start: 0, end: space.count, rows: weightRows(rows), accuracyThreshold: threshold };
      const fast = Array.from(evaluateCircuitsWasm(kernels, request, true));
      assert.equal(fast, Array.from(evaluateCircuitsTs(request)));
    }),
    { numRuns: 40, seed: 20261203 },
  );
});

test('fast mode is skipped where the bound would be useless, with the same results', async () => {
  const huge = parseModel({ layerSizes: [2, 2, 1], weights: [[[3e6, 1], [1, 1]], [[1, 1]]], biases: [[0, 0], [0]] });
  const rows = weightRows({ x: [[0, 0], [0, 1], [1, 0], [1, 1]], y: [[0], [1], [1], [0]] });
  assert.is(fastDecisionMargins(huge, rows), null);
  const space = new CircuitSpace(huge.layerSizes);
  const request = { model: huge, space, start: 0, end: space.count, rows, accuracyThreshold: 0.5 };
  const wasm = await createWasmBackend();
  assert.equal(Array.from((await wasm.evaluateCircuits(request)).perfect), Array.from(evaluateCircuitsTs(request)));
});

test('the pretrained-size models decide almost every circuit in fast mode', async () => {
  const model = parseModel({
    layerSizes: [2, 3, 3, 1],
    weights: [[[1.2, -0.7], [0.4, 0.9], [-1.1, 1.3]], [[0.8, -0.2, 0.5], [1.1, 0.3, -0.6], [-0.4, 0.7, 0.9]], [[0.9, -1.2, 0.6]]],
    biases: [[0.1, -0.2, 0.3], [0.05, -0.1, 0.2], [0.15]],
  });
  const rows = weightRows({ x: [[0, 0], [0, 1], [1, 0], [1, 1]], y: [[0], [1], [1], [0]] });
  const margins = fastDecisionMargins(model, rows)!;
  assert.ok(margins.every((m) => m > 0.4999), `margins ${margins}`);
  const space = new CircuitSpace(model.layerSizes);
  const kernels = await instantiateWasmModule();
  const request = { model, space, start: 0, end: space.count, rows, accuracyThreshold: 0.99 };
  assert.equal(Array.from(evaluateCircuitsWasm(kernels, request, true)), Array.from(evaluateCircuitsTs(request)));
  assert.ok(lastExactRedos(kernels) <= space.count / 100, `${lastExactRedos(kernels)} of ${space.count} redone`);
});

test('property: the incremental tail (one output edge choice: the last hidden rows change from the last up) equals TS and exact mode on wide, deep and multi-row layouts', async () => {
  const module = await instantiateWasmModule();
  // [layout, min sparsity]: a memoised tail layer (<= 6 inputs), one computed in place (7 inputs),
  // three hidden layers, 3 inputs (8 rows: two fast vectors), a single-choice two-output layer.
  const layouts: [number[], number][] = [[[2, 4, 5, 1], 0.3], [[2, 7, 4, 1], 0.5], [[2, 3, 2, 3, 1], 0], [[3, 3, 3, 1], 0], [[2, 3, 1, 2], 0]];
  let redos = 0;
  for (const [sizes, minSparsity] of layouts) {
    const space = new CircuitSpace(sizes, { minSparsity });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(modelArb(sizes, gridWeight), modelArb(sizes, wide)),
        gateData(sizes[0]!, sizes[sizes.length - 1]!),
        fc.constantFrom(-1, 0, 0.5, 0.99),
        fc.integer({ min: 0, max: space.count - 1 }),
        async (model, data, threshold, start) => {
          const request = { model, space, start, end: Math.min(space.count, start + 3000), rows: weightRows(data), accuracyThreshold: threshold };
          const fast = Array.from(evaluateCircuitsWasm(module, request, true));
          redos += lastExactRedos(module);
          assert.equal(fast, Array.from(evaluateCircuitsTs(request)));
          assert.equal(fast, Array.from(evaluateCircuitsWasm(module, request, false)));
        },
      ),
      { numRuns: 12 },
    );
  }
  assert.ok(redos > 0, 'some circuits went to exact mode');
});

test.run();
