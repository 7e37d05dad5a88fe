import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { fleetCli } from '../helpers/cli.js';
import { readSpecFiles } from '../../src/cli/spec-files.js';
import { compile } from '../../src/compiler.js';
import { committedFleets, ROOT } from '../helpers/trees.js';

/**
 * Random edits of the committed specs (deleted, duplicated, swapped and truncated lines, stray
 * characters): fleet never throws, and every problem it reports points into the spec.
 */
const ORIGINAL = readFileSync(join(ROOT, 'policies/fleet-spec.yaml'), 'utf8');
const LINES = ORIGINAL.split('\n');
const NOISE = [':', '-', '[', ']', '{', '}', '"', "'", ' ', '\t', '&a', '*a', '!x', '#', '0', 'a', '\n', '__proto__: 1', 'true', '~', '%'];

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), line: fc.nat(LINES.length - 1) }),
  fc.record({ kind: fc.constant('duplicate' as const), line: fc.nat(LINES.length - 1) }),
  fc.record({ kind: fc.constant('swap' as const), line: fc.nat(LINES.length - 1), other: fc.nat(LINES.length - 1) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(ORIGINAL.length), text: fc.constantFrom(...NOISE) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(ORIGINAL.length) }),
);

type Edit = { kind: string; line?: number; other?: number; at?: number; text?: string };

function apply(text: string, edits: readonly Edit[]): string {
  let out = text;
  for (const edit of edits) {
    const lines = out.split('\n');
    const line = (edit.line ?? 0) % lines.length;
    if (edit.kind === 'delete') lines.splice(line, 1);
    if (edit.kind === 'duplicate') lines.splice(line, 0, lines[line]);
    if (edit.kind === 'swap') {
      const other = (edit.other ?? 0) % lines.length;
      [lines[line], lines[other]] = [lines[other], lines[line]];
    }
    out = lines.join('\n');
    const at = (edit.at ?? 0) % (out.length + 1);
    if (edit.kind === 'insert') out = out.slice(0, at) + edit.text + out.slice(at);
    if (edit.kind === 'truncate') out = out.slice(0, at);
  }
  return out;
}

/** Every committed fleet's spec files (the default fleet's and each example's), and its apps' manifests. */
const FLEETS = committedFleets().map((fleet) => readSpecFiles(join(ROOT, fleet.spec)));

it('never throws on mutated specs; every diagnostic is located', () => {
  fc.assert(
    // One file of one committed fleet mutated, the fleet's other files as they are.
    fc.property(fc.nat(), fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 4 }), (fleet, file, edits) => {
      const { files, manifests } = FLEETS[fleet % FLEETS.length];
      const mutated = files.map((f, i) => (i === file % files.length ? { ...f, text: apply(f.text, edits) } : f));
      const result = compile(mutated, { renderOutput: false, manifests });
      for (const d of result.diagnostics) {
        expect(d.span, `${d.code}: ${d.message}`).toBeDefined();
        expect(d.code).toMatch(/^[a-z]+(_[a-z0-9]+)+$/);
      }
    }),
    { seed: 1337, numRuns: 400 },
  );
});

it('the CLI answers mutated specs with exit 0 or 1, never a stack trace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-mutate-'));
  try {
    const samples = fc.sample(fc.array(mutation, { minLength: 1, maxLength: 3 }), { seed: 7, numRuns: 8 });
    for (const edits of samples) {
      const spec = join(dir, 'fleet-spec.yaml');
      writeFileSync(spec, apply(ORIGINAL, edits));
      // The program bin/fleet.js runs, inside the same guard that turns a throw into exit 3 and "internal error".
      const result = await fleetCli('synth', spec, '--out', join(dir, 'out'));
      expect([0, 1], result.stderr).toContain(result.code);
      expect(result.stderr).not.toMatch(/internal error|\n\s+at \S+ \(/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
