/**
 * The paper report (docs/paper-report.md): experiments told from folders' configurations, one
 * section per folder with its figure and the published numbers labelled with their sources, the
 * size hypotheses, the standalone SVG and PNG figures; and `reproduce paper`, which reuses
 * finished folders (on a tiny grid: the full paper grid never runs in a test).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { resolveConfig, type ExperimentConfig } from '../src/experiment/config.ts';
import { writeReport } from '../src/experiment/node-report.ts';
import { runExperiment } from '../src/experiment/node-runner.ts';
import { experimentKind, presetOf, PAPER_EXPERIMENTS } from '../src/experiment/paper.ts';
import { calibratedBudget, fullNodeCircuits, underBudget, withFullNodeCircuits } from '../src/experiment/paper-hypotheses.ts';
import { classifySources, figureGap, type HypothesisRow } from '../src/experiment/paper-report.ts';
import { REFERENCE_100_SEEDS, REFERENCE_SOURCES, SIZE_FIGURE } from '../src/experiment/paper-reference.ts';
import { PRESETS } from '../src/experiment/presets.ts';
import { quantile } from '../src/experiment/stats.ts';
import { getGate } from '../src/gates.ts';
import { parseModel } from '../src/model.ts';
import { PRETRAINED_XOR } from '../src/pretrained-xor.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'mi-ident-paper-'));

test('experimentKind: each paper preset is its own experiment; presetOf names the preset of a grid with any number of seeds', () => {
  for (const name of PAPER_EXPERIMENTS) {
    const config = resolveConfig(PRESETS[name]!.config);
    assert.is(experimentKind(config), name, name);
    assert.is(presetOf(resolveConfig({ ...PRESETS[name]!.config, nExperiments: 3 })), name);
  }
  assert.is(experimentKind(resolveConfig({ ...PRESETS.basic!.config, depths: [1, 2, 3] })), 'depth');
  assert.is(experimentKind(resolveConfig({ ...PRESETS.basic!.config, sizes: [2, 3, 4, 5, 6] })), 'size');
  assert.is(presetOf(resolveConfig({ ...PRESETS.basic!.config, epochs: 3 })), null);
});

test('the size hypotheses: a calibrated grounding budget, counts under it, full-node circuits within --max-circuits', () => {
  const totals = [5, 1, 9, 3, 7, 2, 8, 4, 6, 10];
  assert.is(calibratedBudget(totals, 0.2), 2); // 2 of the 10 finish
  assert.equal(underBudget(totals, 4), { truncated: [4, 1, 4, 3, 4, 2, 4, 4, 4, 4], complete: [1, 3, 2, 4] });
  const full = { circuits: 49, perfect: 3, groundings: 60n, counts: [10, 20, 30] };
  assert.is(withFullNodeCircuits([1, 2], full, null), 63);
  assert.is(withFullNodeCircuits([1, 2], full, 4), 33); // room for the first two full-node circuits
  assert.is(withFullNodeCircuits([1, 2, 3, 4], full, 4), 10);
  // The gap to the figure: 0 when equal at every width, Infinity when a width has no count.
  const figure = (metric: 'interpretations' | 'mappings') => new Map(SIZE_FIGURE.map((e) => [e.width, e[metric].median]));
  const same: HypothesisRow = { name: 'x', how: '', interpretations: figure('interpretations'), mappings: figure('mappings') };
  assert.is(figureGap(same, 'interpretations', [2, 3, 4, 5]), 0);
  assert.is(figureGap({ ...same, interpretations: new Map([[2, 37]]) }, 'interpretations', [2, 3]), Infinity);
  assert.ok(Number.isNaN(figureGap({ ...same, mappings: new Map() }, 'mappings', [2, 3])));
});

test('fullNodeCircuits: every edge pattern between full layers (C3), the perfect ones and their groundings', () => {
  const model = parseModel(PRETRAINED_XOR);
  const f = fullNodeCircuits(model, getGate('XOR'));
  assert.is(f.circuits, 25 * 265 * 1); // the 6,625 patterns C2 drops for 2-3-3-1 (docs/semantics.md)
  assert.is(f.counts.length, f.perfect);
  assert.is(BigInt(f.counts.reduce((a, b) => a + b, 0)), f.groundings);
  assert.ok(f.perfect > 0 && f.perfect < f.circuits, `${f.perfect} perfect`); // the full network itself computes XOR
  assert.throws(() => fullNodeCircuits(model, getGate('XOR'), 100), /6625 circuits exceed the limit of 100/);
});

test('the reference numbers transcribed in paper-reference.ts are those of the reference note (its copy in test/fixtures)', () => {
  const note = readFileSync(join(ROOT, 'test/fixtures/reference-100-seeds.md'), 'utf8');
  const show = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 2 });
  for (const s of REFERENCE_100_SEEDS.statistics) {
    for (const [field, v] of Object.entries(s.value)) assert.ok(note.includes(`${field === 'median' && s.measure === 'interpretationsPerCircuit' ? 'median over networks ' : ''}${show(v)}`), `${s.statistic}: ${field} ${show(v)}`);
  }
  assert.ok(note.includes(`${REFERENCE_100_SEEDS.converged} of ${REFERENCE_100_SEEDS.units} (offsets ${REFERENCE_100_SEEDS.notConverged.join(', ')} did not)`));
  const g = REFERENCE_100_SEEDS.completelyGrounded.interpretations;
  assert.ok(note.includes(`q1 ${show(g.q1)}, median ${show(g.median)}, q3 ${show(g.q3)}, max ${show(g.max)}`));
});

/** Small folders of every kind of experiment (2 to 4 seeds each; the size grid 2 and 3 wide). */
const FIXTURES: Record<string, Partial<ExperimentConfig>> = {
  basic: { ...PRESETS.basic!.config, nExperiments: 4 },
  size: { ...PRESETS.size!.config, sizes: [2, 3], nExperiments: 3 },
  'size-max2': { ...PRESETS.size!.config, sizes: [2, 3], nExperiments: 3, maxCircuits: 2 },
  depth: { ...PRESETS.basic!.config, depths: [1, 2], nExperiments: 2 },
  multitask: { ...PRESETS.multitask!.config, nGates: [1, 2], nExperiments: 2 },
  gates: { ...PRESETS.gates!.config, nExperiments: 4 },
  noise: { ...PRESETS.noise!.config, nExperiments: 4 },
  skew: { ...PRESETS.skew!.config, nExperiments: 4 },
  'loss-target': { ...PRESETS['loss-target']!.config, lossTargets: [0.1, 0.001], nExperiments: 4 },
};

test('the report of folders of every experiment: a section each, labelled sources, baselines, hypotheses, SVG and PNG files', async () => {
  const dirs = [];
  for (const [name, config] of Object.entries(FIXTURES)) {
    const dir = join(root, name);
    await runExperiment(resolveConfig(config), { out: dir, workers: 2 });
    dirs.push(dir);
  }
  const chromium = existsSync('/usr/bin/chromium') || process.env.MI_IDENT_CHROMIUM !== undefined;
  const out = join(root, 'paper.html');
  const written = await writeReport(dirs, out, { png: chromium ? true : undefined });
  const html = readFileSync(out, 'utf8');
  const ids = [...html.matchAll(/<section id="(paper-[a-z-]+\d*)" class="paper">/g)].map((m) => m[1]);
  assert.equal(ids, ['paper-basic', 'paper-size', 'paper-size-2', 'paper-depth', 'paper-multitask', 'paper-gates', 'paper-noise', 'paper-skew', 'paper-loss-target', 'paper-sources']);
  const section = (id: string) => html.slice(html.indexOf(`<section id="${id}"`), html.indexOf('</section>', html.indexOf(`<section id="${id}"`)));
  for (const id of ids.slice(0, -1)) {
    const s = section(id!);
    assert.match(s, /<svg/, `${id} has its figure`);
    assert.match(s, /Published numbers beside ours/, id);
    assert.match(s, /class="src src-[a-z0-9-]+"/, `${id} labels its sources`);
  }
  // The basic setup: the paper's claims and the reference run, each with its source, ours beside.
  const basic = section('paper-basic');
  assert.match(basic, /networks with exactly one minimal mapping<\/td><td>less than 2 %<\/td><td><span class="src src-paper"[^>]*>paper, section 4\.1\.1 \(quoted at one remove\)/);
  assert.match(basic, /<span class="src src-reference-100-seeds"[^>]*>reference code, 100 seeds<\/span>/);
  assert.match(basic, /converged[^<]*<\/td><td>90 of 100[\s\S]*?4 units|differs/); // 4 seeds are not the reference's 100
  assert.match(basic, /Where ours and theirs differ[\s\S]*different networks/);
  // The size experiment: the figure's numbers, the reference's, and the hypotheses.
  const size = section('paper-size');
  assert.match(size, /k = 2: interpretations per network, median \(IQR\)<\/td><td>~37 \(35 – 40\)<\/td><td><span class="src src-figure"/);
  assert.match(size, /k = 3: minimal mappings per network/);
  assert.not.match(size, /k = 4:/, 'only the widths the folder has');
  for (const row of ['ours, as counted', 'a time cap, each network counted up to the cap', 'with the circuits that keep every node (no C2)', 'folder size-max2', 'folder size-max2, with the circuits that keep every node']) assert.ok(size.includes(row), row);
  assert.match(size, /folder size-max2<\/td><td><small>--max-circuits: null vs 2<\/small>/);
  assert.match(section('paper-size-2'), /Differs from the paper's setting[^:]*: <code>--n-experiments: 100 vs 3<\/code>; <code>--max-circuits: null vs 2<\/code>/);
  assert.match(size, /Closest to the figure's interpretations, width by width:<\/p><ul class="closest"><li>k = 2: <b>[^<]+<\/b>, [\d,.e]+ against the figure's ~37<\/li><li>k = 3: /);
  // A capped folder's own hypotheses: no time cap on top of its cap, the full-node circuits within it.
  const capped = section('paper-size-2');
  assert.not.ok(capped.includes('a time cap'), 'no time cap on a capped folder');
  assert.not.ok(capped.includes('only the circuits that keep every node'));
  assert.ok(capped.includes('ours stand); last, within the 2'));
  // The noise, skew and loss-target figures take the basic folder as their baseline group.
  assert.match(section('paper-noise'), /the group 0 is the folder basic/);
  assert.match(section('paper-skew'), /the group uniform is the folder basic/);
  assert.match(section('paper-loss-target'), /the group 0\.01 is the folder basic/);
  assert.match(section('paper-noise'), /published numbers<\/td><td>none found/);
  assert.match(section('paper-depth'), /hidden layers/);
  // Every source cited, with its full citation.
  for (const s of Object.values(REFERENCE_SOURCES)) assert.ok(section('paper-sources').includes(s.label), s.id);
  // Standalone figures: one SVG (and PNG) per figure, linked from the page.
  assert.is(written.figures, ids.length - 1);
  const files = readdirSync(written.figuresDir).sort();
  assert.equal(files.filter((f) => f.endsWith('.svg')), ids.slice(0, -1).map((id) => `${id}.svg`).sort());
  for (const f of files.filter((f) => f.endsWith('.svg'))) assert.match(readFileSync(join(written.figuresDir, f), 'utf8'), /^<\?xml[^>]*>\n<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(html, /href="paper-figures\/paper-size\.svg"/);
  if (chromium) {
    assert.is(written.pngSkipped, null);
    for (const id of ids.slice(0, -1)) {
      const png = readFileSync(join(written.figuresDir, `${id}.png`));
      assert.equal([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], `${id}.png is a PNG`);
      assert.ok(png.readUInt32BE(16) > 300, `${id}.png has a width`);
    }
  } else {
    assert.match(written.pngSkipped!, /Chromium/);
  }
});

test('reproduce paper: the seven presets into DIR/NAME, then the paper report; a second run reuses every folder, and other folders in DIR join the report', () => {
  const out = join(root, 'reproduce');
  // A tiny grid (1 seed, 3 epochs: nothing converges, nothing is analysed): what is tested is the orchestration.
  const args = ['--import', 'tsx', join(ROOT, 'src/cli/run.ts'), 'reproduce', 'paper', '--out', out, '--n-experiments', '1', '--epochs', '3', '--n-samples-train', '5', '--workers', '1'];
  const first = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
  assert.is(first.status, 0, first.stderr);
  for (const name of PAPER_EXPERIMENTS) assert.match(first.stdout, new RegExp(`units in ${join(out, name).replace(/[/\\.]/g, '\\$&')} \\(0 already done`), name);
  const results = PAPER_EXPERIMENTS.map((name) => statSync(join(out, name, 'results.jsonl')).mtimeMs);
  const report = join(out, 'paper-report.html');
  assert.match(first.stdout, /paper report with 7 figures written to .*paper-report\.html/);
  // Another results folder in DIR joins the report of the second run.
  mkdirSync(join(out, 'basic-4'));
  for (const f of ['config.json', 'results.jsonl']) copyFileSync(join(root, 'basic', f), join(out, 'basic-4', f));
  const second = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
  assert.is(second.status, 0, second.stderr);
  for (const name of PAPER_EXPERIMENTS) assert.match(second.stdout, new RegExp(`units in ${join(out, name).replace(/[/\\.]/g, '\\$&')} \\((\\d+) already done, 0 run now\\)`), name);
  assert.equal(PAPER_EXPERIMENTS.map((name) => statSync(join(out, name, 'results.jsonl')).mtimeMs), results, 'no folder was written again');
  const html = readFileSync(report, 'utf8');
  assert.match(second.stdout, /paper report with 8 figures written to .*paper-report\.html \(with basic-4\)/);
  // The 4-seed folder first: it differs from the paper's setting in fewer flags than the 1-seed, 3-epoch one.
  assert.equal([...html.matchAll(/<section id="paper-([a-z0-9-]+)" class="paper">/g)].map((m) => m[1]), ['basic', 'basic-2', 'size', 'multitask', 'gates', 'noise', 'skew', 'loss-target', 'sources']);
  assert.match(html, /<section id="paper-basic" class="paper"><h2>[^<]*\(basic-4: not the paper's setting\)/);
  assert.ok(existsSync(join(out, 'paper-report-figures', 'paper-size.svg')));
});

test('a partial folder: the notice in every section and the figure titles, and in the answer', async () => {
  // The basic fixture of the test above, cut to 2 of its 4 units (a run cut short).
  const dir = join(root, 'basic-partial');
  mkdirSync(dir);
  copyFileSync(join(root, 'basic', 'config.json'), join(dir, 'config.json'));
  const lines = readFileSync(join(root, 'basic', 'results.jsonl'), 'utf8').split('\n').filter(Boolean);
  writeFileSync(join(dir, 'results.jsonl'), `${lines.slice(0, 2).join('\n')}\n`);
  const out = join(root, 'partial.html');
  const written = await writeReport([dir, join(root, 'gates')], out, { png: false });
  assert.is(written.partial, "Partial results: basic-partial holds 2 of its grid's 4 units (2 missing). Every statistic and figure here covers only the units held.");
  const html = readFileSync(out, 'utf8');
  for (const id of ['paper-basic', 'paper-gates']) {
    const s = html.slice(html.indexOf(`<section id="${id}"`), html.indexOf('</section>', html.indexOf(`<section id="${id}"`)));
    assert.ok(s.includes(`<p class="partial" role="alert">${written.partial}</p>`), `${id} says it`);
  }
  assert.match(readFileSync(join(written.figuresDir, 'paper-basic.svg'), 'utf8'), /PARTIAL results/);
  assert.is(written.pngSkipped, 'not asked for');
});

test('reproduce paper: an experiment that stops with an error does not stop the others; the report shows its folder; exit 2', () => {
  const out = join(root, 'reproduce-refused');
  // DIR/gates holds another grid (the 4-seed fixture): the runner refuses to resume it.
  mkdirSync(join(out, 'gates'), { recursive: true });
  for (const f of ['config.json', 'results.jsonl']) copyFileSync(join(root, 'gates', f), join(out, 'gates', f));
  // Two workers: the experiments of more than one unit share two threads (the refused one
  // included), and the command still exits once the report is written.
  const args = ['--import', 'tsx', join(ROOT, 'src/cli/run.ts'), 'reproduce', 'paper', '--out', out, '--n-experiments', '1', '--epochs', '3', '--n-samples-train', '5', '--workers', '2', '--quiet'];
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, /^mi-ident: gates: .*another configuration/m);
  assert.match(r.stderr, /^mi-ident: gates stopped with the error above; the report shows what its folder holds$/m);
  for (const name of PAPER_EXPERIMENTS.filter((n) => n !== 'gates')) assert.ok(existsSync(join(out, name, 'results.jsonl')), `${name} ran`);
  const html = readFileSync(join(out, 'paper-report.html'), 'utf8');
  assert.match(html, /<section id="paper-gates" class="paper">/);
  assert.match(html, /folder <b>gates<\/b> · preset <code>gates<\/code> · 4 units/);
});

test('report --png and --no-png are exclusive', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/run.ts'), 'report', join(root, 'basic'), '--png', '--no-png'], { cwd: ROOT, encoding: 'utf8' });
  assert.is(r.status, 2);
  assert.match(r.stderr, /give --png or --no-png, not both/);
});

test.run();
