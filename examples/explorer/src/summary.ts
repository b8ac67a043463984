/** The counts that make the paper's point, the verdict they support, and how the run ran. */
import { h } from './dom.ts';
import { duration, groupDigits, percent } from './format.ts';
import type { Count, OutputAnalysis } from './lib.ts';
import type { RunResponse } from './protocol.ts';

const BACKEND_NAMES: Record<string, string> = { webgpu: 'WebGPU', wasm: 'WebAssembly', ts: 'TypeScript reference', auto: 'automatic' };
const backendName = (b: string) => BACKEND_NAMES[b] ?? b;

const asBig = (c: Count) => BigInt(c);

/** Smallest and largest of a list of counts. */
function range(counts: readonly Count[]): string {
  if (counts.length === 0) return 'none';
  const big = counts.map(asBig);
  const lo = big.reduce((a, b) => (b < a ? b : a));
  const hi = big.reduce((a, b) => (b > a ? b : a));
  return lo === hi ? groupDigits(lo) : `${groupDigits(lo)} to ${groupDigits(hi)}`;
}

function card(key: string, value: string, label: string, detail: string): HTMLElement {
  return h('div', { class: 'count-card' },
    h('p', { class: 'count-value', 'data-count': key }, value),
    h('p', { class: 'count-label' }, label),
    h('p', { class: 'count-detail' }, detail),
  );
}

/** One sentence: is the explanation identifiable here? */
export function verdict(o: OutputAnalysis): string {
  const circuits = o.perfectCircuitCount;
  const groundings = asBig(o.totalGroundings);
  const mappings = o.mappingsPerFormula.reduce((a, b) => a + b, 0);
  if (circuits === 0 && o.formulasWithMapping === 0) return `Nothing explains this network's ${o.gate}: no perfect circuit and no formula with a mapping.`;
  const where = circuits === 1 && groundings === 1n ? 'one circuit with one interpretation' : `${groupDigits(circuits)} perfect circuit${circuits === 1 ? '' : 's'} with ${groupDigits(groundings)} interpretation${groundings === 1n ? '' : 's'} in all`;
  const what = `${o.formulasWithMapping} formula${o.formulasWithMapping === 1 ? '' : 's'} with ${groupDigits(mappings)} minimal mapping${mappings === 1 ? '' : 's'}`;
  const unique = circuits === 1 && groundings === 1n && o.formulasWithMapping <= 1 && mappings <= 1;
  return unique
    ? `Identifiable here: ${where}, and ${what}.`
    : `Not identifiable: ${where} (where-then-what), and ${what} (what-then-where). Each is an equally valid explanation.`;
}

/** The summary of output `index` of `run`. */
export function renderSummary(run: RunResponse, index: number): HTMLElement {
  const o = run.result.outputs[index]!;
  const mappings = o.mappingsPerFormula.reduce((a, b) => a + b, 0);
  const sets = run.circuitSets[index];
  const cards = h('div', { class: 'counts' },
    card('perfect', groupDigits(o.perfectCircuitCount), 'perfect circuits', `of ${groupDigits(o.circuitsEnumerated)} circuits enumerated`),
    card('groundings', groupDigits(o.totalGroundings), 'interpretations (groundings)', `per circuit: ${range(o.groundingsPerCircuit)}`),
    card('formulas', groupDigits(o.formulasWithMapping), 'formulas with a mapping', `of ${o.formulas.length} candidate formulas`),
    card('mappings', groupDigits(mappings), 'minimal mappings', o.mappingsPerFormula.length ? `per formula: ${o.mappingsPerFormula.join(', ')}` : 'none'),
  );
  const facts = h('dl', { class: 'facts' });
  const fact = (term: string, ...value: (string | HTMLElement)[]) => facts.append(h('dt', {}, term), h('dd', {}, ...value));
  fact('Circuits ran on', h('span', { 'data-info': 'backend' }, backendName(run.backend.circuits)), ` (asked: ${backendName(run.backend.requested)}); groundings on ${backendName(run.backend.groundings)}`);
  if (run.backend.adapter) fact('WebGPU adapter', h('span', { 'data-info': 'adapter' }, run.backend.adapter));
  const t = o.timings;
  fact('Time', `circuits ${duration(t.circuits)}, groundings ${duration(t.groundings)}, mappings ${duration(t.mappings)}; whole analysis ${duration(run.analysisMs)}`);
  if (run.training) {
    const tr = run.training;
    fact('Training', `${tr.epochs} epochs (${tr.stop}), loss ${tr.finalLoss.toPrecision(3)}, validation accuracy ${percent(tr.valAccuracy)}, ${duration(tr.ms)} on ${backendName(tr.engine)}`);
  }
  fact('Model', `${run.result.layerSizes.join('-')}, minimum sparsity ${run.result.options.minSparsity}, pair order ${run.result.options.pairOrder}`);
  if (sets) fact('Circuit overlap', `${percent(sets.nestedPairFraction)} of circuit pairs are nested; mean Jaccard overlap ${sets.meanJaccard.toFixed(2)}; ${sets.minimal.length} minimal circuit${sets.minimal.length === 1 ? '' : 's'}`);

  const box = h('div', {}, cards, h('p', { class: 'verdict', 'data-info': 'verdict' }, verdict(o)));
  if (run.training && !run.training.converged) {
    box.append(h('p', { class: 'warning' }, 'This model did not converge (validation accuracy below 99% or loss above the target): main.py would discard it. Its analysis is shown anyway.'));
  }
  for (const w of run.backend.warnings) box.append(h('p', { class: 'warning', 'data-info': 'warning' }, w));
  box.append(facts);
  return box;
}
