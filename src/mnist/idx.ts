/**
 * A reader for the IDX format of the MNIST files (LeCun et al.): a 4-byte magic number (two zero
 * bytes, a type code, the number of dimensions), one big-endian u32 per dimension, then the values
 * in row-major order. Only unsigned bytes (type 0x08) are read: that is what MNIST uses.
 * No Node built-ins: the bytes can come from a file, a fetch or a test fixture.
 */
import { InputError } from '../errors.ts';

/** An IDX array of unsigned bytes. */
export interface IdxArray {
  /** Size of each dimension, outermost first (e.g. `[60000, 28, 28]`). */
  readonly dims: readonly number[];
  /** The values, row-major (a view on the input bytes, not a copy). */
  readonly data: Uint8Array;
}

/** The IDX type code of unsigned bytes. */
const UBYTE = 0x08;

/**
 * Parses IDX bytes. `what` names the source in errors. Throws an {@link InputError} on a wrong
 * magic number, a type other than unsigned bytes, or a length that does not match the header.
 */
export function parseIdx(bytes: Uint8Array, what = 'IDX data'): IdxArray {
  if (bytes.length < 4) throw new InputError(`${what}: ${bytes.length} bytes, too short for an IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] !== 0 || bytes[1] !== 0) throw new InputError(`${what}: not an IDX file (the magic number must start with two zero bytes)`);
  if (bytes[2] !== UBYTE) throw new InputError(`${what}: IDX type 0x${bytes[2]!.toString(16)} is not supported (only unsigned bytes, 0x08)`);
  const nDims = bytes[3]!;
  const header = 4 + 4 * nDims;
  if (nDims === 0 || bytes.length < header) throw new InputError(`${what}: truncated IDX header (${nDims} dimensions)`);
  const dims = Array.from({ length: nDims }, (_, i) => view.getUint32(4 + 4 * i)); // big-endian
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length - header !== size) {
    throw new InputError(`${what}: the header announces ${dims.join(' x ')} = ${size} values but ${bytes.length - header} bytes follow`);
  }
  return { dims, data: bytes.subarray(header) };
}

/** Encodes unsigned bytes as IDX (the inverse of {@link parseIdx}; used to write small test slices). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const size = dims.reduce((a, b) => a * b, 1);
  if (data.length !== size) throw new InputError(`encodeIdx: ${data.length} values for dimensions ${dims.join(' x ')}`);
  const out = new Uint8Array(4 + 4 * dims.length + size);
  const view = new DataView(out.buffer);
  out[2] = UBYTE;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
