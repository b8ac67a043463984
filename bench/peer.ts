/**
 * `npm run bench:peer` (also the last part of `npm run bench`): races the numpy peer
 * (../shared/peers/second_oracle.py, an independent implementation of the circuit search and exact
 * grounding counts, run from there) and mi-ident on the same models in one run. Both sides do the
 * circuit search and the groundings only (the peer has no formulas or mappings), on one thread.
 * Never asserted anywhere: timings on 2 shared cores vary by about +-30 %, so the load average is
 * printed with them.
 *
 * whole process, cold: median over BENCH_RUNS fresh processes of each side's wall time, the two
 *   alternating so that a change of load hits both: `python3 second_oracle.py --model ...`
 *   (interpreter start, numpy import; one process per output) against `node bench/peer-probe.mjs`
 *   (Node start, dist/ load, Wasm compile, JIT; every output in one process).
 * in process: the peer's own reported time (its only analysis, after the numpy import) against
 *   ours warm, the median of BENCH_RUNS analyses after 3 warm-ups in this process. Stage times of
 *   both: the peer's search and grounding (its stderr), our circuits and groundings.
 * Ratios are peer / ours: above 1, ours is faster.
 *
 *   BENCH_RUNS=5 node --import tsx bench/peer.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeModel, parseModel } from '../src/index.ts';
import { median } from './probe-run.ts';
import { PEER, PEER_MODELS, peerArgs, peerFixture, peerMissing, PYTHON, ROOT, runPeerFile, type PeerResult } from '../test/peer-shared.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const WARMUPS = 3;
const started = performance.now();
const loadStart = loadavg();

interface RaceModel {
  title: string;
  /** The model JSON both sides read. */
  file: string;
  gates: string[];
  minSparsity: number;
  /** The peer's arguments (after python3), one list per output. */
  peer: string[][];
  /** The peer README's whole-process time (its machine, median of 5), where it gives one. */
  readmeS?: number;
}

interface OurCounts {
  circuitsEnumerated: number;
  perfect: number;
  totalGroundings: string;
}

const fmt = (ms: number) => (ms < 1000 ? `${ms.toFixed(ms < 10 ? 2 : 0)} ms` : `${(ms / 1000).toFixed(2)} s`);
const ratio = (peer: number, ours: number) => `${(peer / ours).toFixed(1)}x`;
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** Why dist/ (what the probe runs) is missing or older than src/, or null. */
function staleDist(): string | null {
  let built: number;
  try {
    built = statSync(join(ROOT, 'dist/src/index.js')).mtimeMs;
  } catch {
    return 'dist/ is missing: run `npm run build`';
  }
  const newest = (dir: string): number =>
    // src/generated/ is written by the build itself, before dist/
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).filter((e) => e.name !== 'generated').map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
  return newest(join(ROOT, 'src')) > built ? 'dist/ is older than src/: run `npm run build` (the whole-process probe runs the build)' : null;
}

function models(): RaceModel[] {
  // The two models the peer README measured, so its figures can be set beside ours.
  const w4 = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/cases/XOR_w4_d2_seed0.json'), 'utf8'));
  const w4File = join(mkdtempSync(join(tmpdir(), 'mi-ident-peer-bench-')), 'XOR_w4_d2_seed0.json');
  writeFileSync(w4File, JSON.stringify(w4.model));
  const w5File = join(ROOT, 'test/fixtures/XOR_w5_trained.json');
  const readme: RaceModel[] = [
    { title: '2-4-4-1 XOR @0.2 (XOR_w4_d2_seed0)', file: w4File, gates: ['XOR'], minSparsity: 0.2, readmeS: 0.7 },
    { title: '2-5-5-1 XOR @0.3 (XOR_w5_trained)', file: w5File, gates: ['XOR'], minSparsity: 0.3, readmeS: 1.41 },
  ].map((m) => ({ ...m, peer: [[PEER, '--model', m.file, '--gate', 'XOR', '--min-sparsity', String(m.minSparsity)]] }));
  const peerModels: RaceModel[] = PEER_MODELS.map((m) => {
    const gates = m.outputs.map((o) => o.gate);
    return {
      title: `${m.layout} ${gates.join(',')} @${m.minSparsity} (test/fixtures/peer/${m.file})`,
      file: peerFixture(m.file),
      gates,
      minSparsity: m.minSparsity,
      peer: m.outputs.map((_, i) => peerArgs(m, i)),
    };
  });
  return [...readme, ...peerModels];
}

interface ProbeResult {
  wallMs: number;
  callMs: number;
  outputs: (OurCounts & { circuitsMs: number; groundingsMs: number })[];
}

/** Our whole process: bench/peer-probe.mjs in a fresh Node. */
function probe(m: RaceModel): ProbeResult {
  const t = performance.now();
  const r = spawnSync(process.execPath, [join(ROOT, 'bench/peer-probe.mjs'), m.file, m.gates.join(','), String(m.minSparsity)], { encoding: 'utf8', maxBuffer: 16 << 20 });
  const wallMs = performance.now() - t;
  const line = r.stdout?.split('\n').find((l) => l.startsWith('PEER-PROBE '));
  if (r.status !== 0 || !line) throw new Error(`peer-probe failed on ${m.file} (exit ${r.status ?? r.signal}):\n${r.stderr}`);
  return { wallMs, ...JSON.parse(line.slice('PEER-PROBE '.length)) };
}

async function peerOnce(m: RaceModel): Promise<PeerResult[]> {
  const rs: PeerResult[] = [];
  for (const args of m.peer) rs.push(await runPeerFile(args));
  return rs;
}

/** Ours in this process: RUNS analyses after the warm-ups. */
async function warm(m: RaceModel) {
  const model = parseModel(JSON.parse(readFileSync(m.file, 'utf8')));
  const times: { call: number; circuits: number; groundings: number }[] = [];
  let counts: OurCounts[] = [];
  for (let r = 0; r < WARMUPS + RUNS; r++) {
    const t = performance.now();
    const result = await analyzeModel(model, { gates: m.gates, minSparsity: m.minSparsity, backend: 'wasm', maxCircuits: 1e9, stages: { mappings: false } });
    const call = performance.now() - t;
    if (r < WARMUPS) continue;
    times.push({ call, circuits: sum(result.outputs.map((o) => o.timings.circuits)), groundings: sum(result.outputs.map((o) => o.timings.groundings)) });
    counts = result.outputs.map((o) => ({ circuitsEnumerated: o.circuitsEnumerated, perfect: o.perfectCircuitCount, totalGroundings: String(o.totalGroundings) }));
  }
  const pick = (k: 'call' | 'circuits' | 'groundings') => median(times.map((t) => t[k]));
  return { call: pick('call'), circuits: pick('circuits'), groundings: pick('groundings'), counts };
}

/** Empty when every side found the same counts, else what differs. */
function disagreements(peer: PeerResult[], ours: { label: string; counts: OurCounts[] }[]): string[] {
  const out: string[] = [];
  peer.forEach((p, i) => {
    for (const { label, counts } of ours) {
      const o = counts[i]!;
      if (o.circuitsEnumerated !== p.circuitsEnumerated || o.perfect !== p.perfect || BigInt(o.totalGroundings) !== p.totalGroundings) {
        out.push(`output ${i}: ${label} ${o.circuitsEnumerated}/${o.perfect}/${o.totalGroundings}, peer ${p.circuitsEnumerated}/${p.perfect}/${p.totalGroundings}`);
      }
    }
  });
  return out;
}

const missing = peerMissing() ?? staleDist();
const versions = spawnSync(PYTHON, ['-c', 'import sys, numpy; print(f"Python {sys.version.split()[0]}, numpy {numpy.__version__}")'], { encoding: 'utf8' });
console.log(
  `\nmi-ident vs the numpy peer (../shared/peers/second_oracle.py): Node ${process.version}, ${versions.stdout.trim() || 'no numpy'}, ` +
    `${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), load average ${loadStart.map((l) => l.toFixed(2)).join(' ')}.\n` +
    `Circuits and groundings only, Wasm, one thread on both sides. Whole process = median of ${RUNS} fresh processes (cold), ` +
    `alternating; in process = the peer's own time (its only run) vs ours warm (median of ${RUNS} after ${WARMUPS} warm-ups). Ratio = peer / ours.`,
);
if (missing) {
  console.log(`  (skipped: ${missing})`);
} else {
  for (const m of models()) {
    const peerRuns: PeerResult[][] = [];
    const ourRuns: ProbeResult[] = [];
    for (let r = 0; r < RUNS; r++) {
      peerRuns.push(await peerOnce(m));
      ourRuns.push(probe(m));
    }
    const w = await warm(m);
    const first = peerRuns[0]!;
    const wrong = disagreements(first, [
      { label: 'ours warm', counts: w.counts },
      { label: 'ours cold', counts: ourRuns[0]!.outputs },
    ]);
    const found = w.counts
      .map((c, i) => `${m.gates[i]}: ${c.circuitsEnumerated.toLocaleString('en-US')} circuits, ${c.perfect.toLocaleString('en-US')} perfect, ${BigInt(c.totalGroundings).toLocaleString('en-US')} groundings`)
      .join('; ');
    console.log(`\n${m.title}: ${found} (${wrong.length ? `COUNTS DISAGREE: ${wrong.join('; ')}` : 'peer and ours agree'})`);
    // Per run, a multi-output model costs the peer one process per output: their sum.
    const peerOf = (k: 'wallMs' | 'inProcessMs' | 'searchMs' | 'groundingMs') => median(peerRuns.map((rs) => sum(rs.map((p) => p[k] ?? NaN))));
    const ourWall = median(ourRuns.map((p) => p.wallMs));
    const ourCall = median(ourRuns.map((p) => p.callMs));
    const readme = m.readmeS === undefined ? '' : ` [peer README, its machine: ${fmt(m.readmeS * 1000)}]`;
    console.log(`  whole process, cold: ours ${fmt(ourWall)} (analysis ${fmt(ourCall)}), peer ${fmt(peerOf('wallMs'))} = ${ratio(peerOf('wallMs'), ourWall)}${readme}`);
    console.log(
      // set-up: what the call spends outside the two stages (the circuit space, data rows, backend)
      `  in process: ours warm ${fmt(w.call)} (circuits ${fmt(w.circuits)}, groundings ${fmt(w.groundings)}, set-up ${fmt(w.call - w.circuits - w.groundings)}), ` +
        `peer ${fmt(peerOf('inProcessMs'))} (search ${fmt(peerOf('searchMs'))}, grounding ${fmt(peerOf('groundingMs'))}) = ${ratio(peerOf('inProcessMs'), w.call)}; ` +
        `circuits ${ratio(peerOf('searchMs'), w.circuits)}, groundings ${ratio(peerOf('groundingMs'), w.groundings)}`,
    );
  }
}
console.log(
  `\nLoad average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end (${loadStart.map((l) => l.toFixed(2)).join(' ')} at the start); ` +
    `${((performance.now() - started) / 1000).toFixed(0)} s.`,
);
