/**
 * The explorer's only door into mi-ident: the library's public, browser-safe API (the root entry,
 * src/index.ts, which `mi-ident/browser` bundles, with `mi-ident/train` and `mi-ident/experiment`).
 * Every page and worker module imports from here, so the explorer is also an example of what that
 * API alone can do.
 */
export * from '../../../src/index.ts';
export * from '../../../src/train/index.ts';
export * from '../../../src/experiment/index.ts';
