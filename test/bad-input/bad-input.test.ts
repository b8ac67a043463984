// Runs the bad-input catalogue (catalogue.ts): every row must give its error, one line naming
// what is wrong and where (and what to do where the row says so), and leave nothing behind.
// CLI rows run `main` in this process: the exit code and stderr are what the command gives.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { main } from '../../src/cli/main.ts';
import { ModelFormatError } from '../../src/errors.ts';
import { parseModel } from '../../src/model.ts';
import { PRETRAINED_XOR } from '../../src/pretrained-xor.ts';
import { CATALOGUE, type BadInput } from './catalogue.ts';
import { snapshot } from './inputs.ts';

/** Runs the CLI with `argv` (and `env`), capturing what it prints. */
async function cli(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { log: console.log, error: console.error, warn: console.warn, env: { ...process.env } };
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = console.warn = (...a: unknown[]) => void err.push(a.join(' '));
  Object.assign(process.env, env);
  try {
    return { code: await main(argv), out: out.join('\n'), err: err.join('\n') };
  } finally {
    Object.assign(console, { log: saved.log, error: saved.error, warn: saved.warn });
    for (const k of Object.keys(env)) if (saved.env[k] === undefined) delete process.env[k];
  }
}

/** The message a row gives, checked for its class (API and loader) or exit code 2 (CLI). */
async function messageOf(row: BadInput, argv: string[] | undefined): Promise<string> {
  if (argv) {
    const r = await cli(argv, row.env);
    assert.is(r.code, 2, `exit code; stderr: ${r.err}`);
    assert.is(r.out, '', 'nothing on stdout');
    const [first, ...rest] = r.err.split('\n');
    if (row.detail) assert.match(rest.join('\n'), row.detail);
    else assert.is(rest.length, 0, 'one line');
    assert.ok(r.err.startsWith('mi-ident: '), r.err);
    return first!.slice('mi-ident: '.length);
  }
  try {
    await row.call!();
  } catch (e) {
    assert.instance(e, row.error!, `${(e as Error).name}: ${(e as Error).message}`);
    return (e as Error).message;
  }
  throw new assert.Assertion({ message: 'no error', expects: row.error!.name, actual: 'a result', operator: 'throws' });
}

/** Past this a refusal is a hang (work attempted), not a slow machine. */
const HANG_MS = 120_000;

for (const row of CATALOGUE) {
  test(`${row.surface}: ${row.name}`, async () => {
    const argv = row.argv?.(); // writes the row's input files
    const before = (row.unchanged?.() ?? []).map(snapshot);
    const started = performance.now();
    const message = await messageOf(row, argv);
    const ms = performance.now() - started;
    assert.match(message, row.what);
    if (row.fix) assert.match(message, row.fix);
    assert.not.match(message, /\n\s+at /, 'no stack trace');
    // Not a timing test: a refusal made from an estimate takes milliseconds, an attempt minutes or
    // hours. Only a run past HANG_MS (whatever the machine's load) fails; a slow one is printed.
    if (row.withinMs !== undefined && ms > row.withinMs) console.log(`  note: "${row.name}" refused in ${ms.toFixed(0)} ms (estimate ${row.withinMs} ms; loaded machine?)`);
    assert.ok(ms < HANG_MS, `refused only after ${ms.toFixed(0)} ms: the work was attempted, not estimated`);
    for (const path of row.absent?.() ?? []) assert.not.ok(existsSync(path), `${path} must not exist`);
    assert.equal((row.unchanged?.() ?? []).map(snapshot), before, 'folders left as they were');
  });
}

test('the catalogue spans the API, the CLI and the loader with 30+ inputs', () => {
  const by = (s: BadInput['surface']) => CATALOGUE.filter((r) => r.surface === s).length;
  assert.ok(CATALOGUE.length >= 30, `${CATALOGUE.length} rows`);
  assert.ok(by('api') >= 5 && by('cli') >= 5 && by('loader') >= 5, `api ${by('api')}, cli ${by('cli')}, loader ${by('loader')}`);
  assert.is(new Set(CATALOGUE.map((r) => `${r.surface}: ${r.name}`)).size, CATALOGUE.length, 'unique names');
});

test('tolerated, not refused: a byte-order mark, and metadata fields that are not lookalikes', () => {
  const text = JSON.stringify({ ...PRETRAINED_XOR, training: { seed: 0 }, description: 'XOR, 2-3-3-1' });
  assert.equal(parseModel(`\ufeff${text}`), parseModel(PRETRAINED_XOR));
  assert.throws(() => parseModel(`\ufeff`), (e: Error) => e instanceof ModelFormatError && /^model is empty/.test(e.message));
});

test.run();
