import { Command, Option } from 'commander';
import { formatPlan, type PlanFormat } from '../../report/plan.js';
import { EXIT, type Io } from '../io.js';
import { compileSpec } from '../load-spec.js';

export function planCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('plan')
    .description('show the placement: apps x clusters with replicas')
    .argument('[spec]', 'spec file or folder', 'policies')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'markdown']).default('text'))
    .option('-o, --out <dir>', 'output folder whose lock holds the previous placement', 'out')
    .action(async (spec: string, options: { format: PlanFormat; out: string }) => {
      const result = await compileSpec(spec, io, { renderOutput: false, outDir: options.out });
      if (typeof result === 'number') return setExit(result);
      io.out(formatPlan(result.plan!, result.fleet!.clusters.map((c) => c.name), options.format));
      setExit(EXIT.ok);
    });
}
