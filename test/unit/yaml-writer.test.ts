import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { toYaml } from '../../src/phases/6-emit/yaml.js';

/** parse(toYaml(x)) must equal x for every reader: YAML 1.1 (what Kubernetes' go-yaml speaks) and 1.2. */
function roundTrips(value: unknown): void {
  const text = toYaml(value);
  for (const version of ['1.1', '1.2'] as const) {
    expect(parse(text, { version }), `YAML ${version} reading:\n${text}`).toEqual(value);
  }
}

const TRICKY = [
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  'Y',
  'N',
  'true',
  'False',
  'NULL',
  '~',
  '',
  ' ',
  'null',
  '0x1F',
  '0o17',
  '0b101',
  '0777',
  '1e3',
  '1E3',
  '-1e-3',
  'e0',
  'E+5',
  'e-12',
  '.5',
  '+1',
  '-1',
  '1_000',
  '.inf',
  '-.Inf',
  '.NaN',
  '1:20',
  '190:20:30',
  '2001-12-14',
  '2001-12-14t21:59:43.10-05:00',
  '*alias',
  '&anchor',
  '!tag',
  '%directive',
  '@at',
  '`tick',
  '|',
  '>',
  '-',
  '- item',
  '? key',
  ': value',
  '#comment',
  '[a]',
  '{a: 1}',
  ',',
  '=',
  '<<',
  'a: b',
  'a:b',
  'a #b',
  'a#b',
  'trailing:',
  'trailing ',
  ' leading',
  'say "hi"',
  "it's",
  'back\\slash',
  'tab\there',
  'line1\nline2',
  'crlf\r\n',
  'nul\u0000',
  'bell\u0007',
  'del\u007f',
  'nel\u0085',
  'ls\u2028',
  'ps\u2029',
  'bom\ufeff',
  'a:b: c',
  'key:',
  'yess',
  'nulls',
  'ONE',
  'café',
  '_',
  '/',
  '0x',
  '00',
  '1.5',
  '1.5.3',
  '2Gi ',
  'v1.2.3',
  'a\u00a0b',
  'ünïcödé',
  '日本語',
  '🚀 rocket',
  'ghcr.io/acme/web:1.8.0',
  '250m',
  '1.5Gi',
  '30s',
  '0xF',
  '1e',
  '10.10.0.0/16',
  '--port=8080',
  'a/b',
  '/abs',
];

describe('the YAML writer', () => {
  it('round-trips tricky strings as values and as keys', () => {
    for (const s of TRICKY) {
      roundTrips({ value: s });
      roundTrips({ [s]: 'key' });
      roundTrips([s]);
    }
  });

  it('round-trips numbers, booleans, null and empty collections', () => {
    roundTrips({ a: 0, b: -3, c: 0.5, d: 1e-7, e: 1e21, f: 123456789012, g: true, h: false, i: null, j: {}, k: [], l: [[]], m: [{}] });
  });

  it('writes Kubernetes-style block YAML', () => {
    expect(toYaml({ apiVersion: 'v1', kind: 'Service', spec: { ports: [{ name: 'http', port: 80 }], selector: { app: 'web' } } })).toBe(
      'apiVersion: v1\nkind: Service\nspec:\n  ports:\n    - name: http\n      port: 80\n  selector:\n    app: web\n',
    );
  });

  it("nests sequences and mappings at any depth, with `- ` opening an entry's first key", () => {
    const value = {
      a: [[1, [2, []]], [], { b: [{ c: 1, d: [], on: { e: [[{ f: 'yes' }]] } }], '': 'x' }, [{}], null],
      deep: { l1: { l2: [{ l3: { l4: [[['x']]] } }] } },
    };
    expect(toYaml(value)).toBe(
      [
        'a:',
        '  -',
        '    - 1',
        '    -',
        '      - 2',
        '      - []',
        '  - []',
        '  - b:',
        '      - c: 1',
        '        d: []',
        '        "on":',
        '          e:',
        '            -',
        '              - f: "yes"',
        '    "": x',
        '  -',
        '    - {}',
        '  - null',
        'deep:',
        '  l1:',
        '    l2:',
        '      - l3:',
        '          l4:',
        '            -',
        '              -',
        '                - x',
        '',
      ].join('\n'),
    );
    roundTrips(value);
  });

  it('quotes what a YAML 1.1 reader would not read as a string', () => {
    expect(toYaml({ on: 'yes', n: 'no', v: '1.10', t: '12:30' })).toBe('"on": "yes"\n"n": "no"\nv: "1.10"\nt: "12:30"\n');
  });

  it('round-trips arbitrary JSON-like values (property)', () => {
    const key = fc.oneof(fc.string(), fc.constantFrom(...TRICKY));
    const leaf = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.constantFrom(...TRICKY),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)),
      fc.boolean(),
      fc.constant(null),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
      array: fc.array(tie('node'), { maxLength: 4 }),
      object: fc.dictionary(key, tie('node'), { maxKeys: 4 }),
    })).node;
    fc.assert(
      fc.property(value, (v) => roundTrips(v)),
      { seed: 20261122, numRuns: 500 },
    );
  });
});
