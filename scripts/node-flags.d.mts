/** Types of scripts/node-flags.mjs (for the TypeScript benchmarks). */

/** The flags that turn WebAssembly relaxed SIMD on for a child node process (none from Node 22 on). */
export function relaxedSimdFlags(): string[];
