import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PreviousPlacement } from '../model/plan.js';
import { LOCK_FILE, parseLock } from '../phases/6-emit/index.js';
import { formatDiagnostics } from '../diagnostics/format.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { compile, type CompileOptions, type CompileResult } from '../compiler.js';
import { EXIT, type Io } from './io.js';
import { DEFAULT_SPEC, readSpecFiles, type ReadSpecResult } from './spec-files.js';

/**
 * The shared front half of every command: read the spec, compile it, print diagnostics.
 * Returns the result when it has no errors, or the exit code to stop with. `read`: the spec files
 * when already read (synth's cache keys on them, so it compiles exactly what it keyed).
 */
export function compileSpec(specPath: string | undefined, io: Io, options: CompileOptions & { outDir?: string; read?: ReadSpecResult }): CompileResult | number {
  const { read: given, outDir, ...compileOptions } = options;
  const read = given ?? readSpecFiles(specPath ?? DEFAULT_SPEC);
  const sources = new Map(read.files.map((f) => [f.path, f.text]));
  if (read.files.length === 0 && read.diagnostics.length > 0) {
    io.err(formatDiagnostics(read.diagnostics, sources));
    return read.diagnostics.some((d) => d.code === 'spec_not_found') ? EXIT.usage : EXIT.specErrors;
  }
  const result = compile(read.files, { ...compileOptions, previous: compileOptions.previous ?? previousPlacement(outDir ?? 'out') });
  const diagnostics = [...read.diagnostics, ...result.diagnostics];
  if (diagnostics.length > 0) io.err(formatDiagnostics(diagnostics, sources));
  return hasErrors(diagnostics) ? EXIT.specErrors : result;
}

/** The placement recorded in `<outDir>/fleet.lock.json`; empty when there is none. */
export function previousPlacement(outDir: string): PreviousPlacement {
  let text: string | undefined;
  try {
    text = readFileSync(join(outDir, LOCK_FILE), 'utf8');
  } catch {
    return new Map();
  }
  const lock = parseLock(text);
  return new Map((lock?.placement ?? []).map((p) => [`${p.namespace}/${p.name}`, p.divided ?? p.clusters]));
}
