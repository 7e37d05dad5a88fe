import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHUNK_CHARS, writeText } from '../../src/cli/write-text.js';

/** writeText writes the bytes writeFileSync (appendFileSync) writes, also when it writes in chunks. */
describe('writeText', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-write-text-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cases: Record<string, string> = {
    short: 'fleet: é 🚀\n',
    'ASCII, several chunks': `${'0123456789abcdef'.repeat(CHUNK_CHARS / 8)}tail\n`,
    // A pair whose high half is the last unit of a chunk, then multi-byte text across the next boundary.
    'a surrogate pair across a chunk boundary': `${'a'.repeat(CHUNK_CHARS - 1)}🚀${'é'.repeat(CHUNK_CHARS)}💡`,
    'a lone high surrogate at a chunk boundary': `${'a'.repeat(CHUNK_CHARS - 1)}\ud83dz${'b'.repeat(10)}`,
  };

  for (const [name, text] of Object.entries(cases)) {
    it(`${name}: as writeFileSync writes it, and appends`, () => {
      const path = join(dir, name.replace(/\W+/g, '-'));
      writeText(path, text);
      expect(readFileSync(path).equals(Buffer.from(text, 'utf8'))).toBe(true);
      writeText(path, text, { append: true });
      expect(readFileSync(path).equals(Buffer.from(text + text, 'utf8'))).toBe(true);
    });
  }
});
