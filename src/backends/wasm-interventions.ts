/**
 * Interchange interventions on the Wasm kernel (assembly/intervene.ts): every (candidate, pair)
 * intervention's output bit in one call, then the per-formula validity tables as the reference
 * forms them (src/mappings.ts validityFromOutputs).
 */
import { validityFromOutputs } from '../mappings.ts';
import { writeF64, writeModel, writeU32 } from './wasm-layout.ts';
import type { WasmModule } from './wasm-module.ts';
import type { ValidityRequest } from './types.ts';

/** The validity table of each formula of the request, as `validityTable` computes it. */
export function validityTablesWasm(module: WasmModule, request: ValidityRequest): Uint8Array[] {
  const { model, tables, pairs, candidates } = request;
  const nCand = candidates.length;
  const scope = module.scope();
  try {
    const m = writeModel(module, model);
    const sources = writeF64(module, pairs.sources);
    const bases = writeF64(module, pairs.bases);
    const cand = writeU32(module, candidates);
    const out = module.alloc(Math.max(1, nCand * pairs.nPairs));
    module.exports.interventionOutputs(m.L, m.sizes, m.weights, m.biases, m.slope, pairs.nPairs, sources, bases, nCand, cand, out);
    const outBits = new Uint8Array(module.memory().buffer, out, nCand * pairs.nPairs).slice();
    return tables.map((t) => validityFromOutputs(t, outBits, nCand));
  } finally {
    scope.close();
  }
}
