import { Command, Option } from 'commander';
import { formatPlan, type PlanFormat } from '../../report/plan.js';
import { COMMON_EXIT_CODES, OUT_OPTION_HELP, QUIET_OPTION_HELP, withHelp } from '../help.js';
import { EXIT, type Io } from '../io.js';
import { compileSpec } from '../load-spec.js';
import { IGNORE_LOCK_HELP } from '../lock-check.js';
import { outDirFor } from '../output-location.js';
import { Reporter } from '../reporter.js';

export function planCommand(io: Io, setExit: (code: number) => void): Command {
  const command = new Command('plan')
    .description('show the placement: apps x clusters with replicas')
    .argument('[spec]', 'spec file or folder', 'policies')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'markdown']).default('text'))
    .option('-o, --out <dir>', OUT_OPTION_HELP)
    .option('-q, --quiet', QUIET_OPTION_HELP)
    .option('--ignore-lock', IGNORE_LOCK_HELP)
    .action((spec: string, options: { format: PlanFormat; out?: string; quiet?: boolean; ignoreLock?: boolean }) => {
      const result = compileSpec(spec, io, { renderOutput: false, outDir: outDirFor(spec, options.out), reporter: new Reporter(io, { quiet: options.quiet }), ignoreLock: options.ignoreLock });
      if (typeof result === 'number') return setExit(result);
      io.out(
        formatPlan(
          result.plan!,
          result.fleet!.clusters.map((c) => c.name),
          options.format,
        ),
      );
      setExit(EXIT.ok);
    });
  return withHelp(
    command,
    [
      ['fleet plan', 'the placement of policies/ as a table'],
      ['fleet plan --format markdown', 'the same table for a pull-request comment'],
      ['fleet plan --format json | jq ".apps[0]"', 'every decision, for tools'],
    ],
    [[0, 'the plan was printed'], [1, "the spec has errors, or the output folder is another fleet's"], ...COMMON_EXIT_CODES],
  );
}
