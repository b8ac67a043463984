/**
 * The explorer page: reads its state from the URL, runs the analysis in a Web Worker, and renders
 * the result (counts, network, circuits, groundings, formulas). Every view change is written back
 * to the URL, so the address bar always holds a link that reproduces what is on screen.
 */
import { byId, h } from './dom.ts';
import { CancelledError, WorkerClient } from './client.ts';
import { buildGateButtons, readForm, syncForm, writeForm } from './form.ts';
import { duration, groupDigits } from './format.ts';
import { filterCircuits, sortCircuits, type CircuitEntry } from './circuits.ts';
import { renderCircuitList, MAX_LISTED } from './circuit-list.ts';
import { renderGroundings } from './groundings-view.ts';
import { describeMapping, renderFormulas } from './formulas-view.ts';
import { circuitHeat } from './heat.ts';
import { renderHeatTable } from './heat-table.ts';
import { neuronLabels } from './mapping.ts';
import { circuitPaint, drawNetwork, heatPaint, mappingPaint, type NetworkShape, type Paint } from './network.ts';
import { renderSummary } from './summary.ts';
import { canonicalCriteria, circuitPasses, groundingsUnderToggles, mappingPasses, renderCriteriaCounts, renderCriteriaToggles } from './criteria-view.ts';
import { modelToJson, parseModel, subModel, type Count, type OutputAnalysis } from './lib.ts';
import { pickedModelProblem, readPickedModel, type PickedModel } from './model-file.ts';
import type { GroundingsResponse, RunResponse } from './protocol.ts';
import { decodeState, defaultState, defaultView, encodeState, modelTooLongForLink, type ExplorerState, type NetworkMode, type RunSettings, type ViewState } from './state.ts';

/** Groundings per table page. */
const PAGE_SIZE = 10;

const client = new WorkerClient(() => new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'mi-ident explorer' }));

const app = {
  state: defaultState() as ExplorerState,
  /** The result on screen and the settings that produced it. */
  shown: null as RunResponse | null,
  shownRun: null as RunSettings | null,
  /** The loaded model file, as compact JSON text. */
  fileModel: null as string | null,
  groundings: null as GroundingsResponse | null,
  running: false,
  /** Identifies the latest run: a superseded run's late answer is ignored. */
  runId: 0,
};

// ---------------------------------------------------------------------------------------------
// Status, errors, URL

function setStatus(text: string): void {
  byId('status').textContent = text;
}

function showError(message: string | null): void {
  const box = byId('error');
  box.hidden = message === null;
  box.textContent = message ?? '';
}

function showNotice(lines: string[]): void {
  const box = byId('notice');
  box.hidden = lines.length === 0;
  box.replaceChildren(...lines.map((l) => h('p', {}, l)));
}

function setProgress(label: string, done: number, total: number): void {
  byId('progress-label').textContent = label;
  const bar = byId<HTMLProgressElement>('progress');
  if (total > 0) {
    bar.max = total;
    bar.value = Math.min(done, total);
  } else bar.removeAttribute('value'); // indeterminate
}

/** Writes the state into the URL (without a history entry per click) and the link field. */
function updateUrl(): void {
  history.replaceState(null, '', `#${encodeState(app.state)}`);
  byId<HTMLInputElement>('link').value = location.href;
}

// ---------------------------------------------------------------------------------------------
// Running

function setRunning(running: boolean): void {
  app.running = running;
  byId<HTMLButtonElement>('cancel').disabled = !running;
  byId<HTMLButtonElement>('run').disabled = running;
  byId('results').setAttribute('aria-busy', String(running));
  document.body.classList.toggle('running', running);
}

const STAGE_NAMES: Record<string, string> = { circuits: 'searching circuits', groundings: 'counting groundings' };

function progressLabel(stage: string, done: number, total: number, note?: string): string {
  if (note) return `Training: ${note}`;
  const [gate, step] = stage.includes(' ') ? stage.split(' ', 2) : [null, stage];
  const what = STAGE_NAMES[step!] ?? step!;
  const count = total > 0 ? ` ${groupDigits(done)} of ${groupDigits(total)}` : '';
  return `${gate ? `${gate}: ` : ''}${what}${count}`;
}

/** Runs `settings`, then shows the result with `view` (validated against it). */
async function start(settings: RunSettings, view: ViewState = defaultView()): Promise<void> {
  if (app.running) client.cancel();
  const id = ++app.runId;
  showError(null);
  app.state = { run: settings, view };
  updateUrl();
  setRunning(true);
  setProgress(settings.source === 'train' ? 'Training' : 'Starting', 0, 0);
  setStatus('');
  const started = performance.now();
  try {
    const response = await client.request<RunResponse>({ type: 'run', settings }, (stage, done, total, note) =>
      setProgress(progressLabel(stage, done, total, note), done, total),
    );
    if (id !== app.runId) return;
    app.shown = response;
    app.shownRun = settings;
    app.groundings = null;
    normalizeView();
    renderAll();
    setProgress('Done', 1, 1);
    setStatus(`Analysis done in ${duration(performance.now() - started)}.`);
  } catch (e) {
    if (id !== app.runId) return; // replaced by a newer run, which owns the page now
    const cancelled = e instanceof CancelledError;
    setProgress(cancelled ? 'Cancelled' : 'Failed', 0, 1);
    if (cancelled) setStatus('Cancelled. The results shown are those of the previous run.');
    else showError(`The run failed: ${(e as Error).message}`);
    // The URL goes back to the run on screen, if any.
    if (app.shownRun) {
      app.state = { run: app.shownRun, view: app.state.view };
      normalizeView();
      updateUrl();
    }
  } finally {
    if (id === app.runId) setRunning(false);
  }
}

// ---------------------------------------------------------------------------------------------
// View state

function currentOutput(): OutputAnalysis | null {
  return app.shown?.result.outputs[app.state.view.output] ?? null;
}

/** Drops view choices the result does not have (a damaged or outdated link). */
function normalizeView(): void {
  const v = app.state.view;
  const outputs = app.shown?.result.outputs ?? [];
  if (v.output >= outputs.length) v.output = 0;
  const o = currentOutput();
  if (!o) return;
  if (v.circuit !== null && !o.perfectCircuits.some((c) => c.index === v.circuit)) {
    v.circuit = null;
  }
  if (v.circuit === null) {
    v.groundingPage = 0;
    v.grounding = null;
  }
  const f = v.formula === null ? undefined : o.formulas[v.formula];
  if (!f || v.mapping === null || !f.minimalMappings[v.mapping]) {
    v.formula = null;
    v.mapping = null;
  }
  if (v.network === 'circuit' && v.circuit === null) v.network = 'heat';
  if (v.network === 'mapping' && v.mapping === null) v.network = 'heat';
}

/** Applies a view change, rewrites the URL, and redraws what depends on it. */
function setView(patch: Partial<ViewState>, redraw: { circuits?: boolean; groundings?: boolean; formulas?: boolean; all?: boolean } = {}): void {
  Object.assign(app.state.view, patch);
  normalizeView();
  updateUrl();
  keepFocus(() => {
    if (redraw.all) return renderAll();
    renderNetwork();
    if (redraw.circuits) renderCircuits();
    if (redraw.formulas) renderFormulasPanel();
    if (redraw.groundings) void loadGroundings();
  });
}

/** Re-renders, then puts the focus back on the control with the same `data-key`. */
function keepFocus(render: () => void): void {
  const key = (document.activeElement as HTMLElement | null)?.dataset?.key;
  render();
  if (key) document.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`)?.focus();
}

// ---------------------------------------------------------------------------------------------
// Rendering

function renderAll(): void {
  const run = app.shown;
  byId<HTMLButtonElement>('export').disabled = !run;
  if (!run) return;
  renderOutputPicker();
  byId('summary').replaceChildren(renderSummary(run, app.state.view.output));
  renderCriteriaPanel();
  const v = app.state.view;
  byId<HTMLSelectElement>('circuit-sort').value = v.sort;
  byId<HTMLSelectElement>('circuit-filter').value = v.filter;
  byId<HTMLInputElement>('all-formulas').checked = v.allFormulas;
  renderNetwork();
  renderCircuits();
  renderFormulasPanel();
  void loadGroundings();
}

/** The criteria toggles and the counts under the active ones (criteria-view.ts). */
function renderCriteriaPanel(): void {
  const o = currentOutput();
  if (!o) return;
  const active = app.state.view.criteria;
  renderCriteriaToggles(byId('criteria-toggles'), o, active, (id) => {
    const next = active.includes(id) ? active.filter((x) => x !== id) : [...active, id];
    setView({ criteria: canonicalCriteria(next) }, { all: true });
  });
  renderCriteriaCounts(byId('criteria-counts'), o, active);
}

function renderOutputPicker(): void {
  const outputs = app.shown!.result.outputs;
  const box = byId('output-picker');
  box.hidden = outputs.length < 2;
  if (outputs.length < 2) return;
  box.replaceChildren(
    h('span', { class: 'picker-label', id: 'output-picker-label' }, 'Output'),
    ...outputs.map((o, i) =>
      h('button', {
        type: 'button', class: 'chip', 'data-key': `output-${i}`, 'aria-pressed': String(i === app.state.view.output),
        'aria-describedby': 'output-picker-label',
        onclick: () => setView({ output: i, circuit: null, formula: null, mapping: null, network: 'heat' }, { all: true }),
      }, `${i}: ${o.gate}`),
    ),
  );
}

/** The selected output's sub-network (what the circuits and mappings refer to). */
function networkShape(o: OutputAnalysis): NetworkShape {
  const sub = subModel(parseModel(app.shown!.model), o.outputIndex);
  return { layerSizes: sub.layerSizes, gate: o.gate, weights: modelToJson(sub).weights };
}

function selectedCircuit(o: OutputAnalysis): CircuitEntry | null {
  return o.perfectCircuits.find((c) => c.index === app.state.view.circuit) ?? null;
}

function renderNetwork(): void {
  const o = currentOutput();
  if (!o) return;
  const v = app.state.view;
  const shape = networkShape(o);
  const heat = circuitHeat(shape.layerSizes, o.perfectCircuits);
  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="net"]')) {
    radio.checked = radio.value === v.network;
    radio.disabled = (radio.value === 'circuit' && o.perfectCircuits.length === 0) || (radio.value === 'mapping' && o.formulasWithMapping === 0);
  }
  let paint: Paint;
  let caption: string;
  let legend: HTMLElement;
  const circuit = selectedCircuit(o);
  if (v.network === 'circuit' && circuit) {
    const row = app.groundings?.rows.find((r) => r.index === v.grounding);
    paint = circuitPaint(circuit, row && app.groundings ? { neurons: app.groundings.neurons, cells: row.cells } : undefined);
    caption = `Circuit #${circuit.index}${row ? `, grounding ${groupDigits(row.index + 1)}: each neuron labelled with its gate and threshold` : ''}. Solid: in the circuit; dashed: left out.`;
    legend = h('p', {}, 'Solid nodes and edges form the circuit; it computes ', h('strong', {}, o.gate), ' on every input without the dashed ones.');
  } else if (v.network === 'mapping' && v.formula !== null && v.mapping !== null) {
    const f = o.formulas[v.formula]!;
    const mapping = f.minimalMappings[v.mapping]!;
    paint = mappingPaint(neuronLabels(mapping));
    caption = `Formula ${f.formula}, mapping ${v.mapping + 1} of ${f.minimalMappings.length}: ${describeMapping(mapping)}.`;
    legend = h('p', {}, 'Highlighted neurons implement the formula node written under them: swapping their values between inputs changes the output exactly as the formula predicts.');
  } else {
    paint = heatPaint(heat);
    caption = `How often each neuron and edge occurs in the ${groupDigits(o.perfectCircuits.length)} perfect circuits for ${o.gate}.`;
    legend = h('div', { class: 'heat-legend' },
      h('span', {}, 'in no circuit'), h('span', { class: 'heat-ramp', 'aria-hidden': 'true' }), h('span', {}, 'in every circuit'));
  }
  byId('network-caption').textContent = caption;
  const box = byId('network');
  box.replaceChildren(drawNetwork(shape, paint, `Network ${shape.layerSizes.join('-')} for ${o.gate}`, caption, box.clientWidth || 500));
  byId('network-legend').replaceChildren(legend);
  renderHeatTable(byId('heat-table'), heat);
}

function renderCircuits(): void {
  const o = currentOutput();
  if (!o) return;
  const v = app.state.view;
  const sets = app.shown!.circuitSets[v.output];
  const minimal = new Set(sets?.minimal ?? []);
  const filter = v.filter === 'minimal' && !sets ? 'all' : v.filter;
  const shownCircuits = filterCircuits(sortCircuits(o.perfectCircuits, v.sort), filter, selectedCircuit(o), minimal).filter((c) => circuitPasses(c, v.criteria));
  const counts = new Map<number, Count>(o.perfectCircuits.map((c, i) => [c.index, o.groundingsPerCircuit[i]!]));
  const under = new Map(o.perfectCircuits.map((c) => [c.index, groundingsUnderToggles(c, v.criteria)] as const));
  const more = shownCircuits.length > MAX_LISTED ? ` (the first ${MAX_LISTED} are listed)` : '';
  byId('circuit-count').textContent = `${groupDigits(shownCircuits.length)} of ${groupDigits(o.perfectCircuits.length)} perfect circuits${more}.`;
  renderCircuitList(byId<HTMLOListElement>('circuit-list'), shownCircuits, counts, v.circuit, (index) =>
    setView({ circuit: index, groundingPage: 0, grounding: null, network: 'circuit' }, { circuits: true, groundings: true }),
    under,
  );
}

function renderFormulasPanel(): void {
  const o = currentOutput();
  if (!o) return;
  const v = app.state.view;
  renderFormulas(byId('formulas'), o.formulas, v.allFormulas, v, (formula, mapping) =>
    setView({ formula, mapping, network: 'mapping' }, { formulas: true }),
    (f, j) => mappingPasses(o.formulas[f]!, j, v.criteria),
  );
}

/** Fetches the selected circuit's grounding page from the worker, then draws it. */
async function loadGroundings(): Promise<void> {
  const o = currentOutput();
  const v = app.state.view;
  const box = byId('groundings');
  if (!o || v.circuit === null || !app.shown) {
    app.groundings = null;
    box.replaceChildren(h('p', { class: 'hint' }, 'Select a circuit to read its neurons as logic gates.'));
    return;
  }
  const circuit = v.circuit;
  const page = v.groundingPage;
  box.setAttribute('aria-busy', 'true');
  try {
    const g = await client.request<GroundingsResponse>({ type: 'groundings', session: app.shown.session, output: o.outputIndex, circuit, page, pageSize: PAGE_SIZE });
    if (app.state.view.circuit !== circuit || app.state.view.groundingPage !== page) return; // a newer request is on its way
    app.groundings = g;
    keepFocus(renderGroundingsTable);
    if (app.state.view.grounding !== null) renderNetwork(); // its labels come with the page
  } catch (e) {
    if (!(e instanceof CancelledError)) box.replaceChildren(h('p', { class: 'error-inline', role: 'alert' }, `Groundings: ${(e as Error).message}`));
  } finally {
    box.setAttribute('aria-busy', 'false');
  }
}

function renderGroundingsTable(): void {
  const circuit = app.state.view.circuit;
  if (!app.groundings || circuit === null) return;
  renderGroundings(byId('groundings'), circuit, app.groundings, app.state.view.grounding, {
    onPage: (p) => setView({ groundingPage: p, grounding: null }, { groundings: true }),
    onShow: (index) => {
      setView({ grounding: index, network: index === null ? app.state.view.network : 'circuit' });
      keepFocus(renderGroundingsTable);
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Files, export, link

async function loadFile(file: File): Promise<void> {
  const name = byId('file-name');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await file.arrayBuffer()); // bytes, not text: .pt and .safetensors are binary
  } catch (e) {
    showError(`Could not read ${file.name}: ${(e as Error).message}`);
    return;
  }
  let picked: PickedModel;
  try {
    picked = readPickedModel(bytes, file.name); // the library's checks: every shape and number, with the field or tensor named
  } catch (e) {
    byId<HTMLInputElement>('model-file').value = '';
    showError(pickedModelProblem(file.name, e));
    name.textContent = '';
    return;
  }
  app.fileModel = picked.modelJson;
  showError(null);
  name.textContent = `Loaded ${file.name}.`;
  if (picked.gates) byId<HTMLInputElement>('gates').value = picked.gates.join(',');
  showNotice(modelTooLongForLink(app.fileModel) ? ['This model is too large to travel in the link: share the file with the link.'] : []);
  submit();
}

function exportResults(): void {
  const run = app.shown;
  if (!run) return;
  const { model: _inLink, ...settings } = app.state.run;
  const payload = {
    tool: 'mi-ident explorer',
    link: location.href,
    settings,
    model: run.model,
    training: run.training,
    backend: run.backend,
    circuitSets: run.circuitSets,
    analysis: run.result,
  };
  const blob = new Blob([JSON.stringify(payload, null, 1) + '\n'], { type: 'application/json' });
  const a = h('a', { href: URL.createObjectURL(blob), download: `mi-ident-${settings.gates.join('-')}-${settings.source}.json` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  setStatus('Results exported.');
}

async function copyLink(): Promise<void> {
  const field = byId<HTMLInputElement>('link');
  try {
    await navigator.clipboard.writeText(field.value);
    setStatus('Link copied.');
  } catch {
    field.select(); // no clipboard permission: leave it selected for Ctrl-C
    setStatus('Select-all done: copy the link with Ctrl-C (or Cmd-C).');
  }
}

function submit(): void {
  const { settings, problems } = readForm(app.fileModel);
  if (problems.length) {
    showError(problems.join(' '));
    return;
  }
  void start(settings);
}

// ---------------------------------------------------------------------------------------------
// Wiring

function wire(): void {
  byId('run-form').addEventListener('submit', (e) => {
    e.preventDefault();
    submit();
  });
  byId('cancel').addEventListener('click', () => client.cancel());
  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="source"]')) radio.addEventListener('change', syncForm);
  byId('gates').addEventListener('input', syncForm);
  buildGateButtons(() => {});
  byId<HTMLInputElement>('model-file').addEventListener('change', (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) void loadFile(file);
  });
  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="net"]')) {
    radio.addEventListener('change', () => {
      const o = currentOutput();
      if (!o) return;
      const mode = radio.value as NetworkMode;
      const v = app.state.view;
      // Switching to a view with nothing selected selects its first item.
      const patch: Partial<ViewState> = { network: mode };
      if (mode === 'circuit' && v.circuit === null) patch.circuit = sortCircuits(o.perfectCircuits, v.sort)[0]?.index ?? null;
      if (mode === 'mapping' && v.mapping === null) {
        const f = o.formulas.findIndex((x) => x.minimalMappings.length > 0);
        if (f >= 0) Object.assign(patch, { formula: f, mapping: 0 });
      }
      setView(patch, { circuits: true, formulas: true, groundings: patch.circuit !== undefined });
    });
  }
  byId<HTMLSelectElement>('circuit-sort').addEventListener('change', (e) => setView({ sort: (e.target as HTMLSelectElement).value as ViewState['sort'] }, { circuits: true }));
  byId<HTMLSelectElement>('circuit-filter').addEventListener('change', (e) => setView({ filter: (e.target as HTMLSelectElement).value as ViewState['filter'] }, { circuits: true }));
  byId<HTMLInputElement>('all-formulas').addEventListener('change', (e) => setView({ allFormulas: (e.target as HTMLInputElement).checked }, { formulas: true }));
  byId('export').addEventListener('click', exportResults);
  byId('copy-link').addEventListener('click', () => void copyLink());
  // The drawing is laid out for its box: redraw when the box changes width (rotation, resizing).
  let drawnWidth = 0;
  new ResizeObserver(([entry]) => {
    const width = Math.round(entry!.contentRect.width);
    if (width !== drawnWidth && app.shown) requestAnimationFrame(renderNetwork);
    drawnWidth = width;
  }).observe(byId('network'));
  // Editing the address (or going back to an older link) runs what it says.
  window.addEventListener('hashchange', () => {
    if (location.hash.slice(1) !== encodeState(app.state)) openFromUrl();
  });
}

/** Runs what the URL says (the page's start, and any edited link). */
function openFromUrl(): void {
  const { state, problems } = decodeState(location.hash);
  showNotice(problems.map((p) => `Link: ${p}.`));
  if (state.run.source === 'file') app.fileModel = state.run.model;
  writeForm(state.run);
  void start(state.run, state.view);
}

wire();
// On a phone the settings start folded, so that the results of the first run are in view.
if (matchMedia('(max-width: 959px)').matches) byId<HTMLDetailsElement>('setup-box').open = false;
openFromUrl();
