/**
 * The explorer's only door into mi-ident: the library's public, browser-safe API (src/index.ts,
 * the module `mi-ident/browser` bundles). Every page and worker module imports from here, so
 * the explorer is also an example of what that API alone can do.
 */
export * from '../../../src/index.ts';
