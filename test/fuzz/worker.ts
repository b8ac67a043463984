// The worker thread of a fuzz suite (harness.ts): imports the suite's case module, runs each of
// its properties with fast-check under the run's seed, and reports each case as it starts (for
// the hang watchdog) and each property's count and failure.
import { parentPort, workerData } from 'node:worker_threads';
import fc from 'fast-check';
import type { PropertyReport, WorkerMessage } from './harness.ts';
import type { FuzzProperty } from './property.ts';

const { cases, seed, scale } = workerData as { cases: string; seed: number; scale: number };
const post = (m: WorkerMessage) => parentPort!.postMessage(m);
const MAX_REPORT = 4000;
const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)} ... (${s.length - n} more characters)` : s);

/** The counterexample with bytes shown as text (Latin-1, escaped) and their length. */
function readable(v: unknown, depth = 0): unknown {
  if (v instanceof Uint8Array) return { bytes: v.length, latin1: cut(JSON.stringify(String.fromCharCode(...v.subarray(0, 1500))), 1500) };
  if (depth > 8 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.slice(0, 50).map((x) => readable(x, depth + 1));
  return Object.fromEntries(Object.entries(v).slice(0, 50).map(([k, x]) => [k, readable(x, depth + 1)]));
}

const { PROPERTIES } = (await import(cases)) as { PROPERTIES: Record<string, FuzzProperty<unknown>> };
for (const [name, p] of Object.entries(PROPERTIES)) {
  let n = 0;
  const endings = { valid: 0, refused: 0 };
  const numRuns = Math.max(1, Math.round(p.runs * scale));
  const prop = fc.asyncProperty(p.arbitrary, async (value) => {
    post({ type: 'case', property: name, n: n++ });
    endings[await p.check(value)]++;
  });
  const started = performance.now();
  const details = await fc.check(prop, { seed, numRuns });
  let failure: string | null = null;
  if (details.failed) {
    const error = details.errorInstance as Error | undefined;
    const shown = fc.stringify(readable(details.counterexample));
    failure = [
      `after ${details.numRuns} cases (seed ${details.seed}, fast-check path "${details.counterexamplePath}", shrunk ${details.numShrinks} times):`,
      cut(error ? `${error.name}: ${error.message}` : 'failed', MAX_REPORT),
      `counterexample: ${cut(shown, 2000)}`,
    ].join('\n');
  }
  const report: PropertyReport = { property: name, cases: details.failed ? details.numRuns : numRuns, ms: performance.now() - started, failure, endings };
  post({ type: 'done', report });
}
post({ type: 'finished' });
