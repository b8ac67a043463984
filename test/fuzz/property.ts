/**
 * What a fuzz suite's case module (test/fuzz/*.cases.ts) exports: named properties, each a
 * generator of inputs and a check that the input ends in the documented error class or a valid
 * result. The module runs in a worker thread (harness.ts); it may prepare its inputs at load.
 */
import type { Arbitrary } from 'fast-check';

/** One fuzz property. */
export interface FuzzProperty<T> {
  /** Generated cases per CI run. */
  runs: number;
  /** The inputs. */
  arbitrary: Arbitrary<T>;
  /**
   * Throws (an assertion) when the input ends in anything but its error class or a valid result;
   * returns how it ended (`valid`, `refused`), tallied in the suite's summary.
   */
  check(value: T): Ending | Promise<Ending>;
}

/** Declares a property with its input type inferred from the arbitrary. */
/** How a case ended. */
export type Ending = 'valid' | 'refused';

export const property = <T>(runs: number, arbitrary: Arbitrary<T>, check: (value: T) => Ending | Promise<Ending>): FuzzProperty<T> => ({ runs, arbitrary, check });

/** A failed check: the thrown error says what the case did instead. */
export class FuzzFailure extends Error {
  override name = 'FuzzFailure';
}

/**
 * Runs `f` and classifies the end: its value, or an error of one of `classes` (whose message must
 * be one line without a stack trace); anything else is a {@link FuzzFailure} carrying the error.
 */
export async function outcome<R>(f: () => R | Promise<R>, classes: readonly (abstract new (...a: never[]) => Error)[]): Promise<{ ok: true; value: R } | { ok: false; error: Error }> {
  try {
    return { ok: true, value: await f() };
  } catch (e) {
    if (classes.some((c) => e instanceof c)) {
      const message = (e as Error).message;
      if (message.trim() === '') throw new FuzzFailure(`${(e as Error).name} with an empty message`);
      if (/\n\s+at /.test(message)) throw new FuzzFailure(`${(e as Error).name} whose message holds a stack trace: ${message}`);
      return { ok: false, error: e as Error };
    }
    const err = e as Error;
    const failure = new FuzzFailure(`expected ${classes.map((c) => c.name).join(' or ')} or a valid result, got ${err?.name ?? typeof e}: ${err?.message ?? String(e)}\n${err?.stack ?? ''}`);
    throw failure;
  }
}

/** Throws a {@link FuzzFailure} unless `ok`. */
export function expect(ok: unknown, what: string): asserts ok {
  if (!ok) throw new FuzzFailure(what);
}
