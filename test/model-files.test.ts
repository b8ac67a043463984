// Model files without Python: every fixture of test/fixtures/pytorch (made with torch; see its
// README.md) loads equal to its JSON twin or is refused as its manifest says; the layer-order rules
// (docs/semantics.md N9); the float conversions (N10); torch zips and safetensors the fixtures do
// not cover; `mi-ident analyze` and `convert` on them; and no input, however damaged, gives
// anything but a model or a ModelFormatError.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import * as fflateZip from 'fflate';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli/main.ts';
import { ModelFormatError } from '../src/errors.ts';
import { orderLayers } from '../src/formats/layers.ts';
import { modelToSafetensors } from '../src/formats/safetensors.ts';
import { loadModelFile, modelFileFormat, readModelFile } from '../src/model-file.ts';
import { parseModel } from '../src/model.ts';
import { PRETRAINED_XOR } from '../src/pretrained-xor.ts';
import { dictPickle, FIXTURES, fixture, fixturePath, le, MANIFEST, mlp231, mlp231Zip, op, safetensors, torchZip } from './model-file-helpers.ts';

const MARKER = '/tmp/PWNED_mi_ident';
const twin = (name: string) => parseModel(readFileSync(fixturePath(name), 'utf8'));
/** The 2-3-1 model of mlp231(). */
const MLP231 = parseModel({ layerSizes: [2, 3, 1], weights: [[[0.5, -1], [0.25, 2], [-0.75, 1]], [[1, -2, 0.5]]], biases: [[0.125, -0.5, 1], [0.25]] });

/** The error `fn` throws: a one-line ModelFormatError. */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.instance(e, ModelFormatError, `${(e as Error).name}: ${(e as Error).message}`);
    assert.not.match((e as Error).message, /\n/, 'one line');
    return (e as Error).message;
  }
  throw new assert.Assertion({ message: 'no error', expects: 'ModelFormatError', actual: 'a model', operator: 'throws' });
}

test('every manifest fixture: loaded equal to its twin, or refused as described', () => {
  const markerBefore = existsSync(MARKER);
  assert.ok(MANIFEST.files.length >= 25);
  for (const f of MANIFEST.files) {
    const bytes = fixture(f.name);
    assert.is(createHash('sha256').update(bytes).digest('hex'), f.sha256, `${f.name}: the copy is the manifest's file`);
    if (f.expect === 'load') {
      assert.equal(loadModelFile(bytes, f.name), twin(f.twin!), f.name);
    } else {
      const message = refusal(() => loadModelFile(bytes, f.name));
      for (const word of f.messageShouldMention ?? []) assert.ok(message.includes(word), `${f.name}: "${word}" in: ${message}`);
      assert.ok(message.startsWith(f.name), `${f.name}: the message names the file: ${message}`);
    }
  }
  if (!markerBefore) assert.not.ok(existsSync(MARKER), 'malicious.pt ran nothing');
});

test('fixtures: the formats, where the state_dict was, and what the file stated', () => {
  const authors = readModelFile(fixture('authors_xor_mlp.pt'), 'authors_xor_mlp.pt');
  assert.is(authors.format, 'torch-zip');
  assert.is(authors.stateDictKey, 'state_dict');
  assert.equal(authors.layers.map((l) => l.weight), ['layers.0.0.weight', 'layers.1.0.weight', 'layers.2.0.weight']);
  assert.is(authors.stated.length, 2); // activation and layer sizes, both checked
  assert.equal(authors.model, parseModel(PRETRAINED_XOR), "the authors' checkpoint is the embedded pretrained model");
  assert.is(readModelFile(fixture('legacy_format.pt')).format, 'torch-legacy');
  assert.is(readModelFile(fixture('sequential_2-4-4-1.safetensors')).format, 'safetensors');
  assert.equal(readModelFile(fixture('sequential_2-4-4-1_state_dict.pt')).layers.map((l) => l.name), ['0', '2', '4']);
  assert.is(modelFileFormat(fixture('mlp_2-3-3-1.model.json')), 'json');
  assert.is(modelFileFormat(fixture('not_a_zip.pt')), null);
});

test('layer order from names (N9): numbers in order, one pattern, every key a weight or a bias', () => {
  const order = (keys: string[]) => orderLayers(keys, 'f').map((l) => l.name);
  assert.equal(order(['layers.10.weight', 'layers.2.weight', 'layers.0.weight']), ['layers.0', 'layers.2', 'layers.10'], 'numerically, not as text');
  assert.equal(order(['fc10.weight', 'fc2.bias', 'fc2.weight', 'fc10.bias', 'fc1.weight']), ['fc1', 'fc2', 'fc10']);
  assert.equal(order(['module.net.4.weight', 'module.net.0.weight', 'module.net.2.weight']), ['module.net.0', 'module.net.2', 'module.net.4'], 'a DataParallel prefix');
  assert.equal(order(['blocks.1.lin.0.weight', 'blocks.0.lin.1.weight', 'blocks.0.lin.0.weight']), ['blocks.0.lin.0', 'blocks.0.lin.1', 'blocks.1.lin.0'], 'numbers compared left to right');
  assert.equal(order(['weight', 'bias']), [''], 'one nn.Linear');
  assert.equal(order(['hidden.weight', 'hidden.bias']), ['hidden'], 'one layer needs no number');
  assert.equal(orderLayers(['fc1.weight', 'fc2.weight', 'fc2.bias'], 'f')[0]!.bias, null, 'a layer without bias');
  assert.match(refusal(() => order(['fc1.weight', 'fc2.weight', 'out.weight'])), /^f: cannot tell the order of the layers "fc1", "fc2", "out" from their names: they do not follow one pattern/);
  assert.match(refusal(() => order(['hidden.weight', 'output.weight'])), /cannot tell the order of the layers "hidden", "output" from their names: they do not follow one pattern/);
  assert.match(refusal(() => order(['a.weight', 'a.b.weight'])), /do not follow one pattern/);
  assert.match(refusal(() => order(['fc1.weight', 'fc01.weight'])), /"fc1" and "fc01": their numbers are equal/);
  assert.match(refusal(() => order(['0.weight', '0.bias', '1.running_mean'])), /^f: "1\.running_mean" is not the weight or bias of a layer.*Keys: 0\.weight, 0\.bias, 1\.running_mean$/);
  assert.match(refusal(() => order(['0.weight', '1.bias'])), /"1\.bias" has no weight beside it \("1\.weight" is missing\)/);
  assert.match(refusal(() => order([])), /holds no tensors/);
});

test('a state_dict becomes the model: shapes chain, a bias-less layer gets zeros, stated sizes are checked', () => {
  const read = (tensors: ReturnType<typeof mlp231>, meta?: Record<string, string>) => loadModelFile(safetensors(tensors, meta), 'm.safetensors');
  assert.equal(read(mlp231()), MLP231);
  const noBias = read(mlp231().filter((t) => t.name !== 'fc2.bias'));
  assert.equal([...noBias.biases[1]!], [0]);
  const reversed = mlp231(['fc2.weight', 'fc2.bias', 'fc1.weight', 'fc1.bias']); // the 1x3 layer named first
  assert.match(refusal(() => read(reversed)), /fc2\.weight has shape \(3, 2\): it takes 2 inputs, but the layer before it in name order \(fc1\) has 1 outputs/);
  const bias = mlp231();
  bias[1] = { ...bias[1]!, shape: [1, 3] };
  assert.match(refusal(() => read(bias)), /fc1\.bias has shape \(1, 3\); the layer has 3 outputs, so its bias is \(3\)/);
  assert.match(refusal(() => read(mlp231(), { layer_sizes: '2,4,1' })), /the safetensors metadata gives layer sizes 2-4-1, but its tensors give 2-3-1/);
  assert.match(refusal(() => read(mlp231(), { activation: 'relu' })), /the safetensors metadata says activation 'relu'; mi-ident analyses LeakyReLU networks only/);
  assert.is(read(mlp231(), { negative_slope: '0.2' }).negativeSlope, Math.fround(0.2));
  // A stated value of megabytes is cut in the message (found by fuzz seed 53535), as names are.
  const long = refusal(() => read(mlp231(), { activation: 'x'.repeat(10_000) }));
  assert.match(long, /says activation 'x{60}\.\.\. \(10000 characters\)'; mi-ident analyses LeakyReLU networks only/);
  assert.ok(long.length < 300, long);
  const sizes = refusal(() => read(mlp231(), { layer_sizes: Array(5000).fill(2).join(',') }));
  assert.match(sizes, /gives layer sizes 2-2-2-[-2]*\.\.\. \(9999 characters\), but its tensors give 2-3-1/);
  assert.ok(sizes.length < 300, sizes);
});

test('float conversions (N10): float64 when exact, float16 and bfloat16 always, NaN never', () => {
  const one = (dtype: string, data: Uint8Array, shape = [1, 2]) =>
    safetensors([{ name: 'weight', dtype, shape, data }, { name: 'bias', dtype: 'F32', shape: [shape[0]!], data: le('F32', [0]) }]);
  const w0 = (bytes: Uint8Array) => [...loadModelFile(bytes).weights[0]!];
  assert.equal(w0(one('F64', le('F64', [0.1875, Math.fround(0.1)]))), [0.1875, Math.fround(0.1)]);
  assert.match(refusal(() => loadModelFile(one('F64', le('F64', [0.1875, 0.1])), 'x.safetensors')), /^x\.safetensors: weight is F64 and not exactly float32: its value 0\.1 at \[0, 1\] would be rounded to 0\.10000000149011612/);
  // float16 0x3c00 = 1, 0xc000 = -2, 0x0001 = 2^-24 (subnormal); bfloat16 0x3f80 = 1, 0xc0a0 = -5
  assert.equal(w0(one('F16', le('U16', [0x3c00, 0x0001]))), [1, 2 ** -24]);
  assert.equal(w0(one('F16', le('U16', [0xc000, 0x3555]))), [-2, 0.333251953125]);
  assert.equal(w0(one('BF16', le('U16', [0x3f80, 0xc0a0]))), [1, -5]);
  assert.match(refusal(() => loadModelFile(one('F32', le('F32', [1, NaN])))), /weight holds NaN at \[0, 1\]; every weight and bias must be finite/);
  assert.match(refusal(() => loadModelFile(one('F16', le('U16', [0x7c00, 0])))), /weight holds Infinity at \[0, 0\]/);
  assert.match(refusal(() => loadModelFile(one('I32', new Uint8Array(8)))), /weight has dtype I32; weights and biases must be floating point/);
  assert.match(refusal(() => loadModelFile(one('F8_E4M3', new Uint8Array(2)))), /weight has dtype F8_E4M3 \(not read by mi-ident\)/);
});

test('torch zips beyond the fixtures: one shared storage, big-endian records, float64 storages', () => {
  assert.equal(loadModelFile(mlp231Zip()), MLP231);
  assert.equal(loadModelFile(mlp231Zip({ littleEndian: false })), MLP231, 'byteorder "big" (torch >= 2.1 records it)');
  assert.equal(loadModelFile(mlp231Zip({ storageType: 'DoubleStorage' })), MLP231);
  const file = readModelFile(mlp231Zip({ names: ['net.0.weight', 'net.0.bias', 'net.2.weight', 'net.2.bias'] }));
  assert.equal(file.layers.map((l) => l.name), ['net.0', 'net.2']);
});

test("pickle protocols 2 to 5, as CPython's pickler writes them (STACK_GLOBAL, MEMOIZE, FRAME)", () => {
  for (const p of [2, 3, 4, 5]) {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, '..', 'pickle-protocols', `p${p}.pt`)));
    assert.equal(loadModelFile(bytes, `p${p}.pt`), MLP231, `protocol ${p}`);
  }
});

test('torch zips refused: TorchScript, no data.pkl, a missing or short storage, a view past its storage, unknown opcodes', () => {
  const pkl = dictPickle([]);
  assert.match(refusal(() => loadModelFile(torchZip(pkl, {}, { 'code/__torch__.py': 'x', 'constants.pkl': 'x' }), 'm.pt')), /^m\.pt is a TorchScript archive \(torch\.jit\.save\)/);
  const notTorch = new Uint8Array(readFileSync(fixturePath('mlp_2-3-3-1.model.json')));
  const { zipSync } = fflateZip;
  assert.match(refusal(() => loadModelFile(zipSync({ 'model.json': notTorch }), 'm.pt')), /^m\.pt is a zip archive but not a torch\.save file: it has no <folder>\/data\.pkl \(entries: model\.json\)/);
  const good = mlp231Zip();
  const files = fflateZip.unzipSync(good);
  const without = { ...files };
  delete without['model/data/0'];
  assert.match(refusal(() => loadModelFile(zipSync(without), 'm.pt')), /^m\.pt: the storage model\/data\/0 is missing from the archive/);
  assert.match(refusal(() => loadModelFile(zipSync({ ...files, 'model/data/0': files['model/data/0']!.subarray(0, 20) }), 'm.pt')), /the storage model\/data\/0 has 20 bytes, but 13 float32 elements need 52/);
  const past = dictPickle([['weight', [...op.global('torch._utils', '_rebuild_tensor_v2'), ...op.mark, ...op.mark, ...op.str('storage'), ...op.global('torch', 'FloatStorage'), ...op.str('0'), ...op.str('cpu'), ...op.int(4), ...op.tuple, ...op.binpersid, ...op.int(2), ...op.mark, ...op.int(2), ...op.int(2), ...op.tuple, ...op.mark, ...op.int(2), ...op.int(1), ...op.tuple, ...op.newfalse, ...op.emptyDict, ...op.tuple, ...op.reduce]]]);
  assert.match(refusal(() => loadModelFile(torchZip(past, { 0: le('F32', [1, 2, 3, 4]) }), 'm.pt')), /^m\.pt: weight reads elements 2 to 5 of a storage of 4 .*a corrupt file/);
  const text = Uint8Array.from([...op.proto, 0x49, ...new TextEncoder().encode('1\n'), ...op.stop]); // INT, a protocol-0 opcode
  assert.match(refusal(() => loadModelFile(torchZip(text, {}), 'm.pt')), /its pickle uses the opcode INT \(at byte 2\), which mi-ident does not read/);
  const badMemo = Uint8Array.from([...op.proto, 0x68, 7, ...op.stop]); // BINGET 7, never stored
  assert.match(refusal(() => loadModelFile(torchZip(badMemo, {}), 'm.pt')), /BINGET at byte 2 refers to memo entry 7, which was never stored/);
  const stackGlobal = Uint8Array.from([...op.proto, 0x8c, 2, ...new TextEncoder().encode('os'), 0x8c, 6, ...new TextEncoder().encode('system'), 0x93, ...op.stop]);
  assert.match(refusal(() => loadModelFile(torchZip(stackGlobal, {}), 'm.pt')), /^m\.pt names os\.system in its pickle, which mi-ident refuses without running anything/);
  const proto = Uint8Array.from([...op.proto, ...op.str('__proto__'), ...op.emptyDict, ...op.build, ...op.stop]);
  assert.match(refusal(() => loadModelFile(torchZip(proto, {}), 'm.pt')), /BUILD at byte \d+ sets the state of a string, which mi-ident does not do/);
  const dictOfNumbers = dictPickle([['epoch', op.int(3)], ['weight', op.int(1)]]);
  assert.match(refusal(() => loadModelFile(torchZip(dictOfNumbers, {}), 'm.pt')), /^m\.pt: is a dict but not a state_dict: "epoch" holds a number, "weight" holds a number\. A state_dict maps parameter names to tensors/);
});

test('legacy and checkpoint files refused: cut short, a second state_dict, sizes that disagree', () => {
  const legacy = fixture('legacy_format.pt');
  assert.match(refusal(() => loadModelFile(legacy.subarray(0, legacy.length - 10), 'old.pt')), /^old\.pt \(legacy torch\.save format\): the file ends inside storage \d+: truncated/);
  assert.match(refusal(() => loadModelFile(legacy.subarray(0, 600), 'old.pt')), /^old\.pt ends inside the argument of|^old\.pt ends at byte \d+ before its STOP opcode/);
  const both = Uint8Array.from([...op.proto, ...op.emptyDict, ...op.mark, ...op.str('state_dict'), ...op.emptyDict, ...op.str('model_state_dict'), ...op.emptyDict, ...op.setitems, ...op.stop]);
  assert.match(refusal(() => loadModelFile(torchZip(both, {}), 'c.pt')), /^c\.pt: holds both "state_dict" and "model_state_dict"/);
  const sizes = fixture('authors_xor_mlp.pt');
  const files = fflateZip.unzipSync(sizes);
  const pkl = files['authors_xor_mlp/data.pkl']!;
  const text = new TextDecoder('latin1').decode(pkl);
  const at = text.indexOf('output_size') + 'output_size'.length + 2; // BINPUT n, then BININT1 1
  const changed = pkl.slice();
  assert.is(changed[at], 0x4b);
  changed[at + 1] = 2;
  const zip = fflateZip.zipSync({ ...files, 'authors_xor_mlp/data.pkl': changed });
  assert.match(refusal(() => loadModelFile(zip, 'a.pt')), /^a\.pt: the checkpoint's input_size, hidden_sizes and output_size gives layer sizes 2-3-3-2, but its tensors give 2-3-3-1/);
});

test('safetensors refused: holes, trailing bytes, bad metadata, bad entries', () => {
  const st = safetensors(mlp231());
  const view = new DataView(st.buffer);
  const n = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(st.subarray(8, 8 + n)));
  const rebuild = (h: unknown, data: Uint8Array) => {
    const json = new TextEncoder().encode(JSON.stringify(h));
    const out = new Uint8Array(8 + json.length + data.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    out.set(data, 8 + json.length);
    return out;
  };
  const data = st.subarray(8 + n);
  assert.match(refusal(() => loadModelFile(Uint8Array.from([...st, 0, 0, 0, 0]))), /the data section has 4 bytes after the last tensor/);
  const hole = structuredClone(header);
  hole['fc2.bias'].data_offsets = [52, 56];
  assert.match(refusal(() => loadModelFile(rebuild(hole, Uint8Array.from([...data, 0, 0, 0, 0])))), /fc2\.bias: data_offsets \[52, 56\] leave bytes 48 to 52 of the data section unused/);
  assert.match(refusal(() => loadModelFile(rebuild({ ...header, __metadata__: { a: 1 } }, data))), /__metadata__ must map strings to strings/);
  assert.match(refusal(() => loadModelFile(rebuild({ ...header, 'fc1.weight': { ...header['fc1.weight'], dtype: 'float32' } }, data))), /fc1\.weight has dtype "float32", which is not a safetensors dtype/);
  assert.match(refusal(() => loadModelFile(rebuild({ ...header, 'fc1.weight': { ...header['fc1.weight'], shape: [3, -2] } }, data))), /fc1\.weight: shape \[3,-2\] is not a list of sizes/);
  assert.match(refusal(() => loadModelFile(rebuild([1, 2], data), 'a.safetensors')), /^a\.safetensors is not a safetensors file: it does not start with an 8-byte header length and a JSON header/);
  assert.match(refusal(() => loadModelFile(Uint8Array.from([1, 2, 3]), 'a.safetensors')), /^a\.safetensors is not a safetensors file/);
});

test('what is not a model file is named: a plain pickle, binary under a .json name, a JSON file under a .pt name', () => {
  assert.match(refusal(() => loadModelFile(Uint8Array.from([0x80, 2, 0x7d, 0x2e]), 'p.pkl')), /^p\.pkl is a Python pickle but not a torch\.save file \(pickle\.dump\?\)/);
  assert.match(refusal(() => loadModelFile(Uint8Array.from([0xcd, 0x41, 0, 1]), 'x.json')), /^x\.json is a binary file, not JSON text: mi-ident reads model JSON, torch\.save files \(\.pt\) and safetensors, and this is none of them/);
  assert.match(refusal(() => loadModelFile(new TextEncoder().encode('hello'), 'x.pt')), /^x\.pt is not a PyTorch file/);
  assert.equal(loadModelFile(new TextEncoder().encode(JSON.stringify(PRETRAINED_XOR)), 'named.pt'), parseModel(PRETRAINED_XOR), 'JSON is JSON whatever its name');
  assert.match(refusal(() => loadModelFile(new Uint8Array(0))), /^model is empty: choose a model file/);
});

test('modelToSafetensors: read back as the same model, with its metadata', () => {
  const model = parseModel(PRETRAINED_XOR);
  const bytes = modelToSafetensors(model, 0.01);
  assert.is((8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))) % 8, 0, 'data 8-aligned');
  const file = readModelFile(bytes);
  assert.equal(file.model, model);
  assert.is(file.negativeSlope, 0.01);
  assert.equal(file.layers.map((l) => l.name), ['layers.0', 'layers.1', 'layers.2']);
});

test('no input gives anything but a model or a ModelFormatError (damaged fixtures)', () => {
  const sources = MANIFEST.files.filter((f) => f.bytes > 0).map((f) => fixture(f.name));
  fc.assert(
    fc.property(fc.nat(sources.length - 1), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }), fc.option(fc.nat()), (i, edits, cut) => {
      const b = sources[i]!.slice();
      for (const [at, v] of edits) b[at % b.length] = v;
      const input = cut === null ? b : b.subarray(0, cut % (b.length + 1));
      try {
        loadModelFile(input, 'damaged.pt');
      } catch (e) {
        if (!(e instanceof ModelFormatError)) throw e;
      }
    }),
    { numRuns: 1500, seed: 16 },
  );
});

// ---- the CLI ----

const DIR = mkdtempSync(join(tmpdir(), 'mi-ident-model-files-'));

async function cli(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { log: console.log, error: console.error };
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    return { code: await main(argv), out: out.join('\n'), err: err.join('\n') };
  } finally {
    Object.assign(console, saved);
  }
}

const withoutTimings = (path: string) => JSON.parse(readFileSync(path, 'utf8'), (k, v) => (k === 'timings' ? undefined : v));

test('analyze MODEL.pt and MODEL.safetensors: the same result as their JSON twins', async () => {
  for (const [file, json] of [['authors_xor_mlp.pt', 'authors_xor_mlp.model.json'], ['with_metadata.safetensors', 'with_metadata.model.json'], ['legacy_format.pt', 'legacy_format.model.json']]) {
    const a = await cli(['analyze', fixturePath(file!), '--gates', 'XOR', '--threads', '1', '--quiet', '--json', join(DIR, `${file}.result.json`)]);
    const b = await cli(['analyze', fixturePath(json!), '--gates', 'XOR', '--threads', '1', '--quiet', '--json', join(DIR, `${json}.result.json`)]);
    assert.is(a.code, 0, a.err);
    assert.is(b.code, 0, b.err);
    assert.equal(withoutTimings(join(DIR, `${file}.result.json`)), withoutTimings(join(DIR, `${json}.result.json`)), file);
  }
});

test('convert writes the JSON twin byte for byte, and safetensors that read back the same', async () => {
  for (const f of MANIFEST.files.filter((e) => e.expect === 'load')) {
    const out = join(DIR, `${f.name}.json`);
    const r = await cli(['convert', fixturePath(f.name), '--out', out]);
    assert.is(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`^read ${f.name.replace(/[.]/g, '\\.')} \\(`));
    assert.is(readFileSync(out, 'utf8'), readFileSync(fixturePath(f.twin!), 'utf8'), f.name);
  }
  const st = join(DIR, 'xor.safetensors');
  assert.is((await cli(['convert', fixturePath('authors_xor_mlp.model.json'), '--out', st, '--quiet'])).code, 0);
  assert.equal(loadModelFile(new Uint8Array(readFileSync(st))), twin('authors_xor_mlp.model.json'));
  const back = join(DIR, 'xor-back.json');
  assert.is((await cli(['convert', st, '--to', 'json', '--out', back, '--quiet'])).code, 0);
  assert.is(readFileSync(back, 'utf8'), readFileSync(fixturePath('authors_xor_mlp.model.json'), 'utf8'));
  const report = await cli(['convert', fixturePath('authors_xor_mlp.pt'), '--out', join(DIR, 'a.json')]);
  assert.match(report.out, /torch\.save zip; state_dict under "state_dict"; activation from the checkpoint; .*2-3-3-1, LeakyReLU slope 0\.01; layers in order: layers\.0\.0, layers\.1\.0, layers\.2\.0/);
});

test.run();
