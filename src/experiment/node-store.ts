/**
 * A results folder (Node only): `config.json` (the grid and the shard it holds), `results.jsonl`
 * (one fsync'd line per finished unit, appended with a single write) and `results.csv`
 * (rewritten atomically from the JSONL).
 *
 * Crash safety: a line is either wholly in the file or not at all as far as a reader is concerned.
 * A run killed mid-write can leave a partial last line; opening the folder again cuts it off,
 * so that unit simply runs again. Units are deduplicated by key, so nothing is counted twice.
 *
 * Full and failing disks: a line that cannot be stored whole (ENOSPC after part of it, a folder
 * made read-only) is cut off again at once where the disk allows, and the run stops with an
 * error naming the folder and the unit; the next run resumes from the units stored before it.
 * The JSONL is opened for each append and closed after it, so between units the run holds no
 * file of the folder open for writing (a file system can then be remounted read-only, and a
 * closed file is where a network file system reports its write errors).
 */
import { closeSync, existsSync, fsyncSync, fstatSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import { writeAll, writeFileAtomic, writeProblem } from '../node/files.ts';
import { preview } from '../json-text.ts';
import { canonicalConfig, configDifferences, configFromJson, type ExperimentConfig } from './config.ts';
import { unitKey, WHOLE_GRID, type Shard, type Unit } from './grid.ts';
import { recordsToCsv, type UnitRecord } from './rows.ts';

/** Bump when the meaning of stored results changes: older folders are then refused. */
export const RESULTS_FORMAT = 1;

export const CONFIG_FILE = 'config.json';
export const RESULTS_FILE = 'results.jsonl';
export const CSV_FILE = 'results.csv';
const LOCK_FILE = '.lock';

/** What config.json holds. */
export interface StoredConfig {
  tool: 'mi-ident';
  format: number;
  config: ExperimentConfig;
  /** The part of the grid this folder holds. */
  shard: Shard;
}

/** Reads a results folder's config.json, or null when the folder has none. */
export function readStoredConfig(dir: string): StoredConfig | null {
  const path = join(dir, CONFIG_FILE);
  if (!existsSync(path)) return null;
  let stored: StoredConfig;
  try {
    stored = JSON.parse(readFileSync(path, 'utf8')) as StoredConfig;
  } catch (e) {
    throw new InputError(`${path} is not valid JSON (${(e as Error).message}); is ${dir} an mi-ident results folder?`);
  }
  if (stored === null || typeof stored !== 'object' || stored.tool !== 'mi-ident') throw new InputError(`${path} is not an mi-ident results configuration`);
  if (stored.format !== RESULTS_FORMAT) {
    throw new InputError(`${dir} holds results of format ${preview(stored.format)}; this version of mi-ident writes format ${RESULTS_FORMAT}: use a new --out folder`);
  }
  // Checked as the flags are: a hand-edited or damaged file is refused here, not deep in a merge.
  const raw = stored.config as unknown;
  // Folders written before --rng existed hold fast-mode results.
  const dated = raw !== null && typeof raw === 'object' && !Array.isArray(raw) && (raw as { rng?: unknown }).rng === undefined ? { ...raw, rng: 'fast' } : raw;
  const config = configFromJson(dated, path);
  const shard = stored.shard as unknown as Record<string, unknown> | null;
  const index = shard?.index;
  const count = shard?.count;
  if (!Number.isSafeInteger(count) || !Number.isSafeInteger(index) || (index as number) < 1 || (index as number) > (count as number)) {
    throw new InputError(`${path} holds an invalid shard ${preview(shard)}: it must be {"index": i, "count": n} with 1 <= i <= n`);
  }
  return { tool: 'mi-ident', format: RESULTS_FORMAT, config, shard: { index: index as number, count: count as number } };
}

/** An open results folder. */
export class ResultStore {
  /** Finished units by key. */
  readonly records = new Map<string, UnitRecord>();
  /** Set when a unit could not be stored: the folder takes no more appends in this run. */
  private failure: InputError | null = null;
  /** Releases the lock when the process exits with the folder open (process.exit on a signal). */
  private readonly unlockOnExit = () => this.unlock();

  private constructor(readonly dir: string, readonly stored: StoredConfig) {}

  /**
   * Opens (creating it if needed) the folder `dir` for `config` and `shard`. Refuses a folder that
   * holds another configuration or shard, or other files, with a message that says why.
   */
  static open(dir: string, config: ExperimentConfig, shard: Shard = WHOLE_GRID): ResultStore {
    const wanted: StoredConfig = { tool: 'mi-ident', format: RESULTS_FORMAT, config: canonicalConfig(config), shard: { index: shard.index, count: shard.count } };
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new InputError(`cannot create the results folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    let stored = checkFolder(dir, wanted);
    if (!stored) {
      writeFileAtomic(join(dir, CONFIG_FILE), JSON.stringify(wanted, null, 1) + '\n');
      stored = wanted;
    }
    const store = new ResultStore(dir, stored);
    store.lock();
    try {
      store.removeStaleTemporaries();
      store.load();
    } catch (e) {
      store.close(); // a refused folder keeps no lock of ours
      throw e;
    }
    return store;
  }

  /**
   * The records a folder holds for `config` and `shard`, read without creating or locking
   * anything (none if it does not exist); refuses it as {@link ResultStore.open} would.
   */
  static peek(dir: string, config: ExperimentConfig, shard: Shard = WHOLE_GRID): UnitRecord[] {
    const wanted: StoredConfig = { tool: 'mi-ident', format: RESULTS_FORMAT, config: canonicalConfig(config), shard: { index: shard.index, count: shard.count } };
    if (!existsSync(dir) || !statSync(dir).isDirectory() || !checkFolder(dir, wanted)) return [];
    return ResultStore.read(dir).records;
  }

  /** Opens a folder read-only (merge, report): its config and records. */
  static read(dir: string): { stored: StoredConfig; records: UnitRecord[] } {
    const stored = readStoredConfig(dir);
    if (!stored) throw new InputError(`${dir} is not an mi-ident results folder (no ${CONFIG_FILE})`);
    const path = join(dir, RESULTS_FILE);
    const bytes = existsSync(path) ? readFileSync(path) : new Uint8Array(0);
    return { stored, records: inGridOrder(parseLines(bytes, path).records.values()) };
  }

  /** Whether the unit with this key has finished. */
  has(key: string): boolean {
    return this.records.has(key);
  }

  /**
   * Appends a finished unit: one line, written whole, then fsync. When the disk refuses it (full,
   * read-only, failing), the part written is cut off again (where the disk allows; otherwise the
   * next open cuts it, as after a crash) and an {@link InputError} names the folder, the unit and
   * the reason; later appends of this store are refused with the same error.
   */
  append(record: UnitRecord): void {
    if (this.records.has(record.key)) return;
    if (this.failure) throw this.failure;
    const path = join(this.dir, RESULTS_FILE);
    let fd = -1;
    let size = -1;
    try {
      fd = openSync(path, 'a');
      size = fstatSync(fd).size;
      writeAll(fd, JSON.stringify(record) + '\n');
      fsyncSync(fd);
      const done = fd;
      fd = -1;
      closeSync(done);
    } catch (e) {
      this.failure = new InputError(
        `cannot store unit ${record.key} in the results folder ${this.dir}: ${writeProblem(e)}. ` +
          `The ${this.records.size} unit(s) stored before it are kept and nothing of this one; ` +
          `${advice(e)}, then run the same command again to resume.`,
      );
      this.cutBack(fd, path, size);
      throw this.failure;
    }
    this.records.set(record.key, record);
  }

  /** Removes a partly written line (from `size` on), closing `fd`; best effort on a failing disk. */
  private cutBack(fd: number, path: string, size: number): void {
    try {
      if (size >= 0) {
        if (fd >= 0) ftruncateSync(fd, size);
        else truncateSync(path, size);
      }
    } catch {
      // a read-only or failing disk: the next open cuts the partial line off
    }
    try {
      if (fd >= 0) closeSync(fd);
    } catch {
      // already reported
    }
  }

  /** Rewrites results.csv (atomically) from every finished unit. */
  writeCsv(): string {
    const path = join(this.dir, CSV_FILE);
    try {
      writeFileAtomic(path, recordsToCsv(inGridOrder(this.records.values()), this.stored.config.criteria ?? []));
    } catch (e) {
      const cause = e instanceof InputError ? e.message : `cannot write ${path}: ${writeProblem(e)}`;
      throw new InputError(`${cause}. Every finished unit is stored in ${RESULTS_FILE}; run the same command again to write the CSV`);
    }
    return path;
  }

  /** Closes the JSONL and releases the folder. */
  close(): void {
    this.unlock();
  }

  private unlock(): void {
    process.off('exit', this.unlockOnExit);
    try {
      unlinkSync(join(this.dir, LOCK_FILE));
    } catch {
      // already gone
    }
  }

  /** Temporary files of atomic writes that a killed run left behind (we hold the lock: nobody else writes). */
  private removeStaleTemporaries(): void {
    for (const f of readdirSync(this.dir)) {
      // a folder of that name is nobody's temporary: left alone
      if (/^\.(config\.json|results\.csv)\.\d+\.tmp$/.test(f) && statSync(join(this.dir, f)).isFile()) unlinkSync(join(this.dir, f));
    }
  }

  /** Reads the JSONL (creating it), cutting off a partial last line. */
  private load(): void {
    const path = join(this.dir, RESULTS_FILE);
    let fd: number;
    try {
      fd = openSync(path, 'a+');
    } catch (e) {
      throw new InputError(`cannot write ${path}: ${writeProblem(e)}`);
    }
    try {
      const { records, validBytes, totalBytes } = parseLines(readFileSync(path), path);
      if (validBytes < totalBytes) {
        try {
          ftruncateSync(fd, validBytes);
          fsyncSync(fd);
        } catch (e) {
          throw new InputError(`cannot write ${path} (to cut off its partial last line): ${writeProblem(e)}`);
        }
      }
      for (const [k, r] of records) this.records.set(k, r);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * One writer per folder: a lock file with our pid and host. A lock left by a dead process of
   * this host (a killed run) is taken over; a live one, or one from another host, is refused.
   */
  private lock(): void {
    const path = join(this.dir, LOCK_FILE);
    const me = JSON.stringify({ pid: process.pid, host: hostname() });
    for (let attempt = 0; attempt < 2; attempt++) {
      let fd = -1;
      try {
        fd = openSync(path, 'wx');
        writeAll(fd, me);
        closeSync(fd);
        process.on('exit', this.unlockOnExit);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
          if (fd >= 0) {
            // created but not written (a full disk): leave no empty lock behind
            try {
              closeSync(fd);
              unlinkSync(path);
            } catch {
              // the next run takes over a lock without an owner
            }
          }
          throw new InputError(`cannot write to the results folder ${this.dir}: ${writeProblem(e)}; ${advice(e)}, then run the same command again`);
        }
      }
      let owner: { pid?: number; host?: string } = {};
      try {
        owner = JSON.parse(readFileSync(path, 'utf8'));
      } catch {
        // a lock being written right now, or garbage: treat as stale below if its owner is unknown
      }
      if (owner.host && owner.host !== hostname()) {
        throw new InputError(`${this.dir} is in use by a run on ${owner.host} (pid ${owner.pid}); if no run is active there, delete ${path}`);
      }
      if (owner.pid && owner.pid !== process.pid && isAlive(owner.pid)) {
        throw new InputError(`${this.dir} is in use by another mi-ident run (pid ${owner.pid}); wait for it or use another --out folder`);
      }
      try {
        unlinkSync(path); // stale: its process is gone
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        // e.g. a folder named .lock: not a lock this run can take over
        if (code === 'EISDIR' || code === 'EPERM') {
          throw new InputError(`cannot lock ${this.dir}: ${path} is not a lock file mi-ident can take over (${code}); if no run is active, delete it`);
        }
        throw new InputError(`cannot write to the results folder ${this.dir}: ${writeProblem(e)}; ${advice(e)}, then run the same command again`);
      }
    }
    throw new InputError(`cannot lock ${this.dir}: another run keeps taking it`);
  }
}

/**
 * The stored config of `dir` when it holds results of `wanted`'s grid and shard, null when it is
 * empty; refuses any other folder with a message that says why.
 */
function checkFolder(dir: string, wanted: StoredConfig): StoredConfig | null {
  const stored = readStoredConfig(dir);
  const shard = wanted.shard;
  if (stored) {
    const diff = configDifferences(stored.config, wanted.config);
    if (diff.length) {
      throw new InputError(`${dir} holds results of another configuration (stored vs requested: ${diff.join('; ')}); use another --out folder, or the stored options to resume`);
    }
    if (stored.shard.index !== shard.index || stored.shard.count !== shard.count) {
      throw new InputError(
        `${dir} holds shard ${stored.shard.index}/${stored.shard.count} of this grid, not ${shard.index}/${shard.count}; give each shard its own --out folder ` +
          `(in a Slurm job array, --shard-plan FILE keeps each task's shard when tasks are resubmitted alone)`,
      );
    }
    return stored;
  }
  const others = readdirSync(dir).filter((f) => f !== LOCK_FILE && !f.startsWith(`.${CONFIG_FILE}.`));
  if (others.length) throw new InputError(`${dir} is not empty and holds no mi-ident results (${others.slice(0, 3).join(', ')}${others.length > 3 ? ', ...' : ''}); choose an empty or new --out folder`);
  return null;
}

/** What to do about a failed write, by its cause. */
function advice(e: unknown): string {
  switch ((e as NodeJS.ErrnoException).code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'free space there';
    case 'EROFS':
      return 'make it writable again';
    case 'EACCES':
    case 'EPERM':
      return 'make it writable for this user';
    default:
      return 'fix the disk';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether a parsed line has a result record's shape: what merge, report and the CSV read of it.
 * Its key must be its unit's, so that a line edited to another unit is not counted as that one.
 */
function isRecord(r: unknown): r is UnitRecord {
  if (r === null || typeof r !== 'object' || Array.isArray(r)) return false;
  const { key, unit, gates, converged, rows, model } = r as Record<string, unknown>;
  if (typeof key !== 'string' || unit === null || typeof unit !== 'object' || Array.isArray(unit)) return false;
  const u = unit as Record<string, unknown>;
  const numbers = ['index', 'nGates', 'seedOffset', 'size', 'depth', 'lossTarget', 'learningRate'].every((f) => typeof u[f] === 'number' && Number.isFinite(u[f]));
  if (!numbers || !Number.isSafeInteger(u.index) || (u.index as number) < 0 || unitKey(u as unknown as Unit) !== key) return false;
  if (!Array.isArray(gates) || !gates.every((g) => typeof g === 'string') || typeof converged !== 'boolean') return false;
  if (!Array.isArray(rows) || !rows.every((row) => row !== null && typeof row === 'object' && !Array.isArray(row))) return false;
  return model === null || (typeof model === 'object' && !Array.isArray(model));
}

/** Decodes one line, refusing bytes that are not UTF-8 (a damaged line, not text to guess at). */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses JSONL bytes. Complete lines must parse, except the last one, which a crash may have cut
 * (it is then dropped). Returns the records by key (first occurrence wins) and the byte length of
 * the valid prefix. Lines are cut and counted as bytes: a line decoded first would count each
 * byte that is not UTF-8 as the three of a replacement character, and the cut would land past
 * the torn line.
 */
function parseLines(bytes: Uint8Array, path: string): { records: Map<string, UnitRecord>; validBytes: number; totalBytes: number } {
  const records = new Map<string, UnitRecord>();
  const totalBytes = bytes.length;
  let start = 0;
  let lineNo = 0;
  while (start < totalBytes) {
    const end = bytes.indexOf(0x0a, start);
    lineNo++;
    let record: UnitRecord | null = null;
    try {
      record = JSON.parse(strictUtf8.decode(bytes.subarray(start, end < 0 ? totalBytes : end))) as UnitRecord;
    } catch {
      record = null;
    }
    const isLast = end < 0 || end === totalBytes - 1;
    if (end < 0 || !isRecord(record)) {
      if (isLast) break; // a torn last line: the unit runs again
      throw new InputError(
        `${path}: line ${lineNo} is not a valid result record; the file was edited or damaged: restore it, or delete that line (its unit then runs again)`,
      );
    }
    if (!records.has(record.key)) records.set(record.key, record);
    start = end + 1;
  }
  return { records, validBytes: start, totalBytes };
}

/**
 * Records in the grid's order (by unit index), not the order workers finished them in: the CSV and
 * the report's figures (whose points are placed by position) are then the same from run to run.
 */
function inGridOrder(records: Iterable<UnitRecord>): UnitRecord[] {
  return [...records].sort((a, b) => a.unit.index - b.unit.index);
}
