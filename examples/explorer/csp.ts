/**
 * The explorer's Content-Security-Policy (docs/fuzzing.md): everything from the page's own origin,
 * no inline script or style, no eval. `'wasm-unsafe-eval'` lets the page compile the library's
 * WebAssembly kernels and nothing else (it is not `'unsafe-eval'`: strings never become code).
 * Serve the explorer with it: `serve.ts` and the Chromium tests do.
 */
export const EXPLORER_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "worker-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The response headers the explorer is served with. */
export const EXPLORER_HEADERS: Readonly<Record<string, string>> = { 'content-security-policy': EXPLORER_CSP, 'x-content-type-options': 'nosniff' };
