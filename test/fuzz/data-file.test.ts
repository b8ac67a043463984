// Fuzzing --data files (docs/fuzzing.md): the cases of data-file.cases.ts, in a worker thread, their files in a sandbox folder.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { removeSandbox, repoStatus, runSuite, sandbox, summarize, tree } from './harness.ts';

test('--data files: every corrupted file ends in an InputError or a valid dataset, the TS reference and Wasm agree on it, and nothing is written', async () => {
  const dir = sandbox('data-file');
  const repo = repoStatus();
  try {
    summarize('data-file', await runSuite('data-file', './data-file.cases.ts', { FUZZ_SANDBOX: dir }));
    assert.equal(tree(dir, (rel) => /^data-\d\.json$/.test(rel)), 'tmp/', 'the suite wrote outside its data files');
    assert.equal(repoStatus(), repo, 'the suite changed the repository');
  } finally {
    removeSandbox(dir);
  }
});

test.run();
