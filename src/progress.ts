/** Shared shape of progress reporting and cancellation for every long operation. */

/** A progress event: `done` of `total` units of `stage`. */
export interface Progress {
  readonly stage: string;
  readonly done: number;
  readonly total: number;
}

/** Options every long operation accepts. */
export interface LongRunOptions {
  /** Called after each chunk of work. */
  onProgress?: (progress: Progress) => void;
  /** Aborts the operation between chunks (it then rejects with the signal's reason). */
  signal?: AbortSignal;
}

/** Throws the signal's reason if it was aborted. */
export function checkAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw signal.reason ?? new Error('aborted');
}
