/** MNIST digits as text for terminals: one character per pixel, denser characters for more ink. */

const RAMP = ' .:-=+*#%@';

/**
 * The image as lines of text. `image` holds `rows x width` bytes (0 = background). Terminal cells
 * are about twice as tall as wide, so by default (`halfRows`) one line stands for two pixel rows.
 */
export function digitAscii(image: ArrayLike<number>, width: number, { halfRows = true } = {}): string[] {
  const rows = Math.floor(image.length / width);
  const lines: string[] = [];
  for (let r = 0; r < rows; r += halfRows ? 2 : 1) {
    let line = '';
    for (let c = 0; c < width; c++) {
      // The darker of the pixel and the one below it, so thin strokes survive the row skip.
      const v = Math.max(image[r * width + c]!, halfRows && r + 1 < rows ? image[(r + 1) * width + c]! : 0);
      line += RAMP[Math.min(RAMP.length - 1, Math.floor((v / 256) * RAMP.length))];
    }
    lines.push(line.trimEnd());
  }
  return lines;
}
