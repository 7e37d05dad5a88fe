/** Where a command prints; tests pass their own to read what was printed. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** The terminal behind stderr, for colour and progress lines (see style.ts); absent means none (tests, pipes). */
  readonly terminal?: { readonly errIsTTY: boolean; readonly env: NodeJS.ProcessEnv };
}

/**
 * True once a reader closed stdout or stderr before fleet finished printing (`fleet plan | head -1`):
 * the rest of the output is dropped and fleet exits 0, as `head` asked for no more. The command still
 * finishes its work (a synth still completes its atomic write): only printing stops.
 */
let readerClosedOutput = false;
export const outputClosedByReader = () => readerClosedOutput;

/**
 * Writing to a pipe whose reader is gone fails with EPIPE, reported as an 'error' event on the
 * stream; unhandled, Node prints a stack and exits 1. This listener ends output quietly instead;
 * writes after it fail with ERR_STREAM_DESTROYED, equally quiet. Anything else is a real failure.
 */
function endQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || (readerClosedOutput && error.code === 'ERR_STREAM_DESTROYED')) {
      readerClosedOutput = true;
      process.exitCode = 0;
      return;
    }
    throw error;
  });
}

function writerTo(stream: NodeJS.WriteStream): (text: string) => void {
  let guarded = false;
  return (text) => {
    if (!guarded) {
      endQuietlyOnClosedPipe(stream);
      guarded = true;
    }
    if (!readerClosedOutput) stream.write(text);
  };
}

export const processIo: Io = {
  out: writerTo(process.stdout),
  err: writerTo(process.stderr),
  get terminal() {
    return { errIsTTY: process.stderr.isTTY === true, env: process.env };
  },
};

/** Exit codes (docs/cli.md). */
export const EXIT = { ok: 0, specErrors: 1, usage: 2, internal: 3, /** The machine refused a read or write (disk full, no permission). */ system: 4, /** `fleet diff`: the two sides differ. */ changes: 1 } as const;
