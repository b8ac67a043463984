/** The run form: settings in and out, gate toggles, and checks with messages before anything runs. */
import { byId, h } from './dom.ts';
import { GATES } from './lib.ts';
import { TRAIN_LIMITS, type BackendPick, type PairOrderPick, type RunSettings, type RngPick, type Source, type TrainEnginePick } from './state.ts';

const input = (id: string) => byId<HTMLInputElement>(id);
const select = (id: string) => byId<HTMLSelectElement>(id);

/** Parses the gates field: `"xor, and"` -> `['XOR', 'AND']`. */
export function parseGates(text: string): string[] {
  return text.split(/[\s,]+/).map((g) => g.trim().toUpperCase()).filter(Boolean);
}

/** The form's settings, or the problems that keep it from running. `model` is the loaded file's, if any. */
export function readForm(model: string | null): { settings: RunSettings; problems: string[] } {
  const problems: string[] = [];
  const source = (document.querySelector<HTMLInputElement>('input[name="source"]:checked')?.value ?? 'pretrained') as Source;
  const gates = parseGates(input('gates').value);
  const unknown = gates.filter((g) => !(g in GATES));
  if (gates.length === 0) problems.push('Name at least one gate, e.g. XOR.');
  if (unknown.length) problems.push(`Unknown gate ${unknown.join(', ')}; the gates are ${Object.keys(GATES).join(', ')}.`);
  const known = gates.filter((g) => g in GATES);
  if (new Set(known.map((g) => GATES[g]!.nInputs)).size > 1) problems.push('The gates of one network must take the same number of inputs.');
  if (source === 'pretrained' && known.some((g) => GATES[g]!.nInputs !== 2)) problems.push('The pretrained model has 2 inputs: choose 2-input gates.');
  if (source === 'train' && new Set(gates).size !== gates.length) problems.push('Each gate can be an output only once when training.');
  if (source === 'file' && model === null) problems.push('Choose a model file first.');

  const int = (id: string, what: string, [lo, hi]: readonly [number, number]) => {
    const v = Number(input(id).value);
    if (!Number.isInteger(v) || v < lo || v > hi) problems.push(`${what} must be a whole number from ${lo} to ${hi}.`);
    return v;
  };
  const positive = (id: string, what: string) => {
    const v = Number(input(id).value);
    if (!(v > 0) || !Number.isFinite(v)) problems.push(`${what} must be a positive number.`);
    return v;
  };
  const train = {
    width: 0, depth: 0, seed: 0, noise: 0, lossTarget: 0, learningRate: 0,
    engine: select('engine').value as TrainEnginePick,
    rng: select('rng').value as RngPick,
  };
  if (source === 'train') {
    train.width = int('width', 'The hidden width', TRAIN_LIMITS.width);
    train.depth = int('depth', 'The number of hidden layers', TRAIN_LIMITS.depth);
    train.seed = int('seed', 'The seed', TRAIN_LIMITS.seed);
    train.noise = Number(input('noise').value);
    if (!(train.noise >= 0 && train.noise <= TRAIN_LIMITS.noise[1])) problems.push(`The noise must be from 0 to ${TRAIN_LIMITS.noise[1]}.`);
    train.lossTarget = positive('loss-target', 'The loss target');
    train.learningRate = positive('learning-rate', 'The learning rate');
  } else {
    Object.assign(train, readTrainDefaults());
  }
  const settings: RunSettings = {
    source,
    gates,
    train,
    backend: select('backend').value as BackendPick,
    pairOrder: select('pair-order').value as PairOrderPick,
    model: source === 'file' ? model : null,
  };
  return { settings, problems };
}

/** Training fields as typed (kept in the state even when another source is chosen). */
function readTrainDefaults() {
  return {
    width: Number(input('width').value),
    depth: Number(input('depth').value),
    seed: Number(input('seed').value),
    noise: Number(input('noise').value),
    lossTarget: Number(input('loss-target').value),
    learningRate: Number(input('learning-rate').value),
  };
}

/** Puts `settings` into the form. */
export function writeForm(settings: RunSettings): void {
  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="source"]')) radio.checked = radio.value === settings.source;
  input('gates').value = settings.gates.join(',');
  const t = settings.train;
  input('width').value = String(t.width);
  input('depth').value = String(t.depth);
  input('seed').value = String(t.seed);
  input('noise').value = String(t.noise);
  input('loss-target').value = String(t.lossTarget);
  input('learning-rate').value = String(t.learningRate);
  select('engine').value = t.engine;
  select('rng').value = t.rng;
  select('backend').value = settings.backend;
  select('pair-order').value = settings.pairOrder;
  syncForm();
}

/** Shows the fields of the chosen source and the gate toggles' state. */
export function syncForm(): void {
  const source = document.querySelector<HTMLInputElement>('input[name="source"]:checked')?.value;
  byId('train-fields').hidden = source !== 'train';
  byId('file-field').hidden = source !== 'file';
  const chosen = new Set(parseGates(input('gates').value));
  for (const b of byId('gate-buttons').querySelectorAll('button')) b.setAttribute('aria-pressed', String(chosen.has(b.dataset.gate!)));
}

/** One toggle button per gate: adds it at the end of the list, or removes it. */
export function buildGateButtons(onChange: () => void): void {
  const box = byId('gate-buttons');
  for (const [name, gate] of Object.entries(GATES)) {
    const button = h('button', {
      type: 'button', class: 'chip', 'data-gate': name, 'aria-pressed': 'false',
      title: `${name}: ${gate.nInputs} inputs, truth table ${gate.truthTable.join('')}`,
      onclick: () => {
        const gates = parseGates(input('gates').value);
        input('gates').value = (gates.includes(name) ? gates.filter((g) => g !== name) : [...gates, name]).join(',');
        syncForm();
        onChange();
      },
    }, name);
    box.append(button);
  }
}
