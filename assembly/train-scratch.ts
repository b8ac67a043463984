// What the reference trainer's record-based kernels (train-torch-fused.ts, train-torch-fma.ts)
// share: their scratch header of per-layer region offsets, and the staging of an epoch's records.

export const MAX_LAYERS = 64;
// Header slots: i32 byte offsets from the scratch base, per layer.
export const HDR_ACT = 0;
export const HDR_Z = 1;
export const HDR_GZ = 2;
export const HDR_ARM = 3;
export const HDR_ACC = 4;
const HDR_SLOTS = 5;
export const HEADER_BYTES = HDR_SLOTS * MAX_LAYERS * 4 + 32;

// @ts-ignore: decorator
@inline export function sizeAt(sizes: usize, l: i32): i32 {
  return load<i32>(sizes + (<usize>l << 2));
}

/** The address of region (slot, l) of the scratch block. */
// @ts-ignore: decorator
@inline export function hdr(scratch: usize, slot: i32, l: i32): usize {
  return scratch + <usize>load<i32>(scratch + (<usize>(slot * MAX_LAYERS + l) << 2));
}

/** Records region (slot, l) at byte offset `at` (when writing) and returns the next free offset. */
export function put(scratch: usize, slot: i32, l: i32, bytes: i32, at: i32): i32 {
  if (scratch) store<i32>(scratch + (<usize>(slot * MAX_LAYERS + l) << 2), at);
  return at + ((bytes + 15) & ~15);
}

/**
 * Copies samples s0 .. s1 - 1 of the epoch (perm order) from the records (`w` floats each) into
 * `stage`, one after the other: a tight loop of independent loads, so the cache misses of a
 * random order overlap (the batches then read their rows in sequence).
 */
export function stageRows(rec: usize, perm: usize, s0: i32, s1: i32, w: i32, stage: usize): void {
  const bytes = <usize>w << 2;
  if (w == 3) {
    for (let d = s0, out = stage; d < s1; d++, out += 12) {
      const src = rec + <usize>load<i32>(perm + (<usize>d << 2)) * 12;
      store<i64>(out, load<i64>(src));
      store<f32>(out + 8, load<f32>(src + 8));
    }
    return;
  }
  for (let d = s0, out = stage; d < s1; d++, out += bytes) {
    const src = rec + <usize>load<i32>(perm + (<usize>d << 2)) * bytes;
    for (let j: usize = 0; j < bytes; j += 4) store<f32>(out + j, load<f32>(src + j));
  }
}
