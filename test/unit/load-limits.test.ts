import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { isMap, isSeq, parseAllDocuments, visit } from 'yaml';
import { readRegularFile } from '../../src/cli/regular-file.js';
import { decodeSpecFile } from '../../src/cli/spec-files.js';
import { formatDiagnostics } from '../../src/diagnostics/format.js';
import { DiagnosticBag } from '../../src/diagnostics/diagnostic.js';
import { readBlockYaml } from '../../src/phases/1-load/block-yaml.js';
import { load } from '../../src/phases/1-load/index.js';
import { findExcessiveNesting } from '../../src/phases/1-load/prescan.js';
import { keyProblems } from '../../src/phases/1-load/yaml-problems.js';
import { codesAt, compileText, MINIMAL_SPEC } from '../helpers/spec.js';

/** Issue 18, the input half: hostile YAML is refused quickly, each refusal at its place. */
const scratch = mkdtempSync(join(tmpdir(), 'fleet-load-limits-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Loads one file's text; its diagnostics as CODE@line:col. */
function loadCodes(text: string): string[] {
  const bag = new DiagnosticBag();
  load([{ path: 'f.yaml', name: 'f.yaml', text }], bag);
  return codesAt(bag.sorted());
}

/** A spec whose app has `keys` labels, in a flow mapping over several lines (so the fast reader leaves it to `yaml`). */
function manyLabels(keys: number): string {
  return MINIMAL_SPEC.replace('    replicas: 2\n', `    replicas: 2\n    labels: {${Array.from({ length: keys }, (_, i) => `k${i}: v`).join(',\n      ')}}\n`);
}

/** The best of two timed runs of `run`, in ms, and what the last run returned. */
function fastest<T>(run: () => T): { ms: number; result: T } {
  let ms = Number.POSITIVE_INFINITY;
  let result!: T;
  for (let i = 0; i < 2; i++) {
    const started = performance.now();
    result = run();
    ms = Math.min(ms, performance.now() - started);
  }
  return { ms, result };
}

describe('large mappings', () => {
  it('loads in linear time: sixteen times the keys take about sixteen times as long, not 256', () => {
    // With yaml's own uniqueKeys check the time grew with the square of the keys (50,000 keys: 14 s, 100,000: 68 s).
    const [smallText, largeText] = [manyLabels(2_000), manyLabels(32_000)];
    expect(readBlockYaml(largeText)).toBeUndefined(); // what is timed is `yaml` and fleet's checks of what it parsed
    const small = fastest(() => loadCodes(smallText));
    const large = fastest(() => loadCodes(largeText));
    expect(large.ms / small.ms).toBeLessThan(48);
    // Both were loaded whole, not refused early.
    expect(small.result).toEqual([]);
    expect(large.result).toEqual([]);
  });

  it('finds duplicate keys exactly where yaml’s own (quadratic) check does', () => {
    const key = fc.constantFrom('a', 'b', '1', '"1"', "'a'", 'null', '~', '.nan', 'true', '[x]', '0x1', '01');
    fc.assert(
      fc.property(fc.array(key, { minLength: 1, maxLength: 6 }), (keys) => {
        const text = `m: {${keys.map((k, i) => `${k}: ${i}`).join(', ')}}\n`;
        const [ours] = parseAllDocuments(text, { uniqueKeys: false });
        const [theirs] = parseAllDocuments(text, { uniqueKeys: true });
        const duplicates = keyProblems(ours)
          .filter((p) => p.code === 'yaml_duplicate_key')
          .map((p) => p.at[0]);
        // yaml reports at the key's first character, fleet underlines the key: the same offset.
        expect(duplicates).toEqual(theirs.errors.filter((e) => e.code === 'DUPLICATE_KEY').map((e) => e.pos[0]));
      }),
    );
  });

  it('reports a duplicate key at the key, with the first one as a note', () => {
    const result = compileText(MINIMAL_SPEC.replace('    replicas: 2\n', '    replicas: 2\n    replicas: 3\n'));
    expect(codesAt(result.diagnostics)).toEqual(['yaml_duplicate_key@16:5']);
    expect(result.diagnostics[0].related?.[0].span.start).toEqual({ line: 15, col: 5 });
  });

  it('refuses mapping keys that are collections, before yaml stringifies them (256 nested `? ` took 12 s)', () => {
    const started = performance.now();
    expect(loadCodes(`${'? '.repeat(120)}x\n`)).toEqual(['yaml_collection_key@1:3']);
    expect(loadCodes('? [a, b]\n: 1\n')).toEqual(['yaml_collection_key@1:3']);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('tags', () => {
  it.each([
    ['!!omap', 'env: !!omap\n  - A: "1"\n'],
    ['!!set', 'labels: !!set\n  ? a\n'],
    ['!!pairs', 'env: !!pairs\n  - A: "1"\n'],
    ['!!binary', 'image: !!binary aGk=\n'],
    ['!!timestamp', 'image: !!timestamp 2001-01-01\n'],
    ['!custom', 'image: !custom x\n'],
  ])('refuses %s at its line instead of dropping the content', (tag, field) => {
    const text = `apiVersion: fleet/v1alpha1\nkind: Fleet\n${field}`;
    const bag = new DiagnosticBag();
    load([{ path: 'f.yaml', name: 'f.yaml', text }], bag);
    expect(codesAt(bag.sorted())).toEqual([`yaml_unknown_tag@3:${field.indexOf('!') + 1}`]);
    expect(bag.sorted()[0].message).toContain(`\`${tag}\``);
  });

  it('accepts the core tags', () => {
    expect(loadCodes('apiVersion: !!str fleet/v1alpha1\nkind: Fleet\nx: !!int "3"\ny: !!map {a: !!seq [1]}\n')).toEqual([]);
  });

  it('does not also call a file whose only document has an unknown tag empty', () => {
    expect(loadCodes('!fleet\napiVersion: fleet/v1alpha1\n')).toEqual(['yaml_unknown_tag@1:1']);
  });
});

describe('nesting', () => {
  it('is not fooled by a quote inside a plain scalar (`a"b`, then a million `[`)', () => {
    const text = `a: a"b\nc: ${'['.repeat(1_000_000)}`;
    const started = performance.now();
    expect(loadCodes(text)).toEqual(['yaml_too_deep@2:68']);
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  it('is not fooled by closing brackets inside strings (`[ !!str "]", ` repeated)', () => {
    expect(findExcessiveNesting(`a: ${'[ !!str "]", '.repeat(100)}`)).toBeDefined();
  });

  it('does not count brackets inside quoted or block scalars, and points at the bracket too deep', () => {
    expect(findExcessiveNesting(`a: "${'['.repeat(10)}"\nb: '${'{'.repeat(10)}'\nc: |\n  ${'['.repeat(10)}\n`, 3)).toBeUndefined();
    const text = `a: "[[["\nb: [[[[1]]]]\n`;
    const at = findExcessiveNesting(text, 3)!;
    expect(text.slice(at, at + 5)).toBe('[1]]]');
  });

  it('agrees with yaml on every small text: whenever yaml nests flow collections deeper than the limit, the prescan says so', () => {
    const piece = fc.constantFrom('[', ']', '{', '}', '"', "'", ',', ' ', '\n', '#', 'a', ':', '- ', '|', '!!str ', '\\');
    let deepTexts = 0;
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const text = pieces.join('');
        let deepest = 0;
        for (const doc of parseAllDocuments(text)) {
          // Collections written with a bracket (yaml also wraps `a: b` inside `[...]` in an implicit mapping, which no bracket opens).
          const bracketed = (node: unknown) =>
            (isSeq(node) && text[node.range?.[0] ?? -1] === '[') || (isMap(node) && text[node.range?.[0] ?? -1] === '{' && (node.items[0]?.key as { range?: number[] } | undefined)?.range?.[0] !== node.range?.[0]);
          visit(doc, (_key, node, path) => {
            if (!bracketed(node)) return;
            deepest = Math.max(deepest, 1 + path.filter(bracketed).length);
          });
        }
        if (deepest > 3) {
          deepTexts++;
          expect(findExcessiveNesting(text, 3), text).toBeDefined();
        }
      }),
      { seed: 20261207, numRuns: 2_000 },
    );
    // The property is only worth its deep texts: the seed makes sure there are some.
    expect(deepTexts).toBeGreaterThan(0);
  });
});

describe('diagnostics quality', () => {
  it('points an alias bomb at the alias that goes over the limit, not at 1:1', () => {
    const bomb = `${MINIMAL_SPEC}x: &a [1,1,1,1,1,1,1,1,1,1]\ny: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nz: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nw: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n`;
    const [diagnostic] = compileText(bomb).diagnostics;
    expect(diagnostic.code).toBe('yaml_alias_limit');
    expect(diagnostic.span!.start.line).toBeGreaterThan(19);
    expect(bomb.slice(diagnostic.span!.offset[0], diagnostic.span!.offset[0] + 1)).toBe('*');
  });

  it('gives a positive column for a bad byte at the start of a file, and names UTF-16 and NUL bytes', () => {
    const at = (bytes: number[]) => decodeSpecFile('f.yaml', 'f.yaml', Buffer.from(bytes));
    const latin1 = at([0xe9, 0x0a, 0x61, 0x0a]);
    expect('span' in latin1 && latin1.span?.start).toEqual({ line: 1, col: 1 });
    const utf16 = at([0xff, 0xfe, 0x61, 0x00, 0x0a, 0x00]);
    expect('message' in utf16 && utf16.message).toContain('UTF-16LE');
    expect('span' in utf16 && utf16.span?.start).toEqual({ line: 1, col: 1 });
    const nul = at([0x61, 0x3a, 0x20, 0x00, 0x0a]);
    expect('message' in nul && [nul.message, nul.span?.start]).toEqual([expect.stringContaining('NUL'), { line: 1, col: 4 }]);
  });

  it('locates yaml_too_large at the file', () => {
    const text = `# ${'x'.repeat(32 * 1024 * 1024)}\n`;
    expect(loadCodes(text)).toEqual(['yaml_too_large@1:1']);
  });

  it('never prints control characters from the spec: NUL and escape sequences become their pictures, carets stay aligned', () => {
    const text = 'name: "a\x00b\x1b[31m"\n';
    const printed = formatDiagnostics(
      [{ code: 'yaml_syntax', severity: 'error', message: 'bad `a\x00b\x1b[31m`\nsecond line', span: { file: 'f.yaml', start: { line: 1, col: 10 }, end: { line: 1, col: 11 }, offset: [9, 10] } }],
      new Map([['f.yaml', text]]),
    );
    expect(printed).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(printed).toContain('bad `a␀b␛[31m`␤second line');
    const [, frame, carets] = printed.split('\n');
    expect(frame.indexOf('b␛')).toBe(carets.indexOf('^'));
  });
});

describe('readRegularFile', () => {
  it('never opens a FIFO for reading, nor reads a device or a huge file without end', () => {
    const fifo = join(scratch, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    expect(readRegularFile(fifo, 100)).toEqual({ notRegular: 'a FIFO (named pipe)' });
    expect(readRegularFile('/dev/zero', 100)).toEqual({ notRegular: 'a character device' });
    const file = join(scratch, 'big.yaml');
    writeFileSync(file, 'x'.repeat(101));
    expect(readRegularFile(file, 100)).toEqual({ tooLarge: true });
    writeFileSync(file, 'x'.repeat(100));
    expect('bytes' in readRegularFile(file, 100) && readRegularFile(file, 100)).toEqual({ bytes: Buffer.from('x'.repeat(100)) });
  });

  it('reports a refusal by the system as a read of that file', () => {
    expect(() => readRegularFile(join(scratch, 'missing.yaml'), 100)).toThrow(expect.objectContaining({ code: 'ENOENT', syscall: 'read' }));
  });
});
