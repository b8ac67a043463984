/**
 * The criteria that might restore identifiability (issue 15, docs/criteria.md): their stable ids,
 * which side of the analysis each one filters, and the parsing of a requested list.
 *
 * Every criterion only removes explanations: it keeps a subset of the paper's perfect circuits
 * (and of their groundings) or of the paper's minimal mappings (docs/criteria.md, "Filters, not new
 * searches"; docs/semantics.md, K1).
 */
import { InputError } from '../errors.ts';

/** Where-then-what criteria that keep or drop whole perfect circuits. */
export const CIRCUIT_CRITERIA = ['minimal', 'mean-ablation', 'resample-ablation'] as const satisfies readonly CriterionId[];
/** Where-then-what criteria that keep or drop groundings of a circuit. */
export const GROUNDING_CRITERIA = ['grounding-causal', 'grounding-distinct'] as const satisfies readonly CriterionId[];
/** What-then-where criteria that keep or drop minimal mappings. */
export const MAPPING_CRITERIA = ['symmetric', 'joint', 'unmapped', 'full-state', 'noisy-iia'] as const satisfies readonly CriterionId[];
/** The noise levels of the `ood-<σ>` criteria `all` includes by default. */
export const DEFAULT_OOD_SIGMAS: readonly number[] = Object.freeze([0.05, 0.1, 0.2]);
/** The probe set `noisy-iia` falls back to when no noisy rows are given (`ood-0.1`'s). */
export const NOISY_IIA_SIGMA = 0.1;

/** A criterion id: the fixed ones, `ood-<σ>`, and `all` (the conjunction of every other one). */
export type CriterionId =
  | 'minimal' | 'mean-ablation' | 'resample-ablation'
  | 'grounding-causal' | 'grounding-distinct'
  | 'symmetric' | 'joint' | 'unmapped' | 'full-state' | 'noisy-iia'
  | `ood-${number}`
  | 'all';

/** Which side of the analysis a criterion filters. */
export type CriterionSide = 'where' | 'what' | 'both';

/** The `ood-<σ>` id of a noise level: the shortest decimal of σ (`ood-0.1`). */
export function oodId(sigma: number): `ood-${number}` {
  return `ood-${sigma}` as `ood-${number}`;
}

/** σ of an `ood-<σ>` id, or null for another id. */
export function oodSigma(id: string): number | null {
  return id.startsWith('ood-') ? Number(id.slice(4)) : null;
}

/** The side a criterion filters. */
export function criterionSide(id: CriterionId): CriterionSide {
  if (id === 'all') return 'both';
  return (MAPPING_CRITERIA as readonly string[]).includes(id) ? 'what' : 'where';
}

/** Every criterion id `all` stands for, in table order, with the given noise levels. */
export function allCriteria(oodSigmas: readonly number[] = DEFAULT_OOD_SIGMAS): CriterionId[] {
  return [...CIRCUIT_CRITERIA, ...oodSigmas.map(oodId), ...GROUNDING_CRITERIA, ...MAPPING_CRITERIA, 'all'];
}

/** A resolved request: the ids to report, in table order, and the noise levels they need. */
export interface CriteriaSelection {
  readonly ids: readonly CriterionId[];
  /** The σ of every `ood-<σ>` id in `ids` (and, with `all`, of the whole conjunction). */
  readonly oodSigmas: readonly number[];
}

const KNOWN = [...CIRCUIT_CRITERIA, ...GROUNDING_CRITERIA, ...MAPPING_CRITERIA, 'ood-<σ>', 'all'];

/**
 * Checks and orders a request: `'all'` or a list of ids (`ood-<σ>` with any σ > 0, e.g. `ood-0.3`;
 * `all` in a list adds the conjunction). Repeated ids count once. `where` names the option in
 * messages (`--criteria`, `criteria`).
 *
 * With `all`, the conjunction uses the ood noise levels of the list when it names some, else
 * the default levels 0.05, 0.1 and 0.2, and every listed criterion is computed.
 */
export function resolveCriteria(request: 'all' | readonly string[], where = 'criteria'): CriteriaSelection {
  const list = request === 'all' ? ['all'] : request;
  if (!Array.isArray(list)) throw new InputError(`${where} must be 'all' or a list of criterion ids (${KNOWN.join(', ')}), got ${JSON.stringify(request)}`);
  if (list.length === 0) throw new InputError(`${where} names no criterion: give all, or ids among ${KNOWN.join(', ')}`);
  const sigmas: number[] = [];
  const fixed = new Set<string>();
  for (const raw of list) {
    if (typeof raw !== 'string') throw new InputError(`${where}: a criterion id must be a string, got ${JSON.stringify(raw)}`);
    const id = raw.trim();
    if (id.startsWith('ood-')) {
      const text = id.slice(4);
      const sigma = Number(text);
      if (text.trim() === '' || !Number.isFinite(sigma) || sigma <= 0 || sigma > 10) {
        throw new InputError(`${where}: ${JSON.stringify(raw)} needs a noise level σ with 0 < σ <= 10 after ood- (e.g. ood-0.1)`);
      }
      if (!sigmas.includes(sigma)) sigmas.push(sigma);
    } else if (id === 'all' || KNOWN.includes(id)) {
      fixed.add(id);
    } else {
      throw new InputError(`${where}: unknown criterion ${JSON.stringify(raw)} (criteria: ${KNOWN.join(', ')})`);
    }
  }
  if (fixed.has('all')) {
    const oodSigmas = sigmas.length ? [...sigmas].sort((a, b) => a - b) : [...DEFAULT_OOD_SIGMAS];
    return { ids: allCriteria(oodSigmas), oodSigmas };
  }
  const oodSigmas = [...sigmas].sort((a, b) => a - b);
  const ids = allCriteria(oodSigmas).filter((id) => fixed.has(id) || oodSigma(id) !== null);
  return { ids, oodSigmas };
}
