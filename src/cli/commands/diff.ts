import { Command, InvalidArgumentError, Option } from 'commander';
import { formatDiagnostics } from '../../diagnostics/format.js';
import { compareTree, outputOfCompiled, isClean } from '../output-folder.js';
import { COMMENT_BUDGET, diffTrees, formatDiff, hasChanges, type DiffFormat } from '../../report/diff/index.js';
import { readBase } from '../diff-base.js';
import { EXIT, type Io } from '../io.js';
import { compileSpec } from '../load-spec.js';
import { VERSION } from '../version.js';

interface DiffOptions {
  base: string;
  format: DiffFormat;
  out: string;
  maxLength: number;
}

/**
 * `fleet diff`: what the spec renders now against a git ref or an output folder. Exit 0 no
 * change, 1 changes (like `flux diff` and `git diff --exit-code`), 2 for anything that stops the
 * comparison, spec errors included: 1 is taken by "changes".
 */
export function diffCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('diff')
    .description('show placement and manifest changes against a git ref or an output folder, for pull-request comments')
    .argument('[spec]', 'spec file or folder', 'policies')
    .requiredOption('--base <ref|dir>', 'a folder holding rendered output, or a git ref whose spec is rendered in memory')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'markdown']).default('text'))
    .option('-o, --out <dir>', 'the committed output folder: checked against the spec, and its lock holds the previous placement', 'out')
    .option('--max-length <chars>', `markdown: shorten the report to at most this many characters, saying what was cut (0: no limit)`, parseLength, COMMENT_BUDGET)
    .action(async (spec: string, options: DiffOptions) => {
      const head = compileSpec(spec, io, { outDir: options.out });
      if (typeof head === 'number') return setExit(EXIT.usage);
      const tree = head.tree!;
      const stale = compareTree(options.out, outputOfCompiled(tree));

      const base = readBase(options.base, spec, options.out);
      if ('diagnostics' in base) {
        io.err(formatDiagnostics(base.diagnostics, base.sources));
        return setExit(EXIT.usage);
      }

      const stateful = [...base.stateful, ...head.fleet!.apps.filter((a) => a.stateful).map((a) => a.id)];
      const diff = diffTrees(base.tree, tree, { stateful });
      const context = {
        base: base.label,
        head: 'working tree',
        spec,
        version: VERSION,
        outputCheck: { outDir: options.out.replace(/\/+$/, ''), upToDate: isClean(stale), differing: stale.added.length + stale.changed.length + stale.stale.length + stale.conflicts.length },
      };
      io.out(formatDiff(diff, context, options.format, { maxLength: options.maxLength }));
      setExit(hasChanges(diff) ? EXIT.changes : EXIT.ok);
    });
}

function parseLength(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('a number of characters (0 for no limit)');
  return Number(value);
}
