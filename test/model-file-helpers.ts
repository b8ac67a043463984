/**
 * Model files for tests: the torch-made fixtures of test/fixtures/pytorch (copied from
 * shared/fixtures/pytorch, see its README.md and manifest.json), and small builders of files the
 * fixtures do not cover: safetensors of any dtype, and torch.save zips around a hand-assembled
 * protocol-2 pickle (the opcodes torch writes, nothing else).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'pytorch');

/** One entry of the fixtures' manifest.json. */
export interface ManifestEntry {
  name: string;
  expect: 'load' | 'refuse';
  twin?: string;
  reason?: string;
  messageShouldMention?: string[];
  marker?: string;
  bytes: number;
  sha256: string;
}

export const MANIFEST: { files: ManifestEntry[] } = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8'));

/** A fixture's bytes. */
export const fixture = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));
/** A fixture's path. */
export const fixturePath = (name: string) => join(FIXTURES, name);

const enc = new TextEncoder();

/** A safetensors file of the given tensors (raw little-endian bytes) and metadata. */
export function safetensors(tensors: { name: string; dtype: string; shape: number[]; data: Uint8Array }[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let at = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [at, at + t.data.length] };
    at += t.data.length;
  }
  const json = enc.encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + at);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let p = 8 + json.length;
  for (const t of tensors) {
    out.set(t.data, p);
    p += t.data.length;
  }
  return out;
}

/** Little-endian bytes of numbers as `dtype` (float32, float64, or raw 16-bit patterns for float16 and bfloat16). */
export function le(dtype: 'F32' | 'F64' | 'U16', values: number[], littleEndian = true): Uint8Array {
  const size = dtype === 'F64' ? 8 : dtype === 'F32' ? 4 : 2;
  const b = new Uint8Array(values.length * size);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => (dtype === 'F64' ? v.setFloat64(i * 8, x, littleEndian) : dtype === 'F32' ? v.setFloat32(i * 4, x, littleEndian) : v.setUint16(i * 2, x, littleEndian)));
  return b;
}

/** A 2-3-1 MLP's tensors as float32 safetensors entries under `names` (weight0, bias0, weight1, bias1). */
export function mlp231(names = ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']) {
  const values = [[0.5, -1, 0.25, 2, -0.75, 1], [0.125, -0.5, 1], [1, -2, 0.5], [0.25]];
  const shapes = [[3, 2], [3], [1, 3], [1]];
  return names.map((name, i) => ({ name, dtype: 'F32', shape: shapes[i]!, data: le('F32', values[i]!) }));
}

// ---- a protocol-2 pickle, opcode by opcode ----

const u32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
/** Pickle opcodes as bytes. */
export const op = {
  proto: [0x80, 2], stop: [0x2e], mark: [0x28], tuple: [0x74], emptyTuple: [0x29], reduce: [0x52], setitems: [0x75],
  newfalse: [0x89], binpersid: [0x51], emptyDict: [0x7d], build: [0x62],
  global: (module: string, name: string) => [0x63, ...enc.encode(`${module}\n${name}\n`)],
  str: (s: string) => {
    const b = enc.encode(s);
    return [0x58, ...u32(b.length), ...b];
  },
  int: (n: number) => (n < 256 ? [0x4b, n] : [0x4a, ...u32(n)]),
};

/** The opcodes of one tensor: `_rebuild_tensor_v2(storage, offset, shape, strides, False, OrderedDict())`. */
export function tensorOps(key: string, storageType: string, numel: number, offset: number, shape: number[], strides: number[]): number[] {
  return [
    ...op.global('torch._utils', '_rebuild_tensor_v2'), ...op.mark,
    ...op.mark, ...op.str('storage'), ...op.global('torch', storageType), ...op.str(key), ...op.str('cpu'), ...op.int(numel), ...op.tuple, ...op.binpersid,
    ...op.int(offset), ...op.mark, ...shape.flatMap(op.int), ...op.tuple, ...op.mark, ...strides.flatMap(op.int), ...op.tuple,
    ...op.newfalse, ...op.global('collections', 'OrderedDict'), ...op.emptyTuple, ...op.reduce,
    ...op.tuple, ...op.reduce,
  ];
}

/** A pickled OrderedDict of `entries` (name, the value's opcodes). */
export function dictPickle(entries: [string, number[]][]): Uint8Array {
  return Uint8Array.from([
    ...op.proto, ...op.global('collections', 'OrderedDict'), ...op.emptyTuple, ...op.reduce,
    ...op.mark, ...entries.flatMap(([k, v]) => [...op.str(k), ...v]), ...op.setitems, ...op.stop,
  ]);
}

/** A torch.save-style zip: `prefix/data.pkl`, `prefix/data/<key>` per storage, `prefix/version`, and `extra` records. */
export function torchZip(pkl: Uint8Array, storages: Record<string, Uint8Array>, extra: Record<string, Uint8Array | string> = {}, prefix = 'model'): Uint8Array {
  const files: Record<string, Uint8Array> = { [`${prefix}/data.pkl`]: pkl, [`${prefix}/version`]: enc.encode('3\n') };
  for (const [k, b] of Object.entries(storages)) files[`${prefix}/data/${k}`] = b;
  for (const [k, b] of Object.entries(extra)) files[`${prefix}/${k}`] = typeof b === 'string' ? enc.encode(b) : b;
  return zipSync(files, { level: 0 });
}

/**
 * The 2-3-1 MLP of {@link mlp231} as a torch zip: every tensor a view of one float32 storage
 * (offsets 0, 6, 9, 12), `fc2.weight` stored transposed, as `views_shared_storage.pt` does.
 */
export function mlp231Zip(options: { littleEndian?: boolean; storageType?: string; names?: string[] } = {}): Uint8Array {
  const names = options.names ?? ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias'];
  const type = options.storageType ?? 'FloatStorage';
  const flat = [0.5, -1, 0.25, 2, -0.75, 1, 0.125, -0.5, 1, 1, -2, 0.5, 0.25];
  const pkl = dictPickle([
    [names[0]!, tensorOps('0', type, 13, 0, [3, 2], [2, 1])],
    [names[1]!, tensorOps('0', type, 13, 6, [3], [1])],
    [names[2]!, tensorOps('0', type, 13, 9, [1, 3], [1, 1])],
    [names[3]!, tensorOps('0', type, 13, 12, [1], [1])],
  ]);
  const dtype = type === 'DoubleStorage' ? 'F64' : 'F32';
  const extra: Record<string, string> = options.littleEndian === false ? { byteorder: 'big' } : {};
  return torchZip(pkl, { 0: le(dtype, flat, options.littleEndian ?? true) }, extra);
}
