// The kernels' own bump heap, from __heap_base upwards (the kernels never use the runtime's
// allocator, so nothing else owns this memory). JS either resets it before writing a new problem
// (grounding) or sub-allocates one reserved block (circuit search); batch kernels free their
// per-item scratch with mark/release.

let heapBase: usize = (__heap_base + 15) & ~(<usize>15);
let top: usize = heapBase;

/** Grows linear memory so that `end` is addressable; traps if the host refuses. */
function ensure(end: usize): void {
  const have = (<usize>memory.size()) << 16;
  if (end <= have) return;
  const pages = <i32>((end - have + 0xffff) >> 16);
  if (memory.grow(pages) < 0) unreachable();
}

/** Reserves `size` bytes (16-byte aligned; memory grows as needed) and returns the address. */
export function alloc(size: i32): usize {
  const ptr = top;
  top = (top + <usize>size + 15) & ~(<usize>15);
  ensure(top);
  return ptr;
}

/** Forgets every allocation: the next alloc() starts at the heap base again. */
export function reset(): void {
  top = heapBase;
}

/** The current top of the heap, to free everything allocated after it with {@link release}. */
export function mark(): usize {
  return top;
}

/** Frees everything allocated since `m` was taken. */
export function release(m: usize): void {
  top = m;
}

/** Allocates `size` zeroed bytes (memory reused after reset() holds old data). */
export function allocZeroed(size: usize): usize {
  const ptr = alloc(<i32>size);
  memory.fill(ptr, 0, size);
  return ptr;
}
