/**
 * Fuzz cases of results folders (docs/fuzzing.md): the folders a real run of a tiny grid leaves
 * (whole, and as two shards), corrupted in config.json (as a value, as text, as bytes), in
 * results.jsonl (lines torn, duplicated, reordered, dropped, foreign lines put in) and with
 * foreign files, then read (`ResultStore.read`, as report does), resumed (`ResultStore.open`, as
 * run does) or merged (`mergeResults`). Each ends in an InputError or a valid result, and writes
 * nothing outside its output: merge writes only its --out folder, resume only its own folder.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { InputError } from '../../src/errors.ts';
import { resolveConfig, type ExperimentConfig } from '../../src/experiment/config.ts';
import { gridUnits, unitKey } from '../../src/experiment/grid.ts';
import { mergeResults } from '../../src/experiment/node-merge.ts';
import { runExperiment } from '../../src/experiment/node-runner.ts';
import { CONFIG_FILE, RESULTS_FILE, ResultStore } from '../../src/experiment/node-store.ts';
import { sandboxOf, tree } from './harness.ts';
import { checkMessage } from './model-json.cases.ts';
import { applyByteEdits, applyTextEdits, applyValueEdits, byteEdit, HOSTILE_STRINGS, jsonText, nastyValue, textEdit, valueEdit } from './mutate.ts';
import { RUNS } from './budget.ts';
import { expect, outcome, property, type FuzzProperty } from './property.ts';

const DIR = sandboxOf('results-folder');
const enc = new TextEncoder();

/** The tiny grid: 4 units of 2-2-1 models (AND, OR; 2 experiments), trained for real once. */
const CONFIG: ExperimentConfig = resolveConfig({ targetLogicGates: ['AND', 'OR'], noiseStd: 0, nExperiments: 2, nSamplesTrain: 100, sizes: [2], depths: [1], lossTargets: [0.01, 0.05], nRepeats: 2 });
const BASES = ['whole', 'shard-1', 'shard-2'].map((n) => join(DIR, 'bases', n));
await runExperiment(CONFIG, { out: BASES[0]!, workers: 1 });
await runExperiment(CONFIG, { out: BASES[1]!, workers: 1, shard: { index: 1, count: 2 } });
await runExperiment(CONFIG, { out: BASES[2]!, workers: 1, shard: { index: 2, count: 2 } });
const GRID_KEYS = new Set(gridUnits(CONFIG).map(unitKey));
const CASE = join(DIR, 'case');
const OUT = join(DIR, 'merged');

/** Names of foreign files: a stray note, a lock of a dead or live run, temporaries, hostile names. */
const FOREIGN_NAMES = ['notes.txt', '.lock', '.config.json.123.tmp', '.results.csv.9.tmp', 'results.csv', 'results.jsonl.bak', '.DS_Store', 'report', 'x'.repeat(200), ...HOSTILE_STRINGS.map((h) => h.replace(/[/\0]/g, '_').slice(0, 100))]; // a file name holds no / or NUL

/** One corruption of results.jsonl, by line. */
const lineEdit = fc.record({
  kind: fc.constantFrom('tear', 'tear', 'duplicate', 'duplicate', 'swap', 'drop', 'foreign', 'edit', 'blank', 'crlf'),
  at: fc.nat(),
  other: fc.nat(),
  value: nastyValue,
  edits: fc.array(valueEdit, { minLength: 1, maxLength: 2 }),
});

/** A corrupted copy of one base folder. */
const corruptedFolder = fc.record({
  base: fc.nat({ max: BASES.length - 1 }),
  config: fc.oneof(
    { weight: 4, arbitrary: fc.constant(null) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('value' as const), values: fc.array(valueEdit, { minLength: 1, maxLength: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('text' as const), texts: fc.array(textEdit, { minLength: 1, maxLength: 2 }), layout: fc.nat({ max: 13 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('bytes' as const), bytes: fc.array(byteEdit, { minLength: 1, maxLength: 2 }) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'delete' as const }) },
  ),
  lines: fc.array(lineEdit, { maxLength: 4 }),
  jsonlBytes: fc.array(byteEdit, { maxLength: 1 }),
  foreign: fc.array(fc.record({ name: fc.constantFrom(...FOREIGN_NAMES), text: fc.oneof(fc.constantFrom('', '{}', '{"pid":1,"host":"elsewhere"}', `{"pid":${process.pid},"host":"${'h'}"}`), fc.string({ maxLength: 20 })), folder: fc.boolean() }), { maxLength: 2 }),
  action: fc.constantFrom('read', 'resume', 'merge', 'merge-partial', 'merge-shards'),
});
type Folder = typeof corruptedFolder extends fc.Arbitrary<infer T> ? T : never;

/** A line's value, or the line as a string where an earlier edit left it no JSON. */
function parsed(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return line;
  }
}

/** Writes the corrupted folder to CASE (and, for merge-shards, the other shard beside it). */
function writeFolder(f: Folder): void {
  rmSync(CASE, { recursive: true, force: true });
  cpSync(BASES[f.base]!, CASE, { recursive: true });
  const configPath = join(CASE, CONFIG_FILE);
  const c = f.config;
  if (c?.kind === 'delete') rmSync(configPath);
  else if (c) {
    const text = readFileSync(configPath, 'utf8');
    if (c.kind === 'value') writeFileSync(configPath, JSON.stringify(applyValueEdits(JSON.parse(text), c.values)) ?? '');
    else if (c.kind === 'text') writeFileSync(configPath, applyTextEdits(jsonText(JSON.parse(text), c.layout), c.texts));
    else writeFileSync(configPath, applyByteEdits(enc.encode(text), c.bytes));
  }
  const jsonl = join(CASE, RESULTS_FILE);
  let lines = readFileSync(jsonl, 'utf8').split('\n').slice(0, -1);
  let torn = '';
  for (const e of f.lines) {
    const i = lines.length ? e.at % lines.length : 0;
    const j = lines.length ? e.other % lines.length : 0;
    switch (e.kind) {
      case 'tear': if (lines.length) { torn = lines[i]!.slice(0, e.other % (lines[i]!.length + 1)); lines = lines.slice(0, i); } break;
      case 'duplicate': if (lines.length) lines.splice(j, 0, lines[i]!); break;
      case 'swap': if (lines.length) [lines[i], lines[j]] = [lines[j]!, lines[i]!]; break;
      case 'drop': lines.splice(i, 1); break;
      case 'foreign': lines.splice(j, 0, JSON.stringify(e.value) ?? 'undefined'); break;
      case 'edit': if (lines.length) lines[i] = JSON.stringify(applyValueEdits(parsed(lines[i]!), e.edits)) ?? ''; break;
      case 'blank': lines.splice(j, 0, ''); break;
      case 'crlf': if (lines.length) lines[i] = `${lines[i]}\r`; break;
    }
  }
  writeFileSync(jsonl, applyByteEdits(enc.encode(lines.map((l) => `${l}\n`).join('') + torn), f.jsonlBytes));
  for (const x of f.foreign) {
    const path = join(CASE, x.name);
    if (existsSync(path) && [CONFIG_FILE, RESULTS_FILE].includes(x.name)) continue;
    rmSync(path, { recursive: true, force: true });
    if (x.folder) mkdirSync(path);
    else writeFileSync(path, x.text);
  }
}

/** Records read back are valid: keys of the grid, each once. */
function checkRecords(records: readonly { key: string }[], what: string): void {
  expect(records.every((r) => typeof r.key === 'string'), `${what}: a record without a key`);
  expect(new Set(records.map((r) => r.key)).size === records.length, `${what}: a unit twice`);
}

/** Everything in the sandbox but `except` (bases, case and output folders), to compare before and after. */
const outside = (...except: string[]) => tree(DIR, (rel) => except.some((e) => rel === e || rel.startsWith(`${e}/`)));

export const PROPERTIES: Record<string, FuzzProperty<any>> = {
  folder: property(RUNS['results-folder']['folder'], corruptedFolder, async (f: Folder) => {
    writeFolder(f);
    rmSync(OUT, { recursive: true, force: true });
    const caseBefore = tree(CASE);
    const rest = outside('case', 'merged');
    let r;
    if (f.action === 'read') {
      r = await outcome(() => ResultStore.read(CASE), [InputError]);
      if (r.ok) checkRecords(r.value.records, 'read');
    } else if (f.action === 'resume') {
      r = await outcome(() => {
        const store = ResultStore.open(CASE, CONFIG, f.base === 0 ? { index: 1, count: 1 } : { index: f.base, count: 2 });
        const records = [...store.records.values()];
        store.close();
        return records;
      }, [InputError]);
      expect(!existsSync(join(CASE, '.lock')) || f.foreign.some((x) => x.name === '.lock'), 'resume left its lock behind');
      if (r.ok) {
        checkRecords(r.value, 'resume');
        // what the folder holds after a resume reads back the same, in grid order
        const again = ResultStore.read(CASE).records;
        const inGridOrder = [...r.value].sort((a, b) => a.unit.index - b.unit.index);
        expect(JSON.stringify(again.map((x) => x.key)) === JSON.stringify(inGridOrder.map((x) => x.key)), 'the resumed folder reads back otherwise');
      }
    } else {
      const sources = f.action === 'merge-shards' ? [CASE, BASES[f.base === 1 ? 2 : 1]!] : [CASE];
      r = await outcome(() => mergeResults(OUT, sources, { allowPartial: f.action === 'merge-partial' }), [InputError]);
      expect(tree(CASE) === caseBefore, 'merge changed a source folder');
      if (r.ok) {
        const merged = ResultStore.read(OUT).records;
        checkRecords(merged, 'merge');
        expect(merged.every((x) => GRID_KEYS.has(x.key)), 'merge wrote a unit outside the grid');
        expect(merged.length === r.value.merged, `merge says ${r.value.merged} units, its folder holds ${merged.length}`);
      } else {
        expect(!existsSync(OUT) || readdirSync(OUT).length === 0, 'a refused merge wrote its output folder');
      }
    }
    expect(outside('case', 'merged') === rest, 'a write outside the output folder');
    if (!r.ok) {
      checkMessage(r.error);
      return 'refused';
    }
    return 'valid';
  }),
};
