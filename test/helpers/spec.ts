import { compile, type CompileOptions, type CompileResult } from '../../src/compiler.js';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';

/** Compiles spec text held in memory, as if read from `name`. */
export function compileText(text: string, options: CompileOptions = {}, name = 'fleet-spec.yaml'): CompileResult {
  return compile([{ path: name, name, text }], options);
}

/** `CODE@line:col` for each diagnostic: compact and exact for assertions. */
export function codesAt(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => `${d.code}@${d.span ? `${d.span.start.line}:${d.span.start.col}` : '-'}`);
}

/**
 * A small valid spec to build test cases from: two clusters, one app, one rule. It compiles without
 * a diagnostic: `web` says it takes no calls (`callers: none`), else its ports, which no traffic
 * rule opens, would be a warning. A case that adds a rule to `web` removes that line.
 */
export const MINIMAL_SPEC = `apiVersion: fleet/v1alpha1
kind: Fleet
metadata:
  name: test
clusters:
  - name: a-1
    region: r-a
    labels: { env: prod }
  - name: b-1
    region: r-b
    labels: { env: prod }
apps:
  - name: web
    image: example.com/web:1.0.0
    replicas: 2
    ports: [{ name: http, port: 8080 }]
    callers: none
placement:
  - name: everywhere
    apps: {}
`;
