import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { headOfCompiled, headOfOutputFolder, lockOfCompiled } from '../../src/cli/diff-head.js';
import { writeFiles } from '../../src/cli/output-folder.js';
import { readSpecFiles } from '../../src/cli/spec-files.js';
import { compile } from '../../src/compiler.js';
import { LOCK_FILE, lockPlacement, parseLock } from '../../src/phases/6-emit/index.js';
import { ROOT } from '../helpers/trees.js';

/** `fleet diff`'s head read from an output folder (after a synth the cache vouches for) is the head compiled in memory. */
describe('the head of a diff', () => {
  const { files, manifests } = readSpecFiles(join(ROOT, 'policies'));
  const result = compile(files, { manifests });
  const tree = result.tree!;
  const out = mkdtempSync(join(tmpdir(), 'fleet-diff-head-'));
  writeFiles(out, tree);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('read from the output folder has every file with the hash and text the compiled head has', () => {
    const compiled = headOfCompiled({ tree, hashes: result.hashes!, lock: lockOfCompiled(result.fleet!.name, result.plan!) });
    const folder = headOfOutputFolder(out)!;
    expect([...folder.hashes].sort()).toEqual([...compiled.hashes].sort());
    for (const path of folder.hashes.keys()) if (path !== LOCK_FILE) expect(folder.text(path), path).toBe(compiled.text(path));
  });

  it('holds the lock without its list of files, which the diff does not read, read from the folder or made from the plan', () => {
    const compiled = headOfCompiled({ tree, hashes: result.hashes!, lock: lockOfCompiled(result.fleet!.name, result.plan!) });
    for (const lock of [headOfOutputFolder(out)!.text(LOCK_FILE), compiled.text(LOCK_FILE)]) {
      expect(lockPlacement(lock)).toEqual(parseLock(tree.get(LOCK_FILE))!.placement);
      expect(parseLock(lock)!.files).toEqual({});
      expect(lock.length).toBeLessThan(tree.get(LOCK_FILE)!.length);
    }
  });

  it('is not read from a folder without a fleet lock', () => {
    const empty = mkdtempSync(join(tmpdir(), 'fleet-diff-head-'));
    try {
      expect(headOfOutputFolder(empty)).toBeUndefined();
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
