import { Command, InvalidArgumentError, Option } from 'commander';
import type { OutputTree } from '../../phases/6-emit/index.js';
import { COMMENT_BUDGET, diffSides, formatDiff, hasChanges, type DiffFormat } from '../../report/diff/index.js';
import { collectGarbage } from '../memory.js';
import { type HeadOutput, headOfOutputFolder, headOfCompiled, lockOfCompiled } from '../diff-head.js';
import { readBase } from '../diff-base.js';
import { withHelp } from '../help.js';
import { EXIT, type Io } from '../io.js';
import { compileSpec } from '../load-spec.js';
import { IGNORE_LOCK_HELP } from '../lock-check.js';
import { compareTree, isClean, readTree } from '../output-folder.js';
import { outDirFor } from '../output-location.js';
import { Reporter } from '../reporter.js';
import { type ReadSpecResult, skippedNote } from '../spec-files.js';
import { openSynthCache } from '../synth-cache.js';
import { VERSION } from '../version.js';

interface DiffOptions {
  base: string;
  format: DiffFormat;
  out?: string;
  maxLength: number;
  quiet?: boolean;
  ignoreLock?: boolean;
}

/**
 * `fleet diff`: what the spec renders now against a git ref or an output folder. Exit 0 no
 * change, 1 changes (like `flux diff` and `git diff --exit-code`), 2 for anything that stops the
 * comparison, spec errors included: 1 is taken by "changes".
 */
export function diffCommand(io: Io, setExit: (code: number) => void): Command {
  const command = new Command('diff')
    .description('show placement and manifest changes against a git ref or an output folder, for pull-request comments')
    .argument('[spec]', 'spec file or folder', 'policies')
    .requiredOption('--base <ref|dir>', "a folder holding rendered output, or a git ref: its committed output when its lock says that is its spec's, else its spec rendered in memory")
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'markdown']).default('text'))
    .option('-o, --out <dir>', "the committed output folder (default: out/ beside the spec): checked against the spec; its lock, when it is this fleet's, holds the previous placement")
    .option('--max-length <chars>', `markdown: shorten the report to at most this many characters, saying what was cut (0: no limit)`, parseLength, COMMENT_BUDGET)
    .option('-q, --quiet', 'print no warnings or notes (the report itself is printed)')
    .option('--ignore-lock', IGNORE_LOCK_HELP)
    .action((spec: string, options: DiffOptions) => {
      const out = outDirFor(spec, options.out);
      const reporter = new Reporter(io, { quiet: options.quiet });
      const head = readHead(spec, out, io, reporter, options);
      if (typeof head === 'number') return setExit(head);

      collectGarbage(); // what reading the head left, before the base is read
      const base = readBase(options.base, spec, out, head.output);
      if ('diagnostics' in base) {
        reporter.diagnostics(base.diagnostics, base.sources);
        return setExit(EXIT.usage);
      }

      const diff = diffSides(base.sides.base, base.sides.head, { stateful: [...base.stateful, ...head.stateful] });
      const context = { base: base.label, baseSource: base.source, head: 'working tree', spec, version: VERSION, outputCheck: { outDir: out, ...head.check } };
      io.out(formatDiff(diff, context, options.format, { maxLength: options.maxLength }));
      setExit(hasChanges(diff) ? EXIT.changes : EXIT.ok);
    });
  return withHelp(
    command,
    [
      ['fleet diff --base main', 'what this branch changes, per cluster, against main'],
      ['fleet diff --base origin/main --format markdown', 'the same as a pull-request comment'],
      ['fleet diff --base ../main/out', 'against an output folder (e.g. a worktree of the base)'],
    ],
    [
      [0, 'no change'],
      [1, 'changes (as `git diff --exit-code` and `flux diff`)'],
      [2, "cannot compare: usage, a bad --base, errors in either spec, an output folder that is another fleet's"],
      [3, 'internal error: a bug in fleet'],
      [4, 'the machine refused a read or write'],
    ],
  );
}

/** The head of a diff: what the spec renders, the apps it marks stateful, and whether the output folder matches it. */
interface Head {
  readonly output: HeadOutput;
  readonly stateful: readonly string[];
  readonly check: { readonly upToDate: boolean; readonly differing: number };
}

/**
 * What the spec renders now; or the exit code to stop with. When the synth cache says the output
 * folder is exactly what this spec renders (the last synth, by this very build, rendered this very
 * spec into it and no file changed since: what `fleet synth --check` trusts too), the folder is
 * the head, and nothing is compiled; its StatefulSets say which apps are stateful. Otherwise the
 * spec is compiled, and the folder checked against it (its files that still have the stamps the
 * last synth recorded are not read).
 */
function readHead(spec: string, out: string, io: Io, reporter: Reporter, options: DiffOptions): Head | number {
  const cache = options.ignoreLock ? undefined : openSynthCache(spec, out);
  const hit = cache?.lookup();
  if (hit) collectGarbage(); // what the lookup left, before the lock is read
  const folder = hit && headOfOutputFolder(out);
  if (hit && folder) {
    const note = cache?.spec && skippedNote(cache.spec);
    if (note) reporter.note(note);
    reporter.replay(hit.warnings);
    return { output: folder, stateful: [], check: { upToDate: true, differing: 0 } };
  }
  const compiled = compileHead(spec, out, io, reporter, options, cache?.spec);
  if (typeof compiled === 'number') return compiled;
  collectGarbage(); // the compile's, before the output folder is read

  const output = headOfCompiled(compiled);
  const stale = compareTree(out, output.output(), readTree(out, cache?.stampsOfLastSynth()));
  const differing = stale.added.length + stale.changed.length + stale.stale.length + stale.conflicts.length;
  return { output, stateful: compiled.stateful, check: { upToDate: isClean(stale), differing } };
}

/** The compile of the head, of which only the output and the stateful apps are kept: not its model of the fleet, which is garbage once this returns. */
function compileHead(
  spec: string,
  out: string,
  io: Io,
  reporter: Reporter,
  options: DiffOptions,
  read: ReadSpecResult | undefined,
): { tree: OutputTree; hashes: ReadonlyMap<string, string>; lock: string; stateful: string[] } | number {
  const compiled = compileSpec(spec, io, { outDir: out, reporter, ignoreLock: options.ignoreLock, read, meshCheck: false });
  if (typeof compiled === 'number') return EXIT.usage;
  const fleet = compiled.fleet!;
  return { tree: compiled.tree!, hashes: compiled.hashes!, lock: lockOfCompiled(fleet.name, compiled.plan!), stateful: fleet.apps.filter((a) => a.stateful).map((a) => a.id) };
}

/** The shortest report that still holds the comment marker, the header and the cut notice. */
const MIN_LENGTH = 500;

function parseLength(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('a number of characters (0 for no limit)');
  const length = Number(value);
  if (length !== 0 && length < MIN_LENGTH) throw new InvalidArgumentError(`at least ${MIN_LENGTH} characters (the comment marker, the header and the notice of what was cut need room), or 0 for no limit`);
  return length;
}
