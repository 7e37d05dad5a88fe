import fs, { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { report } from '../../src/cli/guard.js';
import { outputOf, writeTree, type Output } from '../../src/cli/output-folder.js';
import { GENERATED_MARK, LOCK_FILE } from '../../src/phases/6-emit/index.js';

// renameSync made to fail on demand: a rename the machine refuses in the middle of the swap. Set on
// node:fs itself and synced into its ES module's exports (module.syncBuiltinESMExports), which is
// what fleet's `import { renameSync } from 'node:fs'` reads; put back after each test, as this
// file shares its worker with others.
const realRename = fs.renameSync;
function renameWith(rename: typeof fs.renameSync): void {
  fs.renameSync = rename;
  syncBuiltinESMExports();
}

const folders: string[] = [];
afterEach(() => {
  renameWith(realRename);
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});
function outDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-half-swap-'));
  folders.push(dir);
  return join(dir, 'out');
}
function tree(version: string): Map<string, string> {
  const files = ['a/one.yaml', 'b/two.yaml', 'c/three.yaml', 'c/four.yaml'].map((path): [string, string] => [path, `${GENERATED_MARK}. DO NOT EDIT.\n${version}\n`]);
  return new Map([...files, [LOCK_FILE, JSON.stringify({ generator: 'fleet', lockVersion: 1, fleet: 't', placement: [], files: {}, version })]]);
}
const refused = (path: string) => Object.assign(new Error(`EACCES: permission denied, rename '${path}'`), { code: 'EACCES', syscall: 'rename', path });

describe('a write the machine refuses', () => {
  /** Version 2 of tree(): with `b` given a file more and `c/three.yaml` gone, `c` is swapped whole (a file is removed from it); `a` and `b` change in place. */
  function tree2(): Map<string, string> {
    const next = tree('2');
    next.set('b/extra.yaml', `${GENERATED_MARK}. DO NOT EDIT.\n2\n`);
    next.delete('c/three.yaml');
    return next;
  }

  for (const [kind, refusedFrom] of [
    ['a folder swapped whole', '/c'],
    ['a file renamed into place', '/b/two.yaml'],
  ] as const) {
    it(`during the swap (${kind}): says the truth (some new, some old) and the next run finishes the swap`, () => {
      const out = outDir();
      writeTree(out, tree('1'));
      renameWith((from, to) => {
        if (String(from).includes('.fleet-staging-') && String(from).endsWith(refusedFrom)) throw refused(String(from));
        realRename(from, to);
      });
      let printed = '';
      let thrown: unknown;
      try {
        writeTree(out, tree2());
      } catch (error) {
        thrown = error;
      }
      expect(report(thrown, (text) => (printed += text))).toBe(4);
      expect(printed).toContain(`fleet: error: cannot rename ${out}.fleet-staging-${process.pid}${refusedFrom}: permission denied (EACCES)`);
      expect(printed).toContain(`help: the swap into ${out}/ was cut short: some of the folders and files it replaces are this run's and the others the previous run's`);
      expect(printed).toContain(`it finishes the swap from its journal (${out}.fleet-staging-${process.pid}/.fleet-swap.json)`);
      expect(readFileSync(join(out, 'a/one.yaml'), 'utf8')).toContain('2\n'); // half: `a` renamed into place, the refused one not

      renameWith(realRename);
      writeTree(out, tree2());
      expect(readFileSync(join(out, 'b/two.yaml'), 'utf8')).toContain('2\n');
      expect(readFileSync(join(out, 'b/extra.yaml'), 'utf8')).toContain('2\n');
      expect(readdirSync(join(out, 'c')).sort()).toEqual(['four.yaml']);
      expect(readdirSync(join(out, '..'))).toEqual(['out']);
    });
  }

  it('before the journal: the output folder is as it was, and the staging folder is gone', () => {
    const out = outDir();
    writeTree(out, tree('1'));
    const full = outputOf(tree('2'));
    const failing: Output = {
      hashes: full.hashes,
      carried: full.carried,
      write: (dir) => {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write', path: join(dir, 'a/one.yaml') });
      },
    };
    let printed = '';
    expect(() => writeTree(out, failing)).toThrow('ENOSPC');
    try {
      writeTree(out, failing);
    } catch (error) {
      expect(report(error, (text) => (printed += text))).toBe(4);
    }
    expect(printed).toBe(
      `fleet: error: cannot write ${out}.fleet-staging-${process.pid}/a/one.yaml: no space left on the device (ENOSPC)\n  help: ${out}/ keeps what it held before this run: nothing in it was changed\n`,
    );
    expect(readFileSync(join(out, 'a/one.yaml'), 'utf8')).toContain('1\n');
    expect(readdirSync(join(out, '..'))).toEqual(['out']);
  });
});
