// Fuzzing results folders (docs/fuzzing.md): the cases of results-folder.cases.ts, in a worker thread, their folders in a sandbox.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { removeSandbox, repoStatus, runSuite, sandbox, summarize, tree } from './harness.ts';

test('results folders: every corrupted config.json, results.jsonl and foreign file ends in an InputError or a valid read, resume or merge, which writes only its output folder', async () => {
  const dir = sandbox('results-folder');
  const repo = repoStatus();
  try {
    summarize('results-folder', await runSuite('results-folder', './results-folder.cases.ts', { FUZZ_SANDBOX: dir }));
    const left = tree(dir, (rel) => /^(bases|case|merged)(\/|$)/.test(rel));
    assert.equal(left, 'tmp/', 'the suite wrote outside its folders');
    assert.equal(repoStatus(), repo, 'the suite changed the repository');
  } finally {
    removeSandbox(dir);
  }
});

test.run();
