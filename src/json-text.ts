/**
 * JSON text from files (model files, `--data`, the explorer's file picker) with problems told the
 * way a researcher can act on them: an empty file, a PyTorch checkpoint instead of its JSON
 * export, Python's `NaN` / `Infinity`, JSON Lines, and syntax errors with a line and column.
 * Browser-safe: no Node built-ins.
 */

/** The parsed value, or what is wrong with the text (a phrase that follows the file's name). */
export type JsonText = { ok: true; value: unknown } | { ok: false; problem: string; kind: JsonProblemKind };

/** Why text is not JSON, for callers that add advice of their own (e.g. how to export a model). */
export type JsonProblemKind = 'empty' | 'binary' | 'non-finite' | 'syntax';

/** Parses `text` as one JSON document. A leading byte-order mark (Windows editors) is allowed. */
export function parseJsonText(text: string): JsonText {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') return { ok: false, kind: 'empty', problem: 'is empty' };
  const binary = binaryKind(body);
  if (binary) return { ok: false, kind: 'binary', problem: `is ${binary}, not JSON text` };
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (e) {
    return { ok: false, ...syntaxProblem(body, (e as Error).message) };
  }
}

/** Zip archives (torch.save since PyTorch 1.6), pickles (older torch.save) and other binary data. */
function binaryKind(text: string): string | null {
  if (text.startsWith('PK\u0003\u0004')) return 'a zip archive (a PyTorch checkpoint saved with torch.save?)';
  // 0x80 (pickle's PROTO opcode) is not UTF-8: decoded text holds U+FFFD in its place.
  const first = text.charCodeAt(0);
  if ((first === 0x80 || first === 0xfffd) && text.charCodeAt(1) <= 5) return 'a Python pickle (a PyTorch checkpoint?)';
  if (text.slice(0, 1024).includes('\u0000')) return 'a binary file';
  return null;
}

function syntaxProblem(text: string, message: string): { kind: JsonProblemKind; problem: string } {
  // JSON has no NaN or Infinity, but Python's json.dump writes them for non-finite floats.
  const nonFinite = /([[:,]\s*)(-?(?:NaN|Infinity))\b/.exec(text);
  if (nonFinite) {
    const at = nonFinite.index + nonFinite[1]!.length;
    return {
      kind: 'non-finite',
      problem: `is not valid JSON: ${nonFinite[2]} at ${lineColumn(text, at)} (JSON has no NaN or Infinity; Python's json.dump writes them for non-finite floats)`,
    };
  }
  if (/Unexpected end of JSON input/.test(message)) {
    return { kind: 'syntax', problem: `is not valid JSON: it ends at ${lineColumn(text, text.length)} before the JSON is complete (a truncated file?)` };
  }
  const position = /at position (\d+)/.exec(message);
  if (position) {
    const at = Number(position[1]);
    const reason = message.replace(/\s*in JSON at position \d+.*$/s, '').replace(/\s*at position \d+.*$/s, '');
    const several = /after JSON/.test(message) ? ' (one JSON document is expected, not one per line as in JSON Lines)' : '';
    return { kind: 'syntax', problem: `is not valid JSON at ${lineColumn(text, at)}: ${reason}${several}` };
  }
  return { kind: 'syntax', problem: `is not valid JSON: ${message}` };
}

/** `line L, column C` (1-based) of character offset `at`. */
export function lineColumn(text: string, at: number): string {
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  return `line ${line}, column ${at - before.lastIndexOf('\n')}`;
}

/** Containers opened by {@link jsonPieces} down to this depth; deeper values are written whole. */
const OPEN_DEPTH = 4;

/**
 * The text of `JSON.stringify(value, null, 1)`, in pieces: the outer arrays and objects are opened
 * and their members written one by one, so that no string grows with the whole value. V8 caps a
 * string at 2^29 characters: half a million perfect circuits of a deep model already reach it.
 */
export function* jsonPieces(value: unknown, depth = 0): Generator<string> {
  const close = '\n' + ' '.repeat(depth);
  if (depth >= OPEN_DEPTH || value === null || typeof value !== 'object' || typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    // As inside JSON.stringify: nested lines indented to this depth; undefined (in an array) as null.
    yield (JSON.stringify(value, null, 1) ?? 'null').replaceAll('\n', close);
    return;
  }
  const open = close + ' ';
  const isArray = Array.isArray(value);
  let first = true;
  yield isArray ? '[' : '{';
  if (isArray) {
    for (const item of value) {
      yield (first ? '' : ',') + open;
      yield* jsonPieces(item, depth + 1);
      first = false;
    }
  } else {
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue; // omitted, as JSON.stringify does
      yield `${first ? '' : ','}${open}${JSON.stringify(key)}: `;
      yield* jsonPieces(item, depth + 1);
      first = false;
    }
  }
  yield first ? (isArray ? ']' : '}') : close + (isArray ? ']' : '}');
}

/**
 * A value as a message quotes it: JSON (numbers as `String` gives them, so NaN and Infinity read
 * as such), cut after `max` characters. Walked with a budget, never whole: a refused value may be
 * a string of megabytes or an array nested 100,000 deep, which `JSON.stringify` cannot write.
 */
export function preview(value: unknown, max = 60): string {
  let out = '';
  const walk = (v: unknown, depth: number): boolean => {
    if (out.length > max) return false;
    if (Array.isArray(v) || (v !== null && typeof v === 'object')) {
      const array = Array.isArray(v);
      if (depth >= 6) {
        out += array ? '[...]' : '{...}';
        return true;
      }
      out += array ? '[' : '{';
      const keys = array ? null : Object.keys(v as object);
      const n = array ? (v as unknown[]).length : keys!.length;
      for (let i = 0; i < n; i++) {
        if (i > 0) out += ',';
        if (keys) out += `${JSON.stringify(keys[i]!.slice(0, max))}:`;
        if (!walk(array ? (v as unknown[])[i] : (v as Record<string, unknown>)[keys![i]!], depth + 1)) return false;
      }
      out += array ? ']' : '}';
      return out.length <= max;
    }
    if (typeof v === 'string') out += JSON.stringify(v.length > max ? v.slice(0, max + 1) : v);
    else out += typeof v === 'number' || typeof v === 'bigint' || v === undefined ? String(v) : (JSON.stringify(v) ?? String(v));
    return out.length <= max;
  };
  return walk(value, 0) ? out : `${out.slice(0, max)}...`;
}
