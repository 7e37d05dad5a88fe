/**
 * Refusals about the output folder itself, thrown where they are found and reported by guard.ts
 * as one line with the way out. Kept free of imports: the binary loads this before anything else
 * (see main.ts), so even a start-up that cannot open more files reports cleanly.
 */

/**
 * The output folder cannot be written as given: `usage` (exit 2) when the folder named cannot be
 * fleet's (the file system's root, a repository's root, a file, a link), `system` (exit 4) when
 * the machine is in the way.
 */
export class OutputFolderError extends Error {
  constructor(
    message: string,
    readonly help: readonly string[],
    readonly kind: 'usage' | 'system',
  ) {
    super(message);
  }
}

/** Who holds an output folder's lock (see output-lock.ts). */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** The holder process's start (clock ticks since boot, /proc/<pid>/stat); absent where there is no /proc. */
  readonly start?: string;
}

/** Another live fleet holds the output folder's lock (exit 4: the machine's state, not the user's mistake). */
export class OutputBusyError extends Error {
  constructor(
    readonly out: string,
    readonly lockPath: string,
    readonly holder: LockHolder,
    sameHost: boolean,
  ) {
    super(`another fleet is writing ${out}/ (pid ${holder.pid}${sameHost ? '' : ` on ${holder.host}`})`);
  }
}
