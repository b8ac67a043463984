// The pipeline's own checks (every backend's oracle results are in test/conformance-*.test.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { analyzeModel } from '../src/analyze.ts';
import { formatSummary } from '../src/summary.ts';
import { parseModel } from '../src/model.ts';
import { PRETRAINED_XOR } from '../src/pretrained-xor.ts';
import { fixture } from './helpers.ts';
import { readFileSync } from 'node:fs';
import { LimitError } from '../src/errors.ts';
import { getGate } from '../src/gates.ts';
import { mappingSearch, sortNeuronLists } from '../src/mappings.ts';

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

test('without the circuit stage no circuit space is built: a 2-8-8-1 model gets its mappings', async () => {
  const wide = parseModel(JSON.parse(readFileSync(new URL('./fixtures/XOR_w8_trained.json', import.meta.url), 'utf8')));
  // With the circuit stage, its space is refused (a block of 167 million edge masks at 0.3).
  const refused = await analyzeModel(wide, { gates: ['XOR'], backend: 'ts' }).then(() => null, (e: unknown) => e);
  assert.instance(refused, LimitError);
  const result = await analyzeModel(wide, { gates: ['XOR'], backend: 'ts', stages: { circuits: false, groundings: false } });
  const o = result.outputs[0]!;
  assert.is(o.circuitsEnumerated, 0);
  assert.equal(o.perfectCircuits, []);
  assert.is(result.backend.circuits, null);
  const direct = await mappingSearch(wide, getGate('XOR'), 3, { pairOrder: 'BA' });
  assert.equal(o.formulas, direct.map((f) => ({ formula: f.formula, minimalMappings: f.minimalMappings.map(sortNeuronLists) })));
  assert.match(formatSummary(result, { timings: false, stages: { circuits: false, groundings: false } }), 'where-then-what: not run');
});

test.run();
