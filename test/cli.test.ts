import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeModel } from '../src/analyze.ts';
import { parseModel } from '../src/model.ts';
import { PRETRAINED_XOR } from '../src/pretrained-xor.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mi-ident-cli-'));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/run.ts'), ...args], { encoding: 'utf8', cwd: ROOT });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
function file(name: string, content: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}
const model = file('model.json', PRETRAINED_XOR);

test('demo prints the pretrained model counts', () => {
  const r = cli('demo');
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /3,000 circuits enumerated, 32 perfect, 234,700 groundings/);
  assert.match(r.out, /56 formulas, 7 with a mapping, 42 minimal mappings/);
});

test('analyze --json writes the documented shape', () => {
  const out = join(dir, 'result.json');
  const r = cli('analyze', model, '--gates', 'XOR', '--json', out, '--quiet');
  assert.is(r.code, 0, r.err);
  assert.is(r.out, '');
  const res = JSON.parse(readFileSync(out, 'utf8'));
  const o = res.outputs[0];
  assert.is(o.gate, 'XOR');
  assert.is(o.circuitsEnumerated, 3000);
  assert.is(o.perfectCircuits.length, 32);
  assert.ok(Array.isArray(o.perfectCircuits[0].nodeMasks) && Array.isArray(o.perfectCircuits[0].edgeMasks));
  assert.is(o.groundingsPerCircuit.reduce((a: number, b: number) => a + b, 0), 234_700);
  assert.is(o.formulas.length, 56);
  assert.is(o.formulasWithMapping, 7);
  assert.is(o.mappingsPerFormula.reduce((a: number, b: number) => a + b, 0), 42);
  assert.equal(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});

test('analyze --data restricts the circuit search to the given samples', async () => {
  // Without the row (1, 1) more circuits are perfect; a circuit is perfect on the whole truth table
  // exactly when it is on the three other rows and on (1, 1) alone (the threshold 0.99 asks every
  // row to be right), so the two searches must intersect in the clean search's 32 circuits.
  const perfect = (args: string[], name: string): number[] => {
    const out = join(dir, name);
    const r = cli('analyze', model, '--gates', 'XOR', ...args, '--json', out, '--quiet');
    assert.is(r.code, 0, r.err);
    return JSON.parse(readFileSync(out, 'utf8')).outputs[0].perfectCircuits.map((c: { index: number }) => c.index);
  };
  const threeRows = { x: [[0, 0], [0, 1], [1, 0]], y: [[0], [1], [1]] };
  const without11 = perfect(['--data', file('data3.json', threeRows)], 'data3-result.json');
  const only11 = new Set(perfect(['--data', file('data1.json', { x: [[1, 1]], y: [[0]] })], 'data1-result.json'));
  const clean = perfect([], 'clean-result.json');
  assert.is(clean.length, 32);
  assert.is(without11.length, 263);
  const api = await analyzeModel(parseModel(PRETRAINED_XOR), { gates: ['XOR'], data: threeRows, stages: { groundings: false, mappings: false } });
  assert.equal(without11, api.outputs[0]!.perfectCircuits.map((c) => c.index), 'the CLI finds what the API finds on the same data');
  assert.equal(without11.filter((i) => only11.has(i)), clean);
});

test('analyze --stages mappings: a model too wide for the circuit search still gets its mappings', () => {
  const wide = join(ROOT, 'test/fixtures/XOR_w8_trained.json');
  const refused = cli('analyze', wide, '--gates', 'XOR');
  assert.is(refused.code, 2);
  assert.match(refused.err, /give 1,514,983,989,840,780 circuits, more than the cap of 5,000,000.*for the mappings alone, leave out the circuit stage: analyze --stages mappings/);
  const out = join(dir, 'wide-mappings.json');
  const r = cli('analyze', wide, '--gates', 'XOR', '--stages', 'mappings', '--json', out);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /where-then-what: not run\n  what-then-where: 56 formulas, 3 with a mapping, 424 minimal mappings/);
  const o = JSON.parse(readFileSync(out, 'utf8')).outputs[0];
  assert.is(o.circuitsEnumerated, 0);
  assert.equal(o.perfectCircuits, []);
  assert.equal(o.mappingsPerFormula, [5, 5, 414]);
});

test('analyze --stages: only the named stages run, in any order, named once or more', () => {
  const run = (stages: string, name: string) => {
    const out = join(dir, name);
    const r = cli('analyze', model, '--gates', 'XOR', '--stages', stages, '--json', out);
    assert.is(r.code, 0, r.err);
    return { text: r.out, o: JSON.parse(readFileSync(out, 'utf8')).outputs[0] };
  };
  const where = run('groundings, circuits', 'stages-where.json');
  assert.match(where.text, /3,000 circuits enumerated, 32 perfect, 234,700 groundings/);
  assert.match(where.text, /what-then-where: not run/);
  assert.equal(where.o.formulas, []);
  const circuits = run('circuits,circuits', 'stages-circuits.json');
  assert.match(circuits.text, /3,000 circuits enumerated, 32 perfect, groundings not counted/);
  assert.equal(circuits.o.groundingsPerCircuit, []);
  const all = run('mappings,groundings,circuits', 'stages-all.json');
  assert.is(all.o.perfectCircuits.length, 32);
  assert.is(all.o.formulasWithMapping, 7);
});

const badRuns: [string, () => string[], RegExp][] = [
  ['unknown flag', () => ['analyze', model, '--gates', 'XOR', '--frobnicate'], /Unknown option '--frobnicate'/],
  ['unknown command', () => ['analyse', model], /unknown command "analyse"/],
  ['no model file', () => ['analyze', '--gates', 'XOR'], /analyze needs exactly one model file/],
  ['missing model file', () => ['analyze', join(dir, 'nope.json'), '--gates', 'XOR'], /model: cannot read .*nope.json \(no such file\)/],
  ['malformed model JSON', () => ['analyze', file('bad.json', '{"layerSizes": [2,3'), '--gates', 'XOR'], /model: .*bad.json is not valid JSON/],
  ['shape mismatch', () => ['analyze', file('shape.json', { ...PRETRAINED_XOR, layerSizes: [2, 4, 3, 1] }), '--gates', 'XOR'], /weights\[0\] has 3 rows, layerSizes says 4/],
  ['no gates', () => ['analyze', model], /analyze needs --gates/],
  ['unknown gate', () => ['analyze', model, '--gates', 'XNOR'], /unknown gate "XNOR" \(known gates: AND, OR/],
  ['too many gates', () => ['analyze', model, '--gates', 'XOR,AND'], /the model has 1 output\(s\) but 2 gates were given/],
  ['gate with wrong input count', () => ['analyze', model, '--gates', 'MAJORITY'], /gate MAJORITY takes 3 inputs but the model has 2/],
  ['bad pair order', () => ['analyze', model, '--gates', 'XOR', '--pair-order', 'BB'], /--pair-order must be BA, AB or all, got "BB"/],
  ['bad min sparsity', () => ['analyze', model, '--gates', 'XOR', '--min-sparsity=-1'], /--min-sparsity must be a number between 0 and 1, got "-1"/],
  ['bad max circuits', () => ['analyze', model, '--gates', 'XOR', '--max-circuits', 'lots'], /--max-circuits must be an integer >= 1, got "lots"/],
  ['cap exceeded', () => ['analyze', model, '--gates', 'XOR', '--max-circuits', '100'], /give 3,000 circuits, more than the cap of 100; raise it with --max-circuits/],
  ['ragged data', () => ['analyze', model, '--gates', 'XOR', '--data', file('ragged.json', { x: [[0, 0], [1]], y: [[0], [1]] })], /--data: x\[1\] has 1 values, expected 2/],
  ['data rows disagree', () => ['analyze', model, '--gates', 'XOR', '--data', file('rows.json', { x: [[0, 0], [1, 1]], y: [[0]] })], /--data: x has 2 rows but y has 1/],
  ['data not numbers', () => ['analyze', model, '--gates', 'XOR', '--data', file('nan.json', { x: [[0, 'a']], y: [[0]] })], /--data: x\[0\]\[1\] must be a finite number, got "a"/],
  ['ground data wrong width', () => ['analyze', model, '--gates', 'XOR', '--ground-data', file('g.json', { x: [[0, 0, 1]] })], /--ground-data: x\[0\] has 3 values, expected 2/],
  ['bad backend', () => ['analyze', model, '--gates', 'XOR', '--backend', 'cuda'], /--backend must be one of auto, ts, wasm, webgpu, got "cuda"/],
  ['unwritable --json', () => ['analyze', model, '--gates', 'XOR', '--json', join(dir, 'no-such-dir', 'r.json')], /cannot write .*no-such-dir\/r.json/],
  ['demo with a file', () => ['demo', model], /demo takes no model file/],
];
for (const [name, args, message] of badRuns) {
  test(`bad CLI input: ${name}`, () => {
    const r = cli(...args());
    assert.is(r.code, 2, `exit code; stderr: ${r.err}`);
    assert.match(r.err, message);
    assert.not.match(r.err, /\n\s+at /); // no stack trace
  });
}

test('no partial output after an error', () => {
  const out = join(dir, 'never.json');
  cli('analyze', model, '--gates', 'XOR', '--max-circuits', '10', '--json', out);
  assert.not.ok(existsSync(out));
});

test('help and version', () => {
  assert.match(cli('help').out, /mi-ident analyze MODEL --gates/);
  assert.match(cli('help').out, /mi-ident convert MODEL --out OUT\.json\|OUT\.safetensors/);
  assert.match(cli('--version').out, /^\d+\.\d+\.\d+/);
});

test.run();
