import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

test('the public API bundles for browsers without Node built-ins', async () => {
  const result = await build({
    entryPoints: ['src/index.ts'],
    absWorkingDir: ROOT,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
    metafile: true,
  });
  assert.equal(result.errors, []);
  const inputs = Object.keys(result.metafile!.inputs);
  assert.ok(inputs.some((f) => f.endsWith('src/analyze.ts')));
  assert.not.ok(inputs.some((f) => f.startsWith('node:') || f.includes('src/node/') || f.includes('src/cli/')), inputs.join('\n'));
  // The bundle runs the analysis as plain ESM (here in Node, as a browser would import it).
  const code = result.outputFiles[0]!.text;
  const mod = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
  const r = await mod.analyzeModel(mod.parseModel(mod.PRETRAINED_XOR), { gates: ['XOR'] });
  assert.equal(r.backend, { name: 'wasm', label: 'wasm', circuits: 'wasm', groundings: 'wasm', mappings: 'wasm', fallbacks: [] }); // the embedded kernels load from the bundle
  assert.is(r.outputs[0].perfectCircuits.length, 32);
  assert.is(r.outputs[0].totalGroundings, 234_700);
  assert.is(r.outputs[0].formulasWithMapping, 7);
});

test('every subpath but mi-ident/node bundles for browsers without Node built-ins; each is listed in the README', async () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const subpaths = Object.keys(pkg.exports).filter((k) => k !== '.' && k !== './package.json' && !k.startsWith('./browser'));
  assert.equal(subpaths.sort(), ['./experiment', './mnist', './node', './train']);
  for (const sub of subpaths) {
    assert.ok(readme.includes(`\`mi-ident/${sub.slice(2)}\``), `README lists mi-ident/${sub.slice(2)}`);
    const entry = pkg.exports[sub].default.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts');
    assert.ok(existsSync(join(ROOT, entry)), entry);
    if (sub === './node') continue;
    const result = await build({ entryPoints: [entry], absWorkingDir: ROOT, bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent', metafile: true });
    const inputs = Object.keys(result.metafile!.inputs);
    assert.not.ok(inputs.some((f) => f.startsWith('node:') || f.includes('src/node/') || f.includes('src/cli/')), `${sub}: ${inputs.filter((f) => f.startsWith('node:') || f.includes('src/node/')).join(', ')}`);
  }
});

test('the root entry holds the analysis only: no worker internals, tuning constants, training, experiments or MNIST', async () => {
  const root = await import('../src/index.ts');
  const names = Object.keys(root);
  for (const internal of ['runTask', 'splitRange', 'PARALLEL_MIN_CIRCUITS', 'PARALLEL_MIN_GROUNDINGS', 'countGroundingsFor', 'mappingSearchAsync', 'isWebGpuBackend', 'trainModel', 'runUnit', 'analyzeTail', 'parseIdx']) {
    assert.not.ok(names.includes(internal), `mi-ident exports ${internal}`);
  }
  assert.ok(names.length <= 80, `${names.length} runtime exports`);
  for (const sub of ['train', 'experiment', 'mnist']) assert.ok(Object.keys(await import(`../src/${sub}/index.ts`)).length > 0);
});

test.run();
