#!/usr/bin/env node
// The fleet CLI. `npm ci` compiles src/ to dist/ and bundles the CLI into dist/fleet-cli.js (the `prepare` script); this only starts it.
// A start that cannot even load fleet (no file handles left) says so in one line (see src/cli/guard.ts).
import('../dist/fleet-cli.js').catch((error) => {
  const handles = error?.code === 'EMFILE' || error?.code === 'ENFILE';
  process.stderr.write(handles ? `fleet: error: cannot start: too many open files (${error.code})\n` : `fleet: internal error: cannot start: ${error?.stack ?? error}\n`);
  process.exitCode = handles ? 4 : 3;
});
