/** Where a command prints; tests pass their own to read what was printed. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Exit codes (docs/cli.md). */
export const EXIT = { ok: 0, specErrors: 1, usage: 2, internal: 3, /** The machine refused a read or write (disk full, no permission). */ system: 4, /** `fleet diff`: the two sides differ. */ changes: 1 } as const;
