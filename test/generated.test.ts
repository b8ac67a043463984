// The embedded builds are never older than their sources: the Wasm bytes against assembly/ and
// asconfig.json, the WGSL against shaders/ (and its generated limits), the typed Wasm exports
// against what the module really exports, and the boundary constants the JS side reads.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelSourceFiles, limitsModule, limitsWgsl, readLimits, shaderSourceFiles, sourceHash } from '../scripts/generate.mjs';
import { embeddedKernels, instantiateWasmModule } from '../src/backends/wasm-module.ts';
import { GPU_LIMITS } from '../src/generated/gpu-limits.ts';
import { SHADERS, SHADERS_SOURCE_HASH } from '../src/generated/shaders.ts';
import { MAX_DISTINCT_INPUTS } from '../src/grounding.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const rebuild = 'run `npm run build`';

test('the embedded Wasm kernels were built from the current assembly/ sources', async () => {
  const { sourceHash: built } = await embeddedKernels();
  assert.is(built, sourceHash(ROOT, kernelSourceFiles(ROOT)), `src/generated/kernels-wasm.ts is older than assembly/: ${rebuild}`);
  const fma = await import('../src/generated/kernels-fma-wasm.ts');
  assert.is(fma.FMA_KERNELS_SOURCE_HASH, sourceHash(ROOT, kernelSourceFiles(ROOT)), `src/generated/kernels-fma-wasm.ts is older than assembly/: ${rebuild}`);
});

test('the embedded WGSL was made from the current shaders/ (and limits.json)', () => {
  assert.is(SHADERS_SOURCE_HASH, sourceHash(ROOT, shaderSourceFiles(ROOT)), `src/generated/shaders.ts is older than shaders/: ${rebuild}`);
  for (const file of shaderSourceFiles(ROOT).filter((f) => f.endsWith('.wgsl'))) {
    assert.is(SHADERS[file.slice('shaders/'.length)], readFileSync(join(ROOT, file), 'utf8'), file);
  }
  const limits = readLimits(ROOT);
  assert.is(SHADERS['limits.wgsl'], limitsWgsl(limits));
  assert.is(readFileSync(join(ROOT, 'src', 'generated', 'gpu-limits.ts'), 'utf8'), limitsModule(limits));
  for (const [name, { value }] of Object.entries(limits)) assert.is(GPU_LIMITS[name as keyof typeof GPU_LIMITS], value, name);
});

test('every function and global the typed Wasm exports declare is exported by the module, and the other way round', async () => {
  const module = await instantiateWasmModule();
  const declared = [...readFileSync(join(ROOT, 'src', 'generated', 'kernels-api.d.ts'), 'utf8').matchAll(/^\s+export (?:function|const) (\w+)/gm)].map((m) => m[1]!);
  assert.equal(Object.keys(module.exports).sort(), [...declared].sort());
});

test('the boundary constants read from the module agree with the TS side', async () => {
  const { layout } = await instantiateWasmModule();
  assert.is(layout.grounding.maxInputs, MAX_DISTINCT_INPUTS, 'truth tables are u32 masks over the distinct inputs');
  assert.is(layout.combo.bytes >= layout.combo.offset + 8, true, 'the f64 offset fits its entry');
  assert.is(layout.combo.offset % 8, 0, 'the f64 offset is aligned');
  assert.ok(layout.maxLayers >= 8 && layout.maxPackedEdges === 64);
});

test.run();
