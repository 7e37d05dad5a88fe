import type { Diagnostic, Span } from './diagnostic.js';

/** Source text by file path, for code frames. */
export type SourceTexts = ReadonlyMap<string, string>;

/**
 * gcc-style, one diagnostic per header line so editors and CI annotate it:
 *
 *     policies/fleet-spec.yaml:41:7: error schema_unknown_field: unknown field `replica`
 *        41 |     replica: 3
 *           |     ^^^^^^^
 *       help: did you mean `replicas`?
 */
export function formatDiagnostic(diagnostic: Diagnostic, sources: SourceTexts, lines: SourceLines = new SourceLines(sources)): string {
  const where = diagnostic.span ? `${visible(diagnostic.span.file, true)}:${diagnostic.span.start.line}:${diagnostic.span.start.col}: ` : 'fleet: ';
  const printed = [`${where}${diagnostic.severity} ${diagnostic.code}: ${visible(diagnostic.message, true)}`];
  if (diagnostic.span) printed.push(...codeFrame(diagnostic.span, lines));
  for (const related of diagnostic.related ?? []) {
    printed.push(`  note: ${visible(related.label, true)} at ${visible(related.span.file, true)}:${related.span.start.line}:${related.span.start.col}`);
  }
  for (const help of diagnostic.help ?? []) printed.push(`  help: ${visible(help)}`);
  return printed.join('\n');
}

export function formatDiagnostics(diagnostics: readonly Diagnostic[], sources: SourceTexts): string {
  if (diagnostics.length === 0) return '';
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const summary = [errors && plural(errors, 'error'), warnings && plural(warnings, 'warning')].filter(Boolean).join(', ');
  // One split per file for all the diagnostics: thousands of them in a large file stay linear.
  const lines = new SourceLines(sources);
  return `${diagnostics.map((d) => formatDiagnostic(d, sources, lines)).join('\n')}\n${summary}\n`;
}

/** The lines of each source text, split the first time a code frame needs them. */
class SourceLines {
  private readonly split = new Map<string, readonly string[]>();

  constructor(private readonly sources: SourceTexts) {}

  line(file: string, line: number): string | undefined {
    let lines = this.split.get(file);
    if (lines === undefined) {
      const text = this.sources.get(file);
      if (text === undefined) return undefined;
      lines = text.split('\n');
      this.split.set(file, lines);
    }
    return lines[line - 1] ?? '';
  }
}

/**
 * Text from a spec as it may be printed on a terminal: C0 and C1 control characters (a NUL, an
 * escape sequence that would recolour or retitle the terminal) become their Unicode control
 * pictures (U+2400 + code: `␀`, `␛`), one column each so carets stay aligned. Tabs stay; newlines
 * stay in help text, and become `␤` in one-line parts (`oneLine`).
 */
export function visible(text: string, oneLine = false): string {
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, (c) => {
    const code = c.charCodeAt(0);
    if (code === 0x0a) return oneLine ? '\u2424' : c;
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    return code === 0x7f ? '\u2421' : '\ufffd';
  });
}

/** Machine-readable form, one object per diagnostic (`--diagnostics json`). */
export function diagnosticsToJson(diagnostics: readonly Diagnostic[]): object[] {
  return diagnostics.map((d) => ({
    file: d.span?.file,
    line: d.span?.start.line,
    col: d.span?.start.col,
    endLine: d.span?.end.line,
    endCol: d.span?.end.col,
    severity: d.severity,
    code: d.code,
    message: d.message,
    help: d.help ?? [],
  }));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The first line of the span with a caret underline; long lines are cut so the frame stays readable. */
function codeFrame(span: Span, lines: SourceLines): string[] {
  const line = lines.line(span.file, span.start.line);
  if (line === undefined) return [];
  const lineText = visible(line.replace(/\r$/, '').replace(/\t/g, ' '));
  if (lineText.length > 200) return [];
  const gutter = String(span.start.line).length;
  const startCol = span.start.col;
  const endCol = span.end.line === span.start.line ? Math.max(span.end.col, startCol + 1) : lineText.length + 1;
  const width = Math.max(1, Math.min(endCol, lineText.length + 1) - startCol);
  return [`  ${String(span.start.line).padStart(gutter)} | ${lineText}`, `  ${' '.repeat(gutter)} | ${' '.repeat(startCol - 1)}${'^'.repeat(width)}`];
}
