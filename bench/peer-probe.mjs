// Whole-process probe for bench/peer.ts: one analysis of a model JSON with the built package
// (dist/, what `mi-ident` runs), circuits and groundings only (the peer does no formulas or
// mappings), Wasm, one thread. Plain JavaScript so that the process time has no tsx transpile in it.
//
//   node bench/peer-probe.mjs MODEL.json XOR[,AND...] MIN_SPARSITY
import { readFileSync } from 'node:fs';
import { analyzeModel, parseModel } from '../dist/src/index.js';

const [file, gates, minSparsity] = process.argv.slice(2);
const t = performance.now();
const result = await analyzeModel(parseModel(JSON.parse(readFileSync(file, 'utf8'))), {
  gates: gates.split(','),
  minSparsity: Number(minSparsity),
  backend: 'wasm',
  maxCircuits: 1e9,
  stages: { mappings: false },
});
const outputs = result.outputs.map((o) => ({
  circuitsEnumerated: o.circuitsEnumerated,
  perfect: o.perfectCircuitCount,
  totalGroundings: String(o.totalGroundings),
  circuitsMs: o.timings.circuits,
  groundingsMs: o.timings.groundings,
}));
console.log(`PEER-PROBE ${JSON.stringify({ callMs: performance.now() - t, outputs })}`);
