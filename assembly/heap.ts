// A bump heap shared by the kernels (the stub runtime's allocator).
// JS calls reset() before writing a new problem, then alloc() for each input block; kernels
// allocate their scratch the same way. Nothing is freed until the next reset().

/** Reserves `size` bytes (16-byte aligned; memory grows as needed) and returns the address. */
export function alloc(size: i32): usize {
  return heap.alloc(<usize>size);
}

/** Forgets every allocation: the next alloc() starts at the heap base again. */
export function reset(): void {
  heap.reset();
}

/** Allocates `size` zeroed bytes (memory reused after reset() holds old data). */
export function allocZeroed(size: usize): usize {
  const ptr = heap.alloc(size);
  memory.fill(ptr, 0, size);
  return ptr;
}
