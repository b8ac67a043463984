#!/usr/bin/env node
// The installed command. Runs the compiled CLI from dist/; in a source checkout without a build
// it falls back to the TypeScript sources through tsx.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/src/cli/main.js', import.meta.url);
let main;
if (existsSync(compiled)) {
  ({ main } = await import(compiled.href));
} else {
  try {
    await import('tsx/esm');
  } catch {
    console.error('mi-ident: dist/ is missing; run "npm run build" first');
    process.exit(2);
  }
  ({ main } = await import(new URL('../src/cli/main.ts', import.meta.url).href));
}
process.exitCode = await main(process.argv.slice(2));
