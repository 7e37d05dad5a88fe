import { guarded } from './guard.js';
import { outputClosedByReader, processIo } from './io.js';

/**
 * The `fleet` binary: exit 0 ok, 1 spec errors, 2 usage, 3 a bug in fleet, 4 the machine refused a
 * read or write (see guard.ts). The program is loaded inside the guard: loading opens a file per
 * module, and a process out of file handles (EMFILE) is reported in one line, exit 4.
 */
const code = await guarded(async () => (await import('./program.js')).run(process.argv.slice(2), processIo), processIo.err);
// A reader that closed the pipe early (`fleet plan | head -1`) took what it wanted: not a failure (see io.ts).
process.exitCode = outputClosedByReader() ? 0 : code;
