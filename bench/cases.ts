/**
 * The models the stage probe can analyse, by name. Fixtures are read from this checkout, so a
 * comparison feeds both commits the same models; only the pretrained model comes from the
 * analysed checkout (its PRETRAINED_XOR).
 */
import { readFileSync } from 'node:fs';

export interface BenchCase {
  name: string;
  /** Model JSON (as parseModel takes it), or 'pretrained' for the checkout's PRETRAINED_XOR. */
  model: unknown;
  gates: string[];
  /** Given explicitly, so a change of the default cannot change what is measured. */
  minSparsity: number;
}

const fixture = (p: string) => JSON.parse(readFileSync(new URL(`../test/fixtures/${p}`, import.meta.url), 'utf8'));

/** The trained 2-3-3-1 single-output oracle cases. */
export const ORACLE_2331 = [
  'AND_w3_d2_seed0', 'OR_w3_d2_seed1', 'XOR_w3_d2_seed0', 'XOR_w3_d2_seed1', 'XOR_w3_d2_seed2', 'XOR_w3_d2_seed3',
  'XOR_w3_d2_seed4', 'XOR_w3_d2_seed5', 'XOR_w3_d2_seed6', 'XOR_w3_d2_seed8', 'XOR_w3_d2_seed9',
];

/** Default comparison set: the pretrained model, every trained 2-3-3-1 case, 2-4-4-1 and 2-5-5-1. */
export const DEFAULT_CASES = ['pretrained', ...ORACLE_2331, 'XOR_w4_d2_seed0', 'XOR_w5_trained'];

export function loadCase(name: string): BenchCase {
  if (name === 'pretrained') return { name, model: 'pretrained', gates: ['XOR'], minSparsity: 0 };
  if (name === 'XOR_w5_trained') return { name, model: fixture('XOR_w5_trained.json'), gates: ['XOR'], minSparsity: 0.3 };
  const c = fixture(`cases/${name}.json`);
  return { name, model: c.model, gates: c.config.gates, minSparsity: c.config.min_sparsity_used };
}
