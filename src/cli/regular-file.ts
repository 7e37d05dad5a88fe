import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/** What a path is when it is not a regular file, in words for a message ("`x` is a FIFO"). */
export function kindOf(stats: Stats): string {
  if (stats.isFile()) return 'a regular file';
  if (stats.isDirectory()) return 'a folder';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

export type RegularFileRead =
  | { readonly bytes: Buffer }
  /** Not a regular file (a FIFO, a device, a socket, a folder): nothing was read from it. */
  | { readonly notRegular: string }
  /** Larger than the limit: at most limit + 1 bytes were read. */
  | { readonly tooLarge: true };

/** O_NONBLOCK: opening a FIFO that was swapped in after a check must not wait for a writer. Not on Windows. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

/**
 * Reads a file that must be a regular file of at most `maxBytes` bytes, without ever blocking or
 * reading without bound: the type and size are checked on the open descriptor (fstat) before any
 * byte is read, so a FIFO (which would wait for a writer forever), `/dev/zero` (which never ends)
 * or a 3 GiB file is refused at once, also when it replaced a regular file after the caller looked.
 * At most `maxBytes + 1` bytes are read, so a file that grows while it is read is still refused.
 *
 * A refusal by the operating system (ENOENT, EACCES, EMFILE) is thrown as it is, with
 * `syscall: 'read'` (what fleet was doing, whichever call failed) for the CLI's report (guard.ts).
 */
export function readRegularFile(path: string, maxBytes: number): RegularFileRead {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    // A Unix socket cannot be opened as a file at all.
    if ((error as NodeJS.ErrnoException).code === 'ENXIO') return { notRegular: 'a socket' };
    throw asReadError(error);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return { notRegular: kindOf(stats) };
    if (stats.size > maxBytes) return { tooLarge: true };
    // Sized from fstat, grown if the file grew (or, like /proc files, reports size 0), never past the limit + 1.
    let buffer = Buffer.alloc(Math.min(stats.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) return { tooLarge: true };
        buffer = Buffer.concat([buffer, Buffer.alloc(Math.min(buffer.length, maxBytes + 1 - length))]);
      }
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    return { bytes: buffer.subarray(0, length) };
  } catch (error) {
    throw asReadError(error);
  } finally {
    closeSync(fd);
  }
}

function asReadError(error: unknown): unknown {
  if (error && typeof error === 'object' && 'syscall' in error) (error as NodeJS.ErrnoException).syscall = 'read';
  return error;
}
