/**
 * Fuzz cases of binary model files (docs/fuzzing.md): torch.save zips and legacy files, and
 * safetensors, read by `readModelFile` (docs/semantics.md, N9 and N10). Corrupted four ways: raw
 * bytes of real files (the fixtures of test/fixtures/pytorch and pickle-protocols); one entry of a
 * zip edited and the archive rebuilt; pickles written opcode by opcode (torch's tensors with
 * random sizes, strides, offsets and storages, any other opcode, long runs of one); safetensors
 * headers edited as JSON. Each ends in a ModelFormatError or a valid model, and nothing runs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { unzipSync, zipSync } from 'fflate';
import { ModelFormatError } from '../../src/errors.ts';
import { modelToSafetensors } from '../../src/formats/safetensors.ts';
import { readModelFile } from '../../src/model-file.ts';
import { parseModel } from '../../src/model.ts';
import { PRETRAINED_XOR } from '../../src/pretrained-xor.ts';
import { FIXTURES, MANIFEST, mlp231, mlp231Zip, safetensors, tensorOps, dictPickle, op } from '../model-file-helpers.ts';
import { checkModel, refused } from './model-json.cases.ts';
import { applyByteEdits, applyValueEdits, byteEdit, concat, valueEdit } from './mutate.ts';
import { RUNS } from './budget.ts';
import { expect, outcome, property, type FuzzProperty } from './property.ts';

/** Where the malicious fixture's pickle would leave its mark, were it ever run. */
const MARKER = '/tmp/PWNED_mi_ident';
const enc = new TextEncoder();

/** Every fixture, read or refused, and the files of each pickle protocol. */
const FILES: readonly Uint8Array[] = [
  ...MANIFEST.files.filter((f) => f.bytes > 0).map((f) => new Uint8Array(readFileSync(join(FIXTURES, f.name)))),
  ...[2, 3, 4, 5].map((p) => new Uint8Array(readFileSync(join(FIXTURES, '..', 'pickle-protocols', `p${p}.pt`)))),
  mlp231Zip(), mlp231Zip({ littleEndian: false }), mlp231Zip({ storageType: 'DoubleStorage' }),
  safetensors(mlp231(['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias'])),
  modelToSafetensors(parseModel(PRETRAINED_XOR)),
];
const ZIPS = FILES.filter((b) => {
  try {
    return b[0] === 0x50 && b[1] === 0x4b && Object.keys(unzipSync(b)).length > 0;
  } catch {
    return false; // truncated.pt: the raw-bytes property has it
  }
});
/** The safetensors files whose header is JSON (the header property edits it as a value). */
const SAFETENSORS = FILES.filter((b) => {
  try {
    return b.length > 8 && b[8] === 0x7b && safetensorsHeader(b) !== undefined;
  } catch {
    return false;
  }
});
const NAMES = ['model.pt', 'model.safetensors', 'model.json', 'checkpoint.pth', 'x'];

/** A verdict on a file's bytes: a short ModelFormatError, or a model that is valid and reads back from its own safetensors. */
function verdict(bytes: Uint8Array, name: string) {
  return async () => {
    const r = await outcome(() => readModelFile(bytes, name), [ModelFormatError]);
    expect(!existsSync(MARKER), `${MARKER} exists: a pickle ran code`);
    if (!r.ok) return refused(r.error);
    checkModel(r.value.model);
    const again = readModelFile(modelToSafetensors(r.value.model), 'again.safetensors').model;
    expect(JSON.stringify([again.layerSizes, again.weights.map((w) => [...w]), again.biases.map((b) => [...b])]) ===
      JSON.stringify([r.value.model.layerSizes, r.value.model.weights.map((w) => [...w]), r.value.model.biases.map((b) => [...b])]), 'the safetensors round trip changes the model');
    return 'valid' as const;
  };
}

// ---- pickles, opcode by opcode ----

const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const u64 = (n: number) => [...u32(n % 2 ** 32), ...u32(Math.floor(n / 2 ** 32))];

/** Globals a pickle may name: torch's own, and those that would run code. */
const GLOBALS: [string, string][] = [
  ['collections', 'OrderedDict'], ['torch._utils', '_rebuild_tensor_v2'], ['torch._utils', '_rebuild_parameter'], ['torch._utils', '_rebuild_tensor'],
  ['torch', 'FloatStorage'], ['torch', 'DoubleStorage'], ['torch', 'HalfStorage'], ['torch', 'BFloat16Storage'], ['torch', 'LongStorage'], ['torch', 'BoolStorage'],
  ['os', 'system'], ['builtins', 'eval'], ['torch.nn.modules.linear', 'Linear'], ['__torch__', 'MLP'], ['__builtin__', 'set'],
];
const STORAGES = ['FloatStorage', 'DoubleStorage', 'HalfStorage', 'BFloat16Storage', 'LongStorage', 'IntStorage', 'ByteStorage', 'BoolStorage', 'NoSuchStorage'];
const KEYS = ['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias', 'fc1.weight', 'fc1.bias', 'weight', 'bias', 'state_dict', 'activation', 'input_size', 'hidden_sizes', 'output_size', 'negative_slope', '__proto__', 'constructor'];

/** A tensor of the fragment generator: sizes and strides near torch's, and often not. */
const tensorFragment = fc.record({
  key: fc.constantFrom('0', '1', '2', 'x'),
  storage: fc.constantFrom(...STORAGES),
  numel: fc.oneof(fc.nat({ max: 20 }), fc.constantFrom(2 ** 31, 2 ** 32 + 1, 2 ** 40)),
  offset: fc.oneof(fc.nat({ max: 20 }), fc.constantFrom(2 ** 31, 2 ** 40)),
  shape: fc.array(fc.oneof(fc.nat({ max: 6 }), fc.constantFrom(65_536, 2 ** 31, 2 ** 32 + 1)), { maxLength: 3 }),
  strides: fc.array(fc.oneof(fc.nat({ max: 6 }), fc.constantFrom(0, 2 ** 31)), { maxLength: 3 }),
}).map((t) => tensorOps(t.key, t.storage, t.numel, t.offset, t.shape, t.strides));

/** One opcode with an argument (lengths sometimes lie), a fragment, or a long run of one opcode. */
const pickleToken: fc.Arbitrary<number[]> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ code: fc.nat({ max: 255 }), n: fc.nat(), text: fc.string({ maxLength: 8 }), lie: fc.nat({ max: 7 }) }).map(({ code, n, text, lie }) => {
    const b = [...enc.encode(text)];
    const len = lie === 0 ? n % 2 ** 32 : b.length;
    switch (String.fromCharCode(code)) {
      case 'K': case 'q': case 'h': case 'U': case 'C': return [code, n & 0xff, ...(code === 0x55 || code === 0x43 ? b.slice(0, n & 0xff) : [])];
      case 'M': return [code, n & 0xff, (n >> 8) & 0xff];
      case 'J': case 'r': case 'j': return [code, ...u32(n)];
      case 'G': return [code, ...new Uint8Array(new Float64Array([n / 7]).buffer).reverse()];
      case 'X': case 'T': case 'B': return [code, ...u32(len), ...b];
      case 'c': return [code, ...enc.encode(`${text}\n${text}\n`)];
      default:
        if (code === 0x8c) return [code, len & 0xff, ...b];
        if (code === 0x8d || code === 0x8e || code === 0x95) return [code, ...u64(lie === 1 ? 2 ** 33 : len), ...b];
        if (code === 0x8a) return [code, n % 12, ...Array.from({ length: n % 12 }, (_, i) => (n >> i) & 0xff)];
        if (code === 0x8b) return [code, ...u32(lie === 2 ? 1e6 : n % 80), ...Array.from({ length: n % 80 }, () => 0xff)];
        if (code === 0x80) return [code, n % 8];
        return [code];
    }
  }) },
  { weight: 3, arbitrary: fc.constantFrom(...GLOBALS).map(([m, n]) => op.global(m, n)) },
  { weight: 3, arbitrary: fc.constantFrom(...KEYS).map((k) => op.str(k)) },
  { weight: 3, arbitrary: tensorFragment },
  { weight: 4, arbitrary: fc.constantFrom(op.mark, op.tuple, op.emptyTuple, op.reduce, op.setitems, op.emptyDict, op.build, op.binpersid, [0x5d], [0x61], [0x65], [0x73], [0x30], [0x32], [0x4e], [0x94], [0x85], [0x86], [0x87], [0x2e]) },
);

/**
 * A long run of one opcode (MARK NONE x 200,000 APPENDS stresses anything that spreads a list
 * into arguments), in about one pickle in 40: long pickles cost a second each under tsx.
 */
const opcodeRun = fc.oneof(
  { weight: 39, arbitrary: fc.constant(null) },
  {
    weight: 1,
    arbitrary: fc.record({ code: fc.constantFrom(0x4e, 0x28, 0x5d, 0x7d, 0x29, 0x88), times: fc.constantFrom(1000, 70_000, 200_000), at: fc.nat() })
      .map(({ code, times, at }) => ({ at, ops: new Array<number>(times).fill(code) })),
  },
);

/** A pickle: usually PROTO 2, an OrderedDict and entries, then tokens, usually STOP at the end. */
const randomPickle = fc.record({
  proto: fc.boolean(),
  dict: fc.boolean(),
  tokens: fc.array(pickleToken, { maxLength: 24 }),
  run: opcodeRun,
  stop: fc.nat({ max: 9 }),
}).map((p) => Uint8Array.from([
  ...(p.proto ? op.proto : []),
  ...(p.dict ? [...op.global('collections', 'OrderedDict'), ...op.emptyTuple, ...op.reduce, ...op.mark] : []),
  ...(p.run ? [...p.tokens.slice(0, p.run.at % (p.tokens.length + 1)), p.run.ops, ...p.tokens.slice(p.run.at % (p.tokens.length + 1))] : p.tokens).flat(),
  ...(p.dict ? op.setitems : []),
  ...(p.stop ? op.stop : []),
]));

/** A state_dict of well-formed tensors with random names, sizes and storages: deep into the readers. */
const tensorDict = fc.array(fc.tuple(fc.constantFrom(...KEYS), tensorFragment), { minLength: 1, maxLength: 5 }).map((entries) => dictPickle(entries));

/** A torch.save zip around a pickle, with storages of random sizes. */
const torchZipOf = (pickle: fc.Arbitrary<Uint8Array>) => fc.record({
  pkl: pickle,
  storages: fc.dictionary(fc.constantFrom('0', '1', '2', 'x'), fc.oneof(fc.uint8Array({ maxLength: 96 }), fc.constant(new Uint8Array(52))), { maxKeys: 3 }),
  byteorder: fc.constantFrom(null, 'little', 'big', 'middle', 'x'.repeat(300_000)),
  prefix: fc.constantFrom('archive', 'model', 'a/b'),
  level: fc.constantFrom(0, 0, 6),
}).map((z) => {
  const files: Record<string, Uint8Array> = { [`${z.prefix}/data.pkl`]: z.pkl, [`${z.prefix}/version`]: enc.encode('3\n') };
  for (const [k, b] of Object.entries(z.storages)) files[`${z.prefix}/data/${k}`] = b;
  if (z.byteorder !== null) files[`${z.prefix}/byteorder`] = enc.encode(z.byteorder);
  return zipSync(files, { level: z.level as 0 | 6 });
});

/** A zip fixture with one entry edited, or one added or removed, and the archive rebuilt. */
const zipEdit = fc.record({
  file: fc.nat({ max: ZIPS.length - 1 }),
  entry: fc.nat(),
  kind: fc.constantFrom('bytes', 'bytes', 'remove', 'add', 'rename'),
  edits: fc.array(byteEdit, { minLength: 1, maxLength: 3 }),
  added: fc.constantFrom('code/__torch__.py', 'constants.pkl', 'data.pkl', 'byteorder', 'data/99', '../../etc/passwd', 'other/data.pkl'),
  level: fc.constantFrom(0, 6),
}).map((z) => {
  const files: Record<string, Uint8Array> = unzipSync(ZIPS[z.file]!);
  const names = Object.keys(files).sort();
  const name = names[z.entry % names.length]!;
  const prefix = names[0]!.split('/')[0]!;
  if (z.kind === 'bytes') files[name] = applyByteEdits(files[name]!, z.edits);
  else if (z.kind === 'remove') delete files[name];
  else if (z.kind === 'add') files[`${prefix}/${z.added}`] = applyByteEdits(files[name]!, z.edits);
  else {
    files[`${prefix}/${z.added}`] = files[name]!;
    delete files[name];
  }
  return zipSync(files, { level: z.level as 0 | 6 });
});

/** A safetensors file whose header is edited as JSON (its length kept right), or whose data is cut or grown. */
const safetensorsEdit = fc.record({
  file: fc.nat({ max: SAFETENSORS.length - 1 }),
  values: fc.array(valueEdit, { minLength: 1, maxLength: 3 }),
  data: fc.array(byteEdit, { maxLength: 1 }),
  lengthLie: fc.constantFrom(0, 0, 0, 1, -1, 2 ** 40),
}).map((s) => {
  const bytes = SAFETENSORS[s.file]!;
  const n = headerLength(bytes);
  const header = applyValueEdits(safetensorsHeader(bytes), s.values);
  const json = enc.encode(JSON.stringify(header) ?? '');
  const out = concat(new Uint8Array(8), json, applyByteEdits(bytes.subarray(8 + n), s.data));
  new DataView(out.buffer).setBigUint64(0, BigInt(Math.max(0, json.length + s.lengthLie)), true);
  return out;
});

export const PROPERTIES: Record<string, FuzzProperty<any>> = {
  'file-bytes': property(RUNS['model-pytorch']['file-bytes'], fc.record({ file: fc.nat({ max: FILES.length - 1 }), edits: fc.array(byteEdit, { minLength: 1, maxLength: 4 }), name: fc.constantFrom(...NAMES) }),
    ({ file, edits, name }) => verdict(applyByteEdits(FILES[file]!, edits), name)()),
  'zip-entries': property(RUNS['model-pytorch']['zip-entries'], zipEdit, (bytes) => verdict(bytes, 'model.pt')()),
  'pickle-opcodes': property(RUNS['model-pytorch']['pickle-opcodes'], torchZipOf(randomPickle), (bytes) => verdict(bytes, 'model.pt')()),
  'pickle-tensors': property(RUNS['model-pytorch']['pickle-tensors'], torchZipOf(tensorDict), (bytes) => verdict(bytes, 'model.pt')()),
  'legacy-pickle': property(RUNS['model-pytorch']['legacy-pickle'], fc.record({ pkl: fc.oneof(randomPickle, tensorDict), cut: fc.nat() }), ({ pkl, cut }) => {
    // the legacy format's header (magic number, protocol 1001, sys_info) before a generated object pickle
    const legacy = FILES.find((b) => b[0] === 0x80 && b[2] === 0x8a)!;
    const header = legacy.subarray(0, legacyHeaderEnd(legacy));
    return verdict(concat(header, pkl, legacy.subarray(header.length + (cut % 200))), 'legacy.pt')();
  }),
  'safetensors-header': property(RUNS['model-pytorch']['safetensors-header'], safetensorsEdit, (bytes) => verdict(bytes, 'model.safetensors')()),
};

function headerLength(bytes: Uint8Array): number {
  return Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
}

function safetensorsHeader(bytes: Uint8Array): unknown {
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength(bytes))));
}

/** Where the legacy fixture's third pickle (sys_info) ends: three STOPs of protocol-2 pickles. */
function legacyHeaderEnd(bytes: Uint8Array): number {
  let stops = 0;
  for (let i = 0; i < bytes.length; i++) {
    // pickles of the header hold no 0x2e byte but their STOP (small ints and short strings)
    if (bytes[i] === 0x2e && ++stops === 3) return i + 1;
  }
  return 0;
}
