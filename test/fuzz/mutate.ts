/**
 * Generators of corrupted inputs shared by the fuzz suites: edits of a JSON value (replace, delete,
 * add, grow, shrink, swap at a random place), edits of text (truncate, insert, replace a number
 * with what JSON does not allow, deep nesting) and of bytes (flips, invalid UTF-8, foreign magic
 * numbers, integers set to extremes), and the hostile strings of the browser suite.
 *
 * Each edit is drawn as plain numbers and applied deterministically, so that fast-check shrinks a
 * failing case to few, small edits.
 */
import fc from 'fast-check';

/** Strings that would run code if a page put them into HTML, a URL or a script (window.__fuzzPwned marks success). */
export const HOSTILE_STRINGS: readonly string[] = [
  '<script>window.__fuzzPwned=1;document.body.append(document.createElement("fuzz-pwned"))</script>',
  '"><img src=x onerror="window.__fuzzPwned=1;document.body.append(document.createElement(\'fuzz-pwned\'))">',
  "'><svg onload=window.__fuzzPwned=1>",
  'javascript:window.__fuzzPwned=1;alert(1)',
  '<iframe src="javascript:parent.__fuzzPwned=1"></iframe>',
  '{{constructor.constructor("window.__fuzzPwned=1")()}}',
  '</textarea><script>alert(1)</script>',
  '<a href="javascript:alert(1)">x</a><math><mi xlink:href="javascript:alert(1)">y</mi></math>',
  '${alert(1)}`;alert(1);`',
  '\u202e\u0000\ufffd\ud800<b onmouseover=alert(1)>x</b>',
];

/** Values that break careless checks: extremes, wrong types, prototype keys, hostile text. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    0, -0, 1, -1, 0.5, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308, -1e308, 5e-324, 1e-310, 3.4028235677973366e38, 1e39,
    Number.MAX_SAFE_INTEGER, 1e21, 1e300, 0.1, 7.5, '', '0', '1', '2', 'NaN', 'Infinity', '1e999', 'leaky_relu', 'tanh', 'XOR', 'AND',
    true, false, null, [], {}, [[]], [[[]]], [null], [0], [1, 2, 3], { __proto__: null }, { length: 3 }, { 0: 1, 1: 2 },
    'x'.repeat(10_000), '\u0000', '\ud800', '\ufeff',
  ),
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.integer({ min: -5, max: 40 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 12 }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(fc.integer({ min: -3, max: 9 }), { maxLength: 6 }),
);

/** Keys to add to objects: lookalikes of real fields, prototype keys, and others. */
export const nastyKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'length',
    'negative_slope', 'weight', 'layer_sizes', 'Biases', 'bias', 'layers', 'LayerSizes', 'activations', 'negativeslope',
    'outputs', 'schemaVersion', 'model', 'training', 'x', 'y', 'X', 'data', 'key', 'unit', 'config', 'shard', 'tool', 'format',
  ),
  fc.string({ maxLength: 8 }),
  fc.constantFrom(...HOSTILE_STRINGS),
);

/** One edit of a JSON value. */
export interface ValueEdit {
  kind: 'replace' | 'delete' | 'add' | 'grow' | 'shrink' | 'swap' | 'wrap';
  /** Which place (an index into the value's places, modulo their count). */
  at: number;
  other: number;
  value: unknown;
  key: string;
}

export const valueEdit: fc.Arbitrary<ValueEdit> = fc.record({
  kind: fc.constantFrom('replace', 'replace', 'replace', 'delete', 'add', 'grow', 'shrink', 'swap', 'wrap'),
  at: fc.nat(),
  other: fc.nat(),
  value: nastyValue,
  key: nastyKey,
});

type Place = { parent: Record<string, unknown> | unknown[] | null; key: string | number };

/** Every place of a value (the root as parent null), in a stable order. */
function places(root: unknown): Place[] {
  const out: Place[] = [{ parent: null, key: '' }];
  const walk = (v: unknown, depth: number) => {
    if (depth > 12 || v === null || typeof v !== 'object') return;
    for (const k of Object.keys(v)) {
      const key = Array.isArray(v) ? Number(k) : k;
      out.push({ parent: v as Record<string, unknown>, key });
      walk((v as Record<string, unknown>)[k], depth + 1);
    }
  };
  walk(root, 0);
  return out;
}

const clone = (v: unknown): unknown => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

/** Applies `edits` to a copy of the JSON value `root`; returns the new value (undefined: deleted). */
export function applyValueEdits(root: unknown, edits: readonly ValueEdit[]): unknown {
  let value = clone(root);
  for (const e of edits) {
    const all = places(value);
    const p = all[e.at % all.length]!;
    const get = (q: Place) => (q.parent === null ? value : (q.parent as Record<string | number, unknown>)[q.key]);
    const set = (q: Place, v: unknown) => {
      if (q.parent === null) value = v;
      else if (v === undefined && Array.isArray(q.parent)) q.parent.splice(q.key as number, 1);
      else if (v === undefined) delete (q.parent as Record<string, unknown>)[q.key];
      // defineProperty: a key such as __proto__ becomes an own field, as JSON.parse makes it
      else Object.defineProperty(q.parent, q.key, { value: v, enumerable: true, writable: true, configurable: true });
    };
    const here = get(p);
    switch (e.kind) {
      case 'replace': set(p, clone(e.value)); break;
      case 'delete': if (p.parent !== null) set(p, undefined); break;
      case 'add':
        if (Array.isArray(here)) here.splice(e.other % (here.length + 1), 0, clone(e.value));
        else if (here !== null && typeof here === 'object') set({ parent: here as Record<string, unknown>, key: e.key }, clone(e.value));
        else set(p, clone(e.value));
        break;
      case 'grow':
        if (Array.isArray(here) && here.length) here.push(clone(here[e.other % here.length]));
        else set(p, [here, here]);
        break;
      case 'shrink':
        if (Array.isArray(here) && here.length) here.splice(e.other % here.length, 1);
        else if (here !== null && typeof here === 'object') {
          const keys = Object.keys(here);
          if (keys.length) delete (here as Record<string, unknown>)[keys[e.other % keys.length]!];
        }
        break;
      case 'swap': {
        const q = all[e.other % all.length]!;
        if (q.parent === null || p.parent === null) break;
        const a = clone(get(p));
        const b = clone(get(q));
        set(p, b);
        if (places(value).some((r) => r.parent === q.parent && r.key === q.key)) set(q, a);
        break;
      }
      case 'wrap': set(p, e.other % 2 ? [clone(here)] : { value: clone(here) }); break;
    }
  }
  return value;
}

/** One edit of text. */
export interface TextEdit {
  kind: 'truncate' | 'insert' | 'delete' | 'number' | 'nest' | 'duplicate';
  at: number;
  length: number;
  text: string;
}

/** What JSON does not allow where a number belongs (Python's json.dump writes the first three). */
const NOT_JSON_NUMBERS = ['NaN', 'Infinity', '-Infinity', '1e999', '-1e999', '0x10', '1.', '.5', '+1', '01', '1e', '"1"', '1_0', '٣', 'None', 'True', 'undefined'];

export const textEdit: fc.Arbitrary<TextEdit> = fc.record({
  kind: fc.constantFrom('truncate', 'insert', 'insert', 'delete', 'number', 'number', 'nest', 'duplicate'),
  at: fc.nat(),
  length: fc.nat({ max: 64 }),
  text: fc.oneof(
    fc.constantFrom('[', ']', '{', '}', ',', ':', '"', '\\', '\n', '\u0000', '\ufeff', '/*', '//', "'", ' ', 'null', ',]', '{}', '\r\n'),
    fc.constantFrom(...NOT_JSON_NUMBERS),
    fc.string({ maxLength: 6, unit: 'binary' }),
  ),
});

/** Applies `edits` to `text`. `nest` puts a balanced nesting up to 100,000 deep where a number was. */
export function applyTextEdits(text: string, edits: readonly TextEdit[]): string {
  let t = text;
  for (const e of edits) {
    const at = t.length ? e.at % (t.length + 1) : 0;
    switch (e.kind) {
      case 'truncate': t = t.slice(0, at); break;
      case 'insert': t = t.slice(0, at) + e.text + t.slice(at); break;
      case 'delete': t = t.slice(0, at) + t.slice(at + e.length); break;
      case 'duplicate': t = t.slice(0, at) + t.slice(at, at + e.length * 8) + t.slice(at); break;
      case 'number':
      case 'nest': {
        const numbers = [...t.matchAll(/-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/g)];
        if (!numbers.length) break;
        const m = numbers[e.at % numbers.length]!;
        const depth = [1, 2, 50, 2000, 100_000][e.length % 5]!;
        const put = e.kind === 'number' ? NOT_JSON_NUMBERS[e.length % NOT_JSON_NUMBERS.length]! : '['.repeat(depth) + ']'.repeat(depth);
        t = t.slice(0, m.index) + put + t.slice(m.index! + m[0].length);
        break;
      }
    }
  }
  return t;
}

/** One edit of bytes. */
export interface ByteEdit {
  kind: 'flip' | 'set' | 'insert' | 'delete' | 'truncate' | 'prefix' | 'int' | 'copy';
  at: number;
  length: number;
  byte: number;
  bytes: Uint8Array;
}

/** Byte strings that mean something elsewhere: invalid UTF-8, magic numbers, a byte-order mark. */
const MAGIC: readonly Uint8Array[] = [
  [0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xef, 0xbb, 0xbf], [0xfe, 0xff],
  [0x80, 0x02], [0x50, 0x4b, 0x03, 0x04], [0x50, 0x4b, 0x05, 0x06], [0x00], [0x00, 0x00, 0x00, 0x00], [0x1f, 0x8b], [0x7b], [0x2e],
].map((b) => Uint8Array.from(b));

export const byteEdit: fc.Arbitrary<ByteEdit> = fc.record({
  kind: fc.constantFrom('flip', 'flip', 'set', 'insert', 'delete', 'truncate', 'prefix', 'int', 'int', 'copy'),
  at: fc.nat(),
  length: fc.nat({ max: 300 }),
  byte: fc.nat({ max: 255 }),
  bytes: fc.oneof(fc.constantFrom(...MAGIC), fc.uint8Array({ maxLength: 12 })),
});

/** Integers that overflow careless arithmetic, as 8 little-endian bytes (the first 1, 2, 4 or 8 are written). */
const EXTREME_INTS = [0n, 1n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0xffffn, 0x7fffffffn, 0xffffffffn, 0x100000000n, 2n ** 53n, 2n ** 63n - 1n, 2n ** 64n - 1n];

/** Applies `edits` to a copy of `bytes`. */
export function applyByteEdits(bytes: Uint8Array, edits: readonly ByteEdit[]): Uint8Array {
  let b: Uint8Array = bytes.slice();
  for (const e of edits) {
    const at = b.length ? e.at % b.length : 0;
    switch (e.kind) {
      case 'flip': if (b.length) b[at] = b[at]! ^ (1 << (e.byte % 8)); break;
      case 'set': if (b.length) b[at] = e.byte; break;
      case 'insert': b = concat(b.subarray(0, at), e.bytes, b.subarray(at)); break;
      case 'delete': b = concat(b.subarray(0, at), b.subarray(at + 1 + e.length)); break;
      case 'truncate': b = b.slice(0, at); break;
      case 'prefix': b = concat(e.bytes, b); break;
      case 'copy': b = concat(b.subarray(0, at), b.subarray(at, at + e.length * 4), b.subarray(at)); break;
      case 'int': {
        const value = EXTREME_INTS[e.byte % EXTREME_INTS.length]!;
        const width = [1, 2, 4, 8][e.length % 4]!;
        for (let i = 0; i < width && at + i < b.length; i++) b[at + i] = Number((value >> BigInt(8 * i)) & 0xffn);
        break;
      }
    }
  }
  return b;
}

/** The bytes of several arrays, one after the other. */
export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** JSON text of a value in one of the layouts files come in (compact, indented, CRLF, a BOM). */
export function jsonText(value: unknown, layout: number): string {
  const text = JSON.stringify(value, null, [0, 1, 2, '\t'][layout % 4]) ?? 'null';
  if (layout % 7 === 5) return text.replace(/\n/g, '\r\n');
  if (layout % 7 === 6) return `\ufeff${text}\n`;
  return text;
}
