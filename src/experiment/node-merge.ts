/**
 * Merging results folders (Node only): shards of one grid, run on different machines or Slurm
 * tasks, into one folder that is exactly what a single run of the whole grid writes.
 */
import { InputError } from '../errors.ts';
import { configDifferences } from './config.ts';
import { gridUnits, unitKey, WHOLE_GRID } from './grid.ts';
import { ResultStore } from './node-store.ts';
import type { UnitRecord } from './rows.ts';

/** What a merge did. */
export interface MergeReport {
  out: string;
  /** Units of the grid. */
  total: number;
  /** Units the merged folder holds. */
  merged: number;
  /** Keys of units no source holds. */
  missing: string[];
  csvPath: string;
}

/** Merges the results folders `sources` into `out` (created, or extended if it holds the same grid). */
export function mergeResults(out: string, sources: readonly string[]): MergeReport {
  if (sources.length === 0) throw new InputError('merge needs at least one results folder to read');
  const inputs = sources.map((dir) => ({ dir, ...ResultStore.read(dir) }));
  const config = inputs[0]!.stored.config;
  for (const { dir, stored } of inputs.slice(1)) {
    const diff = configDifferences(config, stored.config);
    if (diff.length) throw new InputError(`${dir} holds another configuration than ${inputs[0]!.dir} (${diff.join('; ')}); only shards of one grid can be merged`);
  }
  const units = gridUnits(config);
  const byKey = new Map<string, UnitRecord>();
  for (const { dir, records } of inputs) {
    for (const r of records) {
      if (!units[r.unit.index] || unitKey(units[r.unit.index]!) !== r.key) throw new InputError(`${dir}: unit ${r.key} is not part of the configured grid`);
      if (!byKey.has(r.key)) byKey.set(r.key, r);
    }
  }
  const store = ResultStore.open(out, config, WHOLE_GRID);
  try {
    for (const u of units) {
      const r = byKey.get(unitKey(u));
      if (r) store.append(r);
    }
    const csvPath = store.writeCsv();
    const missing = units.map(unitKey).filter((k) => !store.has(k));
    return { out, total: units.length, merged: units.length - missing.length, missing, csvPath };
  } finally {
    store.close();
  }
}
