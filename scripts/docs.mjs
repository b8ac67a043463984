// `npm run docs`: the API reference in docs/api/ (generated, not committed), made by TypeDoc from
// the TSDoc of the package's entry points (typedoc.json). Any TypeDoc warning (a broken {@link}, a
// type that a public signature names but no entry exports, ...) fails it.
// TypeDoc 0.28 is built on TypeScript's JS compiler API, which this repo's TypeScript 7 (the native
// compiler) does not have; so TypeDoc runs from tools/typedoc/ with its own TypeScript 6.0, on the
// same tsconfig. That folder is installed from its own lockfile when missing.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tool = join(root, 'tools', 'typedoc');
const version = (pkg) => JSON.parse(readFileSync(join(tool, 'node_modules', pkg, 'package.json'), 'utf8')).version;

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, stdio: 'inherit' });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

if (!existsSync(join(tool, 'node_modules', 'typedoc', 'package.json'))) {
  console.log('> installing tools/typedoc (npm ci)');
  const status = run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], tool);
  if (status !== 0) {
    console.error('docs failed: npm ci in tools/typedoc failed (see above)');
    process.exit(status);
  }
}
console.log(`> TypeDoc ${version('typedoc')} with TypeScript ${version('typescript')}`);
const status = run(process.execPath, [join(tool, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--options', 'typedoc.json'], root);
if (status !== 0) console.error('docs failed: TypeDoc reported errors or warnings (see above)');
else console.log('> API reference written to docs/api/index.html');
process.exit(status);
