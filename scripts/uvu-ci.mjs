// Runs the uvu suites under tsx and ends with the line CI reads: `N passed, N failed, N skipped`.
// uvu prints Total/Passed/Skipped but no failed count, and nothing at all when an import crashes.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const uvuBin = join(dirname(require.resolve('uvu')), '..', 'bin.js'); // uvu's exports map hides bin.js
// `node scripts/uvu-ci.mjs [filter]`: every test/**/*.test.ts, or those whose path contains filter.
const filter = process.argv[2] ?? '';
const pattern = `${filter.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*\\.test\\.ts$`;
// Node 20 has WebAssembly relaxed SIMD (the trainer's fma kernel) behind a flag; Node 22 ships it.
const relaxedFlag = Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-wasm-relaxed-simd'] : [];
const child = spawn(process.execPath, [...relaxedFlag, '--import', 'tsx', uvuBin, 'test', pattern, '--no-color'], {
  stdio: ['ignore', 'pipe', 'pipe'],
});
let out = '';
child.stdout.on('data', (d) => { process.stdout.write(d); out += d; });
child.stderr.on('data', (d) => { process.stderr.write(d); out += d; });
child.on('close', (code) => {
  const text = out.replace(/\x1b\[[0-9;]*m/g, '');
  const num = (label) => {
    const m = text.match(new RegExp(`^\\s*${label}:\\s+(\\d+)\\s*$`, 'm'));
    return m ? Number(m[1]) : null;
  };
  const total = num('Total');
  const passed = num('Passed') ?? 0;
  const skipped = num('Skipped') ?? 0;
  let failed = total === null ? 1 : total - passed; // no summary: the run crashed
  if (code !== 0 && failed === 0) failed = 1;
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(code ?? 1);
});
