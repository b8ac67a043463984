/**
 * Names read from a model file (zip entries, parameter keys, globals, storage keys) as messages
 * show them: a file may hold names of megabytes, or of control and invisible characters, which a
 * one-line message must neither repeat whole nor print raw. Browser-safe.
 */

/** Characters a message must not print raw: controls, line and paragraph separators, bidirectional overrides. */
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** A name with invisible characters escaped (`\u0000`), cut after `max` characters. */
export function shownName(name: string, max = 60): string {
  const cut = name.length > max ? name.slice(0, max) : name;
  const escaped = cut.replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return name.length > max ? `${escaped}... (${name.length} characters)` : escaped;
}

/**
 * A value a file states (a hyper-parameter: a string, a number, or whatever a pickle held) as a
 * message shows it: a string quoted, anything else as String() gives it, either cut like
 * {@link shownName}.
 */
export function shownValue(value: unknown, max = 60): string {
  return typeof value === 'string' ? `'${shownName(value, max)}'` : shownName(String(value), max);
}

/** Names as a list of at most `n`, each {@link shownName}, then how many there are in all. */
export function shownNames(names: readonly string[], n = 8, separator = ', '): string {
  const shown = names.slice(0, n).map((s) => shownName(s)).join(separator);
  return names.length > n ? `${shown}, ... (${names.length} in all)` : shown;
}

/** Sizes or strides as `(a, b, c)` (`brackets` `[]`: as `[a, b, c]`), at most 8 of them. */
export function shownSizes(sizes: readonly number[], brackets = '()'): string {
  return `${brackets[0]}${sizes.slice(0, 8).join(', ')}${sizes.length > 8 ? `, ... (${sizes.length} dimensions)` : ''}${brackets[1]}`;
}
