/**
 * `npm run bench:mappings`: the mapping search's targets (issue 14), old and new side by side.
 * Old is the reference's search (src/mappings-reference.ts, what src/mappings.ts ran before),
 * new the assembly from minimal valid sets (`minimalMappingsFromTable`); both read the same
 * validity tables. Models: the trained XOR models test/fixtures/XOR_w{8,10,12}_trained.json with
 * their targets, or the model files given. XOR, pair order BA, formulas of depth hidden layers + 1
 * (main.py).
 *
 * Each measurement runs in a fresh process (first run: JIT and formula list included). New is the
 * median of BENCH_RUNS processes; old runs once and is stopped after BENCH_OLD_CAP_S seconds.
 * When both finish, their lists are compared (a hash of the JSON text: order included). Never
 * asserted anywhere: timings on 2 shared cores vary by about +-30 %.
 *
 *   BENCH_RUNS=3 BENCH_OLD_CAP_S=300 node --import tsx bench/mappings.ts [MODEL.json ...]
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { formulasForGate } from '../src/formulas.ts';
import { getGate } from '../src/gates.ts';
import { hiddenNeurons, mappingProblem, minimalMappingsFromTable, type Mapping, type MappingTable } from '../src/mappings.ts';
import { minimalMappingsReference } from '../src/mappings-reference.ts';
import { parseModel } from '../src/model.ts';
import { median } from './probe-run.ts';

interface Measured {
  /** Formula list and validity tables. */
  tablesMs: number;
  /** The minimal-mapping assembly of every formula. */
  assemblyMs: number;
  formulas: number;
  mappings: number;
  hash: string;
}

/** Child mode: `--measure old|new MODEL.json` prints one `MEASURED {json}` line. */
function measure(which: 'old' | 'new', file: string): Measured {
  const model = parseModel(JSON.parse(readFileSync(file, 'utf8')));
  let t = performance.now();
  const tables: MappingTable[] = formulasForGate(getGate('XOR'), model.layerSizes.length - 1).map((f) => {
    const p = mappingProblem(model, f, { pairOrder: 'BA' });
    return { layerSizes: model.layerSizes, names: p.names, candidates: p.candidates, valid: p.valid };
  });
  const tablesMs = performance.now() - t;
  const assemble = which === 'old' ? minimalMappingsReference : minimalMappingsFromTable;
  t = performance.now();
  const lists: Mapping[][] = tables.map((table) => assemble(table));
  const assemblyMs = performance.now() - t;
  return {
    tablesMs,
    assemblyMs,
    formulas: lists.filter((l) => l.length).length,
    mappings: lists.reduce((a, l) => a + l.length, 0),
    hash: createHash('sha256').update(JSON.stringify(lists)).digest('hex').slice(0, 16),
  };
}

const script = fileURLToPath(import.meta.url);

function inChild(which: 'old' | 'new', file: string, capS: number): Measured | null {
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, '--measure', which, file], { encoding: 'utf8', timeout: capS * 1000, maxBuffer: 16 << 20 });
  const line = r.stdout?.split('\n').find((l) => l.startsWith('MEASURED '));
  if (!line) {
    if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') return null;
    throw new Error(`bench child failed (${which} ${file}, exit ${r.status ?? r.signal}):\n${r.stderr}`);
  }
  return JSON.parse(line.slice('MEASURED '.length)) as Measured;
}

const s = (ms: number) => (ms < 1000 ? `${(ms / 1000).toFixed(3)} s` : `${(ms / 1000).toFixed(1)} s`);

function bench(file: string, runs: number, capS: number, targetS: number | null): void {
  const model = parseModel(JSON.parse(readFileSync(file, 'utf8')));
  const label = `${model.layerSizes.join('-')} (${hiddenNeurons(model).length} hidden)`;
  const news = Array.from({ length: runs }, () => inChild('new', file, 600)!);
  const nw = { ...news[0]!, tablesMs: median(news.map((m) => m.tablesMs)), assemblyMs: median(news.map((m) => m.assemblyMs)) };
  const old = inChild('old', file, capS);
  const newTotal = nw.tablesMs + nw.assemblyMs;
  const verdict = targetS === null ? '' : newTotal <= targetS * 1000 ? ` (target <= ${targetS} s: met)` : ` (target <= ${targetS} s: NOT met)`;
  const oldPart = old
    ? `old ${s(old.tablesMs + old.assemblyMs)} (assembly ${s(old.assemblyMs)})`
    : `old > ${capS} s (stopped)`;
  const ratio = old
    ? `; ${((old.tablesMs + old.assemblyMs) / newTotal).toFixed(0)}x (assembly ${(old.assemblyMs / nw.assemblyMs).toFixed(0)}x); same lists: ${old.hash === nw.hash ? 'yes' : 'NO'}`
    : '';
  console.log(`  ${label}: ${oldPart} | new ${s(newTotal)} (assembly ${s(nw.assemblyMs)})${verdict}${ratio}; ${nw.formulas} formulas with a mapping, ${nw.mappings} mappings`);
}

if (process.argv[2] === '--measure') {
  console.log(`MEASURED ${JSON.stringify(measure(process.argv[3] as 'old' | 'new', process.argv[4]!))}`);
} else {
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const capS = Number(process.env.BENCH_OLD_CAP_S ?? 300);
  console.log(`mapping search, old vs new: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}; new: median of ${runs} processes, old: one, stopped after ${capS} s`);
  console.log('  whole search (formulas, validity tables on TS, assembly), first run in a fresh process');
  const files = process.argv.slice(2);
  const fixtureFile = (k: number) => fileURLToPath(new URL(`../test/fixtures/XOR_w${k}_trained.json`, import.meta.url));
  if (files.length === 0) {
    bench(fixtureFile(8), runs, capS, 1);
    bench(fixtureFile(10), runs, capS, 10);
    bench(fixtureFile(12), runs, capS, 10);
  }
  for (const file of files) bench(file, runs, capS, null);
}
