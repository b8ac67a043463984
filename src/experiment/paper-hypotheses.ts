/**
 * Cheap tests of why the paper's size figure shows far fewer interpretations than the reference
 * code counts (docs/paper-report.md): what a per-network grounding budget (a time cap) would have
 * counted, and what the circuits that keep every node (which the reference code's enumeration
 * drops, C2) would add. Both work on a results folder's own rows and models; nothing is retrained.
 */
import { maskedLayer, type Circuit } from '../circuits/circuit.ts';
import { validEdgeMasks } from '../circuits/space.ts';
import { roundHalfEven } from '../data.ts';
import { evaluateGate, getGate, inputRows, type Gate } from '../gates.ts';
import { countGroundings, groundingProblem, type GroundingProblem } from '../grounding.ts';
import { parseModel, subModel, type Model } from '../model.ts';
import type { UnitRecord } from './rows.ts';

/**
 * The budget of groundings per network at which `share` of the networks finish grounding: the
 * smallest total that at least that share of `totals` stays within (the reference run finished
 * 18 of its 90 networks, 20 %, within its 30 s cap).
 */
export function calibratedBudget(totals: readonly number[], share: number): number {
  if (totals.length === 0) return NaN;
  const sorted = [...totals].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(share * sorted.length) - 1)]!;
}

/**
 * What a per-network budget of `budget` groundings counts: a network that would exceed it stops
 * there (`truncated`: min(total, budget)); `complete` keeps only the networks that finish.
 */
export function underBudget(totals: readonly number[], budget: number): { truncated: number[]; complete: number[] } {
  return { truncated: totals.map((t) => Math.min(t, budget)), complete: totals.filter((t) => t <= budget) };
}

/** The circuits that keep every node: what the reference code's enumeration drops (C2). */
export interface FullNodeCircuits {
  /** Circuits with every node kept (every valid edge pattern between full layers, C3). */
  circuits: number;
  /** Those that compute the gate on every truth-table row. */
  perfect: number;
  /** Their groundings on the clean truth table. */
  groundings: bigint;
  /** The groundings of each perfect one, in enumeration order (all have node sparsity 0). */
  counts: number[];
}

/** The valid edge patterns of a network whose every node is kept, layer by layer (C3). */
function fullNodeEdgeChoices(layerSizes: readonly number[]): number[][][][] {
  return layerSizes.slice(1).map((out, l) => validEdgeMasks(new Array<number>(layerSizes[l]!).fill(1), new Array<number>(out).fill(1)));
}

/**
 * Counts the perfect circuits among those that keep every node of a single-output `model`, and
 * their groundings, on the clean truth table of `gate` (on clean data the validation set holds
 * every row, so a circuit is perfect exactly when it is right on each row; C5). Refuses a space
 * of more than `limit` circuits. `count` counts one circuit's groundings (default the TS
 * reference; the report passes the Wasm kernel's, which gives the same counts).
 */
export function fullNodeCircuits(model: Model, gate: Gate, limit = 1e6, count: (problem: GroundingProblem) => bigint = countGroundings): FullNodeCircuits {
  const choices = fullNodeEdgeChoices(model.layerSizes);
  const circuits = choices.reduce((n, c) => n * c.length, 1);
  if (circuits > limit) throw new RangeError(`fullNodeCircuits: ${circuits} circuits exceed the limit of ${limit}`);
  const rows = inputRows(gate.nInputs);
  const labels = rows.map((r) => evaluateGate(gate, r));
  const nodeMasks = model.layerSizes.map((n) => new Array<number>(n).fill(1));
  let perfect = 0;
  let groundings = 0n;
  const counts: number[] = [];
  // Depth first, the first layer slowest (the reference's product order): layer l + 1's
  // activations are computed once per choice of layers 0..l, as a circuit's forward pass computes
  // them (every node kept: the node masks multiply by 1), not once per circuit.
  const L = choices.length;
  const acts = model.layerSizes.map((n) => rows.map(() => new Float32Array(n)));
  rows.forEach((r, j) => acts[0]![j]!.set(r));
  const pick = new Array<number>(L).fill(0);
  const visit = (l: number): void => {
    for (let p = 0; p < choices[l]!.length; p++) {
      pick[l] = p;
      for (let j = 0; j < rows.length; j++) maskedLayer(model, l, choices[l]![p]!, acts[l]![j]!, acts[l + 1]![j]!);
      if (l + 1 < L) {
        visit(l + 1);
      } else if (labels.every((y, j) => roundHalfEven(acts[L]![j]![0]!) === y)) {
        perfect++;
        const circuit: Circuit = { nodeMasks, edgeMasks: pick.map((c, k) => choices[k]![c]!) };
        const n = count(groundingProblem(model, circuit, rows));
        groundings += n;
        counts.push(Number(n));
      }
    }
  };
  if (circuits > 0) visit(0);
  return { circuits, perfect, groundings, counts };
}

/**
 * The full-node circuits of every analysed output of `records` (clean-data runs), by seed offset
 * and output, for hidden widths where main.py's sparsity filter would let them through (it drops
 * the full-node combination from width 4 on, C4: there they change nothing).
 */
export function fullNodeCircuitsOf(
  records: readonly UnitRecord[],
  minSparsityOf: (size: number) => number,
  cache: Map<string, FullNodeCircuits[]> = new Map(),
  count?: (problem: GroundingProblem) => bigint,
): Map<UnitRecord, FullNodeCircuits[]> {
  const out = new Map<UnitRecord, FullNodeCircuits[]>();
  for (const r of records) {
    if (!r.converged || !r.model || minSparsityOf(r.unit.size) > 0) continue;
    // The same network in several folders (a grid rerun with --max-circuits) is counted once.
    const key = JSON.stringify([r.model, r.rows.map((row) => row.gate)]);
    let found = cache.get(key);
    if (!found) {
      const model = parseModel(r.model);
      found = r.rows.map((row) => fullNodeCircuits(model.layerSizes.at(-1) === 1 ? model : subModel(model, row.output), getGate(row.gate), undefined, count));
      cache.set(key, found);
    }
    out.set(r, found);
  }
  return out;
}

/**
 * A network's interpretations had its circuits included the full-node ones (no C2), with main.py's
 * `--max-circuits N` (the N of highest node sparsity): `listed` are the counts the run grounded
 * (its N sparsest, or all when it had fewer); the full-node circuits, of sparsity 0, come after
 * every other, so they fill what is left of N, in enumeration order.
 */
export function withFullNodeCircuits(listed: readonly number[], full: FullNodeCircuits, maxCircuits: number | null): number {
  const room = maxCircuits === null ? full.counts.length : Math.max(0, maxCircuits - listed.length);
  return listed.reduce((a, b) => a + b, 0) + full.counts.slice(0, room).reduce((a, b) => a + b, 0);
}
