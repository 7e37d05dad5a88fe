import { hash } from 'node:crypto';
import { type Dirent, type Stats, copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { OutputTree } from './index.js';
import { GENERATED_MARK } from './layout.js';
import { LOCK_FILE, parseLock } from './lock.js';

/**
 * The only code that writes to the output folder.
 *
 * Atomic: the new tree is assembled in a sibling staging folder (unchanged and hand-written files
 * hard-linked, changed files written), then swapped in with two renames. A crash or kill leaves
 * the previous folder intact; the rare crash between the two renames is repaired on the next run.
 * Only files listed in the previous lock are ever deleted; a file fleet did not write is never
 * overwritten.
 */

export interface TreeDifference {
  /** Files whose bytes would change. */
  readonly changed: string[];
  /** Files fleet would create. */
  readonly added: string[];
  /** Files fleet owns (per the lock) that it no longer renders. */
  readonly stale: string[];
  /** Files in the way that fleet did not write. */
  readonly conflicts: string[];
}

/**
 * What synth writes: every file's hash, and a way to write any of the files into a folder. The
 * bytes may be held by the threads that rendered them (src/cli/compile-parallel.ts), each writing
 * its own files; outputOf(tree) is the same for a tree in memory.
 */
export interface Output {
  /** Path relative to the output folder -> `sha256:<hex>` of its bytes; every file, the lock included. */
  readonly hashes: ReadonlyMap<string, string>;
  /** Writes these files (paths of `hashes`) under `dir`, creating folders as needed. */
  write(dir: string, paths: readonly string[]): void | Promise<void>;
}

export function outputOf(tree: OutputTree): Output {
  return {
    hashes: new Map([...tree].map(([path, text]) => [path, `sha256:${hash('sha256', text)}`])),
    write: (dir, paths) => writeFiles(dir, paths.map((path) => [path, tree.get(path)!])),
  };
}

/** Writes files under `dir`, each folder created once. */
export function writeFiles(dir: string, files: Iterable<readonly [string, string]>): void {
  const folders = new Set<string>();
  for (const [path, text] of files) {
    const target = join(dir, path);
    const folder = dirname(target);
    if (!folders.has(folder)) mkdirSync(folder, { recursive: true });
    folders.add(folder);
    writeFileSync(target, text);
  }
}

/** What an output folder holds: every file with the sha256 of its bytes (as the lock writes it), and which files are fleet's. */
export interface DiskTree {
  /** Path relative to the folder -> `sha256:<hex>`. */
  readonly hashes: ReadonlyMap<string, string>;
  /** Files that do not start with fleet's generated-file mark. */
  readonly handWritten: ReadonlySet<string>;
  /** Files that the folder's lock does not list (fleet owns the lock and what it lists). Usually few, so cheap to pass between threads. */
  readonly unowned: ReadonlySet<string>;
}

/**
 * A file's identity on disk without reading it: size, modification and change times, inode. Two
 * equal stamps of a path mean nobody wrote to it in between (see src/cli/synth-cache.ts).
 */
export function fileStamp(stats: Stats): string {
  return `${stats.size}\t${stats.mtimeMs}\t${stats.ctimeMs}\t${stats.ino}`;
}

/**
 * Reads and hashes every file under `outDir` (nothing when it does not exist). `unchangedSince`,
 * the stamps of every file right after the last synth wrote them (from the synth cache), saves
 * reading the files fleet owns that still have their stamp: their hash is the one in the lock,
 * itself unchanged. A one-app change then reads a handful of files instead of every one.
 */
export function readTree(outDir: string, unchangedSince?: ReadonlyMap<string, string>): DiskTree {
  const hashes = new Map<string, string>();
  const handWritten = new Set<string>();
  const paths = listFiles(outDir);
  const unchanged = (path: string) => {
    const stamp = unchangedSince?.get(path);
    if (stamp === undefined) return false;
    try {
      return fileStamp(lstatSync(join(outDir, path))) === stamp;
    } catch {
      return false;
    }
  };
  // The lock's hashes stand for the files only while the lock itself is as the last synth left it.
  const lockedHashes = unchangedSince && unchanged(LOCK_FILE) ? parseLock(readTextOrUndefined(join(outDir, LOCK_FILE)))?.files : undefined;
  let lock: string | undefined;
  for (const path of paths) {
    const locked = lockedHashes && Object.hasOwn(lockedHashes, path) ? lockedHashes[path] : undefined;
    if (locked !== undefined && unchanged(path)) {
      hashes.set(path, locked);
      continue;
    }
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(outDir, path));
    } catch {
      // Unreadable (a dangling link, no permission): not fleet's, and kept as it is.
      hashes.set(path, '');
      handWritten.add(path);
      continue;
    }
    hashes.set(path, `sha256:${hash('sha256', bytes)}`);
    if (bytes.toString('utf8', 0, GENERATED_MARK.length) !== GENERATED_MARK) handWritten.add(path);
    if (path === LOCK_FILE) lock = bytes.toString('utf8');
  }
  const owned = new Set(Object.keys(parseLock(lock)?.files ?? {})).add(LOCK_FILE);
  return { hashes, handWritten, unowned: new Set([...hashes.keys()].filter((path) => !owned.has(path))) };
}

/**
 * readTree on a worker thread, so reading the previous output (one file per object: tens of
 * thousands) overlaps compiling the spec on the main thread. Call the returned function for the
 * result; until then the worker does not keep the process alive, so a run that stops early (a spec
 * error) does not wait for it. Falls back to reading here when no worker can start (e.g. under a
 * test runner that cannot load this module in a worker).
 */
export function readTreeInBackground(outDir: string, unchangedSince?: ReadonlyMap<string, string>): () => Promise<DiskTree> {
  let worker: Worker | undefined;
  const read = new Promise<DiskTree>((done, fail) => {
    worker = new Worker(new URL(import.meta.url), { workerData: { readTree: outDir, unchangedSince } });
    worker.once('message', done);
    worker.once('error', fail);
    worker.once('exit', (code) => fail(new Error(`the tree reader exited with ${code}`)));
    worker.unref(); // after the listeners: adding a 'message' listener refs the worker again
  });
  read.catch(() => {}); // not asked for (the run stopped early), or read here when asked
  return () => {
    worker?.ref();
    return read.catch(() => readTree(outDir, unchangedSince));
  };
}

if (!isMainThread && typeof workerData?.readTree === 'string') parentPort!.postMessage(readTree(workerData.readTree, workerData.unchangedSince));

/** How `outDir` (as read into `disk`) differs from `tree`. Reads only: `fleet synth --check` uses it. */
export function compareTree(outDir: string, tree: OutputTree | Output, disk: DiskTree = readTree(outDir)): TreeDifference {
  const { hashes } = tree instanceof Map ? outputOf(tree) : (tree as Output);
  const difference: TreeDifference = { changed: [], added: [], stale: [], conflicts: [] };
  for (const [path, wanted] of hashes) {
    const current = disk.hashes.get(path);
    if (current === undefined) difference.added.push(path);
    else if (current !== wanted) {
      if (disk.unowned.has(path) && disk.handWritten.has(path)) difference.conflicts.push(path);
      else difference.changed.push(path);
    }
  }
  for (const path of disk.hashes.keys()) if (!hashes.has(path) && !disk.unowned.has(path)) difference.stale.push(path);
  difference.stale.sort();
  return difference;
}

export function isClean(difference: TreeDifference): boolean {
  return difference.changed.length + difference.added.length + difference.stale.length + difference.conflicts.length === 0;
}

/**
 * Writes `tree` into `outDir` (see above), given what the folder holds (read now when not given).
 * Refuses, writing nothing, when there are conflicts.
 */
export async function writeTree(outDir: string, tree: OutputTree | Output, disk?: DiskTree): Promise<TreeDifference> {
  outDir = withoutTrailingSlash(outDir); // `out/` must stage in `out.fleet-staging`, not inside out/
  const output = tree instanceof Map ? outputOf(tree) : (tree as Output);
  const restored = recover(outDir);
  const difference = compareTree(outDir, output, restored || disk === undefined ? readTree(outDir) : disk);
  if (difference.conflicts.length > 0 || isClean(difference)) return difference;

  const staging = `${outDir}.fleet-staging`;
  const old = `${outDir}.fleet-old`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const stale = new Set(difference.stale);
  const rewrite = [...difference.changed, ...difference.added];
  // Started first: files held by other threads are written there while this one links the rest.
  const writing = output.write(staging, rewrite);

  // Everything that stays: hand-written files and unchanged owned files, linked (not copied).
  // Listed again: `disk` may have been read a while ago, and a file added since must not be lost.
  const rewritten = new Set(rewrite);
  const folders = new Set<string>();
  for (const path of listFiles(outDir)) {
    if (stale.has(path) || rewritten.has(path)) continue;
    const target = join(staging, path);
    const folder = dirname(target);
    if (!folders.has(folder)) mkdirSync(folder, { recursive: true });
    folders.add(folder);
    try {
      linkSync(join(outDir, path), target);
    } catch {
      copyFileSync(join(outDir, path), target);
    }
  }
  await writing;

  if (existsSync(outDir)) renameSync(outDir, old);
  renameSync(staging, outDir);
  rmSync(old, { recursive: true, force: true });
  return difference;
}

function readTextOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function withoutTrailingSlash(path: string): string {
  return path.replace(/(?<=.)[\\/]+$/, '');
}

/**
 * Repairs what an interrupted run left behind: a swapped-out folder is put back, staging
 * discarded. True when it put a folder back (so what was read of `outDir` before is out of date).
 */
function recover(outDir: string): boolean {
  const old = `${outDir}.fleet-old`;
  const restore = !existsSync(outDir) && existsSync(old);
  if (restore) renameSync(old, outDir);
  else rmSync(old, { recursive: true, force: true });
  rmSync(`${outDir}.fleet-staging`, { recursive: true, force: true });
  return restore;
}

/** Every file under `root`, relative to it, `/`-separated; none when `root` does not exist. */
function listFiles(root: string, prefix = '', out: string[] = []): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(join(root, prefix), { withFileTypes: true });
  } catch (error) {
    if (prefix === '' && (error as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw error;
  }
  for (const entry of entries) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) listFiles(root, path, out);
    else out.push(path);
  }
  return out;
}
