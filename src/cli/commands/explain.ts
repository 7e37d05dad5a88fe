import { Command } from 'commander';
import { didYouMean } from '../../diagnostics/suggest.js';
import { formatExplanation } from '../../report/explain.js';
import { COMMON_EXIT_CODES, OUT_OPTION_HELP, QUIET_OPTION_HELP, withHelp } from '../help.js';
import { EXIT, type Io } from '../io.js';
import { compileSpec } from '../load-spec.js';
import { IGNORE_LOCK_HELP } from '../lock-check.js';
import { outDirFor } from '../output-location.js';
import { Reporter } from '../reporter.js';

export function explainCommand(io: Io, setExit: (code: number) => void): Command {
  const command = new Command('explain')
    .description('say why each cluster was chosen or skipped for an app, and how its replicas were split')
    .argument('<app>', 'app name, or namespace/name (needed when two namespaces have an app of that name)')
    .argument('[spec]', 'spec file or folder', 'policies')
    .option('-o, --out <dir>', OUT_OPTION_HELP)
    .option('-q, --quiet', QUIET_OPTION_HELP)
    .option('--ignore-lock', IGNORE_LOCK_HELP)
    .action((appName: string, spec: string, options: { out?: string; quiet?: boolean; ignoreLock?: boolean }) => {
      const result = compileSpec(spec, io, { renderOutput: false, outDir: outDirFor(spec, options.out), reporter: new Reporter(io, { quiet: options.quiet }), ignoreLock: options.ignoreLock });
      if (typeof result === 'number') return setExit(result);
      const apps = result.fleet!.apps;
      const named = apps.filter((a) => a.id === appName || a.name === appName);
      if (named.length !== 1) {
        const help =
          named.length > 1
            ? [`\`${appName}\` is an app in ${named.length} namespaces: name one, e.g. \`fleet explain ${named[0].id}\``]
            : didYouMean(appName, appName.includes('/') ? apps.map((a) => a.id) : apps.map((a) => a.name));
        io.err(`fleet: error spec_unknown_app: ${named.length > 1 ? `more than one app named \`${appName}\`` : `no app named \`${appName}\``}\n${help.map((h) => `  help: ${h}\n`).join('')}`);
        return setExit(EXIT.usage);
      }
      const [app] = named;
      const placement = result.plan!.apps.find((p) => p.namespace === app.namespace && p.name === app.name)!;
      io.out(formatExplanation(app, placement));
      setExit(EXIT.ok);
    });
  return withHelp(
    command,
    [
      ['fleet explain payments', 'why payments runs where it does'],
      ['fleet explain shop/checkout', 'the same, naming the namespace'],
      ['fleet explain web examples/canary/fleet-spec.yaml', 'an app of another spec'],
    ],
    [
      [0, 'the explanation was printed'],
      [1, "the spec has errors, or the output folder is another fleet's"],
      [2, 'no such app (or one name in two namespaces), or usage: unknown option, no spec at the path'],
      ...COMMON_EXIT_CODES.slice(1),
    ],
  );
}
