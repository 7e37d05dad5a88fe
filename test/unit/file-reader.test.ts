import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileReader } from '../../src/cli/file-reader.js';

describe('FileReader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-file-reader-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads each file whole, as readFileSync does, through one buffer grown for the largest', () => {
    const reader = new FileReader();
    // Empty, small, exactly the first buffer's size, larger than it (grown twice), then small again.
    const sizes = [0, 10, 64 * 1024, 200_000, 5];
    sizes.forEach((size, i) => writeFileSync(join(dir, `f${i}`), Buffer.from(Array.from({ length: size }, (_, k) => (k * 7 + i) % 256))));
    sizes.forEach((_, i) => {
      const path = join(dir, `f${i}`);
      expect(reader.read(path).equals(readFileSync(path))).toBe(true);
    });
  });

  it('throws as readFileSync does for a file that is not there', () => {
    expect(() => new FileReader().read(join(dir, 'missing'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
