/**
 * "Ours vs the original code, seed by seed": a results folder's networks beside the original code's
 * results for the same units, read from main.py's CSV (`df_out.csv` / `data_tmp.csv`) or from an
 * oracle case file. Meaningful for `--rng reference` runs, which train the original code's networks
 * (docs/semantics.md, P9). Browser-safe.
 */
import { InputError } from '../errors.ts';
import type { UnitRecord } from './rows.ts';

/** The counts of one network (one output of one trained model). */
export interface NetworkCounts {
  perfectCircuits: number;
  /** Groundings per grounded circuit; null where the original code gave up (oracle time caps). */
  interpretations: (number | null)[];
  formulas: number;
  mappingsPerFormula: number[];
}

/** One network of the original code's results. */
export interface ReferenceNetwork extends NetworkCounts {
  /** Identifies the unit and output as main.py's row does. */
  gates: string;
  nGates: number;
  size: number;
  depth: number;
  seedOffset: number;
  lossTarget: number;
  learningRate: number;
  output: number;
  /** The file it came from. */
  source: string;
}

/** The key of a network: main.py's identifying columns and the output index. */
function networkKey(n: Pick<ReferenceNetwork, 'gates' | 'nGates' | 'size' | 'depth' | 'seedOffset' | 'lossTarget' | 'learningRate' | 'output'>): string {
  return [n.gates, n.nGates, n.size, n.depth, n.seedOffset, n.lossTarget, n.learningRate, n.output].join('|');
}

/** Splits CSV text (RFC 4180 quoting, as pandas writes it) into rows of fields. */
function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  row.push(field);
  if (row.some((f) => f !== '')) rows.push(row);
  return rows;
}

/** A Python list literal of numbers (or None) as written by pandas, e.g. `[[2, 6], [None]]`. */
function pyList(text: string, what: string): unknown {
  try {
    return JSON.parse(text.replace(/\bNone\b/g, 'null'));
  } catch {
    throw new InputError(`${what}: not a list of numbers: ${text.slice(0, 60)}`);
  }
}

/** Networks of a main.py CSV (one row per kept model, lists per submodel). */
export function parseMainPyCsv(text: string, source: string): ReferenceNetwork[] {
  const [head, ...rows] = csvRows(text);
  if (!head) return [];
  const col = (name: string) => {
    const i = head.indexOf(name);
    if (i < 0) throw new InputError(`${source}: no column "${name}"; is it main.py's CSV (df_out.csv or data_tmp.csv)?`);
    return i;
  };
  const at = Object.fromEntries(['gates', 'n_gates', 'sizes', 'seed_offset', 'perfect_circuits', 'interpretations_per_circuit', 'formulas', 'mappings_per_formula', 'loss_target', 'learning_rate', 'depth'].map((c) => [c, col(c)]));
  const out: ReferenceNetwork[] = [];
  rows.forEach((r, line) => {
    const where = `${source}, row ${line + 2}`;
    const perfect = pyList(r[at.perfect_circuits!]!, where) as number[];
    const interp = pyList(r[at.interpretations_per_circuit!]!, where) as (number | null)[][];
    const formulas = pyList(r[at.formulas!]!, where) as number[];
    const mappings = pyList(r[at.mappings_per_formula!]!, where) as number[][];
    perfect.forEach((p, output) => {
      out.push({
        gates: r[at.gates!]!,
        nGates: Number(r[at.n_gates!]),
        size: Number(r[at.sizes!]),
        depth: Number(r[at.depth!]),
        seedOffset: Number(r[at.seed_offset!]),
        lossTarget: Number(r[at.loss_target!]),
        learningRate: Number(r[at.learning_rate!]),
        output,
        perfectCircuits: p,
        interpretations: interp[output] ?? [],
        formulas: formulas[output] ?? 0,
        mappingsPerFormula: mappings[output] ?? [],
        source,
      });
    });
  });
  return out;
}

/** Networks of an oracle case file (`cases/<name>.json`: its config and main.py row). */
export function parseCaseFile(json: unknown, source: string): ReferenceNetwork[] {
  const c = json as { config?: Record<string, unknown>; expected?: { main_py_row?: Record<string, unknown> } };
  const k = c?.config;
  const row = c?.expected?.main_py_row;
  if (!k || !row) throw new InputError(`${source}: not an oracle case file (no config and expected.main_py_row)`);
  const perfect = row.perfect_circuits as number[];
  return perfect.map((p, output) => ({
    gates: (k.gates as string[]).join(' '),
    nGates: Number(k.n_gates),
    size: Number(k.size),
    depth: Number(k.depth),
    seedOffset: Number(k.seed_offset),
    lossTarget: Number(k.loss_target),
    learningRate: Number(k.learning_rate),
    output,
    perfectCircuits: p,
    interpretations: (row.interpretations_per_circuit as (number | null)[][])[output] ?? [],
    formulas: (row.formulas as number[])[output] ?? 0,
    mappingsPerFormula: (row.mappings_per_formula as number[][])[output] ?? [],
    source,
  }));
}

/** The networks of one reference file: JSON (an oracle case) or CSV (main.py's). */
export function parseReference(text: string, source: string): ReferenceNetwork[] {
  const t = text.trimStart();
  return t.startsWith('{') ? parseCaseFile(JSON.parse(t), source) : parseMainPyCsv(text, source);
}

/** One unit output of ours beside the original code's. */
export interface SeedComparison {
  seedOffset: number;
  /** `gates` (model) and this output's gate. */
  gates: string;
  gate: string;
  output: number;
  /** The unit's other settings, for grids with several. */
  size: number;
  depth: number;
  lossTarget: number;
  learningRate: number;
  /** Ours: null when our model did not converge. */
  ours: NetworkCounts | null;
  /** Theirs: null when the reference files have no such network (main.py did not keep it, or it was not run). */
  theirs: ReferenceNetwork | null;
  /** Per count: equal (known entries only, for interpretations). Null when a side is missing. */
  same: { perfectCircuits: boolean; interpretations: boolean; formulas: boolean; mappings: boolean } | null;
}

/** Every output of every unit of `records` (and every reference network they lack), paired up. */
export function compareSeedBySeed(records: readonly UnitRecord[], references: readonly ReferenceNetwork[]): SeedComparison[] {
  const theirs = new Map(references.map((n) => [networkKey(n), n]));
  const used = new Set<string>();
  const out: SeedComparison[] = [];
  for (const r of records) {
    const u = r.unit;
    const outputs = r.converged ? r.rows.map((row) => row.output) : r.gates.map((_, i) => i);
    for (const output of outputs) {
      const row = r.rows.find((x) => x.output === output);
      const key = networkKey({ gates: r.gates.join(' '), nGates: u.nGates, size: u.size, depth: u.depth, seedOffset: u.seedOffset, lossTarget: u.lossTarget, learningRate: u.learningRate, output });
      const ref = theirs.get(key) ?? null;
      if (ref) used.add(key);
      const ours: NetworkCounts | null = row
        ? { perfectCircuits: row.perfect_circuits, interpretations: row.interpretations_per_circuit.map(Number), formulas: row.formulas, mappingsPerFormula: row.mappings_per_formula }
        : null;
      out.push({
        seedOffset: u.seedOffset,
        gates: r.gates.join(' '),
        gate: r.gates[output] ?? '',
        output,
        size: u.size,
        depth: u.depth,
        lossTarget: u.lossTarget,
        learningRate: u.learningRate,
        ours,
        theirs: ref,
        same: ours && ref ? sameCounts(ours, ref) : null,
      });
    }
  }
  // Networks of the reference that no record covers (e.g. a converged unit of theirs we lack).
  for (const [key, n] of theirs) {
    if (used.has(key)) continue;
    if (!records.some((r) => r.unit.seedOffset === n.seedOffset && r.gates.join(' ') === n.gates)) continue;
    out.push({ seedOffset: n.seedOffset, gates: n.gates, gate: n.gates.split(' ')[n.output] ?? '', output: n.output, size: n.size, depth: n.depth, lossTarget: n.lossTarget, learningRate: n.learningRate, ours: null, theirs: n, same: null });
  }
  return out.sort((a, b) => a.seedOffset - b.seedOffset || a.output - b.output || a.size - b.size || a.depth - b.depth || a.lossTarget - b.lossTarget || a.learningRate - b.learningRate);
}

function sameCounts(a: NetworkCounts, b: NetworkCounts): NonNullable<SeedComparison['same']> {
  const interp = a.interpretations.length === b.interpretations.length && a.interpretations.every((v, i) => b.interpretations[i] === null || b.interpretations[i] === v);
  return {
    perfectCircuits: a.perfectCircuits === b.perfectCircuits,
    interpretations: interp,
    formulas: a.formulas === b.formulas,
    mappings: a.mappingsPerFormula.length === b.mappingsPerFormula.length && a.mappingsPerFormula.every((v, i) => v === b.mappingsPerFormula[i]),
  };
}

/** Counts of a comparison: pairs with every count equal, pairs that differ, one-sided networks. */
export function comparisonSummary(rows: readonly SeedComparison[]): { compared: number; identical: number; differ: number; oursOnly: number; theirsOnly: number; neither: number } {
  const compared = rows.filter((r) => r.same);
  const identical = compared.filter((r) => r.same!.perfectCircuits && r.same!.interpretations && r.same!.formulas && r.same!.mappings).length;
  return {
    compared: compared.length,
    identical,
    differ: compared.length - identical,
    oursOnly: rows.filter((r) => r.ours && !r.theirs).length,
    theirsOnly: rows.filter((r) => !r.ours && r.theirs).length,
    neither: rows.filter((r) => !r.ours && !r.theirs).length,
  };
}
