/**
 * The explorer's whole state, and its round trip through the URL's fragment: a shared link holds
 * every setting of the run (so opening it reruns the same analysis, bit for bit) and every view
 * choice (selected output, circuit, grounding page, formula and mapping).
 *
 * Pure functions, no DOM: the Node tests check the round trip and the handling of bad links.
 */
import { GATES, resolveCriteria } from './lib.ts';

/** Where the model comes from. */
export type Source = 'pretrained' | 'train' | 'file';
/** Analysis backends the page offers (the library's choices). */
export type BackendPick = 'auto' | 'wasm' | 'webgpu' | 'ts';
export type PairOrderPick = 'BA' | 'AB' | 'all';
export type TrainEnginePick = 'wasm' | 'ts';

/** Whose random numbers and arithmetic train (`mi-ident train --rng`). */
export type RngPick = 'reference' | 'fast';

/** `mi-ident train`'s settings that the page exposes (the rest keep main.py's defaults). */
export interface TrainSettings {
  width: number;
  depth: number;
  seed: number;
  noise: number;
  lossTarget: number;
  learningRate: number;
  engine: TrainEnginePick;
  rng: RngPick;
}

/** What determines a run's result. */
export interface RunSettings {
  source: Source;
  /** One gate per model output, or one for every output. */
  gates: string[];
  train: TrainSettings;
  backend: BackendPick;
  pairOrder: PairOrderPick;
  /** `source: 'file'`: the model as compact JSON text (carried in the link). */
  model: string | null;
}

export type CircuitSort = 'sparsity' | 'index';
/** Inclusion filter, relative to the selected circuit where it needs one. */
export type CircuitFilter = 'all' | 'minimal' | 'within' | 'containing';

/** What the network drawing shows. */
export type NetworkMode = 'heat' | 'circuit' | 'mapping';

/** What is shown of a result. */
export interface ViewState {
  output: number;
  network: NetworkMode;
  sort: CircuitSort;
  filter: CircuitFilter;
  /** Selected circuit: its index in the enumeration order (as in the JSON), or null. */
  circuit: number | null;
  /** Grounding page, 0-based (1-based in the URL). */
  groundingPage: number;
  /** Grounding shown on the network: its position in the circuit's reference order, or null. */
  grounding: number | null;
  /** Selected formula (position in the output's formula list) and mapping, or null. */
  formula: number | null;
  mapping: number | null;
  /** List every formula, not only those with a minimal mapping. */
  allFormulas: boolean;
  /** Active criteria toggles (docs/criteria.md ids, table order): they filter circuits, groundings and mappings. */
  criteria: string[];
}

export interface ExplorerState {
  run: RunSettings;
  view: ViewState;
}

/** Page defaults. Noise defaults to 0 (main.py: 0.1) so that a first training takes a second, not minutes. */
export const DEFAULT_TRAIN: Readonly<TrainSettings> = Object.freeze({
  width: 3,
  depth: 2,
  seed: 0,
  noise: 0,
  lossTarget: 0.01,
  learningRate: 0.001,
  engine: 'wasm',
  rng: 'reference',
});

export function defaultState(): ExplorerState {
  return {
    run: { source: 'pretrained', gates: ['XOR'], train: { ...DEFAULT_TRAIN }, backend: 'auto', pairOrder: 'BA', model: null },
    view: defaultView(),
  };
}

export function defaultView(): ViewState {
  return { output: 0, network: 'heat', sort: 'sparsity', filter: 'all', circuit: null, groundingPage: 0, grounding: null, formula: null, mapping: null, allFormulas: false, criteria: [] };
}

/** Limits of the training form (wider networks have far too many circuits for a page). */
export const TRAIN_LIMITS = {
  width: [1, 8],
  depth: [1, 4],
  seed: [0, 2 ** 31 - 1],
  noise: [0, 10],
} as const;

/** Links carry a file's model only up to this many characters of base64. */
export const MAX_LINK_MODEL_CHARS = 24_000;

/** Encodes the state as a URL fragment (without `#`); every run setting is explicit. */
export function encodeState(state: ExplorerState): string {
  const { run, view } = state;
  const p = new URLSearchParams();
  p.set('src', run.source);
  p.set('gates', run.gates.join(','));
  if (run.source === 'train') {
    const t = run.train;
    p.set('width', String(t.width));
    p.set('depth', String(t.depth));
    p.set('seed', String(t.seed));
    p.set('noise', String(t.noise));
    p.set('lt', String(t.lossTarget));
    p.set('lr', String(t.learningRate));
    p.set('engine', t.engine);
    p.set('rng', t.rng);
  }
  if (run.source === 'file' && run.model !== null) {
    const encoded = toBase64Url(run.model);
    if (encoded.length <= MAX_LINK_MODEL_CHARS) p.set('model', encoded);
  }
  p.set('backend', run.backend);
  p.set('order', run.pairOrder);
  if (view.output !== 0) p.set('out', String(view.output));
  if (view.network !== 'heat') p.set('net', view.network);
  if (view.sort !== 'sparsity') p.set('sort', view.sort);
  if (view.filter !== 'all') p.set('filter', view.filter);
  if (view.circuit !== null) p.set('c', String(view.circuit));
  if (view.groundingPage !== 0) p.set('gpage', String(view.groundingPage + 1));
  if (view.grounding !== null) p.set('g', String(view.grounding));
  if (view.formula !== null) p.set('f', String(view.formula));
  if (view.mapping !== null) p.set('m', String(view.mapping));
  if (view.allFormulas) p.set('formulas', 'all');
  if (view.criteria.length) p.set('crit', view.criteria.join(','));
  return p.toString().replace(/%2C/g, ','); // commas are fine in a fragment and easier to read
}

/** Whether a file model is too large to travel in a link. */
export function modelTooLongForLink(model: string): boolean {
  return toBase64Url(model).length > MAX_LINK_MODEL_CHARS;
}

/**
 * Decodes a fragment (with or without `#`). Anything missing takes its default; anything invalid
 * too, with a line in `problems` saying what was ignored, so a damaged link still opens.
 */
export function decodeState(fragment: string): { state: ExplorerState; problems: string[] } {
  const p = new URLSearchParams(fragment.replace(/^#/, ''));
  const state = defaultState();
  const problems: string[] = [];
  const { run, view } = state;

  const pick = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const v = p.get(key);
    if (v === null) return fallback;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    problems.push(`"${key}=${v}" is not one of ${allowed.join(', ')}; using ${fallback}`);
    return fallback;
  };
  const num = (key: string, fallback: number, ok: (n: number) => boolean, what: string): number => {
    const v = p.get(key);
    if (v === null || v === '') return fallback;
    const n = Number(v);
    if (Number.isFinite(n) && ok(n)) return n;
    problems.push(`"${key}=${v}" must be ${what}; using ${fallback}`);
    return fallback;
  };
  const intIn = (key: string, [lo, hi]: readonly [number, number], fallback: number) =>
    num(key, fallback, (n) => Number.isInteger(n) && n >= lo && n <= hi, `an integer from ${lo} to ${hi}`);
  const optionalIndex = (key: string): number | null => {
    const n = num(key, -1, (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0');
    return n < 0 ? null : n;
  };

  run.source = pick('src', ['pretrained', 'train', 'file'] as const, run.source);
  const gates = p.get('gates');
  if (gates !== null) {
    const names = gates.split(',').map((g) => g.trim().toUpperCase()).filter(Boolean);
    const unknown = names.filter((g) => !(g in GATES));
    if (names.length === 0 || unknown.length) problems.push(`unknown gate(s) "${unknown.join(',') || gates}"; using ${run.gates.join(',')}`);
    else run.gates = names;
  }
  const t = run.train;
  t.width = intIn('width', TRAIN_LIMITS.width, t.width);
  t.depth = intIn('depth', TRAIN_LIMITS.depth, t.depth);
  t.seed = intIn('seed', TRAIN_LIMITS.seed, t.seed);
  t.noise = num('noise', t.noise, (n) => n >= TRAIN_LIMITS.noise[0] && n <= TRAIN_LIMITS.noise[1], `from ${TRAIN_LIMITS.noise[0]} to ${TRAIN_LIMITS.noise[1]}`);
  t.lossTarget = num('lt', t.lossTarget, (n) => n > 0, 'a positive number');
  t.learningRate = num('lr', t.learningRate, (n) => n > 0, 'a positive number');
  t.engine = pick('engine', ['wasm', 'ts'] as const, t.engine);
  t.rng = pick('rng', ['reference', 'fast'] as const, t.rng);
  run.backend = pick('backend', ['auto', 'wasm', 'webgpu', 'ts'] as const, run.backend);
  run.pairOrder = pick('order', ['BA', 'AB', 'all'] as const, run.pairOrder);
  const model = p.get('model');
  if (model !== null) {
    try {
      run.model = fromBase64Url(model);
    } catch {
      problems.push('the model in the link is damaged (not base64url text); it was ignored');
    }
  }
  if (run.source === 'file' && run.model === null) {
    problems.push('the link names a model file but does not carry it; showing the pretrained model instead');
    run.source = 'pretrained';
  }

  view.output = num('out', 0, (n) => Number.isInteger(n) && n >= 0, 'an integer >= 0');
  view.network = pick('net', ['heat', 'circuit', 'mapping'] as const, view.network);
  view.sort = pick('sort', ['sparsity', 'index'] as const, view.sort);
  view.filter = pick('filter', ['all', 'minimal', 'within', 'containing'] as const, view.filter);
  view.circuit = optionalIndex('c');
  view.groundingPage = num('gpage', 1, (n) => Number.isInteger(n) && n >= 1, 'an integer >= 1') - 1;
  view.grounding = optionalIndex('g');
  view.formula = optionalIndex('f');
  view.mapping = optionalIndex('m');
  view.allFormulas = pick('formulas', ['mapped', 'all'] as const, 'mapped') === 'all';
  const crit = p.get('crit');
  if (crit !== null) {
    const known = resolveCriteria('all').ids as readonly string[];
    const ids = crit.split(',').map((id) => id.trim()).filter(Boolean);
    const unknown = ids.filter((id) => !known.includes(id));
    if (unknown.length) problems.push(`unknown criteria "${unknown.join(',')}" (criteria: ${known.join(', ')}); ignored`);
    view.criteria = known.filter((id) => ids.includes(id)); // table order, each once
  }
  return { state, problems };
}

/** Whether two run settings give the same result (the view does not matter). */
export function sameRun(a: RunSettings, b: RunSettings): boolean {
  const key = (r: RunSettings) => encodeState({ run: r, view: defaultView() });
  return key(a) === key(b) && a.model === b.model;
}

/** UTF-8 text as base64url (no padding): safe in a URL fragment. */
export function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Inverse of {@link toBase64Url}; throws on malformed input. */
export function fromBase64Url(encoded: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(encoded)) throw new Error('not base64url');
  const binary = atob(encoded.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}
