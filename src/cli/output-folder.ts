import { hash } from 'node:crypto';
import { type Dirent, type Stats, copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GENERATED_MARK, LOCK_FILE, parseLock, type OutputTree } from '../phases/6-emit/index.js';

/**
 * The only code that writes to the output folder.
 *
 * Atomic: what changes is assembled in a sibling staging folder first, one whole top-level entry
 * at a time (a cluster folder with a change is staged complete: unchanged and hand-written files
 * hard-linked, changed files written), then a journal is written and the staged entries are
 * swapped in by renames. A crash or kill before the journal leaves the previous folder intact;
 * one during the renames is finished by the next run. A first write is one rename of the tree.
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
 * What synth writes: every file's hash, and a way to write any of the files into a folder.
 */
export interface Output {
  /** Path relative to the output folder -> `sha256:<hex>` of its bytes; every file, the lock included. */
  readonly hashes: ReadonlyMap<string, string>;
  /** Writes these files (paths of `hashes`) under `dir`, creating folders as needed; with `stamps`, records each one's stamp there. */
  write(dir: string, paths: readonly string[], stamps?: Stamps): void;
}

/**
 * The stamps (see fileStamp) of files under the output folder, as written or read: what the synth
 * cache records. Kept as `path \t stamp` lines in no particular order, the form the cache records:
 * each thread hands over its own as one string (see StampLines), so a first synth of 100,000 files
 * builds no map of them and sorts nothing. Each path is added once.
 */
export class Stamps {
  private readonly parts: string[] = [];
  private count = 0;
  private newest = 0;

  /** Stamps of a map of path -> fileStamp. */
  static fromMap(stamps: ReadonlyMap<string, string>): Stamps {
    const all = new Stamps();
    for (const [path, stamp] of stamps) all.addStamp(path, stamp);
    return all;
  }

  /** Adds a file's stamp from its lstat. */
  add(path: string, stats: Stats): void {
    this.parts.push(`${path}\t${fileStamp(stats)}`);
    this.count++;
    if (stats.ctimeMs > this.newest) this.newest = stats.ctimeMs;
  }

  /** Adds a file's stamp, as fileStamp made it. */
  addStamp(path: string, stamp: string): void {
    this.parts.push(`${path}\t${stamp}`);
    this.count++;
    const ctime = changeTimeOf(stamp);
    if (ctime > this.newest) this.newest = ctime;
  }

  /** Adds stamps taken elsewhere (another thread's), none of them of a path added already. */
  addLines(lines: StampLines): void {
    if (lines.count === 0) return;
    this.parts.push(lines.text);
    this.count += lines.count;
    if (lines.newestChange > this.newest) this.newest = lines.newestChange;
  }

  /** The stamps as plain data: to send to another thread, or to record. */
  lines(): StampLines {
    if (this.parts.length > 1) this.parts.splice(0, this.parts.length, this.parts.join('\n')); // joined once
    return { text: this.parts[0] ?? '', count: this.count, newestChange: this.newest };
  }

  /** Path -> stamp. */
  toMap(): Map<string, string> {
    const map = new Map<string, string>();
    forEachLine(this.lines().text, (path, stamp) => map.set(path, stamp));
    return map;
  }
}

/** Stamps as plain data (see Stamps.lines). */
export interface StampLines {
  /** One `path \t stamp` line per file, in no particular order. */
  readonly text: string;
  /** How many lines. */
  readonly count: number;
  /** The latest change time (ctime) of any of the files: every change to a file sets its ctime to the clock's time. */
  readonly newestChange: number;
}

/** Calls `each` with the two strings of every `a \t b` line of `text` (StampLines' text: path and stamp). */
export function forEachLine(text: string, each: (a: string, b: string) => void): void {
  for (let start = 0; start < text.length; ) {
    const tab = text.indexOf('\t', start);
    const end = text.indexOf('\n', tab);
    const stop = end === -1 ? text.length : end;
    each(text.slice(start, tab), text.slice(tab + 1, stop));
    start = stop + 1;
  }
}

/** The ctime in a fileStamp: size \t mtime \t ctime \t ino. */
function changeTimeOf(stamp: string): number {
  return Number(stamp.slice(stamp.indexOf('\t', stamp.indexOf('\t') + 1) + 1, stamp.lastIndexOf('\t')));
}

const sha256 = (text: string) => `sha256:${hash('sha256', text)}`;

/** A tree in memory as synth writes it, every file hashed. */
export function outputOf(tree: OutputTree): Output {
  return withHashes(tree, new Map([...tree].map(([path, text]) => [path, sha256(text)])));
}

/**
 * A tree compile() made: its lock lists the hash of every other file in it, so they are not
 * hashed again (only the lock is).
 */
export function outputOfCompiled(tree: OutputTree): Output {
  const lock = tree.get(LOCK_FILE)!;
  return withHashes(tree, new Map([...Object.entries(parseLock(lock)!.files), [LOCK_FILE, sha256(lock)]]));
}

function withHashes(tree: OutputTree, hashes: ReadonlyMap<string, string>): Output {
  return {
    hashes,
    write: (dir, paths, stamps) => writeFiles(dir, paths.map((path) => [path, tree.get(path)!]), stamps),
  };
}

/**
 * Writes files under `dir`, each folder created once. With `stamps`, also records each file's
 * stamp as written (one lstat while its folder is at hand: cheaper than walking the tree after).
 */
export function writeFiles(dir: string, files: Iterable<readonly [string, string]>, stamps?: Stamps): void {
  const folders = new Set<string>();
  for (const [path, text] of files) {
    const target = join(dir, path);
    const folder = dirname(target);
    if (!folders.has(folder)) mkdirSync(folder, { recursive: true });
    folders.add(folder);
    try {
      writeFileSync(target, text);
    } catch (error) {
      // A failed write() (a full disk) names no file: name it, for the report (src/cli/guard.ts).
      if (error && typeof error === 'object' && !('path' in error)) Object.assign(error, { path: target });
      throw error;
    }
    stamps?.add(path, lstatSync(target));
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
  /** Every file's stamp (path -> fileStamp) as read, when read with the last synth's stamps (for the synth cache's next record). */
  readonly stamps?: ReadonlyMap<string, string>;
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
  // With the last synth's stamps, every file's stamp is taken (before it is read, if it is), so the
  // next record of the cache needs no walk of its own.
  const stamps = unchangedSince && new Map<string, string>();
  let unstamped = false;
  const stampOf = (path: string) => {
    let stamp = stamps?.get(path);
    if (stamp === undefined) {
      try {
        stamp = fileStamp(lstatSync(join(outDir, path)));
      } catch {
        stamp = '';
        unstamped = true;
      }
      stamps?.set(path, stamp);
    }
    return stamp;
  };
  const unchanged = (path: string) => {
    const stamp = unchangedSince?.get(path);
    return stamp !== undefined && stampOf(path) === stamp;
  };
  // The lock's hashes stand for the files only while the lock itself is as the last synth left it.
  const lockedHashes = unchangedSince && unchanged(LOCK_FILE) ? parseLock(readTextOrUndefined(join(outDir, LOCK_FILE)))?.files : undefined;
  let lock: string | undefined;
  for (const path of paths) {
    if (stamps) stampOf(path);
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
  const unowned = new Set([...hashes.keys()].filter((path) => !owned.has(path)));
  // A file that could not be stamped (gone while read) leaves the stamps incomplete: none at all.
  return { hashes, handWritten, unowned, ...(stamps && !unstamped ? { stamps } : {}) };
}


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

export interface WriteResult extends TreeDifference {
  /**
   * With `stamp`: the stamp of every file the folder holds after the write, when known without
   * walking it (files written or linked now, and the rest as read in `disk`); else undefined.
   */
  readonly stamps?: Stamps;
}

/**
 * Writes `tree` into `outDir` (see above), given what the folder holds (read now when not given).
 * Refuses, writing nothing, when there are conflicts.
 */
export function writeTree(outDir: string, tree: OutputTree | Output, disk?: DiskTree, { stamp = false } = {}): WriteResult {
  outDir = withoutTrailingSlash(outDir);
  const output = tree instanceof Map ? outputOf(tree) : (tree as Output);
  const staging = `${outDir}.fleet-staging`;
  const restored = recover(outDir);
  const read = restored || disk === undefined ? readTree(outDir) : disk;
  const difference = compareTree(outDir, output, read);
  if (difference.conflicts.length > 0 || isClean(difference)) {
    return difference.conflicts.length > 0 ? difference : { ...difference, stamps: stamp && read.stamps ? Stamps.fromMap(read.stamps) : undefined };
  }

  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const stale = new Set(difference.stale);
  const rewrite = [...difference.changed, ...difference.added];
  const staged = stamp ? new Stamps() : undefined;
  output.write(staging, rewrite, staged);
  if (!existsSync(outDir)) {
    renameSync(staging, outDir); // a first write: the whole tree in one rename
    return { ...difference, stamps: staged };
  }

  // Only the top-level entries (cluster folders, _flux, the lock) with a change are staged whole:
  // what stays in them hard-linked (hand-written files too), the rest written. Listed again:
  // `disk` may have been read a while ago, and a file added since must not be lost.
  const entries = new Set([...rewrite, ...difference.stale].map(topLevel));
  const rewritten = new Set(rewrite);
  const folders = new Set<string>();
  // Files outside the staged entries keep the stamp they were read with; when one has none, the stamps are incomplete.
  let kept: Map<string, string> | undefined = stamp && read.stamps ? new Map() : undefined;
  const linked: string[] = [];
  for (const path of listFiles(outDir)) {
    if (!entries.has(topLevel(path))) {
      const before = read.stamps?.get(path);
      if (before === undefined) kept = undefined;
      else kept?.set(path, before);
      continue;
    }
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
    linked.push(path);
  }

  // The commit point: once the journal is written, an interrupted swap is finished by the next run.
  const journal: SwapJournal = [...entries].sort().map((entry) => ({ entry, replace: existsSync(join(staging, entry)) }));
  writeFileSync(join(staging, JOURNAL), JSON.stringify(journal));
  finishSwap(outDir);
  if (!kept || !staged) return difference;
  // Stamped only now: linking, and removing the old folder's link, change a file's ctime; so does
  // renaming a file (a top-level one, such as the lock) into place.
  const written = staged.toMap();
  const stamps = new Map([...kept, ...written]);
  for (const path of [...linked, ...[...written.keys()].filter((p) => !p.includes('/'))]) stamps.set(path, fileStamp(lstatSync(join(outDir, path))));
  return { ...difference, stamps: Stamps.fromMap(stamps) };
}

/** In the staging folder once it is complete: which top-level entries to swap in (or remove). */
const JOURNAL = '.fleet-swap.json';
type SwapJournal = { entry: string; replace: boolean }[];

/** The top-level entry of the output folder a path is in: its cluster folder, `_flux`, or the file itself. */
function topLevel(path: string): string {
  const slash = path.indexOf('/');
  return slash === -1 ? path : path.slice(0, slash);
}

/**
 * Moves each journaled entry of the output folder aside and the staged one in (or only aside, for
 * an entry that is gone), then removes what was moved aside and the staging folder, the journal
 * last. Safe to run again at any point: an entry already swapped has left staging.
 */
function finishSwap(outDir: string): void {
  const staging = `${outDir}.fleet-staging`;
  const old = `${outDir}.fleet-old`;
  const journal = JSON.parse(readFileSync(join(staging, JOURNAL), 'utf8')) as SwapJournal;
  mkdirSync(old, { recursive: true });
  for (const { entry, replace } of journal) {
    const current = join(outDir, entry);
    const next = join(staging, entry);
    if (replace && !existsSync(next)) continue; // swapped already
    if (existsSync(current)) {
      rmSync(join(old, entry), { recursive: true, force: true });
      mkdirSync(dirname(join(old, entry)), { recursive: true });
      renameSync(current, join(old, entry));
    }
    if (replace) renameSync(next, current);
  }
  rmSync(old, { recursive: true, force: true });
  rmSync(staging, { recursive: true, force: true });
}

function readTextOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** `out/` is `out` (a trailing slash would put `out/.fleet-staging` inside the folder it replaces). */
export function withoutTrailingSlash(path: string): string {
  return path.replace(/(?<=.)[\\/]+$/, '');
}

/**
 * Repairs what an interrupted run left behind: a swap that reached its journal is finished;
 * staging without a journal is discarded; a whole folder swapped out by an older fleet is put
 * back. True when it changed the output folder (so what was read of it before is out of date).
 */
function recover(outDir: string): boolean {
  const staging = `${outDir}.fleet-staging`;
  const old = `${outDir}.fleet-old`;
  if (existsSync(join(staging, JOURNAL))) {
    finishSwap(outDir);
    return true;
  }
  const restore = !existsSync(outDir) && existsSync(old);
  if (restore) renameSync(old, outDir);
  else rmSync(old, { recursive: true, force: true });
  rmSync(staging, { recursive: true, force: true });
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
