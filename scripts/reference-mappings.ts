/**
 * Runs the reference mapping search (src/mappings-reference.ts) on a model and writes its minimal
 * mappings, for tests that cannot afford to run it themselves.
 *
 *   node --import tsx scripts/reference-mappings.ts MODEL.json GATE OUT.json [FORMULA...]
 *
 * Formulas of depth hidden layers + 1 (main.py), pair order BA, single-layer sets; only the named
 * formulas (`str(formula)`), or every formula. Writes `[{ formula, minimalMappings }]` in formula
 * order, the neuron lists in the reference's set order. test/fixtures/XOR_w8_trained.reference-mappings.json
 * was written by
 *
 *   node --import tsx scripts/reference-mappings.ts test/fixtures/XOR_w8_trained.json XOR \
 *     test/fixtures/XOR_w8_trained.reference-mappings.json '¬(((A*B)+¬(A+B))+¬(¬(A*B)+B))'
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { formulasForGate } from '../src/formulas.ts';
import { getGate } from '../src/gates.ts';
import { mappingProblem } from '../src/mappings.ts';
import { minimalMappingsReference } from '../src/mappings-reference.ts';
import { parseModel } from '../src/model.ts';

const [modelFile, gate, out, ...only] = process.argv.slice(2);
if (!modelFile || !gate || !out) {
  console.error('usage: node --import tsx scripts/reference-mappings.ts MODEL.json GATE OUT.json [FORMULA...]');
  process.exit(2);
}
const model = parseModel(JSON.parse(readFileSync(modelFile, 'utf8')));
const formulas = formulasForGate(getGate(gate), model.layerSizes.length - 1).filter((f) => only.length === 0 || only.includes(f.str));
if (only.length && formulas.length !== only.length) {
  console.error(`not every named formula is a formula of ${gate}: found ${formulas.map((f) => f.str).join(', ')}`);
  process.exit(2);
}
const results = formulas.map((f) => {
  const p = mappingProblem(model, f, { pairOrder: 'BA' });
  const t = performance.now();
  const minimalMappings = minimalMappingsReference({ layerSizes: model.layerSizes, names: p.names, candidates: p.candidates, valid: p.valid });
  console.log(`${f.str}: ${minimalMappings.length} minimal mappings, ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return { formula: f.str, minimalMappings };
});
// One mapping per line: readable diffs, and no indentation to inflate the file.
const lines = results.map((r) => ` {"formula": ${JSON.stringify(r.formula)}, "minimalMappings": [\n${r.minimalMappings.map((m) => `  ${JSON.stringify(m)}`).join(',\n')}\n ]}`);
writeFileSync(out, `[\n${lines.join(',\n')}\n]\n`);
