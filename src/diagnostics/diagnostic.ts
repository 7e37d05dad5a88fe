/** 1-based line and column, as editors and gcc-style tools print them. */
export interface Position {
  readonly line: number;
  readonly col: number;
}

/** A range in one spec file. `file` is the path as the user named it (relative to the working directory). */
export interface Span {
  readonly file: string;
  readonly start: Position;
  readonly end: Position;
  /** Character offsets [start, end) into the file's text, for code frames and sorting. */
  readonly offset: readonly [number, number];
}

import { CATALOG, type DiagnosticCode, type ErrorCode, type WarningCode } from './catalog.js';

export type Severity = 'error' | 'warning';

/**
 * A user-facing finding. User mistakes are always Diagnostics; a thrown exception is a bug in fleet.
 * `code` is stable and documented in docs/diagnostics.md.
 */
export interface Diagnostic {
  /** A code of the catalog (src/diagnostics/catalog.ts), which fixes its severity. */
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  /** One sentence naming the thing that is wrong. */
  readonly message: string;
  /** Where the problem is; absent only for problems that have no place in the spec (e.g. an empty folder). */
  readonly span?: Span;
  /** How to fix it, printed as `help:` lines. */
  readonly help?: readonly string[];
  /** Other places that explain the problem, e.g. "first defined here". */
  readonly related?: readonly { readonly span: Span; readonly label: string }[];
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Deterministic order: by file, then position, then code (rustc's sort_span). Unlocated ones come first. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const key = (d: Diagnostic) => [d.span?.file ?? '', d.span?.offset[0] ?? -1, d.code, d.message] as const;
  return [...diagnostics].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) {
      if (ka[i] < kb[i]) return -1;
      if (ka[i] > kb[i]) return 1;
    }
    return 0;
  });
}

/** Collects diagnostics for one compilation; phases push, the CLI prints. */
export class DiagnosticBag {
  private readonly items: Diagnostic[] = [];
  private readonly seen = new Set<string>();

  add(diagnostic: Diagnostic): void {
    // The same finding reached by two paths (e.g. two schema branches) is reported once.
    const identity = `${diagnostic.code}|${diagnostic.span?.file}|${diagnostic.span?.offset[0]}|${diagnostic.message}`;
    if (this.seen.has(identity)) return;
    this.seen.add(identity);
    this.items.push(diagnostic);
  }

  error(code: ErrorCode, message: string, span?: Span, help?: string[], related?: Diagnostic['related']): void {
    this.add({ code, severity: 'error', message, span, help, related });
  }

  warning(code: WarningCode, message: string, span?: Span, help?: string[], related?: Diagnostic['related']): void {
    this.add({ code, severity: 'warning', message, span, help, related });
  }

  /** A diagnostic whose severity is its code's in the catalog (for codes decided at run time). */
  report(code: DiagnosticCode, message: string, span?: Span, help?: string[], related?: Diagnostic['related']): void {
    this.add({ code, severity: CATALOG[code].severity, message, span, help, related });
  }

  hasErrors(): boolean {
    return hasErrors(this.items);
  }

  sorted(): Diagnostic[] {
    return sortDiagnostics(this.items);
  }
}
