import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler.js';
import { formatDiagnostics } from '../../src/diagnostics/format.js';
import type { SpecFile } from '../../src/phases/1-load/index.js';

/**
 * One folder per case: `fleet-spec.yaml` (or a `spec/` folder of files), and `expected.txt`, the
 * exact diagnostics fleet prints. Every case must produce located diagnostics (errors or warnings).
 * Refresh expectations with UPDATE_GOLDEN=1 (never in CI).
 */
const CASES = new URL('./cases/', import.meta.url).pathname;
const update = process.env.UPDATE_GOLDEN === '1' && !process.env.CI;

function readCase(dir: string): SpecFile[] {
  const folder = join(dir, 'spec');
  if (!existsSync(folder)) return [{ path: 'fleet-spec.yaml', name: 'fleet-spec.yaml', text: readFileSync(join(dir, 'fleet-spec.yaml'), 'utf8') }];
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
  return walk(folder).map((p) => ({ path: relative(dir, p), name: relative(folder, p), text: readFileSync(p, 'utf8') }));
}

describe('diagnostics corpus', () => {
  for (const name of readdirSync(CASES).sort()) {
    it(name, () => {
      const dir = join(CASES, name);
      const files = readCase(dir);
      // Rendered, as `fleet validate` does: some diagnostics come from checks of the output (the mesh model, patches).
      const result = compile(files);
      const printed = formatDiagnostics(result.diagnostics, new Map(files.map((f) => [f.path, f.text])));
      const expectedPath = join(dir, 'expected.txt');
      if (update) writeFileSync(expectedPath, printed);
      expect(result.diagnostics.length, 'a diagnostics case must produce a diagnostic').toBeGreaterThan(0);
      expect(
        result.diagnostics.every((d) => d.span !== undefined),
        'every diagnostic must point at the spec',
      ).toBe(true);
      expect(printed).toBe(readFileSync(expectedPath, 'utf8'));
    });
  }
});
