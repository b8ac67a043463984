/** Node-only file helpers: JSON input with clear errors, atomic output. */
import { accessSync, closeSync, constants, existsSync, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError, ModelFormatError } from '../errors.ts';
import { parseJsonText, type JsonProblemKind } from '../json-text.ts';
import { readModelFile, type ModelFile } from '../model-file.ts';

/**
 * Reads and parses a JSON file; `what` names it in errors (e.g. `--data`), `advice` is appended
 * to the problem of each kind (e.g. how to export a PyTorch model).
 */
export function readJsonFile(path: string, what: string, advice: Partial<Record<JsonProblemKind, string>> = {}): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`${what}: cannot read ${path} (${code === 'ENOENT' ? 'no such file' : (e as Error).message})`);
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) throw new InputError(`${what}: ${path} ${parsed.problem}${advice[parsed.kind] ?? ''}`);
  return parsed.value;
}

/**
 * Reads a model file of any format {@link readModelFile} knows (model JSON, torch.save,
 * safetensors); `what` names it in errors (`model`, `--model`), as `model: PATH is empty (0 bytes)`.
 */
export function readModelPath(path: string, what = 'model'): ModelFile {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`${what}: cannot read ${path} (${code === 'ENOENT' ? 'no such file' : (e as Error).message})`);
  }
  try {
    return readModelFile(bytes, path);
  } catch (e) {
    // Problems with the file as a whole name it; a field's problem (weights[1] ...) stands alone, as before.
    if (e instanceof ModelFormatError && e.message.startsWith(path)) throw new ModelFormatError(`${what}: ${e.message}`);
    throw e;
  }
}

/**
 * Checks, before a long computation, that `path` can be written later: its folder exists and is
 * writable, and `path` is not a folder. `flag` names the option in the message (`--json`).
 */
export function checkWritableFile(path: string, flag: string): void {
  const folder = dirname(resolve(path));
  let problem: string | null = null;
  if (!existsSync(folder)) problem = `its folder ${folder} does not exist`;
  else if (!statSync(folder).isDirectory()) problem = `${folder} is not a folder`;
  else if (existsSync(path) && statSync(path).isDirectory()) problem = 'it is a folder; give a file path';
  else {
    try {
      accessSync(folder, constants.W_OK);
    } catch {
      problem = `the folder ${folder} is not writable`;
    }
  }
  if (problem) throw new InputError(`cannot write ${path} (${flag}): ${problem}`);
}

/** Why a write failed, in words a researcher can act on, with the system's code: `no space left on device (ENOSPC)`. */
export function writeProblem(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ENOSPC: 'no space left on device',
    EDQUOT: 'the disk quota is exceeded',
    EROFS: 'the file system is read-only',
    EACCES: 'permission denied',
    EPERM: 'the operation is not permitted',
    EIO: 'an input/output error',
    ENOENT: 'its folder does not exist',
  };
  if (code && words[code]) return `${words[code]} (${code})`;
  // Node's own wording otherwise, without the code in front and the call after it: `too many open files (EMFILE)`.
  return code ? `${(e as Error).message.replace(/^[A-Z0-9_]+: /, '').split(',')[0]} (${code})` : (e as Error).message;
}

/**
 * Writes all of `data` at the file's current end or position: a write to a nearly full disk may
 * store only part of it and report how much (a short write), so this writes the rest until done,
 * and a full disk then throws ENOSPC instead of losing the tail silently.
 */
export function writeAll(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
}

/** Writes pieces of text in chunks of about a megabyte. */
function writePieces(fd: number, pieces: Iterable<string>): void {
  let chunk = '';
  for (const piece of pieces) {
    chunk += piece;
    if (chunk.length >= 1 << 20) {
      writeAll(fd, chunk);
      chunk = '';
    }
  }
  if (chunk) writeAll(fd, chunk);
}

/**
 * Writes a file atomically: a temporary file in the same folder, fsync'd, then renamed over the
 * target, so a reader never sees a half-written file and a crash leaves the old one intact. When
 * a write fails (a full or read-only disk), the temporary file is removed and the error names
 * the file and the reason; the target is as it was.
 */
export function writeFileAtomic(path: string, text: string | Uint8Array | Iterable<string>): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, 'w');
  } catch (e) {
    throw new InputError(`cannot write ${path}: ${writeProblem(e)}`);
  }
  try {
    if (typeof text === 'string' || text instanceof Uint8Array) writeAll(fd, text);
    else writePieces(fd, text);
    fsyncSync(fd);
    const done = fd;
    fd = -1;
    closeSync(done);
    renameSync(tmp, path);
  } catch (e) {
    try {
      if (fd >= 0) closeSync(fd);
    } catch {
      // the write's error is the one to report
    }
    try {
      unlinkSync(tmp);
    } catch {
      // not created, or the file system no longer lets us remove it
    }
    throw new InputError(`cannot write ${path}: ${writeProblem(e)}`);
  }
}
