import { guarded } from './guard.js';
import { processIo } from './io.js';
import { run } from './program.js';

/** The `fleet` binary: exit 0 ok, 1 spec errors, 2 usage, 3 a bug in fleet (see guard.ts). */
process.exitCode = await guarded(() => run(process.argv.slice(2), processIo), processIo.err);
