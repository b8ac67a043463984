/**
 * Datasets for circuit search and grounding: validation, truth-table defaults, and the
 * de-duplication that lets every backend evaluate each distinct row once.
 */
import { InputError } from './errors.ts';
import { inputRows, type Gate } from './gates.ts';
import { preview } from './json-text.ts';

/** Inputs and labels, one row per sample (`{ "x": number[][], "y": number[][] }` in files). */
export interface Dataset {
  readonly x: readonly (readonly number[])[];
  readonly y: readonly (readonly number[])[];
}

/** Distinct (input, label) rows with their multiplicities: accuracy counts each sample. */
export interface WeightedRows {
  readonly nInputs: number;
  readonly nOutputs: number;
  /** Row-major distinct inputs, `rows x nInputs`, float32. */
  readonly x: Float32Array;
  /** Row-major labels, `rows x nOutputs`. */
  readonly y: Float32Array;
  /** How many samples each distinct row stands for. */
  readonly weight: Uint32Array;
  /** Total number of samples (the accuracy denominator). */
  readonly total: number;
}

/**
 * The smallest weighted count c with `c / total > threshold`, the reference's test in float64
 * (total + 1 when no count passes). The division is monotone in c, so a binary search finds it.
 */
export function requiredCount(total: number, threshold: number): number {
  let lo = 0;
  let hi = total + 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (mid / total > threshold) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The clean truth table of a gate: the 2^n input rows and their labels. */
export function truthTableDataset(gate: Gate): Dataset {
  const x = inputRows(gate.nInputs);
  return { x, y: gate.truthTable.map((v) => [v]) };
}

/**
 * Validates a dataset object (e.g. parsed from `--data FILE`): rectangular numeric rows of the
 * expected widths. `what` names the source in messages (`--data`).
 */
export function parseDataset(json: unknown, nInputs: number, nOutputs: number | null, what: string): Dataset {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new InputError(`${what} must be a JSON object { "x": number[][], "y": number[][] }`);
  }
  const obj = json as Record<string, unknown>;
  const x = checkMatrix(obj.x, `${what}: x`, nInputs);
  if (nOutputs === null) return { x, y: [] };
  const y = checkMatrix(obj.y, `${what}: y`, nOutputs);
  if (x.length !== y.length) throw new InputError(`${what}: x has ${x.length} rows but y has ${y.length}`);
  return { x, y };
}

function checkMatrix(v: unknown, field: string, width: number): number[][] {
  if (!Array.isArray(v)) throw new InputError(`${field} must be an array of rows`);
  if (v.length === 0) throw new InputError(`${field} has no rows`);
  return v.map((row, i) => {
    if (!Array.isArray(row)) throw new InputError(`${field}[${i}] must be an array of numbers`);
    if (row.length !== width) throw new InputError(`${field}[${i}] has ${row.length} values, expected ${width}`);
    return row.map((n, j) => {
      if (typeof n !== 'number' || !Number.isFinite(n)) {
        throw new InputError(`${field}[${i}][${j}] must be a finite number, got ${preview(n)}`);
      }
      // rows are float32 to the model (weightRows): a finite double past the float32 range would be Infinity
      if (!Number.isFinite(Math.fround(n))) {
        throw new InputError(`${field}[${i}][${j}] is ${n}, beyond the float32 range (at most 3.4028234663852886e+38 in size): it would be read as ${Math.fround(n)}`);
      }
      return n;
    });
  });
}

/** Groups identical (input, label) rows; inputs are rounded to float32 first, as the model sees them. */
export function weightRows(data: Dataset): WeightedRows {
  const nInputs = data.x[0]?.length ?? 0;
  const nOutputs = data.y[0]?.length ?? 0;
  const index = new Map<string, number>();
  const xs: number[] = [];
  const ys: number[] = [];
  const weights: number[] = [];
  data.x.forEach((row, i) => {
    const xr = row.map(Math.fround);
    const yr = data.y[i] ?? [];
    const key = `${xr.join(',')}|${yr.join(',')}`;
    const at = index.get(key);
    if (at !== undefined) {
      weights[at]!++;
      return;
    }
    index.set(key, weights.length);
    weights.push(1);
    xs.push(...xr);
    ys.push(...yr);
  });
  return {
    nInputs,
    nOutputs,
    x: Float32Array.from(xs),
    y: Float32Array.from(ys),
    weight: Uint32Array.from(weights),
    total: data.x.length,
  };
}

/** torch.round: round half to even. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
