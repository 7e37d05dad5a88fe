import { linkSync, lstatSync, readFileSync, renameSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { makeFolders } from './durable.js';
import { type LockHolder, OutputBusyError } from './output-errors.js';

/**
 * One writer per output folder: `fleet synth` holds `<out>.fleet-lock`, a file beside the folder,
 * from before it reads the previous placement until its write is done. Two synths into one folder
 * would otherwise each read the same previous state, and one's swap would move the other's
 * folders aside and delete them (both exiting 0).
 *
 * The lock file names its holder: pid, host, and the process's start time (Linux: the
 * `starttime` field of /proc/<pid>/stat, proc(5)), so a lock left by a killed run is known to be
 * stale even when its pid has been reused, as it is in every fresh container. It is made whole
 * and then linked into place (link(2) fails with EEXIST when the name is taken: an atomic
 * test-and-set, also on NFS), so nobody ever reads a half-written lock. A stale lock is renamed
 * away before it is removed, and only if it is still the one found stale.
 */

/** The lock file of output folder `out`. */
export const lockPathOf = (out: string) => join(dirname(out), `${basename(out)}.fleet-lock`);

export interface HeldLock {
  /** Removes the lock, if it is still this process's. */
  release(): void;
}

/**
 * Takes the lock of output folder `out`, creating its parent folder if needed. With `waitSeconds`,
 * waits up to that long for a live holder to finish; without, or when the time is up, throws
 * OutputBusyError naming the holder.
 */
export function lockOutputFolder(out: string, { waitSeconds = 0 } = {}): HeldLock {
  const path = lockPathOf(out);
  const made = makeFolders(dirname(path));
  const me = currentHolder();
  const deadline = Date.now() + waitSeconds * 1000;
  for (;;) {
    if (tryCreate(path, me)) return { release: () => release(path, me, made) };
    const found = readHolder(path);
    if (found === 'gone') continue;
    if (found !== 'unreadable' && isAlive(found)) {
      if (Date.now() >= deadline) throw new OutputBusyError(out, path, found, found.host === me.host);
      sleep(100);
      continue;
    }
    breakStaleLock(path, found);
  }
}

/** This process, as a lock names its holder. */
export function currentHolder(): LockHolder {
  const start = processStat(process.pid)?.start;
  return { pid: process.pid, host: hostname(), ...(start === undefined ? {} : { start }) };
}

/**
 * Whether the holder is a running process: on another host it cannot be told, so it counts as
 * running; here, the pid must exist (kill(2) with signal 0: ESRCH when it does not, EPERM when it
 * is someone else's) and, where /proc tells, have started when the lock says.
 */
export function isAlive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  if (!pidExists(holder.pid)) return false;
  const stat = processStat(holder.pid);
  // A zombie has exited (only its parent has not collected it yet): it holds nothing.
  if (stat?.state === 'Z') return false;
  return holder.start === undefined || stat === undefined || stat.start === holder.start;
}

/** Whether a process with this pid exists on this machine. */
export function pidExists(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryCreate(path: string, me: LockHolder): boolean {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(me)}\n`);
  try {
    linkSync(temporary, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // A file system without hard links (FAT, some FUSE): an exclusive create, written at once.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') return createExclusive(path, me);
    throw error;
  } finally {
    unlinkSync(temporary);
  }
}

function createExclusive(path: string, me: LockHolder): boolean {
  try {
    writeFileSync(path, `${JSON.stringify(me)}\n`, { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * The holder a lock file names; 'gone' when it vanished meanwhile (its holder finished);
 * 'unreadable' when it names none (not fleet's, or cut short by a crash during an exclusive
 * create): such a lock protects nothing and is broken like a stale one.
 */
function readHolder(path: string): LockHolder | 'gone' | 'unreadable' {
  let text: string;
  try {
    if (!lstatSync(path).isFile()) return 'unreadable';
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
  try {
    const holder = JSON.parse(text) as Partial<LockHolder>;
    if (typeof holder?.pid === 'number' && typeof holder.host === 'string' && (holder.start === undefined || typeof holder.start === 'string')) return holder as LockHolder;
  } catch {
    // not JSON
  }
  return 'unreadable';
}

/**
 * Removes a lock found stale. It is renamed aside first, which only one process can do; if what
 * was renamed is not the stale lock (another run broke it and took the lock meanwhile), it is
 * put back. A folder or link planted at the lock's name is never removed: that is an error.
 */
function breakStaleLock(path: string, stale: LockHolder | 'unreadable'): void {
  if (!lstatSync(path, { throwIfNoEntry: false })?.isFile()) {
    if (lstatSync(path, { throwIfNoEntry: false }) === undefined) return;
    throw Object.assign(new Error(`${path} is not a lock fleet made (not a regular file): remove it`), { code: 'EEXIST', syscall: 'open', path });
  }
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // another run broke it first
    throw error;
  }
  const took = readHolder(aside);
  const same = stale === 'unreadable' ? took === 'unreadable' : took !== 'gone' && took !== 'unreadable' && took.pid === stale.pid && took.start === stale.start && took.host === stale.host;
  if (!same) {
    try {
      linkSync(aside, path);
    } catch {
      // Taken again meanwhile: the holder that took it keeps it.
    }
  }
  unlinkSync(aside);
}

function release(path: string, me: LockHolder, madeFolder: string | undefined): void {
  const holder = readHolder(path);
  if (holder !== 'gone' && holder !== 'unreadable' && holder.pid === me.pid && holder.start === me.start && holder.host === me.host) unlinkSync(path);
  // A parent folder made only for the lock (a run that wrote nothing) is not left behind.
  if (madeFolder !== undefined) removeEmptyFolders(dirname(path), madeFolder);
}

function removeEmptyFolders(from: string, upTo: string): void {
  for (let folder = from; folder.length >= upTo.length; folder = dirname(folder)) {
    try {
      rmdirSync(folder);
    } catch {
      return;
    }
  }
}

/**
 * A process's state and start time (fields 3 and 22 of /proc/<pid>/stat, proc(5), counted after
 * the command name in parentheses, which may hold spaces); undefined without /proc.
 */
function processStat(pid: number): { state: string; start: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], start: fields[19] };
  } catch {
    return undefined;
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
