import { describe, expect, it } from 'vitest';
import { guarded } from '../../src/cli/guard.js';
import { run } from '../../src/cli/program.js';

describe('internal errors', () => {
  it('reports a failure inside fleet as a bug, with the stack, and exit 3', async () => {
    let printed = '';
    // An output stream that fails mid-command stands in for any bug below the CLI.
    const brokenIo = {
      out: () => {
        throw new TypeError('stdout went away');
      },
      err: (text: string) => {
        printed += text;
      },
    };
    const code = await guarded(() => run(['plan', 'policies'], brokenIo), brokenIo.err);
    expect(code).toBe(3);
    expect(printed).toMatch(/^fleet: internal error: this is a bug in fleet/);
    expect(printed).toMatch(/TypeError: stdout went away\n\s+at /);
  });

  it('passes exit codes of normal runs through', async () => {
    const io = { out: () => {}, err: () => {} };
    expect(await guarded(() => run(['validate', 'policies'], io), io.err)).toBe(0);
    expect(await guarded(() => run(['no-such-command'], io), io.err)).toBe(2);
  });
});
