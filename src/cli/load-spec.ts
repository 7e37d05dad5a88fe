import type { PreviousPlacement } from '../model/plan.js';
import type { LockSummary } from '../phases/6-emit/index.js';
import { compile, type CompileOptions, type CompileResult } from '../compiler.js';
import { EXIT, type Io } from './io.js';
import { type LockDiagnostic, previousOutputOf, readCheckedLock } from './lock-check.js';
import { otherFleetsOutput, readPreviousOutput, type PreviousOutput } from './output-owner.js';
import { outputFolderProblem } from './output-location.js';
import { boundHeapGrowth } from './memory.js';
import { Reporter } from './reporter.js';
import { DEFAULT_SPEC, readSpecFiles, skippedNote, type ReadSpecResult } from './spec-files.js';

export interface CompileSpecOptions extends CompileOptions {
  /** The spec's output folder (see output-location.ts): its lock holds the previous placement, if it is this fleet's. */
  readonly outDir: string;
  /** The spec files when already read (synth's cache keys on them, so it compiles exactly what it keyed). */
  readonly read?: ReadSpecResult;
  /** Where diagnostics go; text on `io`'s stderr when not given. */
  readonly reporter?: Reporter;
  /** The output folder's lock, when the caller has read and checked it already (readCheckedLock's `lock`). */
  readonly lock?: LockSummary;
  /** `--ignore-lock`: place afresh, without the output folder's lock as the previous placement (a lock that cannot be read is then no error). */
  readonly ignoreLock?: boolean;
}

/**
 * The shared front half of every command: read the spec, compile it against its own output
 * folder's previous placement, report diagnostics. Returns the result when it has no errors, or
 * the exit code to stop with.
 *
 * The output folder must belong to this spec: one that holds the spec is refused (usage, exit 2),
 * and one whose lock is another fleet's is refused at the spec's `metadata.name` (exit 1), so no
 * command ever places against, compares with or overwrites another fleet's output.
 */
export function compileSpec(specPath: string | undefined, io: Io, options: CompileSpecOptions): CompileResult | number {
  const { read: given, outDir, reporter = new Reporter(io), ignoreLock = false, lock: checked, ...compileOptions } = options;
  const spec = specPath ?? DEFAULT_SPEC;
  const read = given ?? readSpecFiles(spec);
  // Diagnostics may point into the apps' manifest files too.
  const sources = new Map([...read.files, ...(read.manifests ?? []).flatMap((m) => m.files ?? [])].map((f) => [f.path, f.text]));
  if (read.files.length === 0 && read.diagnostics.length > 0) {
    reporter.diagnostics(read.diagnostics, sources);
    return read.diagnostics.some((d) => d.code === 'spec_not_found') ? EXIT.usage : EXIT.specErrors;
  }
  const misplaced = outputFolderProblem(spec, outDir);
  if (misplaced) {
    reporter.diagnostics([misplaced]);
    return EXIT.usage;
  }
  const note = skippedNote(read);
  if (note) reporter.note(note);

  // A lock that is there but flawed stops every command (see lock-check.ts), unless `--ignore-lock` says to start afresh.
  const locked = previousOutputIn(outDir, checked);
  if ('diagnostic' in locked && !ignoreLock) {
    reporter.diagnostics([locked.diagnostic], new Map(locked.source ? [locked.source] : []));
    return EXIT.specErrors;
  }
  // `--ignore-lock` forgets the placement; whose folder it is still counts.
  const previous: PreviousOutput = 'diagnostic' in locked ? { placement: new Map() } : ignoreLock ? { ...locked, placement: new Map() } : locked;
  boundHeapGrowth(read.files.reduce((bytes, file) => bytes + file.text.length, 0));
  const result = compile(read.files, { manifests: read.manifests, ...compileOptions, previous: compileOptions.previous ?? previous.placement });
  // Compiled with that lock's placement before the fleet's name was known: when the lock is
  // another fleet's, the result is discarded unseen and only the refusal is reported.
  const refused = result.fleet && otherFleetsOutput(previous, result.fleet.name, outDir, read.files);
  const diagnostics = refused ? [...read.diagnostics, refused] : [...read.diagnostics, ...result.diagnostics];
  reporter.diagnostics(diagnostics, sources);
  return diagnostics.some((d) => d.severity === 'error') ? EXIT.specErrors : result;
}

/**
 * What the output folder's lock says of the previous run (read and checked now, or as `checked`),
 * or why it cannot be used. Only the placement and the fleet's name are kept: at fleet scale the
 * lock's list of files is most of it, and it must not stay alive through the compile.
 */
function previousOutputIn(outDir: string, checked: LockSummary | undefined): PreviousOutput | LockDiagnostic {
  const { lock, flaw } = checked ? { lock: checked, flaw: undefined } : readCheckedLock(outDir);
  return flaw ?? previousOutputOf(lock);
}

/** The placement recorded in `<outDir>/fleet.lock.json`, whichever fleet's it is; empty when there is none. */
export function previousPlacement(outDir: string): PreviousPlacement {
  return readPreviousOutput(outDir).placement;
}
