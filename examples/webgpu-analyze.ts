/**
 * The pretrained-model analysis on WebGPU in Node (Dawn; SwiftShader on a machine without a GPU):
 * prints the adapter, the counts that show non-identifiability, and the time of each stage. The
 * backend (and its device) is made once and passed in, as an application that keeps it would.
 *
 *   npm run build && node --import tsx examples/webgpu-analyze.ts
 */
import { adapterName, analyzeModel, createWebGpuBackend, parseModel, PRETRAINED_XOR } from '../src/index.ts';

let t = performance.now();
const gpu = await createWebGpuBackend();
console.log(`adapter: ${adapterName(gpu.adapter)} (acquired in ${(performance.now() - t).toFixed(0)} ms)`);
const limits = gpu.device.limits;
console.log(`limits: storage buffer ${limits.maxStorageBufferBindingSize.toLocaleString('en-US')} B, ${limits.maxComputeWorkgroupsPerDimension} workgroups per dimension`);

for (const run of ['first run (compiles the kernels)', 'second run']) {
  t = performance.now();
  const result = await analyzeModel(parseModel(PRETRAINED_XOR), { gates: ['XOR'], backend: gpu });
  const o = result.outputs[0]!;
  const mappings = o.mappingsPerFormula.reduce((a, b) => a + b, 0);
  const b = result.backend;
  console.log(`\n${run}: circuits on ${b.circuits}, groundings on ${b.groundings}, interventions on ${b.mappings}${b.fallbacks.length ? ` (${b.fallbacks.map((f) => f.reason).join('; ')})` : ''}`);
  console.log(`  ${o.circuitsEnumerated.toLocaleString('en-US')} circuits, ${o.perfectCircuits.length} perfect, ${Number(o.totalGroundings).toLocaleString('en-US')} groundings`);
  console.log(`  ${o.formulas.length} formulas, ${o.formulasWithMapping} with a mapping, ${mappings} minimal mappings`);
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  console.log(`  circuits ${ms(o.timings.circuits)}, groundings ${ms(o.timings.groundings)}, mappings ${ms(o.timings.mappings)}, total ${ms(performance.now() - t)}`);
}
