// The pipeline's own checks (every backend's oracle results are in test/conformance-*.test.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { analyzeModel } from '../src/analyze.ts';
import { formatSummary } from '../src/summary.ts';
import { parseModel } from '../src/model.ts';
import { PRETRAINED_XOR } from '../src/pretrained-xor.ts';

test('summary: exact min and max interpretations over millions of perfect circuits (no argument spread)', async () => {
  const result = await analyzeModel(parseModel(PRETRAINED_XOR), { gates: ['XOR'], stages: { mappings: false } });
  const counts = Array.from({ length: 3_000_000 }, (_, i) => 1000 + (i % 7));
  counts[1_234_567] = 3;
  const huge = '12508504018123456789'; // past 2^53: kept as a decimal string
  const output = { ...result.outputs[0]!, groundingsPerCircuit: [...counts, huge] };
  const text = formatSummary({ ...result, outputs: [output] }, { timings: false });
  assert.match(text, 'interpretations per circuit: min 3, max 12,508,504,018,123,456,789');
});

test.run();
