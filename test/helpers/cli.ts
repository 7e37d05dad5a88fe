import { guarded } from '../../src/cli/guard.js';
import type { Io } from '../../src/cli/io.js';
import { run } from '../../src/cli/program.js';

/**
 * The fleet CLI in this process, as bin/fleet.js runs it (src/cli/program.ts `run` inside the
 * guard that turns failures into exit codes), with what it printed: the tests read the current
 * source, not dist/, and start no process.
 */
export async function fleetCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = { out: (text) => void (stdout += text), err: (text) => void (stderr += text) };
  const code = await guarded(() => run(args, io), io.err);
  return { code, stdout, stderr };
}
