/**
 * Tensors as the model-file readers find them (a view into a storage of raw bytes), and their
 * conversion to float32 (docs/semantics.md, N10): float32 as is, float64 only where every value is
 * exactly a float32, float16 and bfloat16 always (each of their values is a float32).
 * Browser-safe.
 */
import { ModelFormatError } from '../errors.ts';
import { shownName, shownSizes } from './names.ts';

/** Element types the readers know. Only the floating ones can be weights. */
export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** Bytes per element. */
export const DTYPE_BYTES: Record<DType, number> = { float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1 };

/** A run of elements of one type (a torch storage, or a safetensors tensor's bytes). */
export interface Storage {
  readonly dtype: DType;
  /** Elements it holds. */
  readonly numel: number;
  /** Its raw bytes (at least `numel` elements); null until the reader has found them. */
  bytes: Uint8Array | null;
  readonly littleEndian: boolean;
}

/** A strided view into a storage, as torch's `_rebuild_tensor_v2` describes it. */
export interface Tensor {
  readonly storage: Storage;
  /** In elements. */
  readonly offset: number;
  readonly shape: readonly number[];
  /** In elements, one per dimension. */
  readonly strides: readonly number[];
  /** The element type as the file names it, for messages (`I64`, `float64 (torch.DoubleStorage)`). */
  readonly label: string;
  /** Says what it is in messages. */
  describe(): string;
}

/** The most elements a tensor may have: 64 MiB of float32, far past any MLP the analysis enumerates. */
export const MAX_TENSOR_ELEMENTS = 2 ** 24;

/** Row-major strides of a contiguous tensor of `shape`. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  return strides;
}

/** Elements of a tensor of `shape`. */
export const numelOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** A float16 bit pattern as a number (exact: every float16 is a float32). */
function half(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1024 + frac) * 2 ** (exp - 25);
}

/** The `[i, j]` of element `k` of a row-major `shape`, for messages. */
function indexText(shape: readonly number[], k: number): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(k % shape[d]!);
    k = Math.floor(k / shape[d]!);
  }
  return `[${idx.join(', ')}]`;
}

/**
 * The tensor's values in row-major order as float32, checked: its view lies inside its storage,
 * its type is floating point, a float64 value converts exactly, and every value is finite.
 * `name` (the parameter's key) and `where` (the file) appear in every message.
 */
export function float32Values(t: Tensor, name: string, where: string): Float32Array {
  const { storage, shape, strides, offset } = t;
  const fail = (what: string): never => {
    throw new ModelFormatError(`${where}: ${shownName(name)} ${what}`);
  };
  const { dtype } = storage;
  if (!['float32', 'float64', 'float16', 'bfloat16'].includes(dtype)) {
    fail(`has dtype ${t.label}; weights and biases must be floating point (float32; float64, float16 and bfloat16 are converted where exact)`);
  }
  const n = numelOf(shape);
  let last = offset;
  shape.forEach((s, d) => (last += (s - 1) * strides[d]!));
  if (n > 0 && (offset < 0 || last >= storage.numel || strides.some((s) => s < 0))) {
    fail(`reads elements ${offset} to ${last} of a storage of ${storage.numel} (offset ${offset}, size ${shownSizes(shape)}, stride ${shownSizes(strides)}): a corrupt file`);
  }
  // Zero strides (an expanded tensor) let a small storage stand for any size: allocate only what a model can be.
  if (n > MAX_TENSOR_ELEMENTS) fail(`has size ${shownSizes(shape)}: ${n} elements, more than mi-ident reads in one tensor (${MAX_TENSOR_ELEMENTS})`);
  const bytes = storage.bytes!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = storage.littleEndian;
  const size = DTYPE_BYTES[dtype];
  const read: (i: number) => number =
    dtype === 'float32' ? (i) => view.getFloat32(i * size, le)
      : dtype === 'float64' ? (i) => view.getFloat64(i * size, le)
        : dtype === 'float16' ? (i) => half(view.getUint16(i * size, le))
          : (i) => {
            // bfloat16 is the upper half of a float32
            const b = new DataView(new ArrayBuffer(4));
            b.setUint16(0, view.getUint16(i * size, le), false);
            return b.getFloat32(0, false);
          };
  const out = new Float32Array(n);
  const index = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    let e = offset;
    for (let d = 0; d < shape.length; d++) e += index[d]! * strides[d]!;
    const v = read(e);
    if (!Number.isFinite(v)) fail(`holds ${v} at ${indexText(shape, k)}; every weight and bias must be finite (the model diverged?)`);
    if (Math.fround(v) !== v) {
      fail(`is ${t.label} and not exactly float32: its value ${v} at ${indexText(shape, k)} would be rounded to ${Math.fround(v)}. ` +
        'mi-ident reads float32 weights as the paper\'s models have them; convert deliberately (model.float() before saving) if rounding is what you want');
    }
    out[k] = v;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d]! < shape[d]!) break;
      index[d] = 0;
    }
  }
  return out;
}
