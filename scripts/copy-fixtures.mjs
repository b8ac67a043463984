// Copies the oracle results the tests use from ../shared/oracle into test/fixtures,
// dropping timings and other fields the tests never read, so tests run without ../shared.
import { readFileSync, writeFileSync, readdirSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const src = process.argv[2] ?? '../shared/oracle';
const dst = 'test/fixtures';
mkdirSync(join(dst, 'cases'), { recursive: true });
const read = (p) => JSON.parse(readFileSync(join(src, p), 'utf8'));
const write = (p, v) => writeFileSync(join(dst, p), JSON.stringify(v) + '\n');

const dropKeys = (obj, keys) => Object.fromEntries(Object.entries(obj).filter(([k]) => !keys.some((re) => re.test(k))));
const timing = [/time/, /^env$/, /timings/];

for (const f of readdirSync(join(src, 'cases'))) {
  const c = read(join('cases', f));
  c.expected.outputs = c.expected.outputs.map((o) => {
    const out = dropKeys(o, timing);
    out.per_formula = o.per_formula.map((p) => dropKeys(p, timing));
    return out;
  });
  write(join('cases', f), { name: c.name, config: c.config, model: c.model, expected: c.expected });
}

const pre = read('xor_mlp_pretrained.expected.json');
pre.groundings_per_circuit = pre.groundings_per_circuit.map((g) => dropKeys(g, timing));
pre.mappings = pre.mappings.map((m) => dropKeys(m, timing));
write('xor_mlp_pretrained.expected.json', dropKeys(pre, timing));
write('xor_mlp_pretrained.all_circuits.json', read('xor_mlp_pretrained.all_circuits.json'));
write('XOR_w4_d2_seed0.full_groundings.json', read('XOR_w4_d2_seed0.full_groundings.json'));
write('formula_dataset_depth3.json', read('formula_dataset_depth3.json'));
writeFileSync(join(dst, 'reference-100-seeds.md'), readFileSync(join(src, 'reference-100-seeds.md'), 'utf8'));
console.log('fixtures written to', dst);
