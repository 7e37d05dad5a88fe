import { Command } from 'commander';
import { EXIT, type Io } from '../io.js';
import { compileSpec } from '../load-spec.js';

export function validateCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('validate')
    .description('run every check (schema, references, placement) without writing anything')
    .argument('[spec]', 'spec file or folder', 'policies')
    .option('-o, --out <dir>', 'output folder whose lock holds the previous placement', 'out')
    .action(async (spec: string, options: { out: string }) => {
      const result = await compileSpec(spec, io, { renderOutput: false, outDir: options.out });
      if (typeof result === 'number') return setExit(result);
      io.out(`fleet: ${spec} is valid (${result.fleet!.clusters.length} clusters, ${result.fleet!.apps.length} apps)\n`);
      setExit(EXIT.ok);
    });
}
