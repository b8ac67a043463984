/**
 * Runs the whole analysis on the authors' pretrained XOR model through the library API and prints
 * the counts that show non-identifiability.
 *
 *   node --import tsx examples/analyze-pretrained.ts
 */
import { analyzeModel, parseModel, PRETRAINED_XOR } from '../src/index.ts';

const model = parseModel(PRETRAINED_XOR);
const result = await analyzeModel(model, { gates: ['XOR'], pairOrder: 'BA' });
const out = result.outputs[0]!;
console.log(`perfect circuits: ${out.perfectCircuits.length} of ${out.circuitsEnumerated}`);
console.log(`groundings (interpretations) per circuit: ${out.groundingsPerCircuit.join(', ')}`);
console.log(`formulas with a minimal mapping: ${out.formulasWithMapping} of ${out.formulas.length}`);
for (const f of out.formulas.filter((f) => f.minimalMappings.length)) {
  console.log(`  ${f.formula}: ${f.minimalMappings.length} minimal mappings, e.g. ${JSON.stringify(f.minimalMappings[0])}`);
}
