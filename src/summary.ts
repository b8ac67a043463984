/** The human-readable summary of an analysis result (what the CLI prints). */
import type { AnalysisResult, Count } from './analyze.ts';
import { formatCriteriaTable } from './criteria/summary.ts';

/** Thousands separators without Intl (whose first use costs tens of milliseconds). */
const fmt = (n: number | string | bigint) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const ms = (t: number) => (t < 1000 ? `${t.toFixed(1)} ms` : `${(t / 1000).toFixed(2)} s`);

/** Options of {@link formatSummary}. */
export interface SummaryOptions {
  /** Print the stage timings (default true). */
  timings?: boolean;
  /** The stages the analysis ran (default all): the others are printed as not run, not as zeros. */
  stages?: { circuits?: boolean; groundings?: boolean; mappings?: boolean };
}

/** Formats the counts that show (non-)identifiability, per output, with stage timings. */
export function formatSummary(result: AnalysisResult, { timings = true, stages = {} }: SummaryOptions = {}): string {
  const lines: string[] = [];
  const b = result.backend;
  const ran = (['circuits', 'groundings', 'mappings'] as const).filter((s) => b[s] !== null).map((s) => `${s} ${b[s]}`);
  lines.push(`model ${result.layerSizes.join('-')}  min sparsity ${result.options.minSparsity}  pair order ${result.options.pairOrder}`);
  lines.push(`backend ${b.label}${ran.length ? `: ${ran.join(', ')}` : ''}`);
  for (const f of b.fallbacks) lines.push(`  fallback (${f.stage}${f.output === null ? '' : `, output ${f.output}`}): ${f.reason}`);
  for (const o of result.outputs) {
    const perfect = o.perfectCircuitCount;
    const mappings = o.mappingsPerFormula.reduce((a, b) => a + b, 0);
    lines.push('');
    lines.push(`output ${o.outputIndex}: ${o.gate}`);
    if (stages.circuits === false) lines.push('  where-then-what: not run');
    else {
      const groundings = stages.groundings === false ? 'groundings not counted' : `${fmt(o.totalGroundings)} groundings`;
      lines.push(`  where-then-what: ${fmt(o.circuitsEnumerated)} circuits enumerated, ${fmt(perfect)} perfect, ${groundings}`);
    }
    if (perfect > 0 && o.groundingsPerCircuit.length) {
      const { min, max } = o.groundingsRange ?? countRange(o.groundingsPerCircuit);
      lines.push(`    interpretations per circuit: min ${fmt(min)}, max ${fmt(max)}`);
    }
    if (o.listing) {
      lines.push(`    listed with masks and counts: the first ${fmt(o.perfectCircuits.length)} perfect circuits; ${fmt(o.listing.omitted)} more counted and grounded, not listed`);
    }
    if (stages.mappings === false) lines.push('  what-then-where: not run');
    else lines.push(`  what-then-where: ${fmt(o.formulas.length)} formulas, ${fmt(o.formulasWithMapping)} with a mapping, ${fmt(mappings)} minimal mappings`);
    if (o.mappingsPerFormula.length) lines.push(`    mappings per formula: ${o.mappingsPerFormula.join(', ')}`);
    if (o.criteria) {
      lines.push('  criteria (docs/criteria.md): what survives each one');
      const paper = { circuits: perfect, groundings: o.totalGroundings, formulas: o.formulasWithMapping, mappings, upToIsomorphism: o.upToIsomorphism };
      lines.push(...formatCriteriaTable(paper, o.criteria, '    '));
    }
    if (timings) {
      const criteria = o.timings.criteria !== undefined ? `, criteria ${ms(o.timings.criteria)}` : '';
      lines.push(`  time: circuits ${ms(o.timings.circuits)}, groundings ${ms(o.timings.groundings)}, mappings ${ms(o.timings.mappings)}${criteria}`);
    }
  }
  return lines.join('\n');
}

/**
 * Smallest and largest of the per-circuit counts, exactly (counts past 2^53 are decimal strings),
 * with a loop: there may be millions of them, too many to spread into Math.min's arguments.
 */
function countRange(counts: readonly Count[]): { min: Count | bigint; max: Count | bigint } {
  let min = BigInt(counts[0]!);
  let max = min;
  for (const c of counts) {
    const n = BigInt(c);
    if (n < min) min = n;
    if (n > max) max = n;
  }
  return { min, max };
}
