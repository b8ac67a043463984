// Fuzzing model JSON (docs/fuzzing.md): the cases of model-json.cases.ts, in a worker thread.
import { test } from 'uvu';
import { runSuite, summarize } from './harness.ts';

test('model JSON: every corrupted file ends in a ModelFormatError or a valid model (readModelFile, parseModel, the explorer loader)', async () => {
  summarize('model-json', await runSuite('model-json', './model-json.cases.ts'));
});

test.run();
