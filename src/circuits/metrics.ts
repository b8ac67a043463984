/**
 * Circuit metrics the reference records (C5) and the circuit-set analysis helpers
 * (inclusion order, Jaccard overlap, nested-pair fraction).
 */
import { circuitOutput, type Circuit } from './circuit.ts';
import { forward, type Model } from '../model.ts';
import { roundHalfEven, type Dataset } from '../data.ts';

/** Per-circuit metrics as in the reference's `find_circuits` data frame. */
export interface CircuitMetrics {
  /** Fraction of samples whose rounded circuit output equals the label on every output. */
  accuracy: number;
  /** 1 - mean squared difference between model and circuit outputs. */
  logitSimilarity: number;
  /** Fraction of outputs where the rounded circuit output equals the rounded model output. */
  bitSimilarity: number;
  /** Fraction of hidden nodes dropped. */
  nodeSparsity: number;
  /** Fraction of edges dropped. */
  edgeSparsity: number;
  /** Fraction of hidden nodes and edges dropped, counted together. */
  combinedSparsity: number;
}

/** Computes {@link CircuitMetrics} for one circuit on a dataset. */
export function circuitMetrics(model: Model, circuit: Circuit, data: Dataset): CircuitMetrics {
  let correct = 0;
  let squaredError = 0;
  let sameBits = 0;
  let cells = 0;
  data.x.forEach((x, s) => {
    const out = circuitOutput(model, circuit, x);
    const ref = forward(model, x);
    let ok = true;
    out.forEach((v, o) => {
      const bit = roundHalfEven(v);
      if (bit !== data.y[s]?.[o]) ok = false;
      if (bit === roundHalfEven(ref[o]!)) sameBits++;
      squaredError += (ref[o]! - v) ** 2;
      cells++;
    });
    if (ok) correct++;
  });
  const { node, edge, combined } = sparsity(circuit);
  return {
    accuracy: correct / data.x.length,
    logitSimilarity: 1 - squaredError / cells,
    bitSimilarity: sameBits / cells,
    nodeSparsity: node,
    edgeSparsity: edge,
    combinedSparsity: combined,
  };
}

/** Node (hidden layers only), edge and combined sparsity: fractions of zeros (`Circuit.sparsity`). */
export function sparsity(circuit: Circuit): { node: number; edge: number; combined: number } {
  const nodes = circuit.nodeMasks.slice(1, -1).flat();
  const edges = circuit.edgeMasks.flat(2);
  const zeros = (a: number[]) => a.filter((v) => v === 0).length;
  return {
    node: nodes.length ? zeros(nodes) / nodes.length : 0,
    edge: zeros(edges) / edges.length,
    combined: (zeros(nodes) + zeros(edges)) / (nodes.length + edges.length),
  };
}

/** True if every node and edge of `a` is also in `b` (`Circuit.__le__`). */
export function isIncluded(a: Circuit, b: Circuit): boolean {
  const within = (x: number[], y: number[]) => x.every((v, i) => v !== 1 || y[i] === 1);
  return (
    a.nodeMasks.every((m, l) => within(m, b.nodeMasks[l]!)) &&
    a.edgeMasks.every((m, l) => m.every((row, r) => within(row, b.edgeMasks[l]![r]!)))
  );
}

/** Jaccard index of the hidden nodes and edges kept by two circuits (0 when both are empty). */
export function jaccard(a: Circuit, b: Circuit): number {
  const flat = (c: Circuit) => [...c.nodeMasks.slice(1, -1).flat(), ...c.edgeMasks.flat(2)];
  const fa = flat(a);
  const fb = flat(b);
  let inter = 0;
  let union = 0;
  fa.forEach((v, i) => {
    if (v === 1 && fb[i] === 1) inter++;
    if (v === 1 || fb[i] === 1) union++;
  });
  return union === 0 ? 0 : inter / union;
}

/** Summary of a set of circuits (`analyze_circuits`): nested-pair fraction and mean Jaccard overlap. */
export interface CircuitSetAnalysis {
  /** Fraction of unordered pairs where one circuit includes the other. */
  nestedPairFraction: number;
  /** Mean Jaccard index over unordered pairs. */
  meanJaccard: number;
  /** The `topN` least similar pairs `[i, j, jaccard]`, most dissimilar first. */
  leastSimilarPairs: [number, number, number][];
}

/** Compares every pair of circuits, as the reference's `analyze_circuits`. */
export function analyzeCircuitSet(circuits: readonly Circuit[], topN = 10): CircuitSetAnalysis {
  let nested = 0;
  let pairs = 0;
  let jaccardSum = 0;
  const all: [number, number, number][] = [];
  for (let i = 0; i < circuits.length; i++) {
    for (let j = i + 1; j < circuits.length; j++) {
      const a = circuits[i]!;
      const b = circuits[j]!;
      if (isIncluded(a, b) || isIncluded(b, a)) nested++;
      const jac = jaccard(a, b);
      jaccardSum += jac;
      all.push([i, j, jac]);
      pairs++;
    }
  }
  all.sort((p, q) => p[2] - q[2]);
  return {
    nestedPairFraction: pairs ? nested / pairs : 0,
    meanJaccard: pairs ? jaccardSum / pairs : 0,
    leastSimilarPairs: all.slice(0, topN),
  };
}
