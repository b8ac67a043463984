/** Helpers of the experiment suites: comparing results folders without their timings. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TIMING_COLUMNS, type UnitRecord } from '../src/experiment/rows.ts';

/** Splits CSV text into rows of fields (RFC 4180 quoting). */
export function parseCsv(text: string): string[][] {
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
    } else if (ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field || row.length) rows.push([...row, field]);
  return rows;
}

/** A folder's results.csv without its timing columns, as rows of fields. */
export function csvWithoutTimings(dir: string): string[][] {
  const rows = parseCsv(readFileSync(join(dir, 'results.csv'), 'utf8'));
  const keep = rows[0]!.map((name, i) => (TIMING_COLUMNS.includes(name) ? -1 : i)).filter((i) => i >= 0);
  return rows.map((r) => keep.map((i) => r[i]!));
}

/** A record without what varies from run to run (timings). */
export function withoutTimings(r: UnitRecord): unknown {
  return { ...r, ms: 0, rows: r.rows.map((row) => ({ ...row, train_ms: 0, circuits_ms: 0, groundings_ms: 0, mappings_ms: 0 })) };
}

/** A folder's results.jsonl as records, in file order. */
export function jsonlRecords(dir: string): UnitRecord[] {
  return readFileSync(join(dir, 'results.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as UnitRecord);
}
