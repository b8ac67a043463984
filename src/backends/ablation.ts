/**
 * Circuit requests with ablation values (`CircuitRequest.ablation`, docs/semantics.md K2) on any
 * backend: the backends whose kernels compute them natively (`kernelExtensions.ablation`) get the
 * request; for every other one it runs here on the TS reference, and the answer says so
 * (`ranOn: 'ts'`, with the reason). The ts, wasm and webgpu backends (and the worker pool on
 * them) have the kernel; a caller's own backend may not.
 */
import { ablationUnits } from '../circuits/ablation.ts';
import { InputError } from '../errors.ts';
import { inChunks } from './requests.ts';
import { evaluateCircuitsTs } from './ts.ts';
import type { Backend, CircuitRequest, CircuitResult } from './types.ts';

/** Evaluates `request` (ablation values required) on `backend`, or on the TS reference where it has no ablation kernel. */
export async function evaluateCircuitsAblated(backend: Backend, request: CircuitRequest): Promise<CircuitResult> {
  const { ablation, model, rows } = request;
  if (!ablation) throw new InputError('evaluateCircuitsAblated: the request has no ablation values');
  const expected = rows.weight.length * ablationUnits(model.layerSizes).count;
  if (ablation.values.length !== expected) {
    throw new InputError(`ablation values: ${ablation.values.length} numbers for ${rows.weight.length} rows of ${expected / Math.max(1, rows.weight.length)} units; expected ${expected}`);
  }
  if (backend.kernelExtensions?.ablation) return backend.evaluateCircuits(request);
  const perfect = await inChunks(request, (start, end) => evaluateCircuitsTs({ ...request, start, end }));
  return { perfect, ranOn: 'ts', fallback: `the ${backend.name} backend has no ablation kernel: the ablated circuit searches (mean-ablation, resample-ablation) ran on the TS reference` };
}
