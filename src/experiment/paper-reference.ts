/**
 * What the paper, its authors and the reference code published, transcribed by hand for the paper
 * report, each number with its source. Transcribed from two notes of the project's shared material:
 * `reference/paper-numbers.md` (the paper, the authors' project page and notebooks, a figure read
 * by eye) and `oracle/reference-100-seeds.md` (the original code's own 100-seed run; a copy is
 * test/fixtures/reference-100-seeds.md). Nothing here is read at run time from those files.
 *
 * Where a number is approximate or second-hand its source says so; nothing is filled in where the
 * sources are silent (most experiments have no published number).
 */
import type { ExperimentKind } from './paper.ts';

/** Where a number comes from. */
export type SourceId = 'paper' | 'blog' | 'demo' | 'figure' | 'unverified' | 'reference-100-seeds' | 'oracle-cases';

/** A source, as the report labels and cites it. */
export interface ReferenceSource {
  readonly id: SourceId;
  /** Short label shown beside each number. */
  readonly label: string;
  /** Full citation. */
  readonly cite: string;
}

/** Every source, by id. */
export const REFERENCE_SOURCES: Readonly<Record<SourceId, ReferenceSource>> = {
  paper: {
    id: 'paper', label: 'paper',
    cite: 'Méloux, Maniu, Portet, Peyrard: "Everything, Everywhere, All at Once: Is Mechanistic Interpretability Identifiable?", ICLR 2025 (the text; the sections marked "at one remove" are quoted from secondary summaries, as the full body could not be read)',
  },
  blog: { id: 'blog', label: "authors' project page", cite: "The authors' project page on the paper (first draft January 2025, final April 2025)" },
  demo: { id: 'demo', label: "authors' notebooks", cite: "Saved outputs of the authors' notebooks demo_xor.ipynb and demo_mnist.ipynb (original repository)" },
  figure: { id: 'figure', label: 'paper figure, read by eye', cite: "The paper's network-size figure (box plots, log scale), values read off by eye: approximate" },
  unverified: { id: 'unverified', label: 'third parties, unverified', cite: 'Attributed to the paper by third parties; not found in a primary source' },
  'reference-100-seeds': {
    id: 'reference-100-seeds', label: 'reference code, 100 seeds',
    cite: "The authors' original code (main.py's loop, statement by statement) run by the project's oracle with the README's basic setup: main.py --noise-std 0.0 --target-logic-gates XOR --n-experiments 100, seed 0, CPU, PYTHONHASHSEED=0 (pair order BA); interpretation counts from an independent exact count, as the original code finished grounding only 18 of the 90 networks within 30 s each (oracle/reference-100-seeds.md)",
  },
  'oracle-cases': { id: 'oracle-cases', label: 'reference code, single cases', cite: "The authors' original code run by the project's oracle on single trained cases (oracle/README.md, section 5)" },
};

/** A per-network statistic the report can compute from its own rows. */
export type Measure =
  | 'converged'
  | 'perfectCircuits'
  | 'interpretations'
  | 'interpretationsPerCircuit'
  | 'formulas'
  | 'mappings'
  | 'oneMappingShare'
  | 'oneInterpretation'
  | 'noCircuit'
  | 'oneCircuit'
  | 'noMapping'
  | 'multipleCircuits'
  | 'pooledInterpretationsPerCircuit';

/** Quartiles as numpy computes them by default (linear) or as (n + 1) p ("weibull"). */
export type QuantileMethod = 'linear' | 'weibull';

/** Summary numbers of a distribution; any may be missing from a source. */
export interface Distribution {
  readonly min?: number;
  readonly q1?: number;
  readonly median?: number;
  readonly q3?: number;
  readonly mean?: number;
  readonly max?: number;
}

/** One published statement: a claim, its value as published, and how ours is computed to compare. */
export interface PublishedClaim {
  readonly claim: string;
  /** The value as the source states it. */
  readonly value: string;
  readonly source: SourceId;
  /** Where in the source, when known. */
  readonly where?: string;
  /** The statistic of ours shown beside it (none: nothing of ours is comparable). */
  readonly measure?: Measure;
  /** A test ours must pass to agree: a share below a bound, or a count equal to a value. */
  readonly check?: { readonly op: '<' | '=' | '>'; readonly value: number };
  /** Why ours cannot be compared directly, when it cannot. */
  readonly caveat?: string;
}

/** A distribution published for a statistic of the basic run. */
export interface ReferenceStatistic {
  readonly statistic: string;
  readonly measure: Measure;
  readonly value: Distribution;
  /** The quartile convention of the source. */
  readonly quantiles: QuantileMethod;
  /** Counts of networks with 0 / exactly 1, when given. */
  readonly none?: number;
  readonly exactlyOne?: number;
  readonly source: SourceId;
  readonly caveat?: string;
}

/** The basic setup (XOR, 2-3-3-1, clean data, 100 seeds): what the paper and its authors say. */
export const BASIC_CLAIMS: readonly PublishedClaim[] = [
  { claim: 'networks with exactly one minimal mapping', value: 'less than 2 %', source: 'paper', where: 'section 4.1.1 (quoted at one remove)', measure: 'oneMappingShare', check: { op: '<', value: 0.02 } },
  { claim: 'networks with exactly one circuit interpretation', value: 'no network', source: 'paper', where: 'section 4.1.1 (quoted at one remove)', measure: 'oneInterpretation', check: { op: '=', value: 0 } },
  {
    claim: 'multiple perfect circuits, multiple interpretations per circuit, two candidate algorithms both perfectly implemented, multiple mappings per algorithm',
    value: 'qualitative', source: 'paper', where: 'Figure 2 caption', measure: 'multipleCircuits',
  },
  { claim: 'simplicity or sparsity cannot single out one explanation', value: 'qualitative', source: 'paper', where: 'section 5.2 (quoted at one remove)', caveat: 'tested by the criteria (mi-ident reproduce criteria, docs/criteria.md), not by this run' },
  { claim: 'one XOR model: circuits with zero circuit error', value: '85', source: 'blog', where: 'first draft', measure: 'perfectCircuits', caveat: 'one model, not named: compared with the spread of ours' },
  { claim: 'one XOR model: valid interpretations of one circuit', value: 'over 500', source: 'blog', where: 'first draft', caveat: 'one circuit of one model, not named' },
  { claim: 'one XOR model: algorithms / distinct neural implementations', value: '2 / at least 159', source: 'blog', where: 'first draft', caveat: 'one model, not named; "implementations" is not defined there' },
  { claim: 'valid interpretations per circuit (average)', value: '535.8', source: 'unverified', measure: 'pooledInterpretationsPerCircuit', caveat: 'unverified: no primary source found' },
];

/** The reference code's own run of the basic setup (oracle/reference-100-seeds.md). */
export const REFERENCE_100_SEEDS = {
  units: 100,
  converged: 90,
  notConverged: [7, 13, 28, 31, 51, 60, 64, 73, 76, 79],
  statistics: [
    { statistic: 'perfect circuits per network', measure: 'perfectCircuits', value: { min: 0, q1: 23.75, median: 44.5, q3: 75.5, mean: 52.3, max: 169 }, quantiles: 'linear', none: 2, exactlyOne: 0, source: 'reference-100-seeds' },
    {
      statistic: 'interpretations (groundings) per network, every perfect circuit grounded', measure: 'interpretations',
      value: { min: 0, q1: 26283.5, median: 64235.5, q3: 164203.5, mean: 107456, max: 395124 }, quantiles: 'weibull', exactlyOne: 0, source: 'reference-100-seeds',
    },
    { statistic: 'mean interpretations per perfect circuit (median and mean over networks)', measure: 'interpretationsPerCircuit', value: { median: 1878, mean: 2278 }, quantiles: 'linear', source: 'reference-100-seeds' },
    { statistic: 'formulas with at least one minimal mapping per network', measure: 'formulas', value: { min: 0, q1: 0, median: 1, q3: 3, mean: 2.93, max: 14 }, quantiles: 'linear', exactlyOne: 0, source: 'reference-100-seeds' },
    { statistic: 'minimal mappings per network (summed over formulas)', measure: 'mappings', value: { min: 0, q1: 0, median: 1, q3: 8, mean: 10.3, max: 70 }, quantiles: 'linear', none: 45, exactlyOne: 0, source: 'reference-100-seeds' },
  ] satisfies readonly ReferenceStatistic[],
  /** Only the 18 networks the original code grounded completely within 30 s each: a biased subset (the small ones). */
  completelyGrounded: { networks: 18, capSeconds: 30, interpretations: { q1: 2331, median: 7896, q3: 23975, max: 90432 } satisfies Distribution, quantiles: 'weibull' as QuantileMethod },
  /** The original code's time on one core. */
  seconds: { training: 68, findCircuits: 56, grounding: 2343 },
} as const;

/** One width of the paper's size figure, read off by eye: per network, median and interquartile range. */
export interface SizeFigureEntry {
  readonly width: number;
  readonly mappings: { readonly median: number; readonly q1: number; readonly q3: number };
  readonly interpretations: { readonly median: number; readonly q1: number; readonly q3: number };
}

/** The paper's size figure (XOR, 2-k-k-1, 100 seeds; min sparsity 0.2 at k = 4, 0.3 at k = 5). Source: `figure`. */
export const SIZE_FIGURE: readonly SizeFigureEntry[] = [
  { width: 2, mappings: { median: 8, q1: 3, q3: 15 }, interpretations: { median: 37, q1: 35, q3: 40 } },
  { width: 3, mappings: { median: 30, q1: 8, q3: 90 }, interpretations: { median: 7e3, q1: 4.5e3, q3: 1.1e4 } },
  { width: 4, mappings: { median: 400, q1: 50, q3: 800 }, interpretations: { median: 2e5, q1: 1.5e5, q3: 5.5e5 } },
  { width: 5, mappings: { median: 3.6e3, q1: 170, q3: 9e3 }, interpretations: { median: 9e5, q1: 5.5e5, q3: 1.4e6 } },
];

/** What the sources say about the size figure itself. */
export const SIZE_CLAIMS: readonly PublishedClaim[] = [
  { claim: 'caption of the size figure', value: '"Larger networks admit exponentially more circuits and interpretations."', source: 'blog' },
  { claim: 'units of the size figure', value: 'not stated (most likely totals per network)', source: 'figure' },
  { claim: 'XOR 2-2-2-1 (one case, torch seed 2): circuits enumerated / perfect / groundings / formulas with a mapping / minimal mappings', value: '20 / 0 / 0 / 4 / 16', source: 'oracle-cases', caveat: 'one network; the paper-numbers note adds that the reference code finds no perfect circuit at k = 2' },
];

/** The authors' pretrained model (xor_mlp.pt, trained with noise 0.1, learning rate 0.01, seed 42). */
export const PRETRAINED_CLAIMS: readonly PublishedClaim[] = [
  { claim: 'formulas with a mapping / minimal mappings', value: '7 / 42', source: 'demo' },
  { claim: 'perfect circuits / groundings, on the noisy validation data', value: '7 / 100,896', source: 'demo', caveat: 'on noisy data of the notebook, whose inputs are truncated toward zero before grounding (docs/semantics.md G1); ours are on the clean truth table' },
];

/** Experiments without a published number: what the sources say instead. */
export const NO_NUMBERS: Partial<Record<ExperimentKind, readonly PublishedClaim[]>> = Object.fromEntries(
  (['multitask', 'gates', 'noise', 'skew', 'loss-target', 'depth'] as const).map((kind) => [kind, [
    { claim: 'published numbers', value: 'none found', source: 'paper' },
    ...(kind === 'depth' ? [] : [{ claim: 'non-identifiability persisted', value: '"across model variations, training dynamics, and multi-task learning setups"', source: 'blog' as const }]),
  ]]),
);
