import { describe, expect, it } from 'vitest';
import { guarded, systemFailure } from '../../src/cli/guard.js';
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

  it('reports a read or write the machine refused as such, with the file and no stack, and exit 4', async () => {
    let printed = '';
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write', path: 'out.fleet-staging/na-1/kustomization.yaml' });
    const code = await guarded(
      () => Promise.reject(full),
      (text) => (printed += text),
    );
    expect(code).toBe(4);
    // Not thrown while writing the output folder: no word about its state (see half-swap.test.ts for those).
    expect(printed).toBe('fleet: error: cannot write out.fleet-staging/na-1/kustomization.yaml: no space left on the device (ENOSPC)\n');
  });

  it("takes only the machine's refusals for such: other system errors are bugs", () => {
    expect(systemFailure(Object.assign(new Error('x'), { code: 'EACCES', syscall: 'open', path: 'out' }))).toBe('fleet: error: cannot open out: permission denied (EACCES)');
    expect(systemFailure(Object.assign(new Error('x'), { code: 'ENOENT', syscall: 'open', path: 'out/x' }))).toBeUndefined(); // fleet lost track of a file: a bug
    expect(systemFailure(new TypeError('x'))).toBeUndefined();
    expect(systemFailure(undefined)).toBeUndefined();
  });

  it('passes exit codes of normal runs through', async () => {
    const io = { out: () => {}, err: () => {} };
    expect(await guarded(() => run(['validate', 'policies'], io), io.err)).toBe(0);
    expect(await guarded(() => run(['no-such-command'], io), io.err)).toBe(2);
  });
});
