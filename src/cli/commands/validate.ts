import { Command, Option } from 'commander';
import { COMMON_EXIT_CODES, OUT_OPTION_HELP, QUIET_OPTION_HELP, withHelp } from '../help.js';
import { EXIT, type Io } from '../io.js';
import { compileSpec } from '../load-spec.js';
import { IGNORE_LOCK_HELP } from '../lock-check.js';
import { outDirFor } from '../output-location.js';
import { Reporter } from '../reporter.js';
import type { DiagnosticsFormat } from '../style.js';

export function validateCommand(io: Io, setExit: (code: number) => void): Command {
  const command = new Command('validate')
    .description('run every check (schema, references, placement) without writing anything')
    .argument('[spec]', 'spec file or folder', 'policies')
    .option('-o, --out <dir>', OUT_OPTION_HELP)
    .addOption(new Option('--format <format>', 'diagnostics as text, JSON (on stdout) or GitHub Actions annotations').choices(['text', 'json', 'github']).default('text'))
    .option('-q, --quiet', QUIET_OPTION_HELP)
    .option('--ignore-lock', IGNORE_LOCK_HELP)
    .action((spec: string, options: { out?: string; format: DiagnosticsFormat; quiet?: boolean; ignoreLock?: boolean }) => {
      const reporter = new Reporter(io, { format: options.format, quiet: options.quiet });
      try {
        // Rendered in memory and dropped: the checks of the rendered output (the mesh model, patches, manifests) are checks too.
        const result = compileSpec(spec, io, { outDir: outDirFor(spec, options.out), reporter, ignoreLock: options.ignoreLock });
        if (typeof result === 'number') return setExit(result);
        reporter.result(`fleet: ${spec} is valid (${result.fleet!.clusters.length} clusters, ${result.fleet!.apps.length} apps)\n`);
        setExit(EXIT.ok);
      } finally {
        reporter.finish();
      }
    });
  return withHelp(
    command,
    [
      ['fleet validate', 'check policies/'],
      ['fleet validate examples/canary/fleet-spec.yaml', 'check one spec file, against examples/canary/out/'],
      ['fleet validate --format github', 'in GitHub Actions: annotate the pull request'],
      ['fleet validate --format json | jq .errors', 'for tools: the diagnostics as JSON'],
    ],
    [[0, 'the spec is valid (warnings may have been printed)'], [1, "the spec has errors, or the output folder is another fleet's"], ...COMMON_EXIT_CODES],
  );
}
