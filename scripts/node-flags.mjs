// Node flags that child processes of the test runner and the benchmarks need.

/**
 * Node 20 has WebAssembly relaxed SIMD (the fma trainer's kernel) behind a flag; Node 22 ships it.
 * The flags that turn it on for a child node process: empty from Node 22 on.
 */
export function relaxedSimdFlags() {
  return Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-wasm-relaxed-simd'] : [];
}
