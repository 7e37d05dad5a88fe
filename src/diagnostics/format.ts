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
export function formatDiagnostic(diagnostic: Diagnostic, sources: SourceTexts): string {
  const where = diagnostic.span ? `${diagnostic.span.file}:${diagnostic.span.start.line}:${diagnostic.span.start.col}: ` : 'fleet: ';
  const lines = [`${where}${diagnostic.severity} ${diagnostic.code}: ${diagnostic.message}`];
  if (diagnostic.span) lines.push(...codeFrame(diagnostic.span, sources));
  for (const related of diagnostic.related ?? []) {
    lines.push(`  note: ${related.label} at ${related.span.file}:${related.span.start.line}:${related.span.start.col}`);
  }
  for (const help of diagnostic.help ?? []) lines.push(`  help: ${help}`);
  return lines.join('\n');
}

export function formatDiagnostics(diagnostics: readonly Diagnostic[], sources: SourceTexts): string {
  if (diagnostics.length === 0) return '';
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const summary = [errors && plural(errors, 'error'), warnings && plural(warnings, 'warning')].filter(Boolean).join(', ');
  return `${diagnostics.map((d) => formatDiagnostic(d, sources)).join('\n')}\n${summary}\n`;
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
function codeFrame(span: Span, sources: SourceTexts): string[] {
  const text = sources.get(span.file);
  if (text === undefined) return [];
  const lineText = (text.split('\n')[span.start.line - 1] ?? '').replace(/\r$/, '').replace(/\t/g, ' ');
  if (lineText.length > 200) return [];
  const gutter = String(span.start.line).length;
  const startCol = span.start.col;
  const endCol = span.end.line === span.start.line ? Math.max(span.end.col, startCol + 1) : lineText.length + 1;
  const width = Math.max(1, Math.min(endCol, lineText.length + 1) - startCol);
  return [
    `  ${String(span.start.line).padStart(gutter)} | ${lineText}`,
    `  ${' '.repeat(gutter)} | ${' '.repeat(startCol - 1)}${'^'.repeat(width)}`,
  ];
}
