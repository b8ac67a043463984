/**
 * Logic gates and truth tables, as in the reference `logic_gates.py`.
 *
 * Inputs are enumerated as `itertools.product([0, 1], repeat=n)`: row r has input i equal to
 * bit (n-1-i) of r, so the first input is the most significant bit (row = 2A + B for two inputs).
 */
import { InputError } from './errors.ts';

/** A named Boolean function of `nInputs` inputs with its truth table in row order. */
export interface Gate {
  readonly name: string;
  readonly nInputs: number;
  /** `truthTable[r]` is the output for input row r (first input = most significant bit). */
  readonly truthTable: readonly number[];
}

function gate(name: string, nInputs: number, fn: (bits: number[]) => number): Gate {
  const rows = inputRows(nInputs);
  return { name, nInputs, truthTable: rows.map(fn) };
}

const popcount = (bits: number[]) => bits.reduce((a, b) => a + b, 0);

/** All gates by name: the seven 2-input gates of the paper and the reference's 3-input gates. */
export const GATES: Readonly<Record<string, Gate>> = Object.freeze({
  AND: gate('AND', 2, ([a, b]) => a! & b!),
  OR: gate('OR', 2, ([a, b]) => a! | b!),
  IMP: gate('IMP', 2, ([a, b]) => (1 - a!) | b!),
  NAND: gate('NAND', 2, ([a, b]) => 1 - (a! & b!)),
  NOR: gate('NOR', 2, ([a, b]) => 1 - (a! | b!)),
  NIMP: gate('NIMP', 2, ([a, b]) => a! & (1 - b!)),
  XOR: gate('XOR', 2, ([a, b]) => a! ^ b!),
  MAJORITY: gate('MAJORITY', 3, (bits) => (popcount(bits) > 1 ? 1 : 0)),
  PARITY: gate('PARITY', 3, (bits) => popcount(bits) % 2),
  FULL_ADDER: gate('FULL_ADDER', 3, (bits) => popcount(bits) % 2), // the reference returns only the sum bit
  EXACT_2: gate('EXACT_2', 3, (bits) => (popcount(bits) === 2 ? 1 : 0)),
});

/** The 2-input gates main.py draws from by default (`--target-logic-gates`). */
export const TWO_INPUT_GATES = ['AND', 'OR', 'IMP', 'NAND', 'NOR', 'NIMP', 'XOR'] as const;

/** Looks a gate up by name (case-insensitive), with a clear error listing the known names. */
export function getGate(name: string): Gate {
  const g = GATES[name.toUpperCase()];
  if (!g) throw new InputError(`unknown gate "${name}" (known gates: ${Object.keys(GATES).join(', ')})`);
  return g;
}

/** The input rows of an n-input truth table in reference order: `[[0,0],[0,1],[1,0],[1,1]]` for n = 2. */
export function inputRows(nInputs: number): number[][] {
  return Array.from({ length: 1 << nInputs }, (_, r) =>
    Array.from({ length: nInputs }, (_, i) => (r >> (nInputs - 1 - i)) & 1),
  );
}

/** Gate output for 0/1 inputs (values >= 0.5 count as 1, like the reference's `threshold`). */
export function evaluateGate(g: Gate, inputs: ArrayLike<number>): number {
  let row = 0;
  for (let i = 0; i < g.nInputs; i++) row = (row << 1) | (inputs[i]! >= 0.5 ? 1 : 0);
  return g.truthTable[row]!;
}

/**
 * Names of the 16 two-input Boolean functions, indexed by the truth table's bits
 * t00 t01 t10 t11 read as a binary number with t00 most significant (`name_gate`, G5).
 * A is the first (lower-index) input.
 */
export const TWO_INPUT_GATE_NAMES = [
  'FALSE', 'AND', 'A_NIMPLY_B', 'A', 'B_NIMPLY_A', 'B', 'XOR', 'OR',
  'NOR', 'XNOR', 'NOT_B', 'B_IMPLY_A', 'NOT_A', 'A_IMPLY_B', 'NAND', 'TRUE',
] as const;

const ONE_INPUT_GATE_NAMES = ['FALSE', 'IDENTITY', 'NOT', 'TRUE'] as const;
const ZERO_INPUT_GATE_NAMES = ['FALSE', 'TRUE'] as const;

/**
 * The reference's `name_gate`: the name of a local truth table over `nInputs` parents, given as
 * the integer whose bits are the outputs in row order with row 0 most significant.
 * Three or more inputs are named generically, e.g. `3INPUTS`.
 */
export function nameGate(nInputs: number, tableBits: number): string {
  if (nInputs === 0) return ZERO_INPUT_GATE_NAMES[tableBits]!;
  if (nInputs === 1) return ONE_INPUT_GATE_NAMES[tableBits]!;
  if (nInputs === 2) return TWO_INPUT_GATE_NAMES[tableBits]!;
  return `${nInputs}INPUTS`;
}
