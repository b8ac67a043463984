import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { analyzeModel } from '../src/analyze.ts';
import { formatSummary } from '../src/summary.ts';
import { parseModel } from '../src/model.ts';
import { PRETRAINED_XOR } from '../src/pretrained-xor.ts';
import type { BackendChoice } from '../src/backends/select.ts';
import { caseNames, fixture, caseValidationData } from './helpers.ts';

const masks = (c: any) => ({ nodeMasks: c.node_masks, edgeMasks: c.edge_masks });

for (const backend of ['ts', 'wasm'] as BackendChoice[]) {
  test(`pipeline (${backend}): the pretrained model's expected file, both pair orders`, async () => {
    const exp = fixture('xor_mlp_pretrained.expected.json');
    for (const order of ['BA', 'AB'] as const) {
      const r = await analyzeModel(parseModel(PRETRAINED_XOR), { gates: ['XOR'], pairOrder: order, backend, distinctGateDicts: true });
      const o = r.outputs[0]!;
      assert.is(o.circuitsEnumerated, exp.n_circuits_enumerated);
      assert.equal(o.perfectCircuits.map((c) => ({ nodeMasks: c.nodeMasks, edgeMasks: c.edgeMasks })), exp.perfect_circuits.map(masks));
      assert.equal(o.groundingsPerCircuit, exp.groundings_per_circuit.map((g: any) => g.n_groundings));
      assert.equal(o.distinctGateDictsPerCircuit, exp.groundings_per_circuit.map((g: any) => g.n_distinct_gate_dicts));
      assert.is(o.totalGroundings, exp.n_groundings_total);
      assert.equal(o.formulas.map((f) => f.formula), exp.formulas);
      assert.equal(o.formulas.map((f) => f.minimalMappings), exp.mappings.map((m: any) => m[`minimal_mappings_order${order}`]));
      assert.is(o.formulasWithMapping, exp[`n_formulas_with_mapping_order${order}`]);
      assert.is(o.mappingsPerFormula.reduce((a, b) => a + b, 0), exp[`n_mappings_total_order${order}`]);
    }
  });
}

for (const name of caseNames()) {
  test(`pipeline: case ${name} (validation-set search, BA and AB)`, async () => {
    const c = fixture(`cases/${name}.json`);
    const outputs = c.expected.outputs as any[];
    const gates = outputs.map((o) => o.gate);
    const data = caseValidationData(c, gates);
    for (const order of ['BA', 'AB'] as const) {
      const r = await analyzeModel(parseModel(c.model), { gates, data, pairOrder: order, minSparsity: c.config.min_sparsity_used });
      r.outputs.forEach((o, i) => {
        const e = outputs[i];
        assert.is(o.gate, e.gate);
        assert.is(o.circuitsEnumerated, e.n_circuits_enumerated);
        assert.equal(o.perfectCircuits.map((p) => ({ nodeMasks: p.nodeMasks, edgeMasks: p.edgeMasks })), e.perfect_circuits.map(masks));
        e.groundings_per_circuit.forEach((n: number | null, k: number) => {
          if (n !== null) assert.is(o.groundingsPerCircuit[k], n, `groundings of circuit ${k}`);
        });
        assert.equal(o.formulas.map((f) => f.formula), e.per_formula.map((f: any) => f.formula));
        assert.equal(o.formulas.map((f) => f.minimalMappings), e.per_formula.map((f: any) => f[`minimal_mappings_order${order}`]));
        assert.is(o.formulasWithMapping, e[`n_formulas_with_mapping_order${order}`]);
        assert.equal(o.mappingsPerFormula, e[`mappings_per_formula_order${order}`]);
        if (order === 'BA') {
          // main.py's CSV row (reference pair order): one list per output.
          const row = c.expected.main_py_row;
          assert.is(o.perfectCircuits.length, row.perfect_circuits[i]);
          assert.is(o.formulasWithMapping, row.formulas[i]);
          assert.equal(o.mappingsPerFormula, row.mappings_per_formula[i]);
        }
      });
    }
  });
}

test('pipeline: the w4 case counts every grounding the reference could not finish', async () => {
  const c = fixture('cases/XOR_w4_d2_seed0.json');
  const full = fixture('XOR_w4_d2_seed0.full_groundings.json');
  const r = await analyzeModel(parseModel(c.model), { gates: ['XOR'], stages: { mappings: false } });
  assert.is(r.options.minSparsity, 0.2); // main.py's rule for width 4
  assert.equal(r.outputs[0]!.groundingsPerCircuit, full.groundings_per_circuit);
  assert.is(r.outputs[0]!.totalGroundings, full.total);
});

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
