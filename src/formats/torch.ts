/**
 * `torch.save` files without Python (docs/semantics.md, N10): the zip format (PyTorch >= 1.6) and
 * the legacy format (five pickles back to back, then the storages). The pickle is read by the
 * strict reader of pickle.ts with an allowlist of globals: `collections.OrderedDict`, torch's
 * tensor and parameter rebuild functions and its storage types. Nothing else is resolved, and no
 * Python code runs. Storages are shared between tensors and read through each tensor's offset and
 * strides, as torch does. Browser-safe.
 */
import { unzipSync } from 'fflate';
import { ModelFormatError } from '../errors.ts';
import type { HyperParameters } from './layers.ts';
import { shownName, shownNames, shownSizes } from './names.ts';
import { describe, PyGlobal, PyTuple, readPickle, scanPickle, type PickleHooks } from './pickle.ts';
import { DTYPE_BYTES, type DType, type Storage, type Tensor } from './tensors.ts';

/** torch's storage classes (the names torch.save still writes) and their element types. */
const STORAGE_TYPES: Record<string, DType> = {
  'torch.FloatStorage': 'float32', 'torch.DoubleStorage': 'float64', 'torch.HalfStorage': 'float16', 'torch.BFloat16Storage': 'bfloat16',
  'torch.LongStorage': 'int64', 'torch.IntStorage': 'int32', 'torch.ShortStorage': 'int16', 'torch.CharStorage': 'int8',
  'torch.ByteStorage': 'uint8', 'torch.BoolStorage': 'bool',
};

const REBUILD = ['torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_tensor', 'torch._utils._rebuild_parameter', 'torch._utils._rebuild_parameter_with_state'];

/** The only globals a torch.save file may name here. */
export const TORCH_ALLOWED_GLOBALS: readonly string[] = ['collections.OrderedDict', ...REBUILD, ...Object.keys(STORAGE_TYPES)];

/** The legacy format's first pickle (torch/serialization.py MAGIC_NUMBER). */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

/** True when `bytes` starts with the legacy format's magic-number pickle. */
export function isLegacyTorch(bytes: Uint8Array): boolean {
  if (bytes.length < 15 || bytes[0] !== 0x80 || bytes[2] !== 0x8a || bytes[3] !== 10) return false;
  let v = 0n;
  for (let i = 13; i >= 4; i--) v = (v << 8n) | BigInt(bytes[i]!);
  return v === LEGACY_MAGIC;
}

class TorchStorage implements Storage {
  bytes: Uint8Array | null = null;
  constructor(
    readonly key: string,
    readonly dtype: DType,
    readonly numel: number,
    readonly littleEndian: boolean,
    readonly typeName: string,
    /** Legacy storage views: the root storage's key and the element offset into it. */
    readonly view: { root: string; offset: number } | null = null,
  ) {}
  describe() {
    return 'a storage';
  }
}

class TorchTensor implements Tensor {
  constructor(readonly storage: TorchStorage, readonly offset: number, readonly shape: number[], readonly strides: number[]) {}
  get label() {
    return `${this.storage.dtype} (${this.storage.typeName})`;
  }
  describe() {
    return 'a tensor';
  }
}

/** What a torch.save file held: the unpickled object, with its storages filled in. */
export interface TorchContents {
  value: unknown;
  format: 'torch-zip' | 'torch-legacy';
}

/** The message for globals outside the allowlist: a whole module, TorchScript, or anything else. */
function refuseGlobals(where: string, names: readonly string[]): string {
  const outside = names.filter((n) => !TORCH_ALLOWED_GLOBALS.includes(n));
  if (outside.some((n) => n.startsWith('__torch__.'))) {
    return `${where} is a TorchScript archive (torch.jit.save): its classes are compiled code, not a state_dict. Save the weights with torch.save(model.state_dict(), path) instead`;
  }
  if (outside.some((n) => n.startsWith('torch.nn.'))) {
    const cls = outside.find((n) => !/^(torch|collections|__builtin__|builtins)\./.test(n)) ?? outside.find((n) => n.startsWith('torch.nn.'))!;
    return `${where} is a whole pickled nn.Module (class ${shownName(cls)}), not a state_dict: reading it would mean importing and running that Python class, which mi-ident never does. ` +
      'Save model.state_dict() instead: torch.save(model.state_dict(), path)';
  }
  return `${where} names ${shownNames(outside)} in its pickle, which mi-ident refuses without running anything: it reads tensors and plain containers only ` +
    `(globals allowed: collections.OrderedDict, torch._utils._rebuild_tensor_v2 and _rebuild_parameter, torch.*Storage). Save a state_dict with torch.save(model.state_dict(), path)`;
}

/** Hooks that build storages, tensors and OrderedDicts, and nothing else. */
function torchHooks(where: string, littleEndian: boolean, legacy: boolean, storages: Map<string, TorchStorage>): PickleHooks {
  const fail = (what: string): never => {
    throw new ModelFormatError(`${where}: ${what}`);
  };
  const int = (v: unknown, what: string): number => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : fail(`${what} is ${describe(v)}, not a size (a corrupt file?)`));
  const ints = (v: unknown, what: string): number[] => (v instanceof PyTuple ? v.items.map((x) => int(x, what)) : fail(`${what} is ${describe(v)}, not a tuple of sizes (a corrupt file?)`));
  const tensor = (v: unknown, fn: string): TorchTensor => (v instanceof TorchTensor ? v : fail(`${fn} is given ${describe(v)} where a tensor belongs (a corrupt file?)`));
  return {
    allowed: (q) => TORCH_ALLOWED_GLOBALS.includes(q),
    refuseGlobals: (names) => refuseGlobals(where, names),
    call(fn, args) {
      const q = fn.qualified;
      if (q === 'collections.OrderedDict') {
        const d = new Map<unknown, unknown>();
        if (args.length === 0) return d;
        // OrderedDict(pairs): the items as a list of 2-tuples
        if (args.length === 1 && Array.isArray(args[0])) {
          for (const pair of args[0]) {
            if (!(pair instanceof PyTuple) || pair.items.length !== 2) fail('OrderedDict is given an item that is not a (key, value) pair');
            d.set((pair as PyTuple).items[0], (pair as PyTuple).items[1]);
          }
          return d;
        }
        return fail('OrderedDict is called with arguments torch.save never writes');
      }
      if (q === 'torch._utils._rebuild_tensor_v2' || q === 'torch._utils._rebuild_tensor') {
        const [storage, offset, size, stride] = args;
        if (!(storage instanceof TorchStorage)) return fail(`${q} is given ${describe(storage)} where a storage belongs (a corrupt file?)`);
        const shape = ints(size, 'a tensor size');
        const strides = ints(stride, 'a tensor stride');
        if (shape.length !== strides.length) fail(`a tensor has size ${shownSizes(shape)} but stride ${shownSizes(strides)} (a corrupt file?)`);
        return new TorchTensor(storage, int(offset, 'a storage offset'), shape, strides);
      }
      if (q === 'torch._utils._rebuild_parameter' || q === 'torch._utils._rebuild_parameter_with_state') return tensor(args[0], q);
      return fail(`calls ${q}, which is a type, not a function (a corrupt file?)`);
    },
    // OrderedDict's state is its `_metadata` (module versions): not needed for the weights
    build: (obj, state) => obj instanceof Map && (state === null || state instanceof Map),
    persistent(pid) {
      if (!(pid instanceof PyTuple)) return fail(`a persistent id is ${describe(pid)}, not a tuple (a corrupt file?)`);
      const [kind, type, key, _location, numel, viewMetadata] = pid.items;
      // The location ('cpu', 'cuda:0', ...) is where torch would put the storage: the bytes are the same.
      if (kind === 'module') fail(refuseGlobals(where, ['torch.nn.Module']));
      if (kind !== 'storage' || !(type instanceof PyGlobal) || typeof key !== 'string') return fail(`a persistent id is not a storage record (a corrupt file?)`);
      const dtype = STORAGE_TYPES[type.qualified]!;
      const n = int(numel, 'a storage size');
      const id = `${key}:${dtype}`;
      let s = storages.get(id);
      if (!s) {
        s = new TorchStorage(key, dtype, n, littleEndian, type.qualified);
        storages.set(id, s);
      }
      if (legacy && viewMetadata instanceof PyTuple) {
        // Storage views of the pre-1.0 format: (view key, element offset, element count) into this storage
        const [viewKey, offset, viewSize] = viewMetadata.items;
        if (typeof viewKey !== 'string') fail('a storage view has no key (a corrupt file?)');
        const vid = `${viewKey as string}:${dtype}`;
        let v = storages.get(vid);
        if (!v) {
          v = new TorchStorage(viewKey as string, dtype, int(viewSize, 'a storage view size'), littleEndian, s.typeName, { root: id, offset: int(offset, 'a storage view offset') });
          storages.set(vid, v);
        }
        return v;
      }
      return s;
    },
  };
}

/** Scans, then reads one pickle; globals outside the allowlist are refused before anything is built. */
function unpickle(bytes: Uint8Array, start: number, where: string, hooks: PickleHooks): { value: unknown; end: number } {
  const scan = scanPickle(bytes, start, where);
  const outside = scan.globals.filter((g) => !hooks.allowed(g));
  if (outside.length) throw new ModelFormatError(hooks.refuseGlobals(scan.globals));
  if (scan.unread) {
    throw new ModelFormatError(`${where}: its pickle uses the opcode ${scan.unread.name} (at byte ${scan.unread.at}), which mi-ident does not read: torch.save writes tensors and plain containers with protocol 2`);
  }
  return readPickle(bytes, start, where, hooks);
}

/** The largest zip entry read: far above any MLP the analysis can enumerate. */
const MAX_ENTRY_BYTES = 1 << 30;

// little-endian integers, bytes past the end read as 0 (as fflate reads them)
const u16 = (b: Uint8Array, i: number) => (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8);
const u32 = (b: Uint8Array, i: number) => u16(b, i) + u16(b, i + 2) * 2 ** 16;

/**
 * Why a zip's central directory cannot be read, or null. It is found and read as fflate's
 * unzipSync reads it, and every entry it lists must lie inside the file: fflate trusts the entry
 * count, so a corrupt count (up to 2^32 in a zip64 record) would loop over entries that are not
 * there for hours.
 */
function centralDirectoryProblem(bytes: Uint8Array): string | null {
  let e = bytes.length - 22;
  for (; e <= 0 || u32(bytes, e) !== 0x06054b50; e--) {
    if (e <= 0 || bytes.length - e > 65558) return 'has no end-of-central-directory record';
  }
  let count = u16(bytes, e + 8);
  let at = u32(bytes, e + 16);
  if (e >= 20 && u32(bytes, e - 20) === 0x07064b50) {
    const z = u32(bytes, e - 12);
    if (u32(bytes, z) === 0x06064b50) {
      count = u32(bytes, z + 32);
      at = u32(bytes, z + 48);
    }
  }
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || u32(bytes, at) !== 0x02014b50) {
      return `its central directory lists ${count} entries, and entry ${i + 1} is not where it says (byte ${at} of ${bytes.length})`;
    }
    at += 46 + u16(bytes, at + 28) + u16(bytes, at + 30) + u16(bytes, at + 32);
  }
  return null;
}

/** Reads a torch.save zip archive (`PK\x03\x04`); `where` names the file in messages. */
export function readTorchZip(bytes: Uint8Array, where: string): TorchContents {
  const problem = centralDirectoryProblem(bytes);
  if (problem) throw new ModelFormatError(`${where} is truncated or corrupt: it starts like a zip archive (as torch.save writes) but ${problem}`);
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (f) => {
        // torch.save stores its records uncompressed; a compressed entry could inflate without bound
        if (f.originalSize > MAX_ENTRY_BYTES) throw new ModelFormatError(`${where}: the zip entry ${shownName(f.name)} would be ${f.originalSize} bytes, more than mi-ident reads (${MAX_ENTRY_BYTES})`);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof ModelFormatError) throw e;
    throw new ModelFormatError(`${where} is a corrupt zip archive: ${(e as Error).message}`);
  }
  const names = Object.keys(files);
  const pkls = names.filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  const prefix = pkls[0]?.slice(0, -'/data.pkl'.length);
  if (pkls.length > 1) throw new ModelFormatError(`${where} holds ${pkls.length} torch archives (${shownNames(pkls)}); torch.save writes one`);
  if (prefix !== undefined && names.some((n) => n.startsWith(`${prefix}/code/`) || n === `${prefix}/constants.pkl`)) {
    throw new ModelFormatError(refuseGlobals(where, ['__torch__.']));
  }
  if (prefix === undefined) {
    const shown = shownNames(names);
    throw new ModelFormatError(`${where} is a zip archive but not a torch.save file: it has no <folder>/data.pkl (entries: ${shown || 'none'})`);
  }
  const order = files[`${prefix}/byteorder`];
  // absent before torch 2.1: little-endian. A long entry is not decoded: spreading megabytes into arguments overflows the stack
  const byteorder = !order ? 'little' : order.length <= 64 ? String.fromCharCode(...order).trim() : null;
  if (byteorder !== 'little' && byteorder !== 'big') {
    const said = byteorder === null ? `${order!.length} bytes` : `"${shownName(byteorder)}"`;
    throw new ModelFormatError(`${where}: ${shownName(prefix!)}/byteorder says ${said}, neither little nor big`);
  }
  const storages = new Map<string, TorchStorage>();
  const hooks = torchHooks(`${where}`, byteorder === 'little', false, storages);
  const { value } = unpickle(files[`${prefix}/data.pkl`]!, 0, `${where} (${shownName(prefix)}/data.pkl)`, hooks);
  for (const s of storages.values()) {
    const record = files[`${prefix}/data/${s.key}`];
    if (!record) throw new ModelFormatError(`${where}: the storage ${shownName(`${prefix}/data/${s.key}`)} is missing from the archive (a corrupt file?)`);
    if (record.length < s.numel * DTYPE_BYTES[s.dtype]) {
      throw new ModelFormatError(`${where}: the storage ${shownName(`${prefix}/data/${s.key}`)} has ${record.length} bytes, but ${s.numel} ${s.dtype} elements need ${s.numel * DTYPE_BYTES[s.dtype]} (a corrupt file?)`);
    }
    s.bytes = record;
  }
  return { value, format: 'torch-zip' };
}

/** Reads a legacy (pre-1.6, non-zip) torch.save file; `where` names the file in messages. */
export function readTorchLegacy(bytes: Uint8Array, where: string): TorchContents {
  const none: PickleHooks = {
    allowed: () => false,
    refuseGlobals: (names) => `${where}: the legacy header names ${shownNames(names)} (a corrupt file?)`,
    call: () => null,
    build: () => false,
    persistent: () => {
      throw new ModelFormatError(`${where}: the legacy header refers to a storage (a corrupt file?)`);
    },
  };
  const fail = (what: string): never => {
    throw new ModelFormatError(`${where} (legacy torch.save format): ${what}`);
  };
  let at = unpickle(bytes, 0, where, none).end; // the magic number, checked by isLegacyTorch
  const protocol = unpickle(bytes, at, where, none);
  if (protocol.value !== 1001) fail(`protocol version ${String(protocol.value)}, not 1001`);
  const sysInfo = unpickle(bytes, (at = protocol.end), where, none);
  const littleEndian = sysInfo.value instanceof Map ? sysInfo.value.get('little_endian') : undefined;
  if (typeof littleEndian !== 'boolean') fail('its sys_info has no little_endian flag (a corrupt file?)');
  const storages = new Map<string, TorchStorage>();
  const object = unpickle(bytes, (at = sysInfo.end), where, torchHooks(where, littleEndian as boolean, true, storages));
  const keys = unpickle(bytes, (at = object.end), where, none);
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string')) fail('the list of storage keys is missing (a corrupt file?)');
  at = keys.end;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const roots = new Map([...storages.values()].filter((s) => !s.view).map((s) => [s.key, s]));
  for (const key of keys.value as string[]) {
    const s = roots.get(key);
    if (!s) fail(`the storage ${shownName(key)} is listed but no tensor uses it (a corrupt file?)`);
    if (at + 8 > bytes.length) fail(`the file ends before storage ${shownName(key)} (a truncated file?)`);
    const count = Number(view.getBigInt64(at, littleEndian as boolean));
    if (count !== s!.numel) fail(`storage ${shownName(key)} holds ${count} elements, its record says ${s!.numel} (a corrupt file?)`);
    const size = count * DTYPE_BYTES[s!.dtype];
    if (at + 8 + size > bytes.length) fail(`the file ends inside storage ${shownName(key)}: truncated`);
    s!.bytes = bytes.subarray(at + 8, at + 8 + size);
    at += 8 + size;
  }
  for (const s of storages.values()) {
    if (s.view) {
      const root = storages.get(s.view.root)!;
      const size = DTYPE_BYTES[s.dtype];
      if (!root.bytes || (s.view.offset + s.numel) > root.numel) fail(`a storage view reaches past its storage (a corrupt file?)`);
      s.bytes = root.bytes!.subarray(s.view.offset * size, (s.view.offset + s.numel) * size);
    } else if (!s.bytes) fail(`storage ${shownName(s.key)} is used by a tensor but not in the file (a truncated file?)`);
  }
  return { value: object.value, format: 'torch-legacy' };
}

/** A state_dict found in a torch.save file, with the hyper-parameters beside it. */
export interface TorchStateDict {
  tensors: Map<string, Tensor>;
  hyperParameters: HyperParameters;
  /** Where it was: null at the top level, else `state_dict` or `model_state_dict`. */
  key: string | null;
}

/** Keys under which a checkpoint dict holds its state_dict. */
const STATE_DICT_KEYS = ['state_dict', 'model_state_dict'];

/**
 * The state_dict in a torch.save file's object: the object itself (a dict of tensors), or the
 * dict under `state_dict` / `model_state_dict` of a checkpoint dict, whose `activation`,
 * `negative_slope`, `input_size`, `hidden_sizes` and `output_size` are read when present (the
 * authors' checkpoint has all but the slope).
 */
export function torchStateDict(value: unknown, where: string): TorchStateDict {
  const fail = (what: string): never => {
    throw new ModelFormatError(`${where}: ${what}`);
  };
  if (!(value instanceof Map)) fail(`holds ${describe(value)}, not a state_dict (a dict of parameter names to tensors): save model.state_dict()`);
  const top = value as Map<unknown, unknown>;
  const holders = STATE_DICT_KEYS.filter((k) => top.get(k) instanceof Map);
  if (holders.length > 1) fail(`holds both "${holders[0]}" and "${holders[1]}": which one is the model is not clear`);
  const key = holders[0] ?? null;
  const dict = (key === null ? top : top.get(key)) as Map<unknown, unknown>;
  const tensors = new Map<string, Tensor>();
  const wrong: string[] = [];
  for (const [k, v] of dict) {
    if (typeof k !== 'string') fail(`${key ?? 'the state_dict'} has the key ${shownName(String(k))}; parameter names are strings`);
    if (v instanceof TorchTensor) tensors.set(k as string, v);
    else wrong.push(`"${shownName(String(k))}" holds ${describe(v)}`);
  }
  if (wrong.length) {
    const shown = wrong.slice(0, 6).join(', ') + (wrong.length > 6 ? ', ...' : '');
    fail(key === null
      ? `is a dict but not a state_dict: ${shown}. A state_dict maps parameter names to tensors; a checkpoint dict is read when it holds one under "state_dict" or "model_state_dict"`
      : `its "${key}" is not a state_dict: ${shown}`);
  }
  const hp: HyperParameters = {};
  if (key !== null) {
    const from = 'the checkpoint';
    if (top.has('activation')) hp.activation = { value: top.get('activation'), from };
    if (top.has('negative_slope')) hp.negativeSlope = { value: top.get('negative_slope'), from };
    const sizeKeys = ['input_size', 'hidden_sizes', 'output_size'];
    if (sizeKeys.some((k) => top.has(k))) {
      const isSize = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;
      const hidden = top.get('hidden_sizes');
      const list = Array.isArray(hidden) ? hidden : hidden instanceof PyTuple ? hidden.items : null;
      const sizes = [top.get('input_size'), ...(list ?? [null]), top.get('output_size')];
      if (!sizes.every(isSize)) fail(`the checkpoint's input_size, hidden_sizes and output_size are not all positive integers (a list for hidden_sizes)`);
      hp.layerSizes = { value: sizes as number[], from: "the checkpoint's input_size, hidden_sizes and output_size" };
    }
  }
  return { tensors, hyperParameters: hp, key };
}
