/**
 * The kernel interface: the three computations every backend implements (ts, the reference;
 * wasm; webgpu; and the worker-pool wrapper, which is itself a backend). Everything above it
 * (enumeration order, the per-output pipeline, mapping assembly, reports) never asks which
 * backend it runs on. See docs/architecture.md.
 */
import type { CircuitSpace } from '../circuits/space.ts';
import type { WeightedRows } from '../data.ts';
import type { GroundingInputs } from '../grounding.ts';
import type { HighLevelTable, PairInputs } from '../mappings.ts';
import type { Model } from '../model.ts';
import type { LongRunOptions } from '../progress.ts';

/** Names of the backends. */
export type BackendName = 'ts' | 'wasm' | 'webgpu';

/**
 * Which implementation answered a kernel request. A backend may hand a request to another one
 * (WebGPU past its limits or after a device loss, WebGPU's groundings on its Wasm kernels); the
 * answer is the same, and `fallback` says why when it was not planned.
 */
export interface KernelRun {
  readonly ranOn: BackendName;
  /** Why the request did not run on the backend it was given to (absent when it did, or by design). */
  readonly fallback?: string;
}

/** Evaluate circuits `[start, end)` of `space` on weighted rows. */
export interface CircuitRequest extends LongRunOptions {
  readonly model: Model;
  readonly space: CircuitSpace;
  readonly start: number;
  readonly end: number;
  readonly rows: WeightedRows;
  /** A circuit is kept when its accuracy is strictly greater than this (docs/semantics.md, C5). */
  readonly accuracyThreshold: number;
  /**
   * Pruned parts pass these values instead of zero (the mean- and resample-ablation criteria,
   * docs/criteria.md). Only a backend whose {@link Backend.kernelExtensions} lists `ablation`
   * reads it: send such requests through `evaluateCircuitsAblated` (backends/ablation.ts), which
   * runs the TS reference for the others.
   */
  readonly ablation?: CircuitAblation;
}

/**
 * Replacement values of pruned parts, per data row: `values[r * nUnits + u]` is what unit u
 * (`ablationUnits` order: the inputs, then the hidden neurons, layer-major) passes on row r where
 * it is pruned, a pruned edge j -> i adding `w_ij * value_j`.
 */
export interface CircuitAblation {
  readonly values: Float32Array;
}

/** Optional kernel features a backend implements natively (absent: none). */
export interface KernelExtensions {
  /** `CircuitRequest.ablation`. */
  readonly ablation?: boolean;
}

/** The circuits of the range whose accuracy beats the threshold, in enumeration order. */
export interface CircuitResult extends KernelRun {
  /** Circuit indices (exact integers; spaces may hold more than 2^32 circuits). */
  readonly perfect: Float64Array;
}

/** Count the groundings of circuits `indices` (ascending) of `space`. */
export interface GroundingRequest extends LongRunOptions {
  readonly model: Model;
  readonly space: CircuitSpace;
  readonly indices: readonly number[];
  /** The distinct grounding inputs and the row that stands for each ({@link distinctGroundingRows}). */
  readonly inputs: GroundingInputs;
  /** Also count each circuit's distinct gate assignments (enumerates its groundings; capped). */
  readonly distinct?: boolean;
}

/** Exact counts (BigInt), one per index, and the distinct gate-assignment counts when asked. */
export interface GroundingResult extends KernelRun {
  readonly counts: bigint[];
  readonly distinct?: number[];
}

/**
 * `grounding-causal` and `grounding-distinct` (docs/criteria.md) for perfect circuits `indices`
 * (ascending) of `space`: per circuit, its groundings that hold under single-neuron interchange,
 * and where `distinct[k]` asks, distinct gate dicts (bit 1: of the paper's groundings, bit 2: of
 * the causal ones), uncounted past `distinctCap` groundings.
 */
export interface CausalGroundingRequest {
  readonly model: Model;
  readonly space: CircuitSpace;
  readonly indices: readonly number[];
  readonly inputs: GroundingInputs;
  readonly distinct: Uint8Array;
  readonly distinctCap: number;
}

/**
 * Per circuit of a {@link CausalGroundingRequest}: `null` where the kernel cannot answer that
 * circuit exactly (the caller computes it with the TS reference, src/criteria/grounding-causal.ts).
 * Distinct counts are -1 where uncounted (past the cap, or a first-layer gate without a name) and
 * 0 where not asked.
 */
export interface CausalGroundingResult extends KernelRun {
  readonly circuits: ({ readonly causal: bigint; readonly distinct: number; readonly distinctCausal: number } | null)[];
}

/**
 * Interchange interventions: for formulas that share the model, the (source, base) pairs and the
 * candidate neuron sets, which (formula node, candidate) pairs pass every intervention.
 */
export interface ValidityRequest {
  readonly model: Model;
  readonly tables: readonly HighLevelTable[];
  readonly pairs: PairInputs;
  /** Bitmasks over the hidden neurons ({@link hiddenNeurons} order). */
  readonly candidates: Uint32Array;
  readonly signal?: AbortSignal;
}

/** One validity table per formula, `valid[node * candidates.length + c]` as 0/1 (see `validityTable`). */
export interface ValidityResult extends KernelRun {
  readonly tables: Uint8Array[];
}

/** A compute backend: the three kernels, and a name that never changes. */
export interface Backend {
  readonly name: BackendName;
  /** A one-line description for results and logs, e.g. `webgpu on nvidia hopper (NVIDIA H200)`. */
  readonly label: string;
  /** Request extensions this backend computes itself; the others go to the TS reference. */
  readonly kernelExtensions?: KernelExtensions;
  /** Where: which circuits of a range are perfect. */
  evaluateCircuits(request: CircuitRequest): Promise<CircuitResult>;
  /** Where-then-what: exact grounding counts of perfect circuits. */
  countGroundings(request: GroundingRequest): Promise<GroundingResult>;
  /** What-then-where: interchange-intervention validity tables. */
  validityTables(request: ValidityRequest): Promise<ValidityResult>;
  /** Optional: causal grounding counts and distinct gate dicts in the backend's kernels (absent: the criteria compute them on the TS reference). */
  causalGroundings?(request: CausalGroundingRequest): Promise<CausalGroundingResult>;
  /**
   * Releases buffers, devices and workers this backend owns (a Wasm backend hands its kernel
   * instance to the next one). The backend is not used after it; a second call does nothing.
   */
  dispose(): void;
}
