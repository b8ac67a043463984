/**
 * torch 1.13's float32 CPU sums (docs/semantics.md, N11), as `Tensor.sum` computes them on an AVX2
 * build: the cascade of `multi_row_sum` (partial sums flushed level by level every 16 rows), the
 * four interleaved chains of `row_sum`, and 8-lane vectors for a contiguous reduction. Written from
 * the algorithm the reference's recorded runs pin down.
 */

const f = Math.fround;

/** torch's `CeilLog2` (1 for sizes up to 2). */
function ceilLog2(x: number): number {
  return x <= 2 ? 1 : 32 - Math.clz32(x - 1);
}

/**
 * `multi_row_sum` for `nrows` interleaved chains: element (i, k) is `v[base + i * rowStride +
 * k * colStride]`, i < size. Chain k adds its elements in order into level 0; every `step` rows
 * level 0 is added into level 1 (and level 1 into level 2 at every step^2 rows, ...), and the
 * levels are added together at the end. Results go to `out[0 .. nrows-1]`.
 */
export function multiRowSum(v: ArrayLike<number>, base: number, rowStride: number, colStride: number, nrows: number, size: number, out: number[]): void {
  const power = Math.max(4, Math.floor(ceilLog2(size) / 4));
  const step = 2 ** power;
  const mask = step - 1;
  const acc = [new Array<number>(nrows).fill(0), new Array<number>(nrows).fill(0), new Array<number>(nrows).fill(0), new Array<number>(nrows).fill(0)];
  const a0 = acc[0]!;
  let i = 0;
  while (i + step <= size) {
    for (let j = 0; j < step; j++, i++) {
      const at = base + i * rowStride;
      for (let k = 0; k < nrows; k++) a0[k] = f(a0[k]! + v[at + k * colStride]!);
    }
    for (let j = 1; j < 4; j++) {
      const up = acc[j]!;
      const down = acc[j - 1]!;
      for (let k = 0; k < nrows; k++) {
        up[k] = f(up[k]! + down[k]!);
        down[k] = 0;
      }
      if ((i & (mask * 2 ** (j * power))) !== 0) break;
    }
  }
  for (; i < size; i++) {
    const at = base + i * rowStride;
    for (let k = 0; k < nrows; k++) a0[k] = f(a0[k]! + v[at + k * colStride]!);
  }
  for (let j = 1; j < 4; j++) for (let k = 0; k < nrows; k++) a0[k] = f(a0[k]! + acc[j]![k]!);
  for (let k = 0; k < nrows; k++) out[k] = a0[k]!;
}

const chains = [0, 0, 0, 0];

/**
 * `row_sum` of `size` elements `v[base + i * stride]`: four chains over elements i = 4g + k
 * (by {@link multiRowSum}), the elements past the last group of 4 added to chain 0, then
 * `((c0 + c1) + c2) + c3`.
 */
export function rowSum(v: ArrayLike<number>, base: number, stride: number, size: number): number {
  const groups = Math.floor(size / 4);
  multiRowSum(v, base, 4 * stride, stride, 4, groups, chains);
  let s = chains[0]!;
  for (let i = groups * 4; i < size; i++) s = f(s + v[base + i * stride]!);
  for (let k = 1; k < 4; k++) s = f(s + chains[k]!);
  return s;
}

/**
 * The sum of `n` contiguous float32 values (a full reduction, e.g. the MSE loss): with at least 8
 * values, `row_sum` over the 8-lane vectors (each lane on its own), then the values past the last
 * whole vector and the 8 lanes added to 0 in order; with fewer, a scalar `row_sum`.
 */
export function contiguousSum(v: ArrayLike<number>, base: number, n: number): number {
  if (n < 8) return rowSum(v, base, 1, n);
  const vectors = Math.floor(n / 8);
  let s = 0;
  for (let i = vectors * 8; i < n; i++) s = f(s + v[base + i]!);
  for (let lane = 0; lane < 8; lane++) s = f(s + rowSum(v, base + lane, 8, vectors));
  return s;
}

const cascadeOut = [0];

/**
 * `x.sum(0)` of a contiguous `[rows, cols]` float32 matrix into `out[0 .. cols-1]` (the bias
 * gradient). One column is a contiguous sum. With 2 to 7 columns, the first 4 * floor(cols / 4)
 * columns are summed as one cascade each (`multi_row_sum`, one chain per column) and the rest by
 * `row_sum`; from 8 columns the vectorised kernel cascades the first 32 * floor(cols / 32) and
 * sums the rest by `row_sum`.
 */
export function columnSums(x: ArrayLike<number>, base: number, rows: number, cols: number, out: Float32Array | number[], outBase = 0): void {
  if (cols === 1) {
    out[outBase] = contiguousSum(x, base, rows);
    return;
  }
  const cascaded = cols < 8 ? 4 * Math.floor(cols / 4) : 32 * Math.floor(cols / 32);
  for (let c = 0; c < cols; c++) {
    if (c < cascaded) {
      multiRowSum(x, base + c, cols, 0, 1, rows, cascadeOut);
      out[outBase + c] = cascadeOut[0]!;
    } else {
      out[outBase + c] = rowSum(x, base + c, cols, rows);
    }
  }
}
