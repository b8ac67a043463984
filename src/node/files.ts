/** Node-only file helpers: JSON input with clear errors, atomic output. */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../errors.ts';

/** Reads and parses a JSON file; `what` names it in errors (e.g. `--data`). */
export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`${what}: cannot read ${path} (${code === 'ENOENT' ? 'no such file' : (e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${what}: ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * Writes a file atomically: a temporary file in the same folder, fsync'd, then renamed over the
 * target, so a reader never sees a half-written file and a crash leaves the old one intact.
 */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, 'w');
  } catch (e) {
    throw new InputError(`cannot write ${path}: ${(e as Error).message}`);
  }
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (e) {
    unlinkSync(tmp);
    throw new InputError(`cannot write ${path}: ${(e as Error).message}`);
  }
}
