/**
 * Stage probe: analyses one case with the checkout at `--root` and prints its stage times, one
 * JSON line prefixed `PROBE `. Run it in a fresh process per measurement (bench/probe-run.ts):
 * run 0 is the cold one (first analysis in the process: Wasm compile, formula list, JIT), then
 * `--warmups` unrecorded runs, then `--runs` warm ones.
 *
 *   node --import tsx bench/stage-probe.ts --root <checkout> --case pretrained [--warmups 3 --runs 3] [--threads 2]
 *
 * Only uses API that exists at 5049a02 and later, typed here rather than imported, so an older or
 * newer checkout's internals do not matter.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadCase } from './cases.ts';

export interface StageTimes {
  circuits: number;
  groundings: number;
  mappings: number;
  /** Wall time of the analyzeModel call (space construction and backend setup included). */
  total: number;
}

export interface ProbeOutput {
  cold: StageTimes;
  warm: StageTimes[];
  /** What was found, so a comparison can check that both checkouts agree. */
  summary: string;
}

interface Api {
  PRETRAINED_XOR: unknown;
  parseModel(json: unknown): unknown;
  analyzeModel(
    model: unknown,
    options: { gates: string[]; backend: 'wasm' | 'ts'; minSparsity?: number; workers?: () => unknown },
  ): Promise<{
    outputs: {
      circuitsEnumerated: number;
      perfectCircuits: unknown[];
      totalGroundings: number | string;
      formulasWithMapping: number;
      timings: { circuits: number; groundings: number; mappings: number };
    }[];
  }>;
}

const { values } = parseArgs({
  options: {
    root: { type: 'string' },
    case: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    warmups: { type: 'string', default: '3' },
    runs: { type: 'string', default: '3' },
    threads: { type: 'string', default: '1' },
  },
});
if (!values.root || !values.case) throw new Error('stage-probe: --root and --case are required');
const backend = values.backend === 'ts' ? 'ts' : 'wasm';
const c = loadCase(values.case);
const api = (await import(pathToFileURL(join(values.root, 'src', 'index.ts')).href)) as Api;
const model = api.parseModel(c.model === 'pretrained' ? api.PRETRAINED_XOR : c.model);
// Worker threads (--threads > 1): the checkout's own Node pool (src/node/workers.ts at 5049a02 and later).
const threads = Number(values.threads);
let pool: { terminate(): unknown } | undefined;
const workers = threads > 1
  ? await import(pathToFileURL(join(values.root, 'src', 'node', 'workers.ts')).href).then((m: { createNodePool(n: number): { terminate(): unknown } }) => () => (pool ??= m.createNodePool(threads)))
  : undefined;

let summary = '';
async function once(): Promise<StageTimes> {
  const t = performance.now();
  const result = await api.analyzeModel(model, { gates: c.gates, backend, minSparsity: c.minSparsity, workers });
  const total = performance.now() - t;
  // Multi-output models: stage times summed over outputs.
  const sum = (k: 'circuits' | 'groundings' | 'mappings') => result.outputs.reduce((a, o) => a + o.timings[k], 0);
  summary = result.outputs
    .map((o) => `${o.circuitsEnumerated} circuits, ${o.perfectCircuits.length} perfect, ${o.totalGroundings} groundings, ${o.formulasWithMapping} formulas mapped`)
    .join('; ');
  return { circuits: sum('circuits'), groundings: sum('groundings'), mappings: sum('mappings'), total };
}

const cold = await once();
for (let i = 0; i < Number(values.warmups); i++) await once();
const warm: StageTimes[] = [];
for (let i = 0; i < Number(values.runs); i++) warm.push(await once());
const out: ProbeOutput = { cold, warm, summary };
console.log(`PROBE ${JSON.stringify(out)}`);
pool?.terminate();
