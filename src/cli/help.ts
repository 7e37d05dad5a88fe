import type { Command } from 'commander';

/**
 * The end of each command's `--help`: examples, then its exit codes (docs/cli.md lists the same).
 * Examples are `[command line, what it does]`.
 */
export function withHelp(command: Command, examples: readonly (readonly [string, string])[], exitCodes: readonly (readonly [number, string])[]): Command {
  const width = Math.max(...examples.map(([line]) => line.length));
  const text = [
    '',
    'Examples:',
    ...examples.map(([line, what]) => `  ${line.padEnd(width)}  # ${what}`),
    '',
    'Exit codes:',
    ...exitCodes.map(([code, meaning]) => `  ${code}  ${meaning}`),
    '',
    'SPEC defaults to policies/. The output folder defaults to out/ beside the spec (policies/ -> out/,',
    'examples/x/fleet-spec.yaml -> examples/x/out/); --out overrides it. Details: docs/cli.md',
  ].join('\n');
  return command.addHelpText('after', `${text}\n`);
}

/** Exit codes every command shares after its own 0 and 1 (docs/cli.md). */
export const COMMON_EXIT_CODES = [
  [2, 'usage: unknown option, bad option value, no spec at the path, an output folder that holds the spec'],
  [3, 'internal error: a bug in fleet (the stack is printed)'],
  [4, 'the machine refused a read or write (disk full, no permission), with the file named'],
] as const;

export const OUT_OPTION_HELP = "output folder (default: out/ beside the spec); its fleet.lock.json, when it is this fleet's, holds the previous placement";
export const QUIET_OPTION_HELP = 'print only errors: no warnings, notes, summary line or progress';
