/**
 * A strict reader of the Python pickles that `torch.save` writes (docs/semantics.md, N10).
 *
 * Nothing in a pickle is ever run. The reader knows the data opcodes (numbers, strings, tuples,
 * lists, dicts, the memo); everything that would call Python code (GLOBAL, REDUCE, BUILD,
 * BINPERSID) is handed to the caller's {@link PickleHooks}, which only build data (tensors, dicts)
 * for an allowlist of names. {@link scanPickle} first walks the opcodes without building anything,
 * so that a file naming other globals (a whole `nn.Module`, `os.system`) is refused with every
 * name it uses before any value is made.
 *
 * Hand-written rather than a dependency: the npm unpicklers either cannot read the integers of
 * the legacy torch format (pickleparser: LONG1 longer than 8 bytes), copy pickle-controlled keys
 * onto JS objects with Object.assign (a `__proto__` key then rewrites a prototype), or need Node's
 * Buffer. Browser-safe.
 */
import { ModelFormatError } from '../errors.ts';

/** A global (`module.name`) the pickle refers to, resolved only by the hooks. */
export class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}
  /** `module.name`, as in Python. */
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A Python tuple (lists are plain arrays). */
export class PyTuple {
  constructor(readonly items: readonly unknown[]) {}
}

/** What the reader cannot do itself: every operation that would run Python code. */
export interface PickleHooks {
  /** True for the globals the caller builds values for; the others are refused. */
  allowed(qualified: string): boolean;
  /** REDUCE: `fn(*args)`, where `fn` is an allowed {@link PyGlobal} (anything else is refused before). */
  call(fn: PyGlobal, args: readonly unknown[]): unknown;
  /** BUILD: `obj.__setstate__(state)`; returns false to refuse. */
  build(obj: unknown, state: unknown): boolean;
  /** BINPERSID: the object a persistent id stands for (torch: a storage). */
  persistent(pid: unknown): unknown;
  /** The message for names outside the allowlist (`names` in the order they first appear). */
  refuseGlobals(names: readonly string[]): string;
}

type Arg = 'none' | 'u1' | 'u2' | 'i4' | 'u4' | 'f8' | 'u8' | 'long1' | 'long4' | 'str1' | 'str4' | 'str8' | 'bytes1' | 'bytes4' | 'bytes8' | 'line' | 'lines2';

/** Every opcode of protocols 0-5, by byte: its name, its argument, and whether the reader runs it. */
const OPCODES = new Map<number, { name: string; arg: Arg; read: boolean }>();
const op = (ch: string | number, name: string, arg: Arg, read: boolean) =>
  OPCODES.set(typeof ch === 'number' ? ch : ch.charCodeAt(0), { name, arg, read });
// read: the subset torch.save writes (protocol 2, and 3-5 where torch users ask for them)
op('(', 'MARK', 'none', true); op('.', 'STOP', 'none', true); op('0', 'POP', 'none', true);
op('1', 'POP_MARK', 'none', true); op('2', 'DUP', 'none', true); op('N', 'NONE', 'none', true);
op(0x88, 'NEWTRUE', 'none', true); op(0x89, 'NEWFALSE', 'none', true);
op('J', 'BININT', 'i4', true); op('K', 'BININT1', 'u1', true); op('M', 'BININT2', 'u2', true);
op(0x8a, 'LONG1', 'long1', true); op(0x8b, 'LONG4', 'long4', true); op('G', 'BINFLOAT', 'f8', true);
op('X', 'BINUNICODE', 'str4', true); op(0x8c, 'SHORT_BINUNICODE', 'str1', true); op(0x8d, 'BINUNICODE8', 'str8', true);
op('T', 'BINSTRING', 'bytes4', true); op('U', 'SHORT_BINSTRING', 'bytes1', true);
op('B', 'BINBYTES', 'bytes4', true); op('C', 'SHORT_BINBYTES', 'bytes1', true); op(0x8e, 'BINBYTES8', 'bytes8', true);
op(')', 'EMPTY_TUPLE', 'none', true); op('t', 'TUPLE', 'none', true); op(0x85, 'TUPLE1', 'none', true);
op(0x86, 'TUPLE2', 'none', true); op(0x87, 'TUPLE3', 'none', true);
op(']', 'EMPTY_LIST', 'none', true); op('l', 'LIST', 'none', true); op('a', 'APPEND', 'none', true); op('e', 'APPENDS', 'none', true);
op('}', 'EMPTY_DICT', 'none', true); op('d', 'DICT', 'none', true); op('s', 'SETITEM', 'none', true); op('u', 'SETITEMS', 'none', true);
op('q', 'BINPUT', 'u1', true); op('r', 'LONG_BINPUT', 'u4', true); op(0x94, 'MEMOIZE', 'none', true);
op('h', 'BINGET', 'u1', true); op('j', 'LONG_BINGET', 'u4', true);
op('c', 'GLOBAL', 'lines2', true); op(0x93, 'STACK_GLOBAL', 'none', true);
op('R', 'REDUCE', 'none', true); op('b', 'BUILD', 'none', true); op('Q', 'BINPERSID', 'none', true);
op(0x80, 'PROTO', 'u1', true); op(0x95, 'FRAME', 'u8', true);
// known, not read: text protocols 0-1, object construction, sets, extensions, out-of-band buffers
op('I', 'INT', 'line', false); op('L', 'LONG', 'line', false); op('F', 'FLOAT', 'line', false);
op('S', 'STRING', 'line', false); op('V', 'UNICODE', 'line', false); op('P', 'PERSID', 'line', false);
op('p', 'PUT', 'line', false); op('g', 'GET', 'line', false); op('i', 'INST', 'lines2', false);
op('o', 'OBJ', 'none', false); op(0x81, 'NEWOBJ', 'none', false); op(0x92, 'NEWOBJ_EX', 'none', false);
op(0x82, 'EXT1', 'u1', false); op(0x83, 'EXT2', 'u2', false); op(0x84, 'EXT4', 'u4', false);
op(0x8f, 'EMPTY_SET', 'none', false); op(0x90, 'ADDITEMS', 'none', false); op(0x91, 'FROZENSET', 'none', false);
op(0x96, 'BYTEARRAY8', 'bytes8', false); op(0x97, 'NEXT_BUFFER', 'none', false); op(0x98, 'READONLY_BUFFER', 'none', false);

/** One decoded opcode. */
interface Op {
  code: number;
  name: string;
  read: boolean;
  at: number;
  /** The argument: a number, a bigint (long integers), a string, bytes, or two lines. */
  arg: number | bigint | string | Uint8Array | [string, string] | null;
  next: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** Bytes as Latin-1 characters (TextDecoder's 'latin1' is windows-1252). */
const latin1 = { decode: (b: Uint8Array) => Array.from(b, (c) => String.fromCharCode(c)).join('') };

/** Decodes the opcode at `at`; `where` names the pickle in errors. */
function decode(bytes: Uint8Array, view: DataView, at: number, where: string): Op {
  const fail = (what: string): never => {
    throw new ModelFormatError(`${where} ${what}`);
  };
  if (at >= bytes.length) fail(`ends at byte ${at} before its STOP opcode (a truncated file?)`);
  const code = bytes[at]!;
  const info = OPCODES.get(code);
  if (!info) fail(`has byte 0x${code.toString(16).padStart(2, '0')} at byte ${at}, which is not a pickle opcode (a corrupt file?)`);
  const { name, arg, read } = info!;
  let p = at + 1;
  const need = (n: number) => {
    if (p + n > bytes.length) fail(`ends inside the argument of ${name} at byte ${at} (a truncated file?)`);
    const start = p;
    p += n;
    return start;
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, p);
    if (end < 0) fail(`ends inside the argument of ${name} at byte ${at} (a truncated file?)`);
    const s = latin1.decode(bytes.subarray(p, end));
    p = end + 1;
    return s;
  };
  const text = (n: number) => {
    const start = need(n);
    try {
      return utf8.decode(bytes.subarray(start, p));
    } catch {
      return fail(`has a string that is not UTF-8 at byte ${at} (a corrupt file?)`);
    }
  };
  const length8 = () => {
    const lo = view.getUint32(need(8), true);
    const hi = view.getUint32(p - 4, true);
    if (hi !== 0) fail(`has a ${name} of more than 4 GiB at byte ${at} (a corrupt file?)`);
    return lo;
  };
  let value: Op['arg'] = null;
  switch (arg) {
    case 'none': break;
    case 'u1': value = bytes[need(1)]!; break;
    case 'u2': value = view.getUint16(need(2), true); break;
    case 'i4': value = view.getInt32(need(4), true); break;
    case 'u4': value = view.getUint32(need(4), true); break;
    case 'f8': value = view.getFloat64(need(8), false); break; // BINFLOAT is big-endian
    case 'u8': value = length8(); break;
    case 'long1': value = signedLittleEndian(bytes.subarray(need(bytes[need(1)]!), p)); break;
    case 'long4': {
      const n = view.getUint32(need(4), true);
      // torch writes small integers; a long of kilobytes is not a tensor's size
      if (n > 64) fail(`has an integer of ${n} bytes at byte ${at}, larger than any torch.save writes`);
      value = signedLittleEndian(bytes.subarray(need(n), p));
      break;
    }
    case 'str1': value = text(bytes[need(1)]!); break;
    case 'str4': value = text(view.getUint32(need(4), true)); break;
    case 'str8': value = text(length8()); break;
    case 'bytes1': value = bytes.subarray(need(bytes[need(1)]!), p); break;
    case 'bytes4': value = bytes.subarray(need(view.getUint32(need(4), true)), p); break;
    case 'bytes8': value = bytes.subarray(need(length8()), p); break;
    case 'line': value = line(); break;
    case 'lines2': value = [line(), line()]; break;
  }
  return { code, name, read, at, arg: value, next: p };
}

/** A two's-complement little-endian integer (LONG1, LONG4): a number where exact, else a bigint. */
function signedLittleEndian(b: Uint8Array): number | bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  if (b.length > 0 && b[b.length - 1]! >= 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** What {@link scanPickle} found without building anything. */
export interface PickleScan {
  /** Byte after the STOP opcode. */
  end: number;
  /** Every global named, in order of first appearance (`module.name`). */
  globals: string[];
  /** The first opcode the reader does not run, if any. */
  unread: { name: string; at: number } | null;
}

/**
 * Walks the opcodes of the pickle at `start` to its STOP without building values: where it ends,
 * which globals it names and whether it uses opcodes the reader does not run. STACK_GLOBAL's names
 * are taken from the two strings pushed before it, as CPython's pickler writes them; this is for
 * messages only, as {@link readPickle} checks every global it resolves.
 */
export function scanPickle(bytes: Uint8Array, start: number, where: string): PickleScan {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const globals: string[] = [];
  const add = (g: string) => globals.includes(g) || globals.push(g);
  let unread: PickleScan['unread'] = null;
  const strings: (string | null)[] = []; // the last values pushed, where strings
  const memo = new Map<number, string | null>();
  for (let at = start; ; ) {
    const o = decode(bytes, view, at, where);
    if (!o.read && !unread) unread = { name: o.name, at: o.at };
    if (o.name === 'GLOBAL' || o.name === 'INST') add((o.arg as [string, string]).join('.'));
    else if (o.name === 'STACK_GLOBAL') add(`${strings.at(-2) ?? '?'}.${strings.at(-1) ?? '?'}`);
    if (typeof o.arg === 'string' && o.name.includes('UNICODE')) strings.push(o.arg);
    else if (o.name === 'MEMOIZE') memo.set(memo.size, strings.at(-1) ?? null);
    else if (o.name === 'BINPUT' || o.name === 'LONG_BINPUT') memo.set(o.arg as number, strings.at(-1) ?? null);
    else if (o.name === 'BINGET' || o.name === 'LONG_BINGET') strings.push(memo.get(o.arg as number) ?? null);
    else if (o.name !== 'FRAME') strings.push(null);
    if (strings.length > 2) strings.shift();
    if (o.name === 'STOP') return { end: o.next, globals, unread };
    at = o.next;
  }
}

/**
 * Reads the pickle at `start` (which {@link scanPickle} has accepted) into JS values: None as
 * null, bool, int as a number (a bigint past 2^53), float, str, bytes as Uint8Array, list as an
 * array, tuple as {@link PyTuple}, dict as a Map; the rest is what the hooks build.
 */
export function readPickle(bytes: Uint8Array, start: number, where: string, hooks: PickleHooks): { value: unknown; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let stack: unknown[] = [];
  const marks: unknown[][] = [];
  const memo = new Map<number, unknown>();
  // The opcode being run; the helpers below are made once, not per opcode (a pickle may hold millions).
  let o!: Op;
  const fail = (what: string): never => {
    throw new ModelFormatError(`${where}: ${o.name} at byte ${o.at} ${what}`);
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail('finds an empty stack (a corrupt file?)');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail('finds an empty stack (a corrupt file?)');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    if (marks.length === 0) fail('has no MARK before it (a corrupt file?)');
    stack = marks.pop()!;
    return items;
  };
  const setItems = (dict: unknown, items: unknown[]) => {
    if (!(dict instanceof Map)) fail('adds items to something that is not a dict');
    if (items.length % 2) fail('has a key without a value (a corrupt file?)');
    for (let i = 0; i < items.length; i += 2) (dict as Map<unknown, unknown>).set(dictKey(items[i], fail), items[i + 1]);
  };
  for (let at = start; ; ) {
    o = decode(bytes, view, at, where);
    if (!o.read) fail(`is not read by mi-ident (torch.save writes protocol 2 pickles of tensors and plain containers)`);
    switch (o.name) {
      case 'PROTO':
        if ((o.arg as number) > 5) fail(`asks for pickle protocol ${o.arg}; protocols up to 5 exist`);
        break;
      case 'FRAME': break;
      case 'STOP':
        if (stack.length !== 1 || marks.length) fail('leaves the stack unbalanced (a corrupt file?)');
        return { value: stack[0], end: o.next };
      case 'MARK': marks.push(stack); stack = []; break;
      case 'POP': pop(); break;
      case 'POP_MARK': popMark(); break;
      case 'DUP': stack.push(top()); break;
      case 'NONE': stack.push(null); break;
      case 'NEWTRUE': stack.push(true); break;
      case 'NEWFALSE': stack.push(false); break;
      case 'BININT': case 'BININT1': case 'BININT2': case 'LONG1': case 'LONG4': case 'BINFLOAT':
      case 'BINUNICODE': case 'SHORT_BINUNICODE': case 'BINUNICODE8':
      case 'BINBYTES': case 'SHORT_BINBYTES': case 'BINBYTES8':
        stack.push(o.arg);
        break;
      case 'BINSTRING': case 'SHORT_BINSTRING': stack.push(latin1.decode(o.arg as Uint8Array)); break; // Python 2 str
      case 'EMPTY_TUPLE': stack.push(new PyTuple([])); break;
      case 'TUPLE': { const items = popMark(); stack.push(new PyTuple(items)); break; } // popMark first: it replaces `stack`
      case 'TUPLE1': { const a = pop(); stack.push(new PyTuple([a])); break; }
      case 'TUPLE2': { const b = pop(); const a = pop(); stack.push(new PyTuple([a, b])); break; }
      case 'TUPLE3': { const c = pop(); const b = pop(); const a = pop(); stack.push(new PyTuple([a, b, c])); break; }
      case 'EMPTY_LIST': stack.push([]); break;
      case 'LIST': { const items = popMark(); stack.push(items); break; }
      case 'APPEND': { const v = pop(); const list = top(); if (!Array.isArray(list)) fail('appends to something that is not a list'); (list as unknown[]).push(v); break; }
      case 'APPENDS': { const items = popMark(); const list = top(); if (!Array.isArray(list)) fail('appends to something that is not a list'); for (const item of items) (list as unknown[]).push(item); break; } // not push(...items): a long run overflows the stack
      case 'EMPTY_DICT': stack.push(new Map()); break;
      case 'DICT': { const items = popMark(); const d = new Map(); setItems(d, items); stack.push(d); break; }
      case 'SETITEM': { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; }
      case 'SETITEMS': { const items = popMark(); setItems(top(), items); break; }
      case 'BINPUT': case 'LONG_BINPUT': memo.set(o.arg as number, top()); break;
      case 'MEMOIZE': memo.set(memo.size, top()); break;
      case 'BINGET': case 'LONG_BINGET':
        if (!memo.has(o.arg as number)) fail(`refers to memo entry ${o.arg}, which was never stored (a corrupt file?)`);
        stack.push(memo.get(o.arg as number));
        break;
      case 'GLOBAL': case 'STACK_GLOBAL': {
        let module: unknown, name: unknown;
        if (o.name === 'GLOBAL') [module, name] = o.arg as [string, string];
        else { name = pop(); module = pop(); }
        if (typeof module !== 'string' || typeof name !== 'string') fail('names a global with something that is not a string');
        const g = new PyGlobal(module as string, name as string);
        // The allowlist is checked here, where a global is resolved, whatever the scan saw.
        if (!hooks.allowed(g.qualified)) throw new ModelFormatError(hooks.refuseGlobals([g.qualified]));
        stack.push(g);
        break;
      }
      case 'REDUCE': {
        const args = pop();
        const fn = pop();
        if (!(fn instanceof PyGlobal)) fail('calls something that is not an allowed function (a corrupt file?)');
        if (!(args instanceof PyTuple)) fail(`calls ${(fn as PyGlobal).qualified} without an argument tuple (a corrupt file?)`);
        stack.push(hooks.call(fn as PyGlobal, (args as PyTuple).items));
        break;
      }
      case 'BUILD': {
        const state = pop();
        if (!hooks.build(top(), state)) fail(`sets the state of ${describe(top())}, which mi-ident does not do`);
        break;
      }
      case 'BINPERSID': stack.push(hooks.persistent(pop())); break;
      default: fail('is not read by mi-ident');
    }
    at = o.next;
  }
}

/** A dict key: Python's hashable scalars (tuples as keys are not needed for state_dicts). */
function dictKey(k: unknown, fail: (what: string) => never): string | number | bigint | boolean | null {
  if (k === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof k)) return k as string | number | bigint | boolean | null;
  return fail(`uses ${describe(k)} as a dict key; mi-ident reads dicts with string and number keys`);
}

/** A few words for a value in messages. */
export function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v instanceof PyTuple) return 'a tuple';
  if (v instanceof PyGlobal) return v.qualified;
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Map) return 'a dict';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'object') return (v as { describe?: () => string }).describe?.() ?? 'an object';
  return `a ${typeof v === 'string' ? 'string' : typeof v}`;
}
