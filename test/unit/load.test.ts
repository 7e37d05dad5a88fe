import { describe, expect, it } from 'vitest';
import { firstInvalidUtf8 } from '../../src/cli/spec-files.js';
import { findExcessiveNesting } from '../../src/phases/1-load/prescan.js';
import { codesAt, compileText, MINIMAL_SPEC } from '../helpers/spec.js';

describe('loading specs', () => {
  it('accepts the minimal spec', () => {
    expect(compileText(MINIMAL_SPEC).diagnostics).toEqual([]);
  });

  it('keeps __proto__ keys away from object prototypes and reports them as unknown fields', () => {
    const result = compileText(MINIMAL_SPEC.replace('    replicas: 2\n', '    replicas: 2\n    __proto__: { polluted: true }\n'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(codesAt(result.diagnostics)).toEqual(['schema_unknown_field@16:5']);
  });

  it('reports every YAML error of a file at once, each at its place', () => {
    const text = MINIMAL_SPEC.replace('    replicas: 2\n', '    replicas: 2\n    replicas: 3\n').replace('    region: r-b\n', '    region: r-b\n    region: r-c\n');
    expect(codesAt(compileText(text).diagnostics)).toEqual(['yaml_duplicate_key@11:5', 'yaml_duplicate_key@17:5']);
  });

  it('reads several documents in one file as fragments of one spec', () => {
    const [head, rest] = MINIMAL_SPEC.split('apps:\n');
    const split = `${head}---\napiVersion: fleet/v1alpha1\nkind: Fleet\napps:\n${rest}`;
    const result = compileText(split);
    expect(result.diagnostics).toEqual([]);
    expect(result.plan!.apps.map((a) => a.name)).toEqual(['web']);
  });

  it('skips an empty document after a last `---`, whichever reader reads the file', () => {
    // The second text has an anchor, which leaves it to `yaml`; the first the fast reader reads.
    for (const text of [`${MINIMAL_SPEC}---\n`, `${MINIMAL_SPEC.replace('    replicas: 2\n', '    replicas: &r 2\n')}---\n# the end\n`]) {
      expect(codesAt(compileText(text).diagnostics), text).toEqual([]);
    }
    // A document that is null on purpose is not empty: it is no fleet spec.
    expect(codesAt(compileText(`${MINIMAL_SPEC}---\n~\n`).diagnostics)).toEqual([expect.stringMatching(/^spec_not_a_mapping@/)]);
  });

  it('refuses alias bombs quickly', () => {
    const bomb = `${MINIMAL_SPEC}x: &a [1,1,1,1,1,1,1,1,1,1]\ny: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nz: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nw: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n`;
    const started = Date.now();
    expect(compileText(bomb).diagnostics.map((d) => d.code)).toEqual(['yaml_alias_limit']);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('finds nesting deeper than the limit before the parser sees it', () => {
    expect(findExcessiveNesting('a: [[[1]]]\n', 3)).toBe(undefined);
    expect(findExcessiveNesting('a: [[[[1]]]]\n', 3)).toBe(6);
    expect(findExcessiveNesting('a: "[[[[[["\n', 3)).toBe(undefined);
    expect(findExcessiveNesting('# [[[[[[\na: 1\n', 3)).toBe(undefined);
  });

  it('finds the first byte that is not UTF-8', () => {
    expect(firstInvalidUtf8(Buffer.from('plain ascii'))).toBeUndefined();
    expect(firstInvalidUtf8(Buffer.from('ünïcødé 🚀'))).toBeUndefined();
    expect(firstInvalidUtf8(Buffer.from([0x61, 0x62, 0xff, 0x63]))).toBe(2);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xc3]))).toBe(1); // truncated sequence
    expect(firstInvalidUtf8(Buffer.from([0xc0, 0xaf]))).toBe(0); // overlong '/'
    expect(firstInvalidUtf8(Buffer.from([0xed, 0xa0, 0x80]))).toBe(0); // UTF-16 surrogate
  });
});
