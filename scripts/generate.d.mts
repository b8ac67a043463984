// Types of scripts/generate.mjs (the tests call it to tell a stale build).
export function kernelSourceFiles(root: string): string[];
export function shaderSourceFiles(root: string): string[];
export function sourceHash(root: string, files: readonly string[]): string;
export function readLimits(root: string): Record<string, { value: number; doc: string }>;
export function limitsWgsl(limits: Record<string, { value: number; doc: string }>): string;
export function limitsModule(limits: Record<string, { value: number; doc: string }>): string;
export function kernelsApi(dts: string): string;
