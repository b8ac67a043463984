/**
 * The files the bad-input catalogue feeds to the CLI: models, data files and results folders,
 * each wrong in one way, written once into a temporary folder.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/experiment/config.ts';
import { RESULTS_FORMAT } from '../../src/experiment/node-store.ts';
import { PRETRAINED_XOR } from '../../src/pretrained-xor.ts';

export const DIR = mkdtempSync(join(tmpdir(), 'mi-ident-bad-input-'));

/** Writes `content` (text, or JSON of a value) to DIR/name and returns the path. */
export function file(name: string, content: unknown): string {
  const path = join(DIR, name);
  writeFileSync(path, typeof content === 'string' || content instanceof Uint8Array ? content : JSON.stringify(content, null, 1));
  return path;
}

/** A path in DIR that nothing creates: where an output must not appear. */
export const outPath = (name: string) => join(DIR, name);

/** A copy of the pretrained model's JSON, for corrupting. */
export const pretrained = (): Record<string, any> => JSON.parse(JSON.stringify(PRETRAINED_XOR));

/** A model of the given layout with small deterministic weights (the values do not matter here). */
export function layoutModel(layerSizes: number[]): Record<string, unknown> {
  let k = 0;
  const next = () => ((k = (k * 7 + 3) % 17), (k - 8) / 8);
  return {
    layerSizes,
    weights: layerSizes.slice(1).map((out, l) => Array.from({ length: out }, () => Array.from({ length: layerSizes[l]! }, next))),
    biases: layerSizes.slice(1).map((out) => Array.from({ length: out }, next)),
  };
}

/** Every input row of a `side x side` grid: as many distinct grounding inputs as wanted. */
export const grid = (side: number) => Array.from({ length: side * side }, (_, i) => [Math.floor(i / side), i % side]);

/** The run flags of a tiny grid (2 units of 2-2-1 models) and its configuration. */
export const TINY = ['--target-logic-gates', 'AND', 'OR', '--noise-std', '0', '--n-experiments', '2', '--n-samples-train', '100', '--size', '2', '--depth', '1', '--workers', '1', '--quiet'];
const tinyConfig = (changes: Record<string, unknown> = {}) =>
  resolveConfig({ targetLogicGates: ['AND', 'OR'], noiseStd: 0, nExperiments: 2, nSamplesTrain: 100, sizes: [2], depths: [1], ...changes });

/**
 * A results folder as a run of TINY (or of another configuration or shard) leaves it, with
 * `extra` files (name -> text) such as a damaged results.jsonl or a live run's lock.
 */
export function resultsFolder(name: string, options: { config?: Record<string, unknown>; shard?: [number, number]; extra?: Record<string, string> } = {}): string {
  const dir = join(DIR, name);
  mkdirSync(dir);
  const [index, count] = options.shard ?? [1, 1];
  const stored = { tool: 'mi-ident', format: RESULTS_FORMAT, config: tinyConfig(options.config), shard: { index, count } };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(stored, null, 1) + '\n');
  for (const [f, text] of Object.entries(options.extra ?? {})) writeFileSync(join(dir, f), text);
  return dir;
}

/** A lock file as a live run on this host holds it (our parent process is alive). */
export const liveLock = () => JSON.stringify({ pid: process.ppid, host: hostname() });

/** The names, sizes and contents of a folder's files: equal before and after a refused command. */
export function snapshot(dir: string): string {
  return readdirSync(dir)
    .sort()
    .map((f) => `${f} ${statSync(join(dir, f)).size} ${readFileSync(join(dir, f), 'utf8')}`)
    .join('\n');
}
