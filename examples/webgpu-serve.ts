/**
 * A minimal static file server on 127.0.0.1 for the browser example and the Chromium tests
 * (`.wasm` as application/wasm, as `WebAssembly.compileStreaming` requires).
 *
 *   npm run build && node --import tsx examples/webgpu-serve.ts
 *   # then open the printed URL (examples/webgpu.html) in a browser with WebGPU
 */
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.wgsl': 'text/plain; charset=utf-8',
  '.css': 'text/css',
};

/** A file served from memory instead of the disk. */
export interface StaticRoute {
  readonly body: string | Uint8Array;
  readonly type?: string;
}

/** A running server. */
export interface StaticServer {
  /** e.g. `http://127.0.0.1:41234` (no trailing slash). */
  readonly origin: string;
  close(): Promise<void>;
}

/**
 * Serves the files under `root`, and `routes` (by URL path) from memory, on a free port; every
 * response carries `headers` too (the explorer's Content-Security-Policy, examples/explorer/csp.ts).
 */
export async function serveStatic(root: string, routes: Readonly<Record<string, StaticRoute>> = {}, headers: Readonly<Record<string, string>> = {}): Promise<StaticServer> {
  const base = normalize(root + sep);
  const server: Server = createServer(async (req, res) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      res.writeHead(400, headers).end(); // a malformed escape (/%ff) is the client's error, not the server's crash
      return;
    }
    const route = routes[path];
    if (route) {
      res.writeHead(200, { ...headers, 'content-type': route.type ?? TYPES[extname(path)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(route.body);
      return;
    }
    const file = normalize(join(base, path));
    if (!file.startsWith(base)) {
      res.writeHead(403, headers).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    } catch {
      res.writeHead(404, headers).end();
    }
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const server = await serveStatic(fileURLToPath(new URL('..', import.meta.url)));
  console.log(`serving the repository at ${server.origin}/ — open ${server.origin}/examples/webgpu.html (Ctrl-C stops)`);
}
