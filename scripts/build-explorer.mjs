// Builds the explorer (examples/explorer/) into a static folder, default dist/explorer/:
// index.html, styles.css and three ES modules bundled by esbuild from the TypeScript sources
// (the page, its Web Worker, and the worker pool's workers; the library and its Wasm kernels are
// inside). Serve the folder from any static server (.wasm is not fetched: the kernels are embedded).
//   node scripts/build-explorer.mjs [--out DIR]     or: npm run explorer (builds, then serves)
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'examples', 'explorer');

/** The bundles: output name -> entry module. The page finds the workers next to itself. */
const ENTRIES = {
  explorer: 'src/main.ts',
  worker: 'src/worker.ts',
  'pool-worker': 'src/pool-worker.ts',
};
const STATIC_FILES = ['index.html', 'styles.css'];

/**
 * Builds the explorer into `outdir`; returns the folder and the files written.
 * @param {{ outdir?: string, minify?: boolean }} [options]
 */
export async function buildExplorer({ outdir = join(root, 'dist', 'explorer'), minify = true } = {}) {
  const out = resolve(outdir);
  mkdirSync(out, { recursive: true });
  const result = await build({
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, entry]) => [name, join(source, entry)])),
    outdir: out,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify,
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
    // The library's worker module reaches node:worker_threads only outside a browser.
    external: ['node:worker_threads'],
  });
  for (const f of STATIC_FILES) copyFileSync(join(source, f), join(out, f));
  const node = Object.keys(result.metafile.inputs).filter((f) => f.startsWith('node:') || f.includes('src/node/'));
  if (node.length) throw new Error(`the explorer bundle pulled in Node-only modules: ${node.join(', ')}`);
  const files = [...Object.keys(result.metafile.outputs).map((f) => resolve(root, f)), ...STATIC_FILES.map((f) => join(out, f))];
  return { outdir: out, files };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  try {
    const { outdir, files } = await buildExplorer(at > 0 ? { outdir: process.argv[at + 1] } : {});
    console.log(`explorer built in ${relative(process.cwd(), outdir) || '.'}: ${files.filter((f) => !f.endsWith('.map')).map((f) => relative(outdir, f)).join(', ')}`);
  } catch (e) {
    console.error(`explorer build failed: ${e.message}`);
    process.exit(1);
  }
}
