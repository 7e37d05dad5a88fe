import { EXIT } from './io.js';

/**
 * Runs the CLI and turns anything thrown into the "this is a bug" report with exit 3. User
 * mistakes never get here: they are diagnostics (exit 1) or usage errors (exit 2).
 */
export async function guarded(run: () => Promise<number>, err: (text: string) => void): Promise<number> {
  try {
    return await run();
  } catch (error) {
    const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
    err(`fleet: internal error: this is a bug in fleet, not in your spec.\nPlease report it with the spec that triggered it.\n\n${stack}\n`);
    return EXIT.internal;
  }
}
