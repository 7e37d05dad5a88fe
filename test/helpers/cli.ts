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

/**
 * `fleet ...args` in this process, run in `cwd` with the synth cache's variables (FLEET_CACHE,
 * FLEET_CACHE_DIR) unset and `env` set over them; the working directory and environment are put
 * back after.
 */
export async function fleetCliIn(cwd: string, env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const keys = ['FLEET_CACHE', 'FLEET_CACHE_DIR', ...Object.keys(env)];
  const saved = new Map(keys.map((key) => [key, process.env[key]]));
  const home = process.cwd();
  for (const key of keys) delete process.env[key];
  Object.assign(process.env, env);
  process.chdir(cwd);
  try {
    return await fleetCli(...args);
  } finally {
    process.chdir(home);
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}
