import { compile, type CompileOptions, type CompileResult } from '../compiler.js';
import { formatDiagnostics } from '../diagnostics/format.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { EXIT, type Io } from './io.js';
import { DEFAULT_SPEC, readSpecFiles } from './spec-files.js';

/**
 * The shared front half of every command: read the spec, compile it, print diagnostics.
 * Returns the result when it has no errors, or the exit code to stop with.
 */
export function compileSpec(specPath: string | undefined, io: Io, options: CompileOptions): CompileResult | number {
  const read = readSpecFiles(specPath ?? DEFAULT_SPEC);
  const sources = new Map(read.files.map((f) => [f.path, f.text]));
  if (read.files.length === 0 && read.diagnostics.length > 0) {
    io.err(formatDiagnostics(read.diagnostics, sources));
    return read.diagnostics.some((d) => d.code === 'spec_not_found') ? EXIT.usage : EXIT.specErrors;
  }
  const result = compile(read.files, options);
  const diagnostics = [...read.diagnostics, ...result.diagnostics];
  if (diagnostics.length > 0) io.err(formatDiagnostics(diagnostics, sources));
  return hasErrors(diagnostics) ? EXIT.specErrors : result;
}
