/**
 * Runs bench/stage-probe.ts in a fresh Node process, so its first analysis is a cold one, and
 * returns what it measured. The child's working directory is the probed checkout: tsx then
 * resolves from, and reads the tsconfig of, that checkout.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ProbeOutput, StageTimes } from './stage-probe.ts';

export type { ProbeOutput, StageTimes };
export const STAGES = ['circuits', 'groundings', 'mappings', 'total'] as const;

const probe = fileURLToPath(new URL('./stage-probe.ts', import.meta.url));

export interface ProbeOptions {
  backend?: 'wasm' | 'ts';
  /** Unrecorded runs after the cold one. */
  warmups: number;
  /** Recorded warm runs after the warm-ups (0: only the cold run). */
  runs: number;
  /** Worker threads (default 1: the calling thread only). */
  threads?: number;
}

export function runProbe(root: string, caseName: string, o: ProbeOptions): ProbeOutput {
  const args = ['--import', 'tsx', probe, '--root', root, '--case', caseName, '--backend', o.backend ?? 'wasm', '--warmups', String(o.warmups), '--runs', String(o.runs), '--threads', String(o.threads ?? 1)];
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  const line = r.stdout?.split('\n').find((l) => l.startsWith('PROBE '));
  if (r.status !== 0 || !line) {
    throw new Error(`stage probe failed (${root}, ${caseName}, exit ${r.status ?? r.signal}):\n${r.stderr}${r.error?.message ?? ''}`);
  }
  return JSON.parse(line.slice('PROBE '.length)) as ProbeOutput;
}

export const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Per-stage median of several runs. */
export function medianTimes(runs: readonly StageTimes[]): StageTimes {
  const pick = (k: keyof StageTimes) => median(runs.map((r) => r[k]));
  return { circuits: pick('circuits'), groundings: pick('groundings'), mappings: pick('mappings'), total: pick('total') };
}
