import type { Io } from './io.js';

/** How a command prints diagnostics: text for people, JSON for tools, GitHub Actions workflow commands for annotations. */
export type DiagnosticsFormat = 'text' | 'json' | 'github';

/**
 * Colour on stderr: never with `NO_COLOR` set to anything but the empty string (https://no-color.org),
 * always with `FORCE_COLOR` set to anything but `0` (the convention of Node and chalk), otherwise
 * only on a terminal that is not `TERM=dumb`.
 */
export function colorOnStderr(io: Io): boolean {
  const terminal = io.terminal;
  if (!terminal) return false;
  const { env } = terminal;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return terminal.errIsTTY && env.TERM !== 'dumb';
}

const paint = (code: string) => (text: string) => `\x1b[${code}m${text}\x1b[0m`;
const red = paint('1;31');
const yellow = paint('1;33');
const cyan = paint('36');
const bold = paint('1');

/**
 * Colours diagnostics as src/diagnostics/format.ts prints them: the severity and code of each
 * header line, the caret underline and the `help:`/`note:` labels. Only the escape codes are
 * added: without them the text is byte for byte the plain one.
 */
export function colorDiagnostics(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const header = /^(.*?)\b(error|warning) ([a-z0-9_]+):/.exec(line);
      if (header && !line.startsWith(' ')) {
        const [whole, where, severity, code] = header;
        const colour = severity === 'error' ? red : yellow;
        return `${bold(where)}${colour(`${severity} ${code}`)}:${line.slice(whole.length)}`;
      }
      const caret = /^(\s+\|\s*)(\^+)$/.exec(line);
      if (caret) return `${caret[1]}${red(caret[2])}`;
      return line.replace(/^(\s+)(help|note):/, (_, indent: string, label: string) => `${indent}${cyan(`${label}:`)}`);
    })
    .join('\n');
}

/** How long work runs before a progress line is worth showing (on a terminal). */
export const PROGRESS_AFTER_MS = 2000;

/**
 * A one-line progress report on stderr for long work, on a terminal only (never in pipes, CI logs
 * or with `--quiet`). fleet's compile is synchronous, so the line is drawn at the steps between
 * phases: a step is shown once the work has run for PROGRESS_AFTER_MS, or from the start when the
 * work is known to be long (a large spec). The line is overwritten by the next step and cleared at
 * the end, so it never mixes with what the command prints.
 */
export class Progress {
  private readonly started: number;
  private shown = false;

  constructor(
    private readonly io: Io,
    private readonly enabled: boolean,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  /** Starting `label` (e.g. `compiling policies/`); `long`: known to take a while, shown at once. */
  step(label: string, { long = false } = {}): void {
    if (!this.enabled || (!long && this.now() - this.started < PROGRESS_AFTER_MS)) return;
    this.io.err(`\r\x1b[2Kfleet: ${label}…`);
    this.shown = true;
  }

  /** Clears the line, if one was drawn. */
  done(): void {
    if (!this.shown) return;
    this.io.err('\r\x1b[2K');
    this.shown = false;
  }
}

/** The Progress of one command: on stderr when it is a terminal and `--quiet` is not given. */
export function progressFor(io: Io, quiet: boolean): Progress {
  return new Progress(io, !quiet && io.terminal?.errIsTTY === true && io.terminal.env.TERM !== 'dumb');
}
