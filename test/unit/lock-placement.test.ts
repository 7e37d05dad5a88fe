import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSpecFiles } from '../../src/cli/spec-files.js';
import { compile } from '../../src/compiler.js';
import { LOCK_FILE, lockPlacement, parseLock } from '../../src/phases/6-emit/index.js';
import { ROOT } from '../helpers/trees.js';

/** lockPlacement reads a lock's placement without its file list: it must read what parseLock reads, whatever the layout. */
describe('lockPlacement', () => {
  const { files, manifests } = readSpecFiles(join(ROOT, 'policies'));
  const lock = compile(files, { manifests }).tree!.get(LOCK_FILE)!;

  it('reads the placement of a lock as fleet writes it, without parsing the file list', () => {
    expect(parseLock(lock)!.placement.length).toBeGreaterThan(0);
    expect(lockPlacement(lock)).toEqual(parseLock(lock)!.placement);
    // The file list is not parsed: a flaw in it does not stop the placement being read.
    const flawedFiles = lock.replace(/("files": \{\n\s+"[^"]+": )"/, '$1');
    expect(parseLock(flawedFiles)).toBeUndefined();
    expect(lockPlacement(flawedFiles)).toEqual(parseLock(lock)!.placement);
  });

  it('reads a lock laid out otherwise whole, and nothing from what is not a fleet lock', () => {
    const parsed = JSON.parse(lock) as Record<string, unknown>;
    const filesFirst = JSON.stringify({ files: parsed.files, generator: 'fleet', lockVersion: 1, fleet: parsed.fleet, placement: parsed.placement });
    expect(lockPlacement(filesFirst)).toEqual(parseLock(lock)!.placement);
    expect(lockPlacement(JSON.stringify(parsed))).toEqual(parseLock(lock)!.placement);
    expect(lockPlacement(lock.replace('"generator": "fleet"', '"generator": "other"'))).toBeUndefined();
    expect(lockPlacement('{ "not": "json"')).toBeUndefined();
    expect(lockPlacement(undefined)).toBeUndefined();
  });
});
