import { lstatSync, type Stats } from 'node:fs';
import { relative, resolve } from 'node:path';

/**
 * Files' and folders' stamps (identity on disk without reading) and the check of recorded ones
 * against the disk. A leaf module: the stamp check also runs on a thread of its own
 * (stamp-check.ts), which loads nothing else.
 */

/**
 * A file's identity on disk without reading it: size, modification and change times, inode. Two
 * equal stamps of a path mean nobody wrote to it in between (see src/cli/synth-cache.ts).
 */
export function fileStamp(stats: Stats): string {
  return `${stats.size}\t${stats.mtimeMs}\t${stats.ctimeMs}\t${stats.ino}`;
}

/** Calls `each` with the two strings of every `a \t b` line of `text` (StampLines' text: path and stamp). */
export function forEachLine(text: string, each: (a: string, b: string) => void): void {
  everyLine(text, (a, b) => {
    each(a, b);
    return true;
  });
}

/** Whether `test` holds for the two strings of every `a \t b` line of `text`: stops at the first that does not, or that has no tab. */
export function everyLine(text: string, test: (a: string, b: string) => boolean): boolean {
  for (let start = 0; start < text.length; ) {
    const tab = text.indexOf('\t', start);
    if (tab === -1) return false;
    const end = text.indexOf('\n', tab);
    const stop = end === -1 ? text.length : end;
    if (!test(text.slice(start, tab), text.slice(tab + 1, stop))) return false;
    start = stop + 1;
  }
  return true;
}

/**
 * How a walk names `path` (relative, normalized, `/`-separated, '' for the root itself) under
 * `root` in its system calls: from the shorter of `root`'s absolute and working-directory-relative
 * forms, since the kernel resolves every component of every path, and by concatenation (join would
 * normalize each of 100,000 paths again).
 */
export function under(root: string): (path: string) => string {
  const absolute = resolve(root);
  const near = relative(process.cwd(), absolute) || '.';
  const base = near.length < absolute.length ? near : absolute;
  return (path) => (path === '' ? base : `${base}/${path}`);
}

/** Stamps as the synth cache records them: `path \t stamp` lines, one per file and one per folder (the output folder itself as `.`). */
export interface RecordedStamps {
  readonly tree: string;
  readonly folders: string;
}

/**
 * Which recorded files and folders no longer have their stamp. Everything else is as recorded: a
 * folder that keeps its stamp had no entry added, removed or renamed (see synth-cache.ts'
 * readTreeState), and a file that keeps it was not written. Plain data, to pass between threads.
 */
export interface StampCheck {
  /** Recorded files whose stamp changed, or that are gone. */
  readonly changedFiles: readonly string[];
  /** Recorded folders (`.`: the output folder) whose stamp changed, or that are gone. */
  readonly changedFolders: readonly string[];
  /** Recorded files that kept their stamp and are not regular files (links, FIFOs): never to be read. */
  readonly special: readonly string[];
}

/**
 * The lstat of a recorded path under `root` (`.`: `root` itself), without following a link;
 * undefined when it is gone, or a folder on its way was replaced by a file.
 */
export function statsUnder(root: string): (path: string) => Stats | undefined {
  const at = under(root);
  return (path) => {
    try {
      return lstatSync(at(path === '.' ? '' : path), { throwIfNoEntry: false });
    } catch {
      return undefined;
    }
  };
}

/** One lstat per recorded folder and file under `root`; nothing is listed or read. */
export function checkStamps(root: string, recorded: RecordedStamps): StampCheck {
  const statsOf = statsUnder(root);
  const changedFiles: string[] = [];
  const changedFolders: string[] = [];
  const special: string[] = [];
  forEachLine(recorded.folders, (path, stamp) => {
    const stats = statsOf(path);
    if (!stats || fileStamp(stats) !== stamp) changedFolders.push(path);
  });
  forEachLine(recorded.tree, (path, stamp) => {
    const stats = statsOf(path);
    if (!stats || fileStamp(stats) !== stamp) changedFiles.push(path);
    else if (!stats.isFile()) special.push(path);
  });
  return { changedFiles, changedFolders, special };
}

/** The top-level entry (cluster folder, `_flux`, the lock) a recorded path is in, or is. */
export function entryOf(path: string): string {
  const slash = path.indexOf('/');
  return slash === -1 ? path : path.slice(0, slash);
}

/**
 * The `path \t stamp` lines of `text` whose path is in (or is) one of `entries` (top-level
 * names), in their order, and how many. A record lists a folder's files together, so runs of
 * lines are kept whole rather than copied line by line.
 */
export function linesUnder(text: string, entries: ReadonlySet<string>): { text: string; count: number } {
  const runs: string[] = [];
  let count = 0;
  let runStart = -1;
  for (let start = 0; start < text.length; ) {
    const end = text.indexOf('\n', start);
    const stop = end === -1 ? text.length : end;
    const slash = text.indexOf('/', start);
    const tab = text.indexOf('\t', start);
    const name = slash !== -1 && slash < tab ? slash : tab;
    if (name !== -1 && name < stop && entries.has(text.slice(start, name))) {
      count++;
      if (runStart === -1) runStart = start;
    } else if (runStart !== -1) {
      runs.push(text.slice(runStart, start - 1));
      runStart = -1;
    }
    start = stop + 1;
  }
  if (runStart !== -1) runs.push(text.slice(runStart, text.endsWith('\n') ? -1 : text.length));
  return { text: runs.join('\n'), count };
}
