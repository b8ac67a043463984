/**
 * The one small interface every compute backend implements. Everything above it (enumeration
 * order, groundings, mapping assembly, reports) is backend-agnostic.
 */
import type { CircuitSpace } from '../circuits/space.ts';
import type { WeightedRows } from '../data.ts';
import type { Model } from '../model.ts';

/** Names of the available backends. */
export type BackendName = 'ts' | 'wasm' | 'webgpu';

/** A request to evaluate circuits `[start, end)` of a space on a dataset. */
export interface CircuitEvaluationRequest {
  readonly model: Model;
  readonly space: CircuitSpace;
  readonly start: number;
  readonly end: number;
  readonly rows: WeightedRows;
  /** A circuit is kept when its accuracy is strictly greater than this (C5). */
  readonly accuracyThreshold: number;
}

/** A compute backend. */
export interface Backend {
  readonly name: BackendName;
  /** Indices (in enumeration order) of the circuits in the range whose accuracy beats the threshold. */
  evaluateCircuits(request: CircuitEvaluationRequest): Promise<Uint32Array>;
  /** Releases buffers and devices. */
  dispose(): void;
}
