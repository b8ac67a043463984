/**
 * The numpy peer (`../shared/peers/second_oracle.py`, an independent implementation of circuit
 * search and exact grounding counts) as test/peer.test.ts and bench/peer.ts use it: where it is,
 * whether it can run, the models both sides analyse, and one run of it. The peer is run from
 * ../shared, never copied here.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const PEER = join(ROOT, '..', 'shared', 'peers', 'second_oracle.py');
/** The system python3: CI installs numpy for it (python3-numpy). */
export const PYTHON = 'python3';
/** With REQUIRE_PEER=1 (CI), a missing peer or numpy fails the run instead of skipping. */
export const REQUIRE_PEER = process.env.REQUIRE_PEER === '1';

/** Why the peer cannot run here, or null. */
export function peerMissing(): string | null {
  if (!existsSync(PEER)) return `${PEER} not found (the peer lives in ../shared/peers beside the checkout)`;
  const r = spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' });
  if (r.error) return `${PYTHON} cannot be run (${r.error.message})`;
  if (r.status !== 0) return `${PYTHON} has no numpy (apt-get install -y python3-numpy)`;
  return null;
}

/** One output of a peer model: its gate and the size of its circuit space (named in the tests, and checked). */
export interface PeerOutput {
  gate: string;
  circuits: number;
}

/** A model of test/fixtures/peer/ (trained by `mi-ident train ... --noise-std 0`; its "training" record says how). */
export interface PeerModel {
  file: string;
  layout: string;
  minSparsity: number;
  outputs: PeerOutput[];
}

/**
 * Layouts the original code cannot analyse (width 6 to 8 between hidden layers, depth 3), at min
 * sparsities that keep each space between about 10^5 and 10^7 circuits.
 */
export const PEER_MODELS: readonly PeerModel[] = [
  { file: 'XOR_w6_d2_seed0.json', layout: '2-6-6-1', minSparsity: 0.5, outputs: [{ gate: 'XOR', circuits: 262_101 }] },
  // main.py's rule gives no filter at width 3: the whole space
  { file: 'XOR_w3_d3_seed0.json', layout: '2-3-3-3-1', minSparsity: 0, outputs: [{ gate: 'XOR', circuits: 812_808 }] },
  // the largest: about 10^7 circuits, groundings past 2^32
  { file: 'XOR_w7_d2_seed0.json', layout: '2-7-7-1', minSparsity: 0.55, outputs: [{ gate: 'XOR', circuits: 13_781_593 }] },
  // 64 hidden-hidden edges: every bit of the 64-bit edge masks
  { file: 'XOR_w8_d2_seed0.json', layout: '2-8-8-1', minSparsity: 0.65, outputs: [{ gate: 'XOR', circuits: 1_351_120 }] },
  // two outputs: the peer's --output-index against our per-output submodels (P6)
  {
    file: 'XOR-AND_w6_d2_seed0.json',
    layout: '2-6-6-2',
    minSparsity: 0.5,
    outputs: [{ gate: 'XOR', circuits: 262_101 }, { gate: 'AND', circuits: 262_101 }],
  },
];

export const peerFixture = (file: string) => join(ROOT, 'test', 'fixtures', 'peer', file);

/** What the peer prints for one output, with its stage times (from stderr). */
export interface PeerResult {
  circuitsEnumerated: number;
  perfect: number;
  /** Exact: read from the printed digits, not through a double. */
  totalGroundings: bigint;
  /** Its own in-process time (after Python start-up and the numpy import), ms. */
  inProcessMs: number;
  searchMs: number | null;
  groundingMs: number | null;
  /** Wall time of the whole process, ms. */
  wallMs: number;
}

/** Parses the peer's stdout line and stderr stage times. */
export function parsePeer(stdout: string, stderr: string, wallMs: number): PeerResult {
  const field = (name: string) => {
    const m = new RegExp(`"${name}":\\s*(-?[0-9.]+)`).exec(stdout);
    if (!m) throw new Error(`the peer printed no ${name}: ${stdout}${stderr}`);
    return m[1]!;
  };
  const stage = (name: string) => {
    const m = new RegExp(`${name} ([0-9.]+) s`).exec(stderr);
    return m ? Number(m[1]) * 1000 : null;
  };
  return {
    circuitsEnumerated: Number(field('circuitsEnumerated')),
    perfect: Number(field('perfect')),
    totalGroundings: BigInt(field('totalGroundings')),
    inProcessMs: Number(field('time')) * 1000,
    searchMs: stage('search'),
    groundingMs: stage('grounding'),
    wallMs,
  };
}

/** The arguments of one peer run on output `outputIndex` of `model`. */
export function peerArgs(model: PeerModel, outputIndex: number): string[] {
  const args = [PEER, '--model', peerFixture(model.file), '--gate', model.outputs[outputIndex]!.gate, '--min-sparsity', String(model.minSparsity)];
  return model.outputs.length > 1 ? [...args, '--output-index', String(outputIndex)] : args;
}

/** Runs the peer on a model JSON file (asynchronously, so our analysis can run meanwhile). */
export function runPeerFile(args: string[], timeoutMs = 600_000): Promise<PeerResult> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    execFile(PYTHON, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      const wallMs = performance.now() - t;
      if (error) reject(new Error(`${PYTHON} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else {
        try {
          resolve(parsePeer(stdout, stderr, wallMs));
        } catch (e) {
          reject(e);
        }
      }
    });
  });
}

export const runPeer = (model: PeerModel, outputIndex: number) => runPeerFile(peerArgs(model, outputIndex));

