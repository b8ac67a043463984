/** Number formatting for the page (plain functions; counts may be decimal strings past 2^53). */

/** `234700` -> `"234,700"`; accepts numbers, bigints and decimal strings. */
export function groupDigits(n: number | bigint | string): string {
  const s = typeof n === 'number' ? (Number.isInteger(n) ? n.toFixed(0) : String(n)) : String(n);
  const m = /^(-?)(\d+)(.*)$/.exec(s);
  if (!m) return s;
  return m[1]! + m[2]!.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + m[3]!;
}

/** Milliseconds for people: `0.4 ms`, `12 ms`, `1.25 s`. */
export function duration(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** A fraction as a percentage with no more decimals than needed. */
export function percent(f: number): string {
  const p = f * 100;
  return `${Number.isInteger(p) ? p : p.toFixed(1)}%`;
}

/** A float64 threshold, short but honest (the exact value goes in a tooltip). */
export function threshold(x: number): string {
  return Math.abs(x) >= 1e-3 || x === 0 ? String(Number(x.toPrecision(3))) : x.toExponential(2);
}

/** `"(1,0)"` for a neuron key. */
export function neuronKey(layer: number, index: number): string {
  return `(${layer},${index})`;
}
