/** A one-line progress bar with rate and ETA for TTYs; silent elsewhere. */
import type { Progress } from '../progress.ts';

/** Returns an `onProgress` callback drawing on `stream`, or undefined when it is not a TTY. */
export function progressBar(stream: NodeJS.WriteStream = process.stderr): ((p: Progress) => void) | undefined {
  if (!stream.isTTY) return undefined;
  let stage = '';
  let started = 0;
  let lastDraw = 0;
  return (p) => {
    const now = performance.now();
    if (p.stage !== stage) {
      stage = p.stage;
      started = now;
    }
    if (now - lastDraw < 100 && p.done < p.total) return;
    lastDraw = now;
    const frac = p.total ? p.done / p.total : 1;
    const width = 24;
    const filled = Math.round(frac * width);
    const secs = (now - started) / 1000;
    const rate = secs > 0 ? p.done / secs : 0;
    const eta = rate > 0 ? (p.total - p.done) / rate : 0;
    const line =
      `${stage} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done.toLocaleString('en-US')}/${p.total.toLocaleString('en-US')}` +
      ` ${Math.round(rate).toLocaleString('en-US')}/s ETA ${eta.toFixed(1)}s`;
    stream.write(`\r${line.slice(0, (stream.columns ?? 100) - 1)}\x1b[K`);
    if (p.done >= p.total) stream.write('\r\x1b[K');
  };
}
