import { EXIT, processIo } from './io.js';
import { run } from './program.js';

/**
 * The `fleet` binary. User mistakes are diagnostics (exit 1) or usage errors (exit 2); anything
 * thrown is a bug in fleet and says so (exit 3).
 */
run(process.argv.slice(2), processIo).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`fleet: internal error: this is a bug in fleet, not in your spec.\nPlease report it with the spec that triggered it.\n\n${stack}\n`);
    process.exitCode = EXIT.internal;
  },
);
