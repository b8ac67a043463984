// Fuzzing torch.save and safetensors files (docs/fuzzing.md): the cases of model-pytorch.cases.ts, in a worker thread.
import { test } from 'uvu';
import { runSuite, summarize } from './harness.ts';

test('PyTorch and safetensors files: every corrupted file ends in a ModelFormatError or a valid model, and no pickle runs code', async () => {
  summarize('model-pytorch', await runSuite('model-pytorch', './model-pytorch.cases.ts'));
});

test.run();
