import { hash } from 'node:crypto';
import { type Dirent, type Stats, accessSync, chmodSync, constants, copyFileSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { GENERATED_MARK, type GroupedLock, isLockProblem, LOCK_FILE, lockedHashes, lockGroupOf, type LockProblem, readGroupedLock, type OutputTree } from '../phases/6-emit/index.js';
import { clusterOfOutputPath } from '../phases/6-emit/flux.js';
import { flush, flushAll, makeFolders } from './durable.js';
import { entryOf, fileStamp, forEachLine, linesUnder, type StampCheck, under } from './file-stamps.js';
import { markOutputState } from './guard.js';
import { OutputFolderError } from './output-errors.js';
import { outputFolderKindProblem } from './output-sanity.js';
import { pidExists } from './output-lock.js';
import { decodeText } from './read-text.js';
import { isFileInEntry, isTopLevelName, JOURNAL, readJournal, writeJournal, type SwapEntry } from './swap-journal.js';
import type { WarningCode } from '../diagnostics/catalog.js';
import { writeText } from './write-text.js';
import { FileReader } from './file-reader.js';

/**
 * The only code that writes to the output folder.
 *
 * Atomic: what changes is assembled in a sibling staging folder first, one whole top-level entry
 * at a time (a cluster folder with a change is staged complete: unchanged and hand-written files
 * hard-linked, empty folders and folder modes kept, changed files written), flushed to disk, then
 * a journal is written atomically and the staged entries are swapped in by renames. A crash, kill
 * or power loss before the journal leaves the previous folder intact; one during the renames is
 * finished by the next run. A first write is one rename of the tree.
 * Only files fleet owns are ever deleted: those that carry fleet's header and, when the previous
 * lock lists them, still have the bytes it records (outside any nested output folder); a file
 * fleet did not write is never overwritten, and a link is never followed.
 * One run at a time: the caller holds the output folder's lock (output-lock.ts).
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
  /** Paths whose kind is in the way: not a folder where fleet needs one, or a folder where it writes a file (see pathClashes). */
  readonly clashes: string[];
}

/**
 * What synth writes: every file's hash, and a way to write any of the files into a folder.
 */
export interface Output {
  /** Path relative to the output folder -> `sha256:<hex>` of its bytes; every file but those carried, the lock included. */
  readonly hashes: ReadonlyMap<string, string>;
  /**
   * The groups of files (lockGroupOf: `eu-1/`, `_flux/eu-1/`) an incremental compile carried over
   * as they are in the folder (CompileResult.carried), with how many files each holds: the lock
   * lists them, and nothing in them is removed. `hashes` holds only those of their files whose
   * bytes changed (a workload rendered again), which are written; the others are as the folder
   * holds them.
   */
  readonly carried: ReadonlyMap<string, number>;
  /** Writes these files (paths of `hashes`) under `dir`, creating folders as needed; with `stamps`, records each one's stamp there. */
  write(dir: string, paths: readonly string[], stamps?: Stamps): void;
}

/**
 * The stamps (see fileStamp) of files under the output folder, as written or read: what the synth
 * cache records. Kept as `path \t stamp` lines in no particular order, the form the cache records
 * (see StampLines), so a first synth of 100,000 files builds no map of them and sorts nothing.
 * Each path is added once. Lines are joined a thousand at a time: a line made of its parts is a
 * rope of them in V8, several times the size of its text, and a first synth stamps every file.
 */
export class Stamps {
  private readonly parts: string[] = [];
  private pending: string[] = [];
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
    this.addLine(`${path}\t${fileStamp(stats)}`, stats.ctimeMs);
  }

  /** Adds a file's stamp, as fileStamp made it. */
  addStamp(path: string, stamp: string): void {
    this.addLine(`${path}\t${stamp}`, changeTimeOf(stamp));
  }

  /** Adds stamps taken elsewhere (a record's lines), none of them of a path added already. */
  addLines(lines: StampLines): void {
    if (lines.count === 0) return;
    this.joinPending();
    this.parts.push(lines.text);
    this.count += lines.count;
    if (lines.newestChange > this.newest) this.newest = lines.newestChange;
  }

  /** The stamps as plain data, to record. */
  lines(): StampLines {
    this.joinPending();
    if (this.parts.length > 1) this.parts.splice(0, this.parts.length, this.parts.join('\n')); // joined once
    return { text: this.parts[0] ?? '', count: this.count, newestChange: this.newest };
  }

  /** Path -> stamp. */
  toMap(): Map<string, string> {
    const map = new Map<string, string>();
    forEachLine(this.lines().text, (path, stamp) => map.set(path, stamp));
    return map;
  }

  private addLine(line: string, changeTime: number): void {
    this.pending.push(line);
    if (this.pending.length === LINES_JOINED) this.joinPending();
    this.count++;
    if (changeTime > this.newest) this.newest = changeTime;
  }

  private joinPending(): void {
    if (this.pending.length === 0) return;
    this.parts.push(this.pending.join('\n'));
    this.pending = [];
  }
}

const LINES_JOINED = 1000;

/** Stamps as plain data (see Stamps.lines). */
export interface StampLines {
  /** One `path \t stamp` line per file, in no particular order. */
  readonly text: string;
  /** How many lines. */
  readonly count: number;
  /** The latest change time (ctime) of any of the files: every change to a file sets its ctime to the clock's time. */
  readonly newestChange: number;
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

/** The output compile() made: its `hashes` list every file of its tree, so nothing is hashed again. */
export function outputOfCompiled({ tree, hashes, carried }: { readonly tree: OutputTree; readonly hashes: ReadonlyMap<string, string>; readonly carried?: ReadonlyMap<string, number> }): Output {
  return withHashes(tree, hashes, carried);
}

function withHashes(tree: OutputTree, hashes: ReadonlyMap<string, string>, carried: ReadonlyMap<string, number> = new Map()): Output {
  return {
    hashes,
    carried,
    // One file's text at a time: a list of every [path, text] pair would be 400,000 more arrays at fleet scale.
    write: (dir, paths, stamps) => writeFiles(dir, textsOf(tree, paths), stamps),
  };
}

function* textsOf(tree: OutputTree, paths: readonly string[]): Generator<readonly [string, string]> {
  for (const path of paths) yield [path, textOf(tree, path)];
}

/**
 * A file's text to write. An incremental compile carries files over without their text (compile's
 * `carried`), on the word of synth that they are as their lock says: one that is not (changed while
 * synth ran) cannot be written, and synth stops rather than write something else.
 */
function textOf(tree: OutputTree, path: string): string {
  const text = tree.get(path);
  if (text === undefined) throw new Error(`${path} changed while fleet was writing the output folder: run \`fleet synth\` again`);
  return text;
}

/**
 * Writes files under `dir`, each folder created once. With `stamps`, also records each file's
 * stamp as written (one lstat while its folder is at hand: cheaper than walking the tree after).
 */
export function writeFiles(dir: string, files: Iterable<readonly [string, string]>, stamps?: Stamps): void {
  const folders = new Set<string>();
  // The paths are the tree's, normalized and `/`-separated: joined by concatenation, which is a
  // tenth of what join() and dirname() take (100,000 paths at fleet scale).
  const base = join(dir, '.');
  for (const [path, text] of files) {
    const target = `${base}/${path}`;
    const folder = target.slice(0, target.lastIndexOf('/'));
    if (!folders.has(folder)) makeFolders(folder);
    folders.add(folder);
    try {
      writeText(target, text);
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
  /** Path relative to the folder -> `sha256:<hex>`; '' for what is not a regular file (a link, a FIFO), which is never read. */
  readonly hashes: ReadonlyMap<string, string>;
  /**
   * Files that are not fleet's to change: those that do not start with fleet's generated-file mark
   * (and whatever is not a regular file), and everything inside another output folder nested in
   * this one (a folder with a lock of its own).
   */
  readonly handWritten: ReadonlySet<string>;
  /** Files that the folder's lock does not list (fleet owns the lock and what it lists). Usually few. */
  readonly unowned: ReadonlySet<string>;
  /** The hashes the folder's lock records for the files it lists (empty without a lock), but those of skipped clusters. */
  readonly locked: ReadonlyMap<string, string>;
  /** Every folder below the output folder, relative to it. */
  readonly folders: ReadonlySet<string>;
  /** Every file's stamp (path -> fileStamp) as read, when read with the last synth's stamps (for the synth cache's next record). */
  readonly stamps?: ReadonlyMap<string, string>;
  /** The folder's lock as readGroupedLock reads it, when read with the last synth's stamps, unchanged since, and sound. */
  readonly lock?: GroupedLock;
  /**
   * Top-level entries left out of all the above (readTree's `checked.skip`): as the last synth
   * left them, and the output's files there are those it wrote. Their files' stamps as recorded.
   */
  readonly skipped?: { readonly entries: ReadonlySet<string>; readonly stamps: StampLines };
}

/** The output folder's lock as the last synth left it (see readLastLock). */
export interface LastLock {
  readonly text: string;
  /** The sha256 of its bytes as read (`sha256:<hex>`): hashing the bytes spares encoding the text again. */
  readonly hash: string;
  readonly checked: GroupedLock | LockProblem;
}

/**
 * The output folder's lock, read and checked (readGroupedLock), when its stamp is still `recorded`
 * (the last synth's): then its hashes stand for the files that kept their stamps too. `written`:
 * the last synth was this very build of fleet, so the lock's bytes are those it wrote, a lock by
 * construction: only what precedes its list is parsed, and the list is cut into groups, not parsed.
 */
export function readLastLock(outDir: string, recorded: string | undefined, { written = false } = {}): LastLock | undefined {
  if (recorded === undefined) return undefined;
  const path = join(outDir, LOCK_FILE);
  const stats = lstatSync(path, { throwIfNoEntry: false });
  if (!stats?.isFile() || fileStamp(stats) !== recorded) return undefined;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return undefined;
  }
  const text = decodeText(bytes);
  return { text, hash: `sha256:${hash('sha256', bytes)}`, checked: readGroupedLock(text, { written }) };
}

/** The last synth's record of the output folder, checked against it (file-stamps.ts' checkStamps), and its lock if read already. */
export interface CheckedRecord {
  /** Every file's stamp as the last synth recorded it (`path \t stamp` lines). */
  readonly files: string;
  /** Every folder the last synth left (`.`: the output folder). */
  readonly folders: readonly string[];
  readonly check: StampCheck;
  /** The lock as readLastLock read it; used when the check found it unchanged. */
  readonly lock?: LastLock;
  /**
   * Top-level entries (cluster folders) where the check found nothing changed and whose files the
   * output carries over as the lock lists them: there is nothing to compare or write in them, so
   * they are left out of what is read (DiskTree.skipped).
   */
  readonly skip?: ReadonlySet<string>;
}

/**
 * Reads and hashes every file under `outDir` (nothing when it does not exist). `unchangedSince`,
 * the stamps of every file right after the last synth wrote them (from the synth cache), saves
 * reading the files fleet owns that still have their stamp: their hash is the one in the lock,
 * itself unchanged. A one-app change then reads a handful of files instead of every one.
 * With `checked` (those stamps checked already), nothing is stamped again, and only the top-level
 * entries (cluster folders) where a file or folder changed are listed: the others hold what the
 * record lists.
 * Only regular files are read: a symbolic link, FIFO or device is never opened (it could hang the
 * read, or lead outside the folder) and counts as hand-written.
 */
export function readTree(outDir: string, unchangedSince?: ReadonlyMap<string, string>, checked?: CheckedRecord): DiskTree {
  const hashes = new Map<string, string>();
  const handWritten = new Set<string>();
  const at = under(outDir);
  const changed = checked && unchangedSince ? new Set(checked.check.changedFiles) : undefined;
  const skip = changed && checked?.skip?.size ? checked.skip : undefined;
  const listed = changed ? listRecorded(outDir, unchangedSince!, checked!, skip) : listTree(outDir);
  // With the last synth's stamps, every file's stamp is taken (before it is read, if it is), so the
  // next record of the cache needs no walk of its own.
  const stamps = unchangedSince && new Map<string, string>();
  let unstamped = false;
  const stampOf = (path: string) => {
    let stamp = stamps?.get(path);
    if (stamp === undefined) {
      stamp = changed && !changed.has(path) ? unchangedSince!.get(path) : undefined;
      if (stamp === undefined) {
        try {
          stamp = fileStamp(lstatSync(at(path)));
        } catch {
          stamp = '';
          unstamped = true;
        }
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
  // It is checked as the previous placement is (checkLock), so that the compile need not read it again.
  const lockKept = unchangedSince !== undefined && unchanged(LOCK_FILE);
  const lastLock = !lockKept ? undefined : (checked?.lock ?? readLastLock(outDir, unchangedSince.get(LOCK_FILE)));
  const soundLock = lastLock && !isLockProblem(lastLock.checked) ? lastLock.checked : undefined;
  // Of the lock's list, only the groups of files read here are parsed: not those of the clusters skipped.
  const skipped = (group: string) => skip?.has(clusterOfOutputPath(group)) === true;
  const hashesOfLastLock = soundLock ? soundLock.files.hashes(skipped) : lockedHashes(lastLock?.text);
  let lock: string | undefined;
  const reader = new FileReader();
  for (const path of listed.files) {
    if (stamps) stampOf(path);
    // A skipped cluster's Flux entrypoints (in `_flux`, which is listed): stamped, as the record keeps them, and not read.
    if (skip && skipped(lockGroupOf(path))) continue;
    if (listed.special.has(path)) {
      hashes.set(path, '');
      handWritten.add(path);
      continue;
    }
    const locked = hashesOfLastLock?.get(path);
    if (locked !== undefined && unchanged(path)) {
      hashes.set(path, locked);
      continue;
    }
    // The lock as read before the compile, its stamp still the last synth's: not read again.
    if (path === LOCK_FILE && lockKept && lastLock) {
      hashes.set(path, lastLock.hash);
      if (!lastLock.text.startsWith(GENERATED_MARK)) handWritten.add(path);
      continue;
    }
    let bytes: Buffer;
    try {
      bytes = reader.read(at(path));
    } catch {
      // Unreadable (gone meanwhile, no permission): not fleet's, and kept as it is.
      hashes.set(path, '');
      handWritten.add(path);
      continue;
    }
    hashes.set(path, `sha256:${hash('sha256', bytes)}`);
    if (bytes.toString('utf8', 0, GENERATED_MARK.length) !== GENERATED_MARK) handWritten.add(path);
    if (path === LOCK_FILE && !hashesOfLastLock) lock = decodeText(bytes);
  }
  // The lock is parsed once: its hashes as read before the walk when its stamp is the last synth's, else the bytes read now.
  const locked = hashesOfLastLock ?? lockedHashes(lock) ?? new Map<string, string>();
  const unowned = new Set([...hashes.keys()].filter((path) => path !== LOCK_FILE && !locked.has(path)));
  // Another fleet's output folder below this one is its fleet's, header or not.
  const nested = [...unowned].filter((path) => path.endsWith(`/${LOCK_FILE}`)).map((path) => path.slice(0, -LOCK_FILE.length));
  if (nested.length > 0) for (const path of unowned) if (nested.some((folder) => path.startsWith(folder))) handWritten.add(path);
  // A file that could not be stamped (gone while read) leaves the stamps incomplete: none at all.
  // Their change times are taken as 0: they are a record's, whose every change time was before its
  // write, and the check found them unchanged since.
  const skippedEntries = skip && { entries: skip, stamps: { ...linesUnder(checked!.files, skip), newestChange: 0 } };
  return { hashes, handWritten, unowned, locked, folders: listed.folders, ...(stamps && !unstamped ? { stamps } : {}), ...(soundLock ? { lock: soundLock } : {}), ...(skippedEntries ? { skipped: skippedEntries } : {}) };
}

/** How `outDir` (as read into `disk`) differs from `tree`. Reads only: `fleet synth --check` uses it. */
export function compareTree(outDir: string, tree: OutputTree | Output, disk: DiskTree = readTree(outDir)): TreeDifference {
  const output = tree instanceof Map ? outputOf(tree) : (tree as Output);
  const { hashes } = output;
  const difference: TreeDifference = { changed: [], added: [], stale: [], conflicts: [], clashes: [] };
  const skipped = skippedIn(disk);
  for (const [path, wanted] of hashes) {
    // A file of an entry left unread is one the output carries over but for its bytes (Output.carried): changed.
    if (skipped(path)) {
      difference.changed.push(path);
      continue;
    }
    const current = disk.hashes.get(path);
    if (current === undefined) difference.added.push(path);
    // A file without fleet's header is never overwritten, even one the lock lists (a lock edited by hand).
    else if (current !== wanted) difference[disk.handWritten.has(path) && path !== LOCK_FILE ? 'conflicts' : 'changed'].push(path);
  }
  // Stale: what fleet no longer renders of what is its own: a file that carries its header and,
  // when the lock lists it, still has the bytes the lock records (an edited one is kept, as is any
  // file without the header, whatever a lock says). Files with the header that the lock does not
  // list are fleet's too: left by a `git checkout` of an older out/, or a lock deleted by hand.
  const carried = (path: string) => output.carried.size > 0 && output.carried.has(lockGroupOf(path));
  for (const [path, current] of disk.hashes) {
    if (hashes.has(path) || carried(path) || disk.handWritten.has(path) || !isTopLevelName(entryOf(path))) continue;
    if (disk.unowned.has(path) || disk.locked.get(path) === current) difference.stale.push(path);
  }
  difference.stale.sort();
  difference.clashes.push(...pathClashes(hashes, disk, new Set(difference.stale)));
  return difference;
}

/**
 * Paths in the output folder whose kind is in the way of what fleet writes: something that is not
 * a folder (a file, a link, a link to a folder) where a folder must go, or a folder (empty or not)
 * where a file must go. Sorted. Such a path is never replaced or followed: it is reported.
 */
function pathClashes(rendered: ReadonlyMap<string, string>, disk: DiskTree, stale: ReadonlySet<string>): string[] {
  const clashes = new Set<string>();
  const skipped = skippedIn(disk);
  for (const path of rendered.keys()) {
    if (skipped(path)) continue;
    if (disk.folders.has(path)) clashes.add(path);
    for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
      const folder = path.slice(0, slash);
      if (disk.hashes.has(folder) && !stale.has(folder)) clashes.add(folder);
    }
  }
  return [...clashes].sort();
}

/** Whether a path is in one of the entries the reading of `disk` skipped (DiskTree.skipped). */
function skippedIn(disk: DiskTree): (path: string) => boolean {
  const entries = disk.skipped?.entries;
  if (!entries) return () => false;
  const entryOfGrouped = lastEntry();
  return (path) => entries.has(entryOfGrouped(path));
}

/** entryOf for paths that come grouped by entry: the entry's name is sliced once per run, not once per path. */
function lastEntry(): (path: string) => string {
  let last = '';
  let prefix = '\0';
  return (path) => {
    if (path.startsWith(prefix)) return last;
    last = entryOf(path);
    prefix = path.length > last.length ? `${last}/` : '\0';
    return last;
  };
}

export function isClean(difference: TreeDifference): boolean {
  return difference.changed.length + difference.added.length + difference.stale.length + difference.conflicts.length + difference.clashes.length === 0;
}

export interface WriteResult extends TreeDifference {
  /**
   * With `stamp`: the stamp of every file the folder holds after the write, when known without
   * walking it (files written or linked now, and the rest as read in `disk`); else undefined.
   */
  readonly stamps?: Stamps;
  /** What repairing an interrupted run found and left alone or discarded (present only when there is something to say). */
  readonly warnings?: readonly Diagnostic[];
  /** Top-level entries the write neither read nor touched (DiskTree.skipped): their folders are as the last synth left them. */
  readonly untouched?: ReadonlySet<string>;
}

/**
 * Writes `tree` into `outDir` (see above), given what the folder holds (read now when not given).
 * Refuses, writing nothing, when there are conflicts or path clashes. The caller holds the output
 * folder's lock (output-lock.ts): this run's staging and set-aside folders carry its pid
 * (`out.fleet-staging-<pid>`, `out.fleet-old-<pid>`), and what a dead run left is repaired first.
 */
export function writeTree(outDir: string, tree: OutputTree | Output, disk?: DiskTree, { stamp = false } = {}): WriteResult {
  outDir = withoutTrailingSlash(outDir);
  const unusable = outputFolderKindProblem(outDir);
  if (unusable) throw unusable;
  const output = tree instanceof Map ? outputOf(tree) : (tree as Output);
  const recovery = recover(outDir);
  const warned = recovery.warnings.length > 0 ? { warnings: recovery.warnings } : {};
  const read = recovery.changed || disk === undefined ? readTree(outDir) : disk;
  const difference = compareTree(outDir, output, read);
  if (difference.conflicts.length + difference.clashes.length > 0) return { ...difference, ...warned };
  if (isClean(difference)) return { ...difference, stamps: stamp && read.stamps ? withSkipped(Stamps.fromMap(read.stamps), read) : undefined, ...warned, ...untouched(read, new Set()) };

  const { staging, old } = runFolders(outDir);
  const stale = new Set(difference.stale);
  const rewrite = [...difference.changed, ...difference.added];
  const staged = stamp ? new Stamps() : undefined;
  const entries = new Set([...rewrite, ...difference.stale].map(entryOf));
  const inPlace = changedInPlace(outDir, entries, difference, read);
  const whole = new Set([...entries].filter((entry) => !inPlace.has(entry)));
  const linked: string[] = [];
  // Files outside the entries staged whole keep the stamp they were read with; when one has none, the stamps are incomplete.
  const kept: Map<string, string> | undefined = stamp && read.stamps ? new Map() : undefined;
  let journal: SwapEntry[];
  try {
    makeFolders(dirname(staging));
    rmSync(staging, { recursive: true, force: true }); // a dead run's with this pid (recover leaves none of another's)
    mkdirSync(staging);
    output.write(staging, rewrite, staged);
    if (!lexists(outDir)) {
      // A first write: the whole tree in one rename, its bytes and folders on disk first.
      flushAll(staging, rewrite, () => foldersOf(staging));
      renameSync(staging, outDir);
      flush(dirname(outDir));
      return { ...difference, stamps: staged, ...warned };
    }

    // The top-level entries (cluster folders, _flux, the lock) where files are removed or folders
    // made are staged whole: what stays in them hard-linked (hand-written files too), empty folders
    // made again, folder modes kept; the rest written. Those entries are listed again: `disk` may
    // have been read a while ago, and a file added since must not be lost. In the others (most
    // often, files changed and nothing else) only those files are staged, and renamed into place
    // one by one: a rename over a file replaces it whole. The entries without a change are not
    // touched: their files keep the stamps they were read with (a file added there since is
    // missing from the stamps, and the next synth's cache lookup then misses).
    const rewritten = new Set(rewrite);
    const folders = new Set<string>();
    if (kept) {
      for (const [path, stamp] of read.stamps!) if (!whole.has(entryOf(path))) kept.set(path, stamp);
    }
    const now = listTree(outDir, whole);
    for (const path of now.files) {
      if (stale.has(path) || rewritten.has(path)) continue;
      const target = join(staging, path);
      const folder = dirname(target);
      if (!folders.has(folder)) makeFolders(folder);
      folders.add(folder);
      try {
        linkSync(join(outDir, path), target);
      } catch {
        copyFileSync(join(outDir, path), target, constants.COPYFILE_EXCL);
      }
      linked.push(path);
    }
    keepFolders(outDir, staging, now, whole);
    flushAll(staging, rewrite, () => foldersOf(staging));

    // The commit point: once the journal is on disk, an interrupted swap is finished by the next run.
    journal = [
      ...rewrite
        .filter((path) => inPlace.has(entryOf(path)))
        .sort()
        .map((file) => ({ file })),
      ...[...whole].sort().map((entry) => ({ entry, replace: lexists(join(staging, entry)) })),
    ];
    writeJournal(staging, journal);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw markOutputState(error, { state: 'untouched', out: outDir });
  }
  try {
    finishSwap(outDir, staging, old, journal);
  } catch (error) {
    throw markOutputState(error, { state: 'half-swapped', out: outDir, journal: join(staging, JOURNAL) });
  }
  if (!kept || !staged) return { ...difference, ...warned };
  // Stamped only now: linking, and removing the old folder's link, change a file's ctime; so does
  // renaming a file into place (a top-level one, such as the lock, or one changed in place).
  const written = staged.toMap();
  const stamps = new Map([...kept, ...written]);
  const renamed = [...written.keys()].filter((path) => !path.includes('/') || inPlace.has(entryOf(path)));
  for (const path of [...linked, ...renamed]) stamps.set(path, fileStamp(lstatSync(join(outDir, path))));
  return { ...difference, stamps: withSkipped(Stamps.fromMap(stamps), read, { entries: whole, paths: new Set(rewrite) }), ...warned, ...untouched(read, entries) };
}

/**
 * The entries (top-level folders) of `entries` whose change is only files written into folders
 * that are there: no file removed (a folder it empties must go too), no folder made, every folder
 * written into a real folder fleet may write in. Their files are renamed into place one by one
 * instead of the entry being staged whole, which costs a link and a removal of every file it holds.
 */
function changedInPlace(outDir: string, entries: ReadonlySet<string>, difference: TreeDifference, disk: DiskTree): Set<string> {
  const inPlace = new Set([...entries].filter((entry) => disk.folders.has(entry)));
  for (const path of difference.stale) inPlace.delete(entryOf(path));
  const writable = new Map<string, boolean>();
  for (const path of [...difference.changed, ...difference.added]) {
    const entry = entryOf(path);
    if (!inPlace.has(entry)) continue;
    const folder = path.slice(0, path.lastIndexOf('/'));
    if (!writable.has(folder)) writable.set(folder, disk.folders.has(folder) && writableFolder(join(outDir, folder)));
    // Every file is one the journal may name (swap-journal.ts): a journal the next run would refuse is never written.
    if (!writable.get(folder) || !isFileInEntry(path)) inPlace.delete(entry);
  }
  return inPlace;
}

/** Whether `path` is a real folder (not a link to one) that this process may add files to. */
function writableFolder(path: string): boolean {
  try {
    if (!lstatSync(path).isDirectory()) return false;
    accessSync(path, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * `stamps` and those of the entries the reading of `disk` skipped, as recorded, but for the files
 * `stamps` holds already (`written`: the files written into them, and the entries staged whole).
 */
function withSkipped(stamps: Stamps, disk: DiskTree, written?: { readonly entries: ReadonlySet<string>; readonly paths: ReadonlySet<string> }): Stamps {
  if (!disk.skipped) return stamps;
  const { entries, stamps: recorded } = disk.skipped;
  const overlaps = written !== undefined && ([...entries].some((entry) => written.entries.has(entry)) || [...written.paths].some((path) => entries.has(entryOf(path))));
  stamps.addLines(overlaps ? linesWithout(recorded, (path) => written.entries.has(entryOf(path)) || written.paths.has(path)) : recorded);
  return stamps;
}

/** Stamp lines without those of the paths `left` names. */
function linesWithout(lines: StampLines, left: (path: string) => boolean): StampLines {
  const kept = lines.text === '' ? [] : lines.text.split('\n').filter((line) => !left(line.slice(0, line.indexOf('\t'))));
  return { text: kept.join('\n'), count: kept.length, newestChange: lines.newestChange };
}

/** The entries the reading of `disk` skipped and the write did not touch (`changed`: the entries it wrote in), for WriteResult.untouched. */
function untouched(disk: DiskTree, changed: ReadonlySet<string>): { untouched?: ReadonlySet<string> } {
  return disk.skipped ? { untouched: new Set([...disk.skipped.entries].filter((entry) => !changed.has(entry))) } : {};
}

/**
 * Gives the staged copy of each staged entry the folders the user made or set: empty folders
 * (a file-less folder is kept, as a hand-written file is) and every folder's permission bits
 * (a 700 folder stays 700). Folders that only held stale files are not made again. Modes are
 * set last, deepest first, so a read-only folder is filled before it becomes read-only.
 */
function keepFolders(outDir: string, staging: string, listed: TreeListing, entries: ReadonlySet<string>): void {
  const inEntries = [...listed.folders].filter((folder) => entries.has(entryOf(folder)));
  for (const folder of inEntries) if (listed.emptyFolders.has(folder)) makeFolders(join(staging, folder));
  for (const folder of inEntries.sort((a, b) => b.length - a.length)) {
    const target = join(staging, folder);
    const staged = lstatSync(target, { throwIfNoEntry: false });
    if (!staged?.isDirectory()) continue;
    const mode = lstatSync(join(outDir, folder)).mode & 0o7777;
    if ((staged.mode & 0o7777) !== mode) chmodSync(target, mode);
  }
}

/** This run's staging and set-aside folders, beside the output folder, named with its pid. */
function runFolders(outDir: string, pid: number | string = process.pid): { staging: string; old: string } {
  return { staging: `${outDir}.fleet-staging-${pid}`, old: `${outDir}.fleet-old-${pid}` };
}

/**
 * Moves each journaled entry of the output folder aside and the staged one in (or only aside, for
 * an entry that is gone); once the renames are on disk, removes what was moved aside, then the
 * staging folder with its journal. Safe to run again at any point: an entry already swapped has
 * left staging. Entries are single names (swap-journal.ts checked them), so nothing outside the
 * output folder and its two siblings is ever renamed or removed.
 */
function finishSwap(outDir: string, staging: string, old: string, journal: readonly SwapEntry[]): void {
  makeOwnFolder(old);
  const renamedInto = new Set<string>();
  for (const item of journal) {
    if ('file' in item) {
      const next = join(staging, item.file);
      // Renamed already; or a folder on the way is no longer a real folder: never written through (the next compare sees the file).
      if (!lexists(next) || !realFoldersTo(outDir, item.file)) continue;
      renameSync(next, join(outDir, item.file));
      renamedInto.add(dirname(join(outDir, item.file)));
      continue;
    }
    const { entry, replace } = item;
    const current = join(outDir, entry);
    const next = join(staging, entry);
    if (replace && !lexists(next)) continue; // swapped already
    if (lexists(current)) {
      rmSync(join(old, entry), { recursive: true, force: true });
      renameSync(current, join(old, entry));
    }
    if (replace) renameSync(next, current);
  }
  for (const folder of renamedInto) flush(folder);
  flush(outDir);
  flush(old);
  rmSync(old, { recursive: true, force: true });
  rmSync(staging, { recursive: true, force: true });
  flush(dirname(outDir));
}

/** Whether every folder from `outDir` down to the one that holds `file` is a real folder, no link. */
function realFoldersTo(outDir: string, file: string): boolean {
  const segments = file.split('/').slice(0, -1);
  for (let i = 1; i <= segments.length; i++) {
    if (!lstatSync(join(outDir, ...segments.slice(0, i)), { throwIfNoEntry: false })?.isDirectory()) return false;
  }
  return true;
}

/** Makes a folder of fleet's own beside the output folder; one already there must be a real folder (never a link to follow). */
function makeOwnFolder(path: string): void {
  try {
    mkdirSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || lstatSync(path).isDirectory()) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return;
    }
    throw new OutputFolderError(`${path} is in the way: fleet did not make it (${kindOf(lstatSync(path))}), and does not write through it`, [`remove ${path}`], 'usage');
  }
}

/** `out/` is `out` (a trailing slash would put `out/.fleet-staging` inside the folder it replaces). */
export function withoutTrailingSlash(path: string): string {
  return path.replace(/(?<=.)[\\/]+$/, '');
}

/**
 * What fleet leaves beside an output folder only while it writes, or when a run was cut short:
 * staging folders (`out.fleet-staging-<pid>`, or `out.fleet-staging` from fleet before the output
 * lock) and folders of previous versions set aside (`out.fleet-old-<pid>`, `out.fleet-old`).
 * Names only, sorted; the pid when the name has one.
 */
export function leftoversOf(outDir: string): { name: string; path: string; kind: 'staging' | 'old'; pid?: number }[] {
  outDir = withoutTrailingSlash(outDir);
  const base = basename(outDir);
  let names: string[];
  try {
    names = readdirSync(dirname(outDir));
  } catch {
    return [];
  }
  const pattern = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.fleet-(staging|old)(?:-(\\d+))?$`);
  return names.sort().flatMap((name) => {
    const match = pattern.exec(name);
    if (!match) return [];
    return [{ name, path: join(dirname(outDir), name), kind: match[1] as 'staging' | 'old', ...(match[2] ? { pid: Number(match[2]) } : {}) }];
  });
}

/**
 * Repairs what interrupted runs left behind (the caller holds the output lock, so no live fleet
 * is writing): a swap that reached its journal is finished; staging without a journal is
 * discarded; a journal that cannot be obeyed (cut short, empty, planted with a path outside the
 * output folder) is discarded with a warning, and anything its run had set aside is put back; a
 * whole folder set aside by an older fleet is put back. Never followed or renamed: a link or file
 * with one of these names (fleet makes only real folders there), and the folders of a pid that
 * is still running. `changed`: the output folder changed (what was read of it is out of date).
 */
function recover(outDir: string): { changed: boolean; warnings: Diagnostic[] } {
  const warnings: Diagnostic[] = [];
  let changed = false;
  const leftovers = leftoversOf(outDir).filter((leftover) => {
    const stats = lstatSync(leftover.path, { throwIfNoEntry: false });
    if (!stats) return false;
    if (!stats.isDirectory()) {
      warnings.push(leftoverWarning('emit_leftover_not_fleets', `${leftover.path} is not a folder fleet made (${kindOf(stats)}); it is left as it is`, [`remove it if nothing of yours depends on it`]));
      return false;
    }
    // Another process with that pid: not this run's to touch (a fleet that took no lock, or a reused pid; left for later).
    return leftover.pid === undefined || leftover.pid === process.pid || !pidExists(leftover.pid);
  });
  const olds = new Map(leftovers.filter((l) => l.kind === 'old').map((l) => [l.pid ?? '', l.path]));
  for (const staging of leftovers.filter((l) => l.kind === 'staging')) {
    const old = olds.get(staging.pid ?? '') ?? `${outDir}.fleet-old${staging.pid === undefined ? '' : `-${staging.pid}`}`;
    olds.delete(staging.pid ?? '');
    const journal = readJournal(staging.path);
    if (journal && 'entries' in journal) {
      finishSwap(outDir, staging.path, old, journal.entries);
      changed = true;
      continue;
    }
    if (journal) {
      warnings.push(
        leftoverWarning('emit_swap_journal_discarded', `discarded ${join(staging.path, JOURNAL)}: ${journal.invalid}; ${outDir}/ was left as it was`, [
          `if a run of fleet was cut short there, this synth has rendered ${outDir}/ afresh; nothing outside ${outDir}/ was touched`,
        ]),
      );
    }
    changed = putBack(outDir, old) || changed;
    rmSync(staging.path, { recursive: true, force: true });
  }
  for (const old of olds.values()) changed = putBack(outDir, old) || changed;
  return { changed, warnings };
}

/**
 * Puts what a cut-short run set aside back where it was, where nothing took its place (an older
 * fleet set the whole output folder aside), then removes the set-aside folder. Only real folders
 * and files with the names fleet gives top-level entries are moved.
 */
function putBack(outDir: string, old: string): boolean {
  const stats = lstatSync(old, { throwIfNoEntry: false });
  if (!stats?.isDirectory()) return false;
  let restored = false;
  if (!lexists(outDir)) {
    renameSync(old, outDir);
    return true;
  }
  for (const name of readdirSync(old)) {
    const kind = lstatSync(join(old, name));
    if (!isTopLevelName(name) || !(kind.isDirectory() || kind.isFile()) || lexists(join(outDir, name))) continue;
    renameSync(join(old, name), join(outDir, name));
    restored = true;
  }
  rmSync(old, { recursive: true, force: true });
  return restored;
}

function leftoverWarning(code: WarningCode, message: string, help: string[]): Diagnostic {
  return { code, severity: 'warning', message, help };
}

function kindOf(stats: Stats): string {
  return stats.isSymbolicLink() ? 'a symbolic link' : stats.isFile() ? 'a file' : stats.isDirectory() ? 'a folder' : 'not a regular file';
}

function lexists(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
}

/** What is under a folder: every file (and everything else that is not a folder), every folder, and which folders are empty. */
interface TreeListing {
  /** Relative, `/`-separated: regular files and `special` ones. */
  readonly files: string[];
  /** Entries that are neither folders nor regular files (links, FIFOs, sockets, devices): never read or followed. */
  readonly special: Set<string>;
  readonly folders: Set<string>;
  readonly emptyFolders: Set<string>;
}

/**
 * Lists `root` as the last synth's record and its check (readTree's `checked`) tell: the top-level
 * entries where a recorded file or folder changed, and any the record does not know (when the
 * output folder itself changed), are listed; every other entry holds what the record lists.
 */
function listRecorded(root: string, files: ReadonlyMap<string, string>, { folders, check }: CheckedRecord, skip: ReadonlySet<string> | undefined): TreeListing {
  const listed = new Set<string>();
  for (const path of check.changedFiles) listed.add(entryOf(path));
  for (const folder of check.changedFolders) if (folder !== '.') listed.add(entryOf(folder));
  if (check.changedFolders.includes('.')) {
    const recorded = new Set<string>();
    for (const path of files.keys()) recorded.add(entryOf(path));
    for (const folder of folders) recorded.add(entryOf(folder));
    for (const name of namesIn(root)) if (!recorded.has(name)) listed.add(name);
  }
  const listing = listed.size > 0 ? listTree(root, listed) : { files: [], special: new Set<string>(), folders: new Set<string>(), emptyFolders: new Set<string>() };
  const special = new Set(check.special);
  const entryOfGrouped = lastEntry();
  for (const path of files.keys()) {
    const entry = entryOfGrouped(path);
    if (listed.has(entry) || skip?.has(entry)) continue;
    listing.files.push(path);
    if (special.has(path)) listing.special.add(path);
  }
  // Folders of skipped entries too: files written into a carried cluster (Output.carried) go into them in place.
  for (const folder of folders) if (folder !== '.' && !listed.has(entryOf(folder))) listing.folders.add(folder);
  return listing;
}

/** The names in a folder; none when it is gone. */
function namesIn(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}

/**
 * Lists `root` (nothing when it does not exist), or with `only` just those of its top-level
 * entries. A link to a folder is an entry of its own, not walked into.
 */
function listTree(root: string, only?: ReadonlySet<string>): TreeListing {
  const listing: TreeListing = { files: [], special: new Set(), folders: new Set(), emptyFolders: new Set() };
  const at = under(root);
  const walk = (prefix: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(at(prefix), { withFileTypes: true });
    } catch (error) {
      if (prefix === '' && (error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    if (prefix !== '' && entries.length === 0) listing.emptyFolders.add(prefix);
    for (const entry of entries) {
      if (only && prefix === '' && !only.has(entry.name)) continue;
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        listing.folders.add(path);
        walk(path);
        continue;
      }
      listing.files.push(path);
      if (!entry.isFile()) listing.special.add(path);
    }
  };
  walk('');
  return listing;
}

/** Every folder under `root`, and `root` itself: what a flush of a freshly staged tree covers. */
function foldersOf(root: string): string[] {
  return [root, ...[...listTree(root).folders].map((folder) => join(root, folder))];
}
