import { EXIT } from './io.js';

/**
 * Runs the CLI and turns anything thrown into a report: a read or write the machine refused (a
 * full disk, no permission, a size limit) says which file and why, with exit 4; anything else is
 * the "this is a bug" report with exit 3. User mistakes never get here: they are diagnostics
 * (exit 1) or usage errors (exit 2).
 */
export async function guarded(run: () => Promise<number>, err: (text: string) => void): Promise<number> {
  try {
    return await run();
  } catch (error) {
    const refused = systemFailure(error);
    if (refused) {
      err(`${refused}\n  help: fleet writes atomically: the output folder keeps what it held before this run (a swap cut short is finished by the next one)\n`);
      return EXIT.system;
    }
    const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
    err(`fleet: internal error: this is a bug in fleet, not in your spec.\nPlease report it with the spec that triggered it.\n\n${stack}\n`);
    return EXIT.internal;
  }
}

/** The operating system's refusals that are the machine's state, not fleet's doing, in words. */
const REFUSALS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large for the limit on file size (`ulimit -f`)',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files in this process',
  ENFILE: 'too many open files on this machine',
  EIO: 'input/output error',
};

/** `fleet: error: cannot <syscall> <path>: <why> (<code>)` for a refusal (see REFUSALS); undefined for anything else. */
export function systemFailure(error: unknown): string | undefined {
  const { code, syscall, path } = (error ?? {}) as NodeJS.ErrnoException;
  if (typeof code !== 'string' || !Object.hasOwn(REFUSALS, code)) return undefined;
  return `fleet: error: cannot ${syscall ?? 'access'} ${path ?? 'a file'}: ${REFUSALS[code]} (${code})`;
}
