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

/** Writes pieces of text in chunks of about a megabyte. */
function writePieces(fd: number, pieces: Iterable<string>): void {
  let chunk = '';
  for (const piece of pieces) {
    chunk += piece;
    if (chunk.length >= 1 << 20) {
      writeSync(fd, chunk);
      chunk = '';
    }
  }
  if (chunk) writeSync(fd, chunk);
}

/**
 * Writes a file atomically: a temporary file in the same folder, fsync'd, then renamed over the
 * target, so a reader never sees a half-written file and a crash leaves the old one intact.
 */
export function writeFileAtomic(path: string, text: string | Uint8Array | Iterable<string>): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, 'w');
  } catch (e) {
    throw new InputError(`cannot write ${path}: ${(e as Error).message}`);
  }
  try {
    if (typeof text === 'string') writeSync(fd, text);
    else if (text instanceof Uint8Array) for (let at = 0; at < text.length; ) at += writeSync(fd, text, at);
    else writePieces(fd, text);
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
