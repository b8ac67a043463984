/**
 * The two checkouts of bench/compare.ts: a detached git worktree of the base commit outside this
 * repository (made once, then reused), and this working tree. Each is built by its own
 * scripts/build.mjs when its generated files are missing or older than their sources.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

export interface Checkout {
  dir: string;
  sha: string;
  /** Uncommitted changes (tracked or untracked) in the working tree. */
  dirty: boolean;
}

export function currentCheckout(root: string): Checkout {
  const dir = git(root, 'rev-parse', '--show-toplevel');
  return { dir, sha: git(dir, 'rev-parse', 'HEAD'), dirty: git(dir, 'status', '--porcelain') !== '' };
}

/** Makes or reuses a worktree of `rev` at `dir` (default: in the temp dir), links node_modules, builds it. */
export function baseCheckout(current: Checkout, rev: string, dir?: string): Checkout {
  let sha: string;
  try {
    sha = git(current.dir, 'rev-parse', '--verify', '--quiet', `${rev}^{commit}`);
  } catch {
    throw new Error(`--base ${rev} is not a commit of this repository`);
  }
  const target = resolve(dir ?? join(tmpdir(), `mi-ident-bench-base-${sha.slice(0, 12)}`));
  const inside = relative(current.dir, target);
  if (inside === '' || (inside.split(sep)[0] !== '..' && !isAbsolute(inside))) throw new Error(`--worktree ${target} is inside this checkout; give a folder outside it`);
  if (existsSync(target)) {
    const head = headOf(target);
    if (head !== sha) throw new Error(`${target} exists but is not a checkout of ${sha} (HEAD: ${head ?? 'none'}); remove it or give another --worktree`);
    console.error(`reusing the base worktree ${target}`);
  } else {
    console.error(`making a worktree of ${sha.slice(0, 12)} at ${target}`);
    // --force: the folder may still be registered from an earlier run whose temp dir was cleaned.
    git(current.dir, 'worktree', 'add', '--force', '--detach', target, sha);
  }
  const modules = join(target, 'node_modules');
  if (!existsSync(modules)) symlinkSync(realpathSync(join(current.dir, 'node_modules')), modules, 'dir');
  const lock = (d: string) => readFileSync(join(d, 'package-lock.json'), 'utf8');
  if (lock(target) !== lock(current.dir)) console.error('warning: the base commit locks other dependency versions; it runs with this checkout\'s node_modules');
  ensureBuilt(target);
  return { dir: target, sha, dirty: git(target, 'status', '--porcelain', '--untracked-files=no') !== '' };
}

/** HEAD of the checkout whose top folder is `dir`, or null (not a checkout, or a folder inside one). */
function headOf(dir: string): string | null {
  try {
    return realpathSync(git(dir, 'rev-parse', '--show-toplevel')) === realpathSync(dir) ? git(dir, 'rev-parse', 'HEAD') : null;
  } catch {
    return null;
  }
}

/** Newest modification time of the files under `dir` (0 when it does not exist). */
function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => statSync(join(dir, f)))
    .filter((s) => s.isFile())
    .reduce((a, s) => Math.max(a, s.mtimeMs), 0);
}

/** The probe runs the TS sources, which need only the generated Wasm and WGSL modules. */
export function ensureBuilt(dir: string): void {
  const outputs = ['kernels-wasm.ts', 'shaders.ts'].map((f) => join(dir, 'src', 'generated', f));
  const sources = Math.max(newest(join(dir, 'assembly')), newest(join(dir, 'shaders')));
  if (outputs.every((f) => existsSync(f) && statSync(f).mtimeMs >= sources)) return;
  console.error(`building ${dir} (node scripts/build.mjs)`);
  // The build's output goes to stderr: stdout is the comparison's.
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: dir, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) throw new Error(`the build of ${dir} failed (exit ${r.status ?? r.signal})`);
}
