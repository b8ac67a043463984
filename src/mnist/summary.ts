/** The human-readable report of an MNIST experiment (what `mi-ident mnist` prints). */
import { formatSummary } from '../summary.ts';
import type { MnistExperiment } from './experiment.ts';
import type { TailAnalysis } from './analyze-tail.ts';

/** The authors' numbers for their own run (paper and demo notebook), for comparison. */
export const AUTHORS_MNIST = { valAccuracy: 0.9986, perfectCircuits: 4702, candidateCircuits: 24366 } as const;

const fmt = (n: number | string) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const bits = (p: number, width: number) => p.toString(2).padStart(width, '0');

/** Formats training, validation accuracy and the tail analysis, with the authors' numbers beside ours. */
export function formatMnistSummary(e: MnistExperiment): string {
  const lines: string[] = [];
  const digits = [...new Set(e.train.digits)].sort().join(' and ');
  lines.push(`MNIST digits ${digits}: ${fmt(e.train.n)} training images, ${fmt(e.validation.n)} validation images`);
  const t = e.training;
  const trained = t
    ? `${t.epochs} epochs in ${(t.ms / 1000).toFixed(1)} s (${t.engine}), final loss ${t.finalLoss.toPrecision(3)}`
    : 'given model (not trained here)';
  lines.push(`model ${e.model.layerSizes.join('-')}: ${trained}`);
  lines.push(
    `  validation accuracy ${e.valAccuracy.toFixed(4)} (${fmt(e.valCorrect)} of ${fmt(e.validation.n)}; the authors: ${AUTHORS_MNIST.valAccuracy})`,
  );
  lines.push('');
  lines.push(...formatTail(e.tail, e.tailStart));
  return lines.join('\n');
}

/** The tail part of the report. */
export function formatTail(r: TailAnalysis, tailStart: number): string[] {
  const width = r.layerSizes[0]!;
  const lines: string[] = [];
  lines.push(`tail ${r.layerSizes.join('-')} (layers ${tailStart}.. of the model) on the validation set's layer-${tailStart} activations`);
  const b = r.binarization;
  lines.push(`  inputs binarised at the midpoints of their class means: ${b.thresholds.map((v) => v.toFixed(3)).join(', ')}`);
  lines.push(`  prototypes (bit 0 / bit 1): ${b.prototypes.map(([a, c]) => `${a.toFixed(3)} / ${c.toFixed(3)}`).join(', ')}`);
  lines.push(`  patterns seen: ${b.patterns.map((p) => `${bits(p.pattern, width)} x${fmt(p.samples)} (label 1: ${fmt(p.label1)})`).join(', ')}`);
  lines.push(`  the tail on its prototypes computes ${r.gate.name} (truth table ${r.gate.truthTable.join('')}, first input most significant)`);
  lines.push(`  groundings on ${r.options.groundRows === 'prototypes' ? 'the 8 prototypes' : `the observed patterns' last samples (${r.groundInputs.patterns.map((p) => bits(p, width)).join(', ')})`}`);
  const summary = formatSummary(
    {
      schemaVersion: 2,
      layerSizes: r.layerSizes,
      options: { minSparsity: r.options.minSparsity, pairOrder: r.options.pairOrder, accuracyThreshold: r.options.accuracyThreshold, formulaDepth: r.options.formulaDepth, distribLayers: false },
      backend: r.backend,
      outputs: [r.output],
    },
  );
  // formatSummary's first lines restate the model; keep its per-output block.
  lines.push(...summary.split('\n').slice(3).map((l) => l.replace(/^( {2}what-then-where: [\d,]+ formulas)/, `$1 (depth ${r.options.formulaDepth})`)));
  const o = r.output;
  const share = ((100 * o.perfectCircuitCount) / Math.max(1, o.circuitsEnumerated)).toFixed(1);
  lines.push(
    `  the authors' demo run: ${fmt(AUTHORS_MNIST.perfectCircuits)} perfect of ${fmt(AUTHORS_MNIST.candidateCircuits)} at 0.99; ` +
      `here ${fmt(o.perfectCircuitCount)} of ${fmt(o.circuitsEnumerated)} (${share}%) at ${r.options.accuracyThreshold}`,
  );
  return lines;
}
