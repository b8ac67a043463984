// Defects the fuzzers found whose fix is a valid result, not an error (the others are rows of test/bad-input/catalogue.ts).
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ResultStore } from '../../src/experiment/node-store.ts';
import { readStoredConfig } from '../../src/experiment/node-store.ts';
import { resultsFolder } from '../bad-input/inputs.ts';
import { serveStatic } from '../../examples/webgpu-serve.ts';
import { EXPLORER_CSP, EXPLORER_HEADERS } from '../../examples/explorer/csp.ts';

test('a folder named like an atomic write\'s temporary (.config.json.123.tmp) is left alone on resume (was EISDIR)', () => {
  const dir = resultsFolder('found-tmp-folder');
  mkdirSync(join(dir, '.config.json.123.tmp'));
  const store = ResultStore.open(dir, readStoredConfig(dir)!.config);
  store.close();
  assert.ok(readdirSync(dir).includes('.config.json.123.tmp'));
});

test('the static server answers a malformed escape (/%ff) with 400, with the explorer\'s headers (was an unhandled URIError)', async () => {
  const server = await serveStatic(resultsFolder('found-serve'), {}, EXPLORER_HEADERS);
  try {
    const bad = await fetch(`${server.origin}/%ff`);
    assert.is(bad.status, 400);
    assert.is(bad.headers.get('content-security-policy'), EXPLORER_CSP);
    assert.is((await fetch(`${server.origin}/config.json`)).status, 200, 'the server still serves');
  } finally {
    await server.close();
  }
});

test.run();
