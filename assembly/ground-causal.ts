// Causal grounding counts (`grounding-causal`, docs/semantics.md K4) for many circuits of one node
// combination in one call, with the distinct gate dicts the `grounding-distinct` and `all`
// criteria ask for. The TypeScript reference is src/criteria/grounding-causal.ts (causalProblem,
// countCausalGroundings, distinctGateDictsOf); every number here is the one it computes:
//
// 1. the circuit's activations on the m distinct grounding inputs and its grounding problem, as
//    groundCircuitBatch computes them (ground-circuits.ts), with separators and layer-1 names;
// 2. the interchange scenarios: for every grounded hidden neuron u and ordered pair (base,
//    source) of distinct inputs, the circuit run on base with u's activation set to its value on
//    source, from u's layer on (the forward pass of the circuit search, so values are bit for bit
//    the TS reference's); every grounded neuron's value (the output rounded half to even);
// 3. the counting DP of grounding.ts on the problem compiled with one row constraint per scenario
//    (groundingPrepareCausal), and distinct gate dicts by its hash sets, under the cap.

import { buildProblem, computeWalkLayer, problemBytesFor, startWalk, walkAct, walkActOf, walkChoices, walkDigits, walkMasks, walkNeurons, walkTo } from './ground-circuits';
import { groundingCount, groundingDistinct, groundingError, groundingOverflow, groundingPrepare, groundingPrepareCausal } from './grounding';
import { alloc, mark, release } from './heap';
import { ERR_TOO_LARGE, GROUND_FALLBACK, GROUND_OK, MAX_GROUNDING_INPUTS as MAX_INPUTS } from './layout';

/** Request flags per circuit: also count the distinct gate dicts of its paper / causal groundings. */
const WANT_DISTINCT = 1;
const WANT_DISTINCT_CAUSAL = 2;

/**
 * For circuits `locals[0..n)` (local indices inside one node combination, ascending), laid out and
 * with the m distinct grounding inputs in the activation scratch as for groundCircuitBatch:
 * writes the number of groundings that hold under single-neuron interchange (u64, `outCounts`),
 * and where `flags` (i32 per circuit) asks, the distinct gate dicts of the paper's groundings
 * (`outDistinct`) and of the causal ones (`outDistinctCausal`), i64, -1 when uncounted: more
 * groundings than `cap`, or a first-layer gate without a name (G7); 0 where not asked. A status
 * per circuit (i32, `outStatus`): GROUND_OK, or GROUND_FALLBACK when the kernels cannot answer it
 * exactly (limits, a count past 64 bits, a degenerate separator): JS computes that circuit with
 * the TS reference. `width` is the model's input width, `sortedPtr` the inputs' sorted order
 * (i32[m], src/grounding.ts), both for the layer-1 gate names.
 */
export function groundCausalBatch(
  L: i32, sizesPtr: usize, wPtr: usize, bPtr: usize, slopeValue: f64,
  nodeMaskPtr: usize, countsPtr: usize, choicesPtr: usize,
  m: i32, nPairs: i32, actPtr: usize, width: i32, sortedPtr: usize,
  localsPtr: usize, n: i32, flagsPtr: usize, cap: f64,
  outCounts: usize, outDistinct: usize, outDistinctCausal: usize, outStatus: usize,
): void {
  const walk = startWalk(L, sizesPtr, wPtr, bPtr, slopeValue, nodeMaskPtr, countsPtr, choicesPtr, nPairs, actPtr);
  const totalNeurons = walkNeurons(walk);
  const rowBytes = <usize>nPairs << 4;
  const sorted = alloc(MAX_INPUTS << 3);
  const posOf = alloc((totalNeurons + 1) << 2);
  const problemBytes = problemBytesFor(totalNeurons);
  // Scenario activations: every layer's rows for the most scenarios one layer intervenes in.
  let maxWidth = 0;
  let neurons = 0;
  for (let l = 0; l <= L; l++) {
    const size = load<i32>(sizesPtr + (<usize>l << 2));
    maxWidth = max(maxWidth, size);
    neurons += size;
  }
  const maxScenarios = maxWidth * m * (m - 1);
  const scenarioPairs = (maxScenarios + 1) >> 1;
  const scenarioRowBytes = <usize>scenarioPairs << 4;
  const scenarioAct = alloc(<i32>(<usize>max(1, neurons) * max<usize>(16, scenarioRowBytes)));
  const scenarioLayerAct = alloc((L + 2) << 3);
  let at = scenarioAct;
  for (let l = 0; l <= L; l++) {
    store<usize>(scenarioLayerAct + (<usize>l << 3), at);
    at += <usize>load<i32>(sizesPtr + (<usize>l << 2)) * scenarioRowBytes;
  }

  for (let i = 0; i < n; i++) {
    walkTo(walk, load<i32>(localsPtr + (<usize>i << 2)));
    const before = mark();
    const flags = load<i32>(flagsPtr + (<usize>i << 2));
    let count: u64 = 0;
    let distinct: i64 = 0;
    let distinctCausal: i64 = 0;
    const problem = alloc(problemBytes);
    const separators = alloc((totalNeurons * (MAX_INPUTS - 1) + 1) << 3);
    let status = buildProblem(L, sizesPtr, m, rowBytes, walkAct(walk), walkMasks(walk), walkChoices(walk), walkDigits(walk),
      sorted, posOf, problem, totalNeurons, width, sortedPtr, separators);
    if (status == GROUND_OK) {
      const N = load<i32>(problem + 8);
      // Scenarios: (u, base, source) for every grounded hidden neuron u, source != base.
      let nScenarios = 0;
      for (let k = 0; k < N; k++) if (neuronLayer(problem, k) < L) nScenarios += m * (m - 1);
      const layers = alloc(max(1, nScenarios) << 2);
      const values = alloc(<i32>(<usize>max(1, nScenarios * N) << 3));
      let t0 = 0;
      for (let lu = 1; lu < L; lu++) t0 = scenariosOfLayer(walk, problem, N, lu, L, sizesPtr, m, rowBytes, scenarioLayerAct, layers, values, t0);
      const causalCtx = groundingPrepareCausal(problem, separators, nScenarios, layers, values);
      if (causalCtx == 0) status = GROUND_FALLBACK;
      else {
        count = groundingCount(causalCtx);
        if (groundingError() == ERR_TOO_LARGE || groundingOverflow() != 0) status = GROUND_FALLBACK;
        else if ((flags & WANT_DISTINCT_CAUSAL) != 0) distinctCausal = <f64>count > cap ? -1 : groundingDistinct(causalCtx);
      }
      if (status == GROUND_OK && (flags & WANT_DISTINCT) != 0) {
        const paperCtx = groundingPrepare(problem);
        if (paperCtx == 0) status = GROUND_FALLBACK;
        else {
          const paper = groundingCount(paperCtx);
          if (groundingError() == ERR_TOO_LARGE) status = GROUND_FALLBACK;
          else distinct = groundingOverflow() != 0 || <f64>paper > cap ? -1 : groundingDistinct(paperCtx);
        }
      }
    }
    store<u64>(outCounts + (<usize>i << 3), count);
    store<i64>(outDistinct + (<usize>i << 3), distinct);
    store<i64>(outDistinctCausal + (<usize>i << 3), distinctCausal);
    store<i32>(outStatus + (<usize>i << 2), status);
    release(before);
  }
}

// @ts-ignore: decorator
@inline function neuronLayer(problem: usize, k: i32): i32 {
  return load<i32>(problem + 20 + (<usize>(6 * k) << 2));
}
// @ts-ignore: decorator
@inline function neuronIndex(problem: usize, k: i32): i32 {
  return load<i32>(problem + 24 + (<usize>(6 * k) << 2));
}

/** Sample r of neuron k's row at `row` (samples fastest, one f64 each). */
// @ts-ignore: decorator
@inline function sample(row: usize, r: i32): f64 {
  return load<f64>(row + (<usize>r << 3));
}

/**
 * The scenarios whose intervened neuron is in layer `lu`, numbered from `t0` (neuron order, then
 * base, then source, as src/criteria/grounding-causal.ts lists them): the circuit from layer lu on,
 * on one row per scenario (each layer's block of `scenarioLayerAct` holds its rows at this
 * layer's stride), and each grounded neuron's value in it into `values[t][k]` (layers below lu
 * keep their values on base). Returns the next scenario number.
 */
function scenariosOfLayer(
  walk: usize, problem: usize, N: i32, lu: i32, L: i32, sizesPtr: usize, m: i32, rowBytes: usize,
  scenarioLayerAct: usize, layers: usize, values: usize, t0: i32,
): i32 {
  const width = load<i32>(sizesPtr + (<usize>lu << 2));
  const layerRows = walkActOf(walk, lu);
  const out = load<usize>(scenarioLayerAct + (<usize>lu << 3));
  let grounded = 0;
  for (let k = 0; k < N; k++) if (neuronLayer(problem, k) == lu) grounded++;
  if (grounded == 0) return t0;
  // Each layer's block holds its rows with this layer's stride (pairs of scenario rows).
  const pairs = (grounded * m * (m - 1) + 1) >> 1;
  const stride = <usize>pairs << 4;
  // Layer lu's rows: base's values, u's from source.
  let nRows = 0;
  for (let k = 0; k < N; k++) {
    if (neuronLayer(problem, k) != lu) continue;
    const u = neuronIndex(problem, k);
    for (let base = 0; base < m; base++) {
      for (let source = 0; source < m; source++) {
        if (source == base) continue;
        for (let j = 0; j < width; j++) {
          const row = layerRows + <usize>j * rowBytes;
          store<f64>(out + <usize>j * stride + (<usize>nRows << 3), sample(row, j == u ? source : base));
        }
        nRows++;
      }
    }
  }
  // Padding of the last row pair.
  for (let j = 0; j < width; j++) {
    for (let r = nRows; r < pairs * 2; r++) store<f64>(out + <usize>j * stride + (<usize>r << 3), 0);
  }
  for (let l = lu; l < L; l++) {
    computeWalkLayer(walk, l, pairs, load<usize>(scenarioLayerAct + (<usize>l << 3)), load<usize>(scenarioLayerAct + (<usize>(l + 1) << 3)));
  }
  // Each scenario's values, in its numbering; the base of scenario t is read back from its order.
  let t = 0;
  for (let k = 0; k < N; k++) {
    if (neuronLayer(problem, k) != lu) continue;
    for (let base = 0; base < m; base++) {
      for (let source = 0; source < m; source++) {
        if (source == base) continue;
        const g = t0 + t;
        store<i32>(layers + (<usize>g << 2), lu);
        for (let q = 0; q < N; q++) {
          const lq = neuronLayer(problem, q);
          const iq = neuronIndex(problem, q);
          let v: f64;
          if (lq >= lu) {
            v = sample(load<usize>(scenarioLayerAct + (<usize>lq << 3)) + <usize>iq * stride, t);
          } else {
            v = sample(walkActOf(walk, lq) + <usize>iq * rowBytes, base);
          }
          if (lq == L) v = nearest(v);
          store<f64>(values + (<usize>(g * N + q) << 3), v);
        }
        t++;
      }
    }
  }
  return t0 + t;
}
