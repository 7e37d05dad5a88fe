import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../helpers/trees.js';

/** Every diagnostic code fleet can print is documented in docs/diagnostics.md, with its fix. */
it('docs/diagnostics.md lists every diagnostic code', () => {
  const sources: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else if (entry.name.endsWith('.ts')) sources.push(readFileSync(join(dir, entry.name), 'utf8'));
    }
  };
  walk(join(ROOT, 'src'));
  const codes = new Set(sources.flatMap((text) => [...text.matchAll(/(?<=['"`]|error )((?:yaml|schema|spec|placement|traffic|emit|render|diff)_[a-z0-9_]+)(?=['"`:])/g)].map((m) => m[1])));
  expect(codes.size).toBeGreaterThan(30);
  const documented = readFileSync(join(ROOT, 'docs/diagnostics.md'), 'utf8');
  const missing = [...codes].filter((code) => !documented.includes(`\`${code}\``)).sort();
  expect(missing, 'document these codes in docs/diagnostics.md').toEqual([]);
});
