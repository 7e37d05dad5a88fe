import { EXIT } from './io.js';
import { OutputBusyError, OutputFolderError } from './output-errors.js';

/**
 * Runs the CLI and turns anything thrown into a report: a read or write the machine refused (a
 * full disk, no permission, a size limit) says which file and why, with exit 4, and what state the
 * output folder is in when the failure came while writing it; another fleet writing the same
 * output folder is exit 4 too; an output folder that cannot be fleet's is a usage error (exit 2);
 * anything else is the "this is a bug" report with exit 3. User mistakes in the spec never get
 * here: they are diagnostics (exit 1).
 */
export async function guarded(run: () => Promise<number>, err: (text: string) => void): Promise<number> {
  try {
    return await run();
  } catch (error) {
    return report(error, err);
  }
}

/** The report and exit code for something a command threw (see guarded). */
export function report(error: unknown, err: (text: string) => void): number {
  if (error instanceof OutputBusyError) {
    err(
      `fleet: error: ${error.message}\n` +
        `  help: wait for it to finish, or run with \`--wait\` to wait up to 60 s (\`--wait SECONDS\` for longer)\n` +
        `  help: if no fleet is running, the lock is stale: remove ${error.lockPath}\n`,
    );
    return EXIT.system;
  }
  if (error instanceof OutputFolderError) {
    err(`fleet: error: ${error.message}\n${error.help.map((line) => `  help: ${line}\n`).join('')}`);
    return error.kind === 'usage' ? EXIT.usage : EXIT.system;
  }
  const refused = systemFailure(error);
  if (refused) {
    const help = outputStateHelp(outputStateOf(error));
    err(`${refused}\n${help.map((line) => `  help: ${line}\n`).join('')}`);
    return EXIT.system;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  err(`fleet: internal error: this is a bug in fleet, not in your spec.\nPlease report it with the spec that triggered it.\n\n${stack}\n`);
  return EXIT.internal;
}

/**
 * Where writing the output folder stopped, when an error came from it: before the commit point
 * (`untouched`: the folder is as it was, the staging folder removed), or during the swap
 * (`half-swapped`: some top-level entries or files are new, some old, until the next run finishes the swap
 * from the journal).
 */
export type OutputState = { readonly state: 'untouched'; readonly out: string } | { readonly state: 'half-swapped'; readonly out: string; readonly journal: string };

const OUTPUT_STATE = Symbol('fleet output state');

/** Records on an error what state it left the output folder in; returns the error. */
export function markOutputState<E>(error: E, state: OutputState): E {
  if (error !== null && typeof error === 'object') Object.defineProperty(error, OUTPUT_STATE, { value: state, configurable: true });
  return error;
}

function outputStateOf(error: unknown): OutputState | undefined {
  return error !== null && typeof error === 'object' ? (error as { [OUTPUT_STATE]?: OutputState })[OUTPUT_STATE] : undefined;
}

/** What to tell about the output folder: the truth of where the write stopped; nothing when the failure was not in writing it. */
function outputStateHelp(state: OutputState | undefined): string[] {
  if (!state) return [];
  if (state.state === 'untouched') return [`${state.out}/ keeps what it held before this run: nothing in it was changed`];
  return [
    `the swap into ${state.out}/ was cut short: some of the folders and files it replaces are this run's and the others the previous run's`,
    `fix the cause and run \`fleet synth\` again: it finishes the swap from its journal (${state.journal}) before anything else`,
  ];
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
