import { hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { diagnosticsToJson, formatDiagnostics, type SourceTexts } from '../diagnostics/format.js';
import type { Io } from './io.js';
import { colorDiagnostics, colorOnStderr, type DiagnosticsFormat } from './style.js';

/** What every command accepts about how it prints (see docs/cli.md, "Output"). */
export interface PrintOptions {
  /** `--format` of validate and synth; the other commands print diagnostics as text. */
  readonly format?: DiagnosticsFormat;
  /** `--quiet`: errors only; no warnings, notes, summary lines or progress. */
  readonly quiet?: boolean;
  /** Text mode: also handed every diagnostics text as printed, without colour (synth's cache keeps it to print again). */
  readonly plainCopy?: (text: string) => void;
}

/**
 * Prints one command's diagnostics in the chosen format, and its other messages where they do not
 * get in the way of that format.
 *
 * - text: gcc-style on stderr as they come (coloured on a terminal, see style.ts).
 * - json: collected, then one JSON document on stdout at `finish()`: `{"errors":N,"warnings":N,"diagnostics":[...]}`
 *   (src/diagnostics/format.ts' diagnosticsToJson); every other message goes to stderr, so stdout stays parseable.
 * - github: one GitHub Actions workflow command per diagnostic on stdout, which the runner turns into
 *   an annotation on the file and line (https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions).
 */
export class Reporter {
  readonly format: DiagnosticsFormat;
  readonly quiet: boolean;
  private readonly collected: Diagnostic[] = [];
  private readonly color: boolean;
  private readonly plainCopy?: (text: string) => void;

  constructor(
    private readonly io: Io,
    { format = 'text', quiet = false, plainCopy }: PrintOptions = {},
  ) {
    this.format = format;
    this.quiet = quiet;
    this.color = colorOnStderr(io);
    this.plainCopy = plainCopy;
  }

  /** Reports diagnostics (`sources`: the texts their spans point into, for code frames). With `--quiet`, warnings are dropped. */
  diagnostics(diagnostics: readonly Diagnostic[], sources: SourceTexts = new Map()): void {
    const shown = this.quiet ? diagnostics.filter((d) => d.severity === 'error') : diagnostics;
    if (shown.length === 0) return;
    if (this.format === 'json') this.collected.push(...shown);
    else if (this.format === 'github') this.io.out(shown.map(workflowCommand).join(''));
    else this.printText(formatDiagnostics(shown, sources));
  }

  /** Diagnostics already formatted as text (what synth's cache kept of the last run), printed again as they were. */
  replay(text: string): void {
    if (text !== '' && !this.quiet) this.printText(text);
  }

  private printText(text: string): void {
    this.plainCopy?.(text);
    this.io.err(this.color ? colorDiagnostics(text) : text);
  }

  /** The command's result line (`fleet: policies is valid`): stdout, or stderr in JSON mode; none with `--quiet`. */
  result(text: string): void {
    if (this.quiet) return;
    if (this.format === 'json') this.io.err(text);
    else this.io.out(text);
  }

  /** A side remark on stderr (`note: skipped ...`); none with `--quiet`. */
  note(text: string): void {
    if (!this.quiet) this.io.err(text);
  }

  /** Ends the report: in JSON mode, prints the one document, also when there is nothing to report. */
  finish(): void {
    if (this.format !== 'json') return;
    const errors = this.collected.filter((d) => d.severity === 'error').length;
    this.io.out(`${JSON.stringify({ errors, warnings: this.collected.length - errors, diagnostics: diagnosticsToJson(this.collected) }, null, 2)}\n`);
  }

  /** True when what was reported so far includes an error. */
  hasErrors(): boolean {
    return hasErrors(this.collected);
  }
}

/**
 * `::error file=policies/fleet-spec.yaml,line=13,col=5,endLine=13,endColumn=12,title=schema_unknown_field::unknown field ...`
 * Escaping as GitHub's actions/toolkit does (`escapeData`, `escapeProperty` in packages/core/src/command.ts):
 * `%`, CR and LF in the message; also `:` and `,` in property values. The help lines follow the
 * message, on lines of their own inside the annotation.
 */
export function workflowCommand(diagnostic: Diagnostic): string {
  const properties: string[] = [];
  const span = diagnostic.span;
  if (span) {
    properties.push(`file=${escapeProperty(span.file)}`, `line=${span.start.line}`, `col=${span.start.col}`);
    // GitHub takes endColumn only for one-line spans.
    if (span.end.line === span.start.line) properties.push(`endLine=${span.end.line}`, `endColumn=${span.end.col}`);
    else properties.push(`endLine=${span.end.line}`);
  }
  properties.push(`title=${escapeProperty(diagnostic.code)}`);
  const message = [diagnostic.message, ...(diagnostic.help ?? []).map((h) => `help: ${h}`)].join('\n');
  return `::${diagnostic.severity} ${properties.join(',')}::${escapeData(message)}\n`;
}

const escapeData = (text: string) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (text: string) => escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
