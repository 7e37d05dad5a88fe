import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler.js';
import { formatDiagnostics } from '../../src/diagnostics/format.js';
import { ROOT } from '../helpers/trees.js';

/**
 * Every fleet spec shown in README.md and docs/*.md is valid, so a reader can copy it. The
 * convention, for whoever writes docs:
 *
 * - A fenced block that sets `apiVersion: fleet/v1alpha1` and `metadata:` is a whole spec: it must
 *   compile with no errors, placement included (as `fleet validate` does).
 * - Any other ```yaml block is a fragment of a spec: its top-level keys are spec sections. It is read
 *   as one more document of a minimal spec (the `apiVersion`/`kind` header added when missing) and
 *   must have no YAML or schema error: every field exists and has the right type. Reference checks
 *   (an app named that no fragment defines) and missing required fields are not asked of a fragment.
 * - `<!-- spec-fragment: SECTION -->` on the line before a block: the block is part of one entry of
 *   the list `SECTION` (e.g. a placement rule's `spread`), checked as a fragment inside that entry.
 * - `<!-- not-a-spec -->` (with any reason after it) on the line before a block: not fleet's YAML
 *   (a Flux Kustomization, a CI workflow); not checked.
 */

interface Block {
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: string;
  readonly text: string;
  /** The HTML comment on the line before the fence, if any. */
  readonly marker?: string;
}

const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
].sort();

function fencedBlocks(file: string): Block[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    const before = lines
      .slice(0, i)
      .reverse()
      .find((l) => l.trim() !== '');
    const marker = before && /^<!--\s*((?:not-a-spec|spec-fragment)[^>]*?)\s*-->$/.exec(before.trim())?.[1];
    blocks.push({ file, line: i + 1, lang: open[1], text: `${lines.slice(i + 1, end).join('\n')}\n`, ...(marker ? { marker } : {}) });
    i = end;
  }
  return blocks;
}

const allBlocks = DOCS.flatMap(fencedBlocks);
const isWholeSpec = (b: Block) => /^apiVersion: fleet\/v1alpha1$/m.test(b.text) && /^metadata:/m.test(b.text);
const isYaml = (b: Block) => b.lang === 'yaml' || b.lang === 'yml';
const wholeSpecs = allBlocks.filter((b) => !b.marker?.startsWith('not-a-spec') && isWholeSpec(b));
const fragments = allBlocks.filter((b) => isYaml(b) && !b.marker?.startsWith('not-a-spec') && !isWholeSpec(b));

const HEADER = 'apiVersion: fleet/v1alpha1\nkind: Fleet\n';
/** What a fragment is merged into: a spec with a name and nothing else. */
const MINIMAL = `${HEADER}metadata: { name: docs }\n`;

/** A fragment as a spec document: inside one entry of `section` when given, with the header when missing. */
function asDocument(block: Block): string {
  const section = /^spec-fragment:\s*(\w+)$/.exec(block.marker ?? '')?.[1];
  const body = section ? `${section}:\n  - ${block.text.trimEnd().split('\n').join('\n    ')}\n` : block.text;
  return /^apiVersion:/m.test(body) ? body : `${HEADER}${body}`;
}

const where = (b: Block) => `${b.file}:${b.line}`;

describe('spec snippets in README.md and docs/', () => {
  it('finds the specs and fragments the docs show', () => {
    expect(wholeSpecs.map((b) => b.file)).toContain('README.md');
    expect(fragments.length).toBeGreaterThanOrEqual(5);
  });

  it.each(wholeSpecs.map((b) => [where(b), b] as const))('%s is a valid spec', (_, block) => {
    // Blank lines in front, so a diagnostic's line is the line in the Markdown file.
    const text = `${'\n'.repeat(block.line)}${block.text}`;
    const result = compile([{ path: block.file, name: 'fleet-spec.yaml', text }], { renderOutput: false });
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    expect(formatDiagnostics(errors, new Map([[block.file, text]]))).toBe('');
  });

  it.each(fragments.map((b) => [where(b), b] as const))('%s is a well-formed spec fragment', (_, block) => {
    const text = asDocument(block);
    const files = [
      { path: 'minimal.yaml', name: 'minimal.yaml', text: MINIMAL },
      { path: where(block), name: 'fragment.yaml', text },
    ];
    const result = compile(files, { renderOutput: false });
    const shapeErrors = result.diagnostics.filter((d) => d.severity === 'error' && /^(yaml|schema)_/.test(d.code) && d.code !== 'schema_missing_field');
    expect(formatDiagnostics(shapeErrors, new Map([[where(block), text]]))).toBe('');
  });

  it('checks fragments for what they are: a wrong field in one fails', () => {
    const block: Block = { file: 'x.md', line: 1, lang: 'yaml', text: 'spread: [{ by: region, minGroup: 2 }]\n', marker: 'spec-fragment: placement' };
    const result = compile(
      [
        { path: 'm.yaml', name: 'm.yaml', text: MINIMAL },
        { path: 'f.yaml', name: 'f.yaml', text: asDocument(block) },
      ],
      { renderOutput: false },
    );
    expect(result.diagnostics.map((d) => d.code)).toContain('schema_unknown_field');
  });
});
