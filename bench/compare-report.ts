/**
 * bench/compare.ts's summary: per case, stage and mode (warm, cold) the median of the samples of
 * each checkout and their ratio current/base, flagged where current is more than `threshold`
 * slower; as a table and as JSON.
 */
import { median, STAGES, type StageTimes } from './probe-run.ts';

export type Side = 'base' | 'current';
export type Mode = 'warm' | 'cold';

/** One child process's measurement: its cold run, and the median of its warm runs. */
export interface Sample {
  cold: StageTimes;
  warm: StageTimes;
}

export interface CaseSamples {
  name: string;
  summary: Record<Side, string>;
  samples: Record<Side, Sample[]>;
}

export interface Cell {
  base: number;
  current: number;
  ratio: number;
  slower: boolean;
}

export interface CaseReport {
  name: string;
  /** Whether both checkouts found the same circuits, groundings and mappings (counts). */
  sameResults: boolean;
  summary: Record<Side, string>;
  stages: Record<(typeof STAGES)[number], Record<Mode, Cell>>;
  samples: Record<Side, Sample[]>;
}

export function caseReport(c: CaseSamples, threshold: number): CaseReport {
  const cell = (stage: keyof StageTimes, mode: Mode): Cell => {
    const base = median(c.samples.base.map((s) => s[mode][stage]));
    const current = median(c.samples.current.map((s) => s[mode][stage]));
    const ratio = current / base;
    return { base, current, ratio, slower: ratio > 1 + threshold };
  };
  const stages = Object.fromEntries(STAGES.map((s) => [s, { warm: cell(s, 'warm'), cold: cell(s, 'cold') }])) as CaseReport['stages'];
  return { name: c.name, sameResults: c.summary.base === c.summary.current, summary: c.summary, stages, samples: c.samples };
}

const ms = (t: number) => (t < 10 ? t.toFixed(2) : t < 1000 ? t.toFixed(1) : t.toFixed(0));
const ratio = (c: Cell) => `${c.ratio.toFixed(2)}${c.slower ? ' SLOWER' : ''}`;

export function printTable(reports: CaseReport[], threshold: number): void {
  console.log('| case | stage | warm: base ms | warm: current ms | warm: current/base | cold: base ms | cold: current ms | cold: current/base |');
  console.log('|---|---|--:|--:|--:|--:|--:|--:|');
  for (const r of reports) {
    for (const s of STAGES) {
      const { warm, cold } = r.stages[s];
      console.log(`| ${r.name} | ${s} | ${ms(warm.base)} | ${ms(warm.current)} | ${ratio(warm)} | ${ms(cold.base)} | ${ms(cold.current)} | ${ratio(cold)} |`);
    }
  }
  for (const r of reports.filter((r) => !r.sameResults)) {
    console.log(`\nRESULTS DIFFER for ${r.name}:\n  base:    ${r.summary.base}\n  current: ${r.summary.current}`);
  }
  for (const mode of ['warm', 'cold'] as const) {
    const slow = reports.flatMap((r) => STAGES.filter((s) => r.stages[s][mode].slower).map((s) => `${r.name}/${s} ${r.stages[s][mode].ratio.toFixed(2)}x`));
    const pct = Math.round(threshold * 100);
    console.log(`\n${mode}: ${slow.length === 0 ? `no stage more than ${pct} % slower` : `${slow.length} stage(s) more than ${pct} % slower: ${slow.join(', ')}`}`);
  }
}
