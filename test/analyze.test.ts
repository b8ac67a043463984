// The pipeline's own checks (every backend's oracle results are in test/conformance-*.test.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { analyzeModel } from '../src/analyze.ts';
import { formatSummary } from '../src/summary.ts';
import { parseModel } from '../src/model.ts';
import { PRETRAINED_XOR } from '../src/pretrained-xor.ts';
import { fixture } from './helpers.ts';

test('summary: exact min and max interpretations over millions of perfect circuits (no argument spread)', async () => {
  const result = await analyzeModel(parseModel(PRETRAINED_XOR), { gates: ['XOR'], stages: { mappings: false } });
  const counts = Array.from({ length: 3_000_000 }, (_, i) => 1000 + (i % 7));
  counts[1_234_567] = 3;
  const huge = '12508504018123456789'; // past 2^53: kept as a decimal string
  const output = { ...result.outputs[0]!, groundingsPerCircuit: [...counts, huge], groundingsRange: undefined };
  const text = formatSummary({ ...result, outputs: [output] }, { timings: false });
  assert.match(text, 'interpretations per circuit: min 3, max 12,508,504,018,123,456,789');
});

test('streamed: past the listing limit, circuits are counted and grounded but not listed', async () => {
  const exp = fixture('xor_mlp_pretrained.expected.json');
  const full = await analyzeModel(parseModel(PRETRAINED_XOR), { gates: ['XOR'], stages: { mappings: false } });
  const r = await analyzeModel(parseModel(PRETRAINED_XOR), { gates: ['XOR'], stages: { mappings: false }, maxListedCircuits: 5 });
  const o = r.outputs[0]!;
  assert.is(o.perfectCircuitCount, 32);
  assert.equal(o.perfectCircuits, full.outputs[0]!.perfectCircuits.slice(0, 5));
  assert.equal(o.groundingsPerCircuit, exp.groundings_per_circuit.slice(0, 5).map((g: any) => g.n_groundings));
  assert.is(o.totalGroundings, 234_700);
  assert.equal(o.groundingsRange, { min: 6, max: 94_720 });
  assert.equal(o.listing, { limit: 5, omitted: 27 });
  assert.match(formatSummary(r), 'listed with masks and counts: the first 5 perfect circuits; 27 more counted and grounded, not listed');
  assert.is(full.outputs[0]!.listing, undefined);
});

test.run();
