import * as fs from 'node:fs';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { report } from '../../src/cli/guard.js';
import { outputOf, writeTree, type Output } from '../../src/cli/output-folder.js';
import { GENERATED_MARK, LOCK_FILE } from '../../src/phases/6-emit/index.js';

// renameSync made to fail on demand: a rename the machine refuses in the middle of the swap.
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  return { ...real, renameSync: vi.fn(real.renameSync) };
});
const realRename = (await vi.importActual<typeof import('node:fs')>('node:fs')).renameSync;

const folders: string[] = [];
afterEach(() => {
  vi.mocked(fs.renameSync).mockImplementation(realRename);
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});
function outDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-half-swap-'));
  folders.push(dir);
  return join(dir, 'out');
}
function tree(version: string): Map<string, string> {
  const files = ['a/one.yaml', 'b/two.yaml'].map((path): [string, string] => [path, `${GENERATED_MARK}. DO NOT EDIT.\n${version}\n`]);
  return new Map([...files, [LOCK_FILE, JSON.stringify({ generator: 'fleet', lockVersion: 1, fleet: 't', placement: [], files: {}, version })]]);
}
const refused = (path: string) => Object.assign(new Error(`EACCES: permission denied, rename '${path}'`), { code: 'EACCES', syscall: 'rename', path });

describe('a write the machine refuses', () => {
  it('during the swap: says the truth (some entries new, some old) and the next run finishes the swap', () => {
    const out = outDir();
    writeTree(out, tree('1'));
    vi.mocked(fs.renameSync).mockImplementation((from, to) => {
      if (String(from).includes('.fleet-staging-') && String(from).endsWith('/b')) throw refused(String(from));
      realRename(from, to);
    });
    let printed = '';
    let thrown: unknown;
    try {
      writeTree(out, tree('2'));
    } catch (error) {
      thrown = error;
    }
    expect(report(thrown, (text) => (printed += text))).toBe(4);
    expect(printed).toContain(`fleet: error: cannot rename ${out}.fleet-staging-${process.pid}/b: permission denied (EACCES)`);
    expect(printed).toContain(`help: the swap into ${out}/ was cut short: some of its top-level folders are this run's and the others the previous run's`);
    expect(printed).toContain(`it finishes the swap from its journal (${out}.fleet-staging-${process.pid}/.fleet-swap.json)`);
    expect(readFileSync(join(out, 'a/one.yaml'), 'utf8')).toContain('2\n'); // half: `a` swapped in, `b` set aside

    vi.mocked(fs.renameSync).mockImplementation(realRename);
    writeTree(out, tree('2'));
    expect(readFileSync(join(out, 'b/two.yaml'), 'utf8')).toContain('2\n');
    expect(readdirSync(join(out, '..'))).toEqual(['out']);
  });

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
