import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Making writes survive a power loss, in the order the output folder's swap needs (see
 * output-folder.ts and docs/cli.md, "What fleet promises about out/"). A rename is atomic to
 * every process at once, but the kernel may write it, and the bytes of the files it names, to
 * the disk later and in any order: the bytes are flushed before the rename that makes them
 * count, and a folder is flushed after the renames inside it (POSIX fsync(2); ext4 and XFS need
 * the folder's fsync for a new name to last, see Linux's fsync(2) "NOTES").
 *
 * `FLEET_FSYNC=0` skips every flush (as PostgreSQL's `fsync = off`): still atomic against a
 * crash of fleet itself, not against a power loss.
 */
const enabled = () => process.env.FLEET_FSYNC !== '0';

/** Flushes one file's bytes, or one folder's names, to the disk. */
export function flush(path: string): void {
  if (!enabled()) return;
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } catch (error) {
    // Some systems cannot fsync a folder (EINVAL, EISDIR, EPERM on Windows): nothing more to do there.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'EBADF') throw error;
  } finally {
    closeSync(fd);
  }
}

/**
 * From this many files, one flush of the whole file system beats one per file: each fsync(2) waits
 * for its own write to the disk, where one syncfs(2) waits once for all of them.
 */
const MANY_FILES = 64;

/**
 * Flushes files just written under `dir` (paths relative to it) and the folders that hold them.
 * Many files at once are flushed with one syncfs(2) of their file system (`sync -f`, GNU
 * coreutils 8.24 and BusyBox); where that is not available, file by file, and then the folders,
 * which `folders` lists (asked for only then: listing a large tree costs as much as its syncfs).
 */
export function flushAll(dir: string, files: readonly string[], folders: () => readonly string[]): void {
  if (!enabled()) return;
  if (files.length >= MANY_FILES && process.platform === 'linux') {
    const synced = spawnSync('sync', ['-f', dir], { stdio: 'ignore' });
    if (synced.status === 0) return;
  }
  for (const file of files) flush(join(dir, file));
  for (const folder of folders()) flush(folder);
}

/** Writes a small file whole or not at all: a temporary file, flushed, renamed over `path`, and the folder flushed. */
export function writeFileAtomically(path: string, text: string): void {
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, text);
  flush(temporary);
  renameSync(temporary, path);
  flush(dirname(path));
}

/**
 * `mkdir -p`, with the real reason when it fails: Node's recursive mkdir reports ENOENT on a
 * read-only file system (it tries the parent, which exists, and reports the child's absence),
 * so the first missing folder is made again on its own to get the system's own error (EROFS,
 * EACCES). Returns the first folder it made, as mkdirSync does.
 */
export function makeFolders(path: string): string | undefined {
  try {
    return mkdirSync(path, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    let missing = path;
    for (let parent = dirname(missing); parent !== missing && !existsSync(parent); parent = dirname(parent)) missing = parent;
    mkdirSync(missing); // throws the real reason
    throw error;
  }
}
