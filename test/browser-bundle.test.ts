import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { build } from 'esbuild';
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

test.run();
