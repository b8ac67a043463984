/** Shared test helpers: fixture loading and small conversions. */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Circuit } from '../src/circuits/circuit.ts';
import { evaluateGate, getGate } from '../src/gates.ts';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** Parses a JSON fixture by path relative to test/fixtures. */
export function fixture<T = any>(path: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, path), 'utf8')) as T;
}

/** Names of the oracle case files (without .json). */
export function caseNames(): string[] {
  return readdirSync(join(FIXTURES, 'cases'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** The oracle's `{node_masks, edge_masks}` as a Circuit. */
export function oracleCircuit(c: { node_masks: number[][]; edge_masks: number[][][] }): Circuit {
  return { nodeMasks: c.node_masks, edgeMasks: c.edge_masks };
}

/**
 * The validation set a case's circuit search used, rebuilt from its row counts ("01": 56, ...),
 * labelled with one column per gate (one gate per model output).
 */
export function caseValidationData(c: { config: { x_val_row_counts: Record<string, number> } }, gates: readonly string[]) {
  const x: number[][] = [];
  for (const [bits, n] of Object.entries(c.config.x_val_row_counts)) {
    const row = [...bits].map(Number);
    for (let i = 0; i < n; i++) x.push(row);
  }
  return { x, y: x.map((row) => gates.map((g) => evaluateGate(getGate(g), row))) };
}
