import { Command, InvalidArgumentError, Option } from 'commander';
import { compareTree, outputOfCompiled, isClean } from '../output-folder.js';
import { COMMENT_BUDGET, diffTrees, formatDiff, hasChanges, type DiffFormat } from '../../report/diff/index.js';
import { readBase } from '../diff-base.js';
import { withHelp } from '../help.js';
import { EXIT, type Io } from '../io.js';
import { compileSpec } from '../load-spec.js';
import { IGNORE_LOCK_HELP } from '../lock-check.js';
import { outDirFor } from '../output-location.js';
import { Reporter } from '../reporter.js';
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
    .requiredOption('--base <ref|dir>', 'a folder holding rendered output, or a git ref whose spec is rendered in memory')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'markdown']).default('text'))
    .option('-o, --out <dir>', "the committed output folder (default: out/ beside the spec): checked against the spec; its lock, when it is this fleet's, holds the previous placement")
    .option('--max-length <chars>', `markdown: shorten the report to at most this many characters, saying what was cut (0: no limit)`, parseLength, COMMENT_BUDGET)
    .option('-q, --quiet', 'print no warnings or notes (the report itself is printed)')
    .option('--ignore-lock', IGNORE_LOCK_HELP)
    .action((spec: string, options: DiffOptions) => {
      const out = outDirFor(spec, options.out);
      const reporter = new Reporter(io, { quiet: options.quiet });
      const head = compileSpec(spec, io, { outDir: out, reporter, ignoreLock: options.ignoreLock });
      if (typeof head === 'number') return setExit(EXIT.usage);
      const tree = head.tree!;
      const stale = compareTree(out, outputOfCompiled(tree));

      const base = readBase(options.base, spec, out);
      if ('diagnostics' in base) {
        reporter.diagnostics(base.diagnostics, base.sources);
        return setExit(EXIT.usage);
      }

      const stateful = [...base.stateful, ...head.fleet!.apps.filter((a) => a.stateful).map((a) => a.id)];
      const diff = diffTrees(base.tree, tree, { stateful });
      const context = {
        base: base.label,
        head: 'working tree',
        spec,
        version: VERSION,
        outputCheck: { outDir: out, upToDate: isClean(stale), differing: stale.added.length + stale.changed.length + stale.stale.length + stale.conflicts.length },
      };
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

/** The shortest report that still holds the comment marker, the header and the cut notice. */
const MIN_LENGTH = 500;

function parseLength(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('a number of characters (0 for no limit)');
  const length = Number(value);
  if (length !== 0 && length < MIN_LENGTH) throw new InvalidArgumentError(`at least ${MIN_LENGTH} characters (the comment marker, the header and the notice of what was cut need room), or 0 for no limit`);
  return length;
}
