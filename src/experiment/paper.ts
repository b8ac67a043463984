/**
 * The paper's experiments as the report shows them: which presets `reproduce paper` runs, and
 * which experiment a results folder holds, told from its configuration (so `mi-ident report`
 * needs no naming convention and accepts presets added later, e.g. wider size grids or depths).
 */
import { DEFAULT_CONFIG, resolveConfig, type ExperimentConfig } from './config.ts';
import { PRESETS } from './presets.ts';

/** The seven presets of the paper's experiments, in the order of the report (`reproduce paper`). */
export const PAPER_EXPERIMENTS = ['basic', 'multitask', 'gates', 'size', 'noise', 'skew', 'loss-target'] as const;

/** What an experiment varies: the kinds of report section. */
export type ExperimentKind = 'basic' | 'multitask' | 'gates' | 'size' | 'depth' | 'noise' | 'skew' | 'loss-target';

/** The kinds in the report's order (the paper's order, then depth). */
export const EXPERIMENT_KINDS: readonly ExperimentKind[] = ['basic', 'size', 'depth', 'multitask', 'gates', 'noise', 'skew', 'loss-target'];

/** The config fields that define what an experiment is (the others say how it was run). */
export const FACTOR_FIELDS = ['targetLogicGates', 'nGates', 'sizes', 'depths', 'noiseStd', 'skewedDistribution', 'lossTargets', 'learningRates'] as const satisfies readonly (keyof ExperimentConfig)[];

/**
 * The kind of experiment a grid is, from what it varies (checked in this order): depths, hidden
 * widths, loss targets, numbers of gates, target gates, skew, noise; else the basic setup.
 */
export function experimentKind(config: ExperimentConfig): ExperimentKind {
  if (config.depths.length > 1) return 'depth';
  if (config.sizes.length > 1) return 'size';
  if (config.lossTargets.length > 1) return 'loss-target';
  if (config.nGates.length > 1 || config.nGates[0] !== 1) return 'multitask';
  if (config.targetLogicGates.length > 1) return 'gates';
  if (config.skewedDistribution) return 'skew';
  if (config.noiseStd > 0) return 'noise';
  return 'basic';
}

/** The paper's own setting of each kind: the preset whose grid the report compares with. */
const KIND_PRESET: Record<ExperimentKind, string> = {
  basic: 'basic', multitask: 'multitask', gates: 'gates', size: 'size', depth: 'basic', noise: 'noise', skew: 'skew', 'loss-target': 'loss-target',
};

/** The resolved configuration of the paper's setting for a kind. */
export function paperConfig(kind: ExperimentKind): ExperimentConfig {
  return resolveConfig(PRESETS[KIND_PRESET[kind]]!.config);
}

/** The name of a preset whose grid this is (every field but the number of seeds equal), if any. */
export function presetOf(config: ExperimentConfig): string | null {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  for (const p of Object.values(PRESETS)) {
    const c = resolveConfig(p.config);
    const keys = Object.keys(DEFAULT_CONFIG) as (keyof ExperimentConfig)[];
    if (keys.every((k) => k === 'nExperiments' || same(c[k], config[k]))) return p.name;
  }
  return null;
}
