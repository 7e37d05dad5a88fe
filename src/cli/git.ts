import { execFileSync } from 'node:child_process';
import { LIMITS } from '../phases/1-load/limits.js';

/** Runs git with these arguments (and, with `input`, that on its stdin); its stdout. Throws when git fails. */
export type Git = ((...args: string[]) => Buffer) & {
  withInput(input: string, ...args: string[]): Buffer;
  /** The same, for an answer of up to `maxBytes` (the default allows twice the largest spec file). */
  large(maxBytes: number, input: string | undefined, ...args: string[]): Buffer;
};

/** git in the repository at (or above) `cwd`. */
export function gitIn(cwd: string): Git {
  const options = { cwd, stdio: ['ignore', 'pipe', 'pipe'] as ('ignore' | 'pipe')[], maxBuffer: 2 * LIMITS.maxFileBytes };
  const git = (...args: string[]) => execFileSync('git', args, options);
  return Object.assign(git, {
    withInput: (input: string, ...args: string[]) => execFileSync('git', args, { ...options, stdio: 'pipe', input }),
    large: (maxBytes: number, input: string | undefined, ...args: string[]) =>
      execFileSync('git', args, { ...options, maxBuffer: Math.max(maxBytes, options.maxBuffer), ...(input === undefined ? {} : { stdio: 'pipe', input }) }),
  });
}
