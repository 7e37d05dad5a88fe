import { Command, InvalidArgumentError, Option } from 'commander';
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { clusterOfOutputPath, FLUX_DIR } from '../../phases/6-emit/flux.js';
import { LOCK_FILE, lockGroupOf } from '../../phases/6-emit/index.js';
import { compareTree, isClean, outputOfCompiled, readTree, writeTree, type DiskTree, type Output, type WriteResult } from '../output-folder.js';
import { COMMON_EXIT_CODES, OUT_OPTION_HELP, QUIET_OPTION_HELP, withHelp } from '../help.js';
import { EXIT, type Io } from '../io.js';
import { collectGarbage } from '../memory.js';
import { compileSpec } from '../load-spec.js';
import { compileAgainstLastSynth } from '../incremental-compile.js';
import { IGNORE_LOCK_HELP, readCheckedLock } from '../lock-check.js';
import { outDirFor, outputFolderProblem } from '../output-location.js';
import { lockOutputFolder } from '../output-lock.js';
import { outOptionProblem } from '../output-sanity.js';
import { Reporter } from '../reporter.js';
import { skippedNote } from '../spec-files.js';
import { progressFor, type DiagnosticsFormat, type Progress } from '../style.js';
import { openSynthCache, type SynthCache } from '../synth-cache.js';

interface SynthOptions {
  out?: string;
  check?: boolean;
  cache: boolean;
  format: DiagnosticsFormat;
  quiet?: boolean;
  /** `--wait [seconds]`: how long to wait for another fleet writing the same output folder (true: the default time). */
  wait?: number | true;
  ignoreLock?: boolean;
  allowEmpty?: boolean;
}

/** `--wait` without a number: long enough for a synth of a large fleet. */
const DEFAULT_WAIT_SECONDS = 60;

function parseWait(value: string): number {
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds < 0) throw new InvalidArgumentError('expected a number of seconds, 0 or more');
  return seconds;
}

/** From this much spec text, compiling takes seconds: the progress line shows from the start (see style.ts' Progress). */
const LONG_SPEC_BYTES = 1024 * 1024;

export function synthCommand(io: Io, setExit: (code: number) => void): Command {
  const command = new Command('synth')
    .description('validate the spec, place every app, and render one folder of manifests per cluster')
    .argument('[spec]', 'spec file or folder', 'policies')
    .option('-o, --out <dir>', OUT_OPTION_HELP)
    .option('--check', 'render in memory and fail if the output folder differs (writes nothing)')
    .option('--no-cache', 'always compile: neither use nor refresh the cache of the last synth')
    .addOption(new Option('--format <format>', 'diagnostics as text, JSON (on stdout) or GitHub Actions annotations').choices(['text', 'json', 'github']).default('text'))
    .option('-q, --quiet', QUIET_OPTION_HELP)
    .option('--wait [seconds]', `when another fleet is writing the output folder, wait for it (up to ${DEFAULT_WAIT_SECONDS} s, or SECONDS) instead of failing`, parseWait)
    .option('--ignore-lock', IGNORE_LOCK_HELP)
    .option('--allow-empty', 'render a spec without apps even though the output folder holds apps: their files are removed')
    .action((spec: string, options: SynthOptions) => {
      const out = outDirFor(spec, options.out);
      // The output folder itself, before anything is read or written: one that holds the spec, or cannot be fleet's.
      const misplaced = out.trim() === '' ? undefined : outputFolderProblem(spec, out);
      if (misplaced) {
        new Reporter(io, { format: options.format, quiet: options.quiet }).diagnostics([misplaced]);
        return setExit(EXIT.usage);
      }
      const unusable = outOptionProblem(out, spec);
      if (unusable) throw unusable;
      // One writer per output folder, from before the previous placement is read until the write is done.
      const held = options.check ? undefined : lockOutputFolder(out, { waitSeconds: options.wait === true ? DEFAULT_WAIT_SECONDS : (options.wait ?? 0) });
      try {
        // The cache replays text as it was printed: it serves the text format only, and records only what a full run printed.
        const cache = openSynthCache(spec, out, { enabled: options.cache && options.format === 'text' && !options.ignoreLock });
        const reporter = new Reporter(io, { format: options.format, quiet: options.quiet, plainCopy: cache && ((text) => cache.keepPrinted(text)) });
        const progress = progressFor(io, options.quiet === true);
        try {
          const { code, record } = synth(spec, out, options, { io, reporter, progress, cache });
          if (record) {
            // The output is garbage now, most of the heap at fleet scale: collected before the record builds its text.
            collectGarbage();
            record();
          }
          setExit(code);
        } finally {
          progress.done();
          reporter.finish();
        }
      } finally {
        held?.release();
      }
    });
  return withHelp(
    command,
    [
      ['fleet synth', 'render policies/ into out/'],
      ['fleet synth --check', 'in CI: fail if out/ is not what the spec renders'],
      ['fleet synth examples/canary/fleet-spec.yaml', 'render into examples/canary/out/'],
      ['fleet synth my-spec.yaml --out build/my-fleet', 'render into a folder of your choice'],
      ['fleet synth --check --format github', 'in GitHub Actions: annotate the pull request'],
    ],
    [
      [0, 'rendered (or, with --check, the output folder is current)'],
      [1, "the spec has errors; --check: the output folder is stale; fleet would overwrite a file it did not write, or another fleet's output"],
      ...COMMON_EXIT_CODES,
    ],
  );
}

interface Printers {
  readonly io: Io;
  readonly reporter: Reporter;
  readonly progress: Progress;
  readonly cache?: SynthCache;
}

/** The exit code, and the synth cache's record of a written output, to make once synth has returned and its output is garbage. */
interface SynthOutcome {
  readonly code: number;
  readonly record?: () => void;
}

function synth(spec: string, out: string, options: SynthOptions, { io, reporter, progress, cache }: Printers): SynthOutcome {
  // Nothing changed since the last synth (fleet, the spec, every file in out/): replay what it printed.
  progress.step(`reading ${spec}`);
  const hit = cache?.lookup();
  if (hit) {
    const note = cache?.spec && skippedNote(cache.spec);
    if (note) reporter.note(note);
    reporter.replay(hit.warnings);
    reporter.result(options.check ? upToDate(out, hit.clusters, hit.files) : rendered(out, hit.clusters, 0, 0, hit.files));
    return { code: EXIT.ok };
  }
  const specBytes = cache?.spec?.files.reduce((sum, f) => sum + f.text.length, 0) ?? 0;
  progress.step(`compiling ${spec}`, { long: specBytes >= LONG_SPEC_BYTES });
  const compileOptions = { outDir: out, read: cache?.spec, reporter, ignoreLock: options.ignoreLock };
  const { result, disk } = cache ? compileAgainstLastSynth(spec, io, out, cache, reporter, compileOptions) : { result: compileSpec(spec, io, compileOptions), disk: undefined };
  if (typeof result === 'number') return { code: result };
  // Much of the heap is now the compile's garbage (the mesh model, what the check worked out, the
  // lock's pieces): collected before the write builds its own tables, so that the peak is the
  // compile's, not the sum.
  collectGarbage();
  if (!options.check) {
    const emptied = removesEveryApp(out, result.plan?.apps.length ?? 0, options);
    if (emptied) {
      reporter.diagnostics([emptied]);
      if (emptied.severity === 'error') return { code: EXIT.specErrors };
    }
  }
  progress.step(options.check ? `comparing with ${out}/` : `writing ${out}/`);
  const output = outputOfCompiled({ tree: result.tree!, hashes: result.hashes!, carried: result.carried });
  const read = disk ?? readTree(out);
  const recorded = options.quiet || !result.renderInputs ? undefined : cache && { cache, renderInputs: result.renderInputs };
  return options.check ? { code: check(io, reporter, out, output, read) } : write(reporter, out, output, read, recorded);
}

/**
 * A spec without apps whose output folder holds apps (per its lock) would remove every app's
 * files, and Flux would prune every workload: most often an apps file was deleted or renamed, so
 * it is refused unless `--allow-empty` says it is meant (then a warning). Undefined otherwise.
 */
function removesEveryApp(out: string, apps: number, options: SynthOptions): Diagnostic | undefined {
  if (apps > 0 || options.ignoreLock) return undefined;
  const before = readCheckedLock(out).lock?.placement.length ?? 0;
  if (before === 0) return undefined;
  return {
    code: 'emit_removes_every_app',
    severity: options.allowEmpty ? 'warning' : 'error',
    message: `the spec has no apps: this synth removes the files of all ${before} app(s) that ${out}/${LOCK_FILE} lists, and Flux prunes them`,
    help: options.allowEmpty ? ['--allow-empty was given: the apps are removed'] : ['if a spec file with apps was deleted, moved or renamed, restore it', 'if removing every app is meant, run again with `--allow-empty`'],
  };
}

/** `--check`: compare only, write nothing. */
function check(io: Io, reporter: Reporter, out: string, output: Output, disk: DiskTree): number {
  const difference = compareTree(out, output, disk);
  if (isClean(difference)) {
    reporter.result(upToDate(out, clusterCount(output), fileCount(output)));
    return EXIT.ok;
  }
  const lines = [
    ...difference.changed.map((p) => `  changed: ${out}/${p}`),
    ...difference.added.map((p) => `  missing: ${out}/${p}`),
    ...difference.stale.map((p) => `  stale:   ${out}/${p}`),
    ...difference.conflicts.map((p) => `  changed (not written by fleet): ${out}/${p}`),
    ...difference.clashes.map((p) => `  in the way (a file where a folder goes, or a folder where a file goes): ${out}/${p}`),
  ];
  io.err(`fleet: ${out}/ is out of date with the spec:\n${lines.join('\n')}\nhelp: run \`fleet synth\` and commit the result\n`);
  return EXIT.specErrors;
}

/**
 * Writes the output folder; `recorded`: record this run in the cache with its render inputs (not
 * given with `--quiet`, which would record nothing to print again), once the caller is done with
 * the output (SynthOutcome.record).
 */
function write(reporter: Reporter, out: string, output: Output, disk: DiskTree, recorded: CacheRecordInputs | undefined): SynthOutcome {
  const difference = writeTree(out, output, disk, { stamp: recorded !== undefined });
  if (difference.warnings) reporter.diagnostics(difference.warnings);
  if (difference.clashes.length > 0) {
    reporter.diagnostics(difference.clashes.map((path) => inTheWay(out, path, output)));
    reporter.note('nothing was written\n');
    return { code: EXIT.usage };
  }
  if (difference.conflicts.length > 0) {
    reporter.diagnostics(difference.conflicts.map((path) => wouldOverwrite(out, path)));
    reporter.note('nothing was written\n');
    return { code: EXIT.specErrors };
  }
  const files = fileCount(output);
  const written = difference.changed.length + difference.added.length;
  const clusters = clusterCount(output);
  reporter.result(rendered(out, clusters, written, difference.stale.length, files - written));
  return { code: EXIT.ok, record: recorded && recordLater(recorded, { clusters, files }, difference) };
}

interface CacheRecordInputs {
  readonly cache: SynthCache;
  readonly renderInputs: ReadonlyMap<string, string>;
}

/** The cache record of a write, made when called. A function of its own, so that what it keeps alive is its arguments, not the output. */
function recordLater(recorded: CacheRecordInputs, counts: { clusters: number; files: number }, { stamps, untouched }: Pick<WriteResult, 'stamps' | 'untouched'>): () => void {
  return () => recorded.cache.record(counts, recorded.renderInputs, stamps, untouched);
}

/** A file in the output folder that fleet would have to overwrite although it did not write it (it lacks fleet's header). */
function wouldOverwrite(out: string, path: string): Diagnostic {
  const at = { line: 1, col: 1 };
  return {
    code: 'emit_would_overwrite',
    severity: 'error',
    message: 'this file was not written by fleet, and fleet would overwrite it',
    span: { file: `${out}/${path}`, start: at, end: at, offset: [0, 0] },
    help: [`move or delete the file; fleet only replaces files it wrote (listed in ${out}/${LOCK_FILE}, or starting with its \`# Generated by fleet\` header)`],
  };
}

/** A path in the output folder whose kind is in the way of what fleet writes (see output-folder.ts' pathClashes). */
function inTheWay(out: string, path: string, output: Output): Diagnostic {
  const at = { line: 1, col: 1 };
  const fileGoesHere = output.hashes.has(path);
  return {
    code: 'emit_path_clash',
    severity: 'error',
    message: fileGoesHere ? 'fleet writes a file here, and this is a folder' : 'fleet needs a folder here, and this is not one (a file, or a link, which fleet never follows)',
    span: { file: `${out}/${path}`, start: at, end: at, offset: [0, 0] },
    help: [`move ${out}/${path} away; fleet replaces nothing it did not make`],
  };
}

/** Files in the output: those it lists, and those it carries over (which count the files of theirs it lists too). */
function fileCount(output: Output): number {
  let files = output.hashes.size;
  for (const count of output.carried.values()) files += count;
  if (output.carried.size > 0) for (const path of output.hashes.keys()) if (output.carried.has(lockGroupOf(path))) files--;
  return files;
}

/** Cluster folders in the output (Flux entrypoints and the lock are not clusters). */
function clusterCount(output: Output): number {
  const folders = new Set<string>();
  for (const group of output.carried.keys()) folders.add(clusterOfOutputPath(group));
  let last = '';
  for (const path of output.hashes.keys()) {
    const slash = path.indexOf('/');
    // A cluster's files come one after another: its folder is taken once, not once per file (100,000 at fleet scale).
    if (slash === -1 || (slash === last.length && path.startsWith(last))) continue;
    last = path.slice(0, slash);
    folders.add(last);
  }
  folders.delete(FLUX_DIR);
  return folders.size;
}

const upToDate = (out: string, clusters: number, files: number) => `fleet: ${out}/ is up to date (${clusters} clusters, ${files} files)\n`;
const rendered = (out: string, clusters: number, written: number, removed: number, unchanged: number) =>
  `fleet: rendered ${clusters} clusters into ${out}/: ${written} file(s) written, ${removed} removed, ${unchanged} unchanged\n`;
