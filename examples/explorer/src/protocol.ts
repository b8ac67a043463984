/**
 * Messages between the page and its Web Worker. Everything is structured-cloneable plain data;
 * each request carries an id, and the worker answers with progress events, then one `done` or
 * `error` message for that id.
 */
import type { AnalysisResult, Count, ModelJson } from './lib.ts';
import type { BackendPick, RunSettings } from './state.ts';

/** Train (if asked) and analyse. */
export interface RunRequest {
  readonly type: 'run';
  readonly settings: RunSettings;
}

/** One page of a circuit's groundings, in the reference's order. */
export interface GroundingsRequest {
  readonly type: 'groundings';
  readonly session: Session;
  readonly output: number;
  /** The circuit's index in the enumeration order. */
  readonly circuit: number;
  /** 0-based page. */
  readonly page: number;
  readonly pageSize: number;
}

export type Request = RunRequest | GroundingsRequest;

/** What a later groundings request needs to rebuild a circuit's grounding problem exactly. */
export interface Session {
  readonly model: ModelJson;
  readonly gates: readonly string[];
  readonly minSparsity: number;
  /** The run's grounding inputs, or null for each gate's clean truth table (analyzeModel's default). */
  readonly groundInputs: number[][] | null;
}

/** How a training in the page went (as `mi-ident train` reports it). */
export interface TrainingInfo {
  readonly converged: boolean;
  readonly finalLoss: number;
  readonly valAccuracy: number;
  readonly epochs: number;
  readonly stop: string;
  readonly engine: string;
  readonly ms: number;
}

/** Which backend ran the analysis, on which adapter, and what fell back. */
export interface BackendInfo {
  readonly requested: BackendPick;
  readonly circuits: string;
  readonly groundings: string;
  /** The WebGPU adapter (adapterName), when WebGPU ran. */
  readonly adapter: string | null;
  readonly warnings: readonly string[];
}

/** How the perfect circuits of one output relate (absent above {@link MAX_SET_ANALYSIS} circuits). */
export interface CircuitSetInfo {
  /** Fraction of pairs where one circuit contains the other (the reference's `analyze_circuits`). */
  readonly nestedPairFraction: number;
  readonly meanJaccard: number;
  /** Enumeration indices of the circuits that contain no other perfect circuit. */
  readonly minimal: readonly number[];
}

/** Pairwise comparisons are quadratic: above this many circuits they are skipped. */
export const MAX_SET_ANALYSIS = 3000;

export interface RunResponse {
  readonly result: AnalysisResult;
  /** Per output, or null where there were too many circuits to compare pairwise. */
  readonly circuitSets: readonly (CircuitSetInfo | null)[];
  readonly model: ModelJson;
  readonly session: Session;
  readonly training: TrainingInfo | null;
  readonly backend: BackendInfo;
  /** Wall time in milliseconds of the analysis (backend setup included). */
  readonly analysisMs: number;
}

/** One neuron's part of a grounding as the page shows it. */
export interface GroundingCell {
  readonly gate: string;
  readonly separator: number;
}

export interface GroundingsResponse {
  readonly total: Count;
  readonly page: number;
  readonly pageSize: number;
  /** The grounded neurons, `"(layer,index)"`, in grounding order (the table's columns). */
  readonly neurons: readonly string[];
  readonly rows: readonly { readonly index: number; readonly cells: readonly GroundingCell[] }[];
}

/** Worker to page. */
export type Reply =
  | { readonly id: number; readonly kind: 'progress'; readonly stage: string; readonly done: number; readonly total: number; readonly note?: string }
  | { readonly id: number; readonly kind: 'done'; readonly value: RunResponse | GroundingsResponse }
  | { readonly id: number; readonly kind: 'error'; readonly name: string; readonly message: string };

/** Page to worker. */
export type Envelope = { readonly id: number; readonly request: Request };
