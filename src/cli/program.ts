import { Command, CommanderError } from 'commander';
import { diffCommand } from './commands/diff.js';
import { explainCommand } from './commands/explain.js';
import { planCommand } from './commands/plan.js';
import { synthCommand } from './commands/synth.js';
import { traceCommand } from './commands/trace.js';
import { validateCommand } from './commands/validate.js';
import { EXIT, type Io } from './io.js';
import { VERSION } from './version.js';

/**
 * Runs the fleet CLI with `args` (without `node` and the script) and returns the exit code.
 * Nothing here calls process.exit, so tests run the real program in-process.
 */
export async function run(args: readonly string[], io: Io): Promise<number> {
  let exitCode: number = EXIT.ok;
  const setExit = (code: number) => {
    exitCode = code;
  };
  const program = new Command('fleet')
    .description('fleet: compile one fleet spec into per-cluster Kubernetes, Istio and Calico manifests')
    .version(VERSION)
    .showSuggestionAfterError()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();
  for (const make of [synthCommand, validateCommand, planCommand, explainCommand, diffCommand, traceCommand]) {
    program.addCommand(make(io, setExit).exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err }).showSuggestionAfterError());
  }
  try {
    await program.parseAsync([...args], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // --help and --version end by "throwing" with exit code 0; everything else is a usage error.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  return exitCode;
}
