// Defects the fuzzers found whose fix is a valid result, not an error (the others are rows of test/bad-input/catalogue.ts).
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ResultStore } from '../../src/experiment/node-store.ts';
import { readStoredConfig } from '../../src/experiment/node-store.ts';
import { resultsFolder } from '../bad-input/inputs.ts';

test('a folder named like an atomic write\'s temporary (.config.json.123.tmp) is left alone on resume (was EISDIR)', () => {
  const dir = resultsFolder('found-tmp-folder');
  mkdirSync(join(dir, '.config.json.123.tmp'));
  const store = ResultStore.open(dir, readStoredConfig(dir)!.config);
  store.close();
  assert.ok(readdirSync(dir).includes('.config.json.123.tmp'));
});

test.run();
