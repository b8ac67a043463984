/**
 * `grounding-causal` and `grounding-distinct` on the AssemblyScript kernels
 * (assembly/ground-causal.ts): one kernel call per node combination computes each circuit's
 * activations, its grounding problem, the interchange scenarios, the causal count and the
 * distinct gate dicts asked for. Every number is the TS reference's (src/criteria/grounding-causal.ts;
 * the conformance suite checks it); circuits the kernels cannot answer exactly come back `null`.
 */
import { compareTuples } from '../grounding.ts';
import type { CausalGroundingRequest, CausalGroundingResult } from './types.ts';
import { combinationInModule, wasmSupportsModel } from './wasm-circuits.ts';
import { writeActivations, writeI32, writeModel } from './wasm-layout.ts';
import type { WasmModule } from './wasm-module.ts';

/** Name sets are u64 masks of codes < 64 ("kINPUTS" is 15 + k): wider inputs stay on the TS path. */
const MAX_NAMED_WIDTH = 48;

/** {@link CausalGroundingRequest} on `module`'s kernels. */
export function causalGroundingsWasm(module: WasmModule, request: CausalGroundingRequest): CausalGroundingResult['circuits'] {
  const { model, space, indices, inputs, distinct, distinctCap } = request;
  const { grounding } = module.layout;
  const m = inputs.lastRows.length;
  const width = model.layerSizes[0]!;
  if (!wasmSupportsModel(module, model) || m > grounding.maxInputs || width > MAX_NAMED_WIDTH) return indices.map(() => null);
  const sorted = inputs.inputs.map((_, i) => i).sort((a, b) => compareTuples(inputs.inputs[a]!, inputs.inputs[b]!));
  // The model's input tensor is float32 (N8): rows are rounded before the forward pass, as in TS.
  const rows = Float32Array.from(inputs.lastRows.flat());
  const out: CausalGroundingResult['circuits'] = [];
  for (let i = 0; i < indices.length; ) {
    const combo = space.combinationOf(indices[i]!);
    let j = i;
    while (j < indices.length && indices[j]! < combo.offset + combo.count) j++;
    const locals = indices.slice(i, j).map((index) => index - combo.offset);
    module.reset();
    const w = module;
    const ml = writeModel(w, model);
    const { act, nPairs } = writeActivations(w, model, rows, m);
    const c = combinationInModule(module, combo);
    const sortedPtr = writeI32(w, sorted);
    const localsPtr = writeI32(w, locals);
    const flagsPtr = writeI32(w, Array.from(locals, (_, k) => distinct[i + k]!));
    const n = locals.length;
    const counts = w.alloc(n * 8);
    const dist = w.alloc(n * 8);
    const distCausal = w.alloc(n * 8);
    const status = w.alloc(n * 4);
    module.exports.groundCausalBatch(ml.L, ml.sizes, ml.weights, ml.biases, ml.slope, c.nodeMasks, c.counts, c.choices,
      m, nPairs, act, width, sortedPtr, localsPtr, n, flagsPtr, distinctCap, counts, dist, distCausal, status);
    const buffer = module.memory().buffer;
    const st = new Int32Array(buffer, status, n);
    const cs = new BigUint64Array(buffer, counts, n);
    const ds = new BigInt64Array(buffer, dist, n);
    const dcs = new BigInt64Array(buffer, distCausal, n);
    for (let k = 0; k < n; k++) {
      out.push(st[k] === grounding.ok ? { causal: cs[k]!, distinct: Number(ds[k]!), distinctCausal: Number(dcs[k]!) } : null);
    }
    i = j;
  }
  return out;
}
