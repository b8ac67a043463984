/**
 * Pages of a circuit's groundings in the reference's order. Groundings are streamed, never
 * listed: a page is reached by walking the iterator, and the walk is kept between requests, so
 * paging forward costs one page. Counts come from the exact count (`countGroundings`).
 */
import {
  CircuitSpace,
  LimitError,
  countGroundings,
  countToJson,
  getGate,
  groundingProblem,
  iterateGroundings,
  parseModel,
  subModel,
  truthTableDataset,
  type Grounding,
  type GroundingProblem,
} from './lib.ts';
import type { GroundingsRequest, GroundingsResponse } from './protocol.ts';

/** Beyond this many groundings to skip, a page is refused (walking there would take too long). */
export const MAX_SKIP = 5_000_000;

interface Walk {
  key: string;
  problem: GroundingProblem;
  total: bigint;
  iterator: Iterator<Grounding>;
  /** Index of the grounding the iterator yields next. */
  position: number;
}

let walk: Walk | null = null;

function problemKey(r: GroundingsRequest): string {
  return JSON.stringify([r.session, r.output, r.circuit]);
}

function freshWalk(r: GroundingsRequest, key: string): Walk {
  const { session } = r;
  const sub = subModel(parseModel(session.model), r.output);
  const space = new CircuitSpace(sub.layerSizes, { minSparsity: session.minSparsity });
  if (!Number.isInteger(r.circuit) || r.circuit < 0 || r.circuit >= space.count) {
    throw new RangeError(`circuit ${r.circuit} is not in this model's enumeration (0 to ${space.count - 1})`);
  }
  const gate = getGate(session.gates.length === 1 ? session.gates[0]! : session.gates[r.output]!);
  const inputs = session.groundInputs ?? truthTableDataset(gate).x;
  const problem = groundingProblem(sub, space.decode(r.circuit), inputs);
  return { key, problem, total: countGroundings(problem), iterator: iterateGroundings(problem), position: 0 };
}

/** Answers one page request. */
export function groundingsPage(r: GroundingsRequest): GroundingsResponse {
  const key = problemKey(r);
  const start = r.page * r.pageSize;
  if (!walk || walk.key !== key || walk.position > start) walk = freshWalk(r, key);
  const w = walk;
  if (start - w.position > MAX_SKIP) {
    throw new LimitError(`page ${r.page + 1} lies ${(start - w.position).toLocaleString('en-US')} groundings ahead; pages more than ${MAX_SKIP.toLocaleString('en-US')} groundings apart are not walked here`);
  }
  while (w.position < start && !w.iterator.next().done) w.position++;
  const rows: GroundingsResponse['rows'][number][] = [];
  while (rows.length < r.pageSize) {
    const next = w.iterator.next();
    if (next.done) break;
    rows.push({ index: w.position, cells: next.value.detail.map((s) => ({ gate: s.gate, separator: s.separator })) });
    w.position++;
  }
  return {
    total: countToJson(w.total),
    page: r.page,
    pageSize: r.pageSize,
    neurons: w.problem.neurons.map((n) => n.key),
    rows,
  };
}
