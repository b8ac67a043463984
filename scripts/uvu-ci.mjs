// Runs the uvu suites under tsx and ends with the line CI reads: `N passed, N failed, N skipped`.
// Each test file runs in a process of its own: a native crash (an addon's fatal error, an abort)
// then costs that file's tests only, and is counted and named, instead of ending the whole run
// with nothing but "1 failed". uvu prints Total/Passed/Skipped per file but no failed count.
//
// `node scripts/uvu-ci.mjs [filter]`: every test/**/*.test.ts, or those whose path contains filter.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { relaxedSimdFlags } from './node-flags.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TESTS = join(ROOT, 'test');
const filter = process.argv[2] ?? '';
const matches = (path) => path.endsWith('.test.ts') && path.includes(filter);
const relaxedFlag = relaxedSimdFlags();

/** Test files under test/, as paths relative to it with forward slashes, in name order. */
function testFiles() {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'fixtures') walk(path);
      } else if (matches(relative(TESTS, path).split(sep).join('/'))) files.push(relative(TESTS, path).split(sep).join('/'));
    }
  };
  walk(TESTS);
  return files.sort();
}

/** Runs one file; resolves with its counts (a crash or a missing summary counts as one failure). */
function runFile(file) {
  return new Promise((resolve) => {
    process.stdout.write(`${file}\n`);
    const child = spawn(process.execPath, [...relaxedFlag, '--import', 'tsx', join(TESTS, file)], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => { process.stdout.write(d); out += d; });
    child.stderr.on('data', (d) => { process.stderr.write(d); out += d; });
    child.on('close', (code, signal) => {
      const text = out.replace(/\x1b\[[0-9;]*m/g, '');
      const num = (label) => {
        const m = [...text.matchAll(new RegExp(`^\\s*${label}:\\s+(\\d+)\\s*$`, 'gm'))].at(-1);
        return m ? Number(m[1]) : null;
      };
      const total = num('Total');
      const passed = num('Passed') ?? 0;
      const skipped = num('Skipped') ?? 0;
      let failed = total === null ? 1 : total - passed;
      if ((code !== 0 || signal) && failed === 0) failed = 1;
      if (total === null || signal) console.log(`  ${file}: the process ended without a summary (exit code ${code}${signal ? `, signal ${signal}` : ''}); counted as 1 failed`);
      resolve({ file, passed, failed, skipped });
    });
  });
}

const files = testFiles();
if (files.length === 0) {
  console.log(`no test file matches "${filter}"`);
  console.log('0 passed, 1 failed, 0 skipped');
  process.exit(1);
}
const results = [];
for (const file of files) results.push(await runFile(file));
const sum = (key) => results.reduce((n, r) => n + r[key], 0);
const failing = results.filter((r) => r.failed > 0).map((r) => r.file);
if (failing.length) console.log(`\nfiles with failures: ${failing.join(', ')}`);
console.log(`${sum('passed')} passed, ${sum('failed')} failed, ${sum('skipped')} skipped`);
process.exit(failing.length ? 1 : 0);
