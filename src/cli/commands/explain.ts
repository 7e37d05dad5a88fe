import { Command } from 'commander';
import { didYouMean } from '../../diagnostics/suggest.js';
import { formatExplanation } from '../../report/explain.js';
import { EXIT, type Io } from '../io.js';
import { compileSpec } from '../load-spec.js';

export function explainCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('explain')
    .description('say why each cluster was chosen or skipped for an app, and how its replicas were split')
    .argument('<app>', 'app name, or namespace/name')
    .argument('[spec]', 'spec file or folder', 'policies')
    .option('-o, --out <dir>', 'output folder whose lock holds the previous placement', 'out')
    .action(async (appName: string, spec: string, options: { out: string }) => {
      const result = await compileSpec(spec, io, { renderOutput: false, outDir: options.out });
      if (typeof result === 'number') return setExit(result);
      const apps = result.fleet!.apps;
      const app = apps.find((a) => a.id === appName || a.name === appName);
      if (!app) {
        const help = didYouMean(appName, apps.map((a) => a.name)).map((h) => `  help: ${h}\n`).join('');
        io.err(`fleet: error spec_unknown_app: no app named \`${appName}\`\n${help}`);
        return setExit(EXIT.usage);
      }
      const placement = result.plan!.apps.find((p) => p.namespace === app.namespace && p.name === app.name)!;
      io.out(formatExplanation(app, placement));
      setExit(EXIT.ok);
    });
}
