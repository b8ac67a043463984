/**
 * `npm run explorer`: builds the explorer (scripts/build-explorer.mjs) and serves it on 127.0.0.1,
 * printing its URL. Ctrl-C stops. `--out DIR` builds elsewhere than dist/explorer.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildExplorer } from '../../scripts/build-explorer.mjs';
import { serveStatic } from '../webgpu-serve.ts';
import { EXPLORER_HEADERS } from './csp.ts';

const at = process.argv.indexOf('--out');
const started = Date.now();
const { outdir } = await buildExplorer(at > 0 ? { outdir: process.argv[at + 1] } : {});
const server = await serveStatic(outdir, { '/': { body: readFileSync(join(outdir, 'index.html')), type: 'text/html; charset=utf-8' } }, EXPLORER_HEADERS);
console.log(`explorer built in ${Date.now() - started} ms (${outdir})`);
console.log(`open ${server.origin}/  (Ctrl-C stops; WebGPU needs a browser with it enabled)`);
