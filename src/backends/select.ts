/**
 * Backend choice: `auto` picks the fastest available backend; a named backend is used or
 * refused with a clear message.
 */
import { BackendUnavailableError, InputError } from '../errors.ts';
import { createTsBackend } from './ts.ts';
import { createWasmBackend } from './wasm.ts';
import type { Backend, BackendName } from './types.ts';

/** What a caller may ask for. */
export type BackendChoice = 'auto' | BackendName;

export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'ts', 'wasm', 'webgpu'];

/** Returns a ready backend for `choice`. */
export async function selectBackend(choice: BackendChoice = 'auto'): Promise<Backend> {
  switch (choice) {
    case 'ts':
      return createTsBackend();
    case 'auto':
      try {
        return await createWasmBackend();
      } catch {
        return createTsBackend(); // no Wasm SIMD here: the reference gives the same results
      }
    case 'wasm':
      return createWasmBackend();
    case 'webgpu':
      throw new BackendUnavailableError(
        `the webgpu backend is not available in this version; use --backend wasm, ts or auto`,
      );
    default:
      throw new InputError(`unknown backend "${String(choice)}" (choose one of ${BACKEND_CHOICES.join(', ')})`);
  }
}
