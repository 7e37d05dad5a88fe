import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Document, isCollection, isMap, isScalar, isSeq, LineCounter, type Node, parseAllDocuments, type Scalar, stringify, visit } from 'yaml';
import { generateFleet } from '../../bench/generate.js';
import { readSpecFiles } from '../../src/cli/spec-files.js';
import { type EntryPositions, entryRanges, readBlockYaml } from '../../src/phases/1-load/block-yaml.js';
import { toYaml } from '../../src/phases/6-emit/index.js';
import { codesAt, compileText } from '../helpers/spec.js';
import { committedFleets, ROOT } from '../helpers/trees.js';

/**
 * readBlockYaml must give exactly what the `yaml` package gives (as load() calls it), or nothing,
 * so that load() falls back to `yaml`. Never a different value.
 */
function byYaml(text: string): unknown[] | undefined {
  const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: false });
  if (!Array.isArray(docs) || docs.some((d) => d.errors.length > 0 || d.warnings.length > 0)) return undefined;
  return docs.filter((d) => !(d.contents === null || (isScalar(d.contents) && d.contents.value === null && d.contents.range[0] === d.contents.range[1]))).map((d) => d.toJS());
}

/** `data` as yaml prints it with every collection below the top in flow style (`labels: { geo: eu }`), on one line each. */
function flowBelowTop(data: unknown): string {
  const doc = new Document(data);
  visit(doc, {
    Collection(_, node) {
      if (node !== doc.contents) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0 });
}

/** How many texts readBlockYaml read itself, so the property below is known to test it. */
let read = 0;

/**
 * Asserts readBlockYaml gives what yaml gives, when it reads `text`, and records each key of a
 * block mapping where yaml's key node is (the spans diagnostics at keys take without parsing);
 * returns whether it read it.
 */
function agrees(text: string): boolean {
  const keys: EntryPositions = new WeakMap();
  const fast = readBlockYaml(text, keys);
  if (fast === undefined) return false;
  read++;
  expect(fast, text).toEqual(byYaml(text));
  // toEqual does not tell 0 from -0, nor an own `__proto__` key from a prototype.
  expect(JSON.stringify(fast)).toBe(JSON.stringify(byYaml(text)));
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { uniqueKeys: true, lineCounter }) as Document[];
  const contents = docs.filter((d) => d.contents !== null && !(isScalar(d.contents) && d.contents.value === null)).map((d) => d.contents);
  contents.forEach((node, i) => expectKeysAt(node, fast[i], keys, text));
  // The lines load() counts for a file read this way (src/phases/1-load/index.ts, linesOf) are yaml's.
  const starts = [0, ...[...text.matchAll(/\n/g)].map((m) => m.index! + 1)];
  expect(lineCounter.lineStarts.slice(0, starts.length), text).toEqual(starts.slice(0, lineCounter.lineStarts.length));
  return true;
}

/** Every plain key written in `text` (`key:` at a line's start, after its indent or a `- `). */
function keysIn(text: string): Set<string> {
  return new Set([...text.matchAll(/^[ -]*([A-Za-z_][-A-Za-z0-9_./]*):(?: |$)/gm)].map((m) => m[1]));
}

/**
 * Every entry of every block mapping in `node` is recorded where yaml's nodes are: its key, and its
 * value when that is on the key's line (otherwise it is none, or a block collection below).
 * Flow mappings' entries are not recorded.
 */
function expectKeysAt(node: unknown, value: unknown, keys: EntryPositions, text: string): void {
  if (isMap(node)) {
    const start = keys.get(value as object);
    if (node.flow) expect(start, text).toBeUndefined();
    // A key the mapping lacks is not found in another mapping or document after it (checked on small texts: a lookup reads the lines).
    else if (text.length < 4096) for (const other of keysIn(text)) if (!node.has(other)) expect(entryRanges(text, start!, other), `${other} in ${text}`).toBeUndefined();
    for (const pair of node.items) {
      const key = String((pair.key as Scalar).value);
      const entry = start === undefined ? undefined : entryRanges(text, start, key);
      const item = pair.value as Node | null;
      if (!node.flow) {
        expect(entry?.key, `${key} in ${text}`).toEqual([(pair.key as Scalar).range![0], (pair.key as Scalar).range![1]]);
        if (entry?.value) expect(entry.value, `${key}'s value in ${text}`).toEqual([item!.range![0], item!.range![1]]);
        else {
          const none = item === null || (isScalar(item) && item.value === null && text.slice(item.range![0], item.range![1]).trim() === '');
          expect(none || (isCollection(item) && !item.flow), `${key}'s value in ${text} is none or below it`).toBe(true);
        }
      }
      expectKeysAt(item, (value as Record<string, unknown>)[key], keys, text);
    }
  } else if (isSeq(node)) node.items.forEach((item, i) => expectKeysAt(item, (value as unknown[])[i], keys, text));
}

describe('readBlockYaml', () => {
  it('reads every committed spec as yaml does, as written and as block YAML', () => {
    for (const fleet of committedFleets()) {
      for (const file of readSpecFiles(join(ROOT, fleet.spec)).files) {
        const docs = byYaml(file.text);
        expect(docs, file.path).toBeDefined();
        // As written by hand, with flow collections on one line (`labels: { env: prod }`): read by the fast reader too.
        expect(agrees(file.text), file.path).toBe(true);
        // The same documents as fleet's writer prints them: plain block YAML, which the fast reader takes.
        for (const doc of docs!) expect(agrees(toYaml(doc)), `${file.path} as block YAML`).toBe(true);
      }
    }
  });

  it('reads generated fleets, as fleet writes them, and as yaml does', () => {
    for (const size of [
      { clusters: 3, apps: 10 },
      { clusters: 12, apps: 120, callers: 6 },
    ]) {
      const text = `# Generated\n${toYaml(generateFleet(size))}`;
      expect(readBlockYaml(text)).toBeDefined();
      agrees(text);
    }
  });

  // Each case is read by readBlockYaml exactly as yaml reads it, or left to yaml; which one is pinned
  // here, so a change to the reader shows (move a case when the reader learns to read it alike).
  const reads = [
    'a: 1\nb:\n  - x\n  - y: 2\n    z: [] # empty\nc: {}\n',
    'a:\n- 1\n- 2\nb: ~\nc:\nd: Null\n',
    'a:\n  - - 1\n    - 2\n  -\n    b: 3\n  -\n',
    "\"quoted key\": 'it''s'\n'single': \"a # b\"\nplain: a #b\nhash: a#b\n",
    'b1: TRUE\nb2: yes\nb3: on\nb4: "true"\nb5: False\nq: 257Gi\nr: 10.0.0.0/20\ns: http://x:80/y\n',
    '---\na: 1\n---\nb: 2\n',
    'a: 1 # c: d\n',
    'a: ""\nb: \'\'\nc: " "\n',
    'key: value   \nother:   x  \n',
    'a: [1, 2]\nb: {c: 1}\n',
    'a: { b: x, \'c\': "y", d: [1, -2, 3.5, true, null, ~, yes], e: {}, f: [ ], g: { } }\n',
    'clusters:\n  - { name: eu-1, labels: { geo: eu, tier: gold } } # first\n  - [a, b] # c\n  - x # d\n  - "y" # e\n',
    'i: [ghcr.io/acme/web:2.4.1, http://x:80/y, a:b]\nj: { image: "a:b", k: a:b, l: 10.0.0.0/20 }\n',
    "a: [ a ,b ]\nb: { d: hello  world , e: it's }\nc: ['it''s', \"a#b\", -x, a#b]\n",
    'a:\n  - [[1], [[]], {}, [{ b: [c] }]]\n',
    'a:\n  - x  \n  - 2.5, \n',
    'a: 1\n---\n',
  ];
  const leavesToYaml = [
    'n: [0o17, 0x1F, 1e3, .5, 1., +1, -0, 007, 1.50, 12345678901234567890, .inf, -.Inf, .nan]\n',
    'n1: 0o17\nn2: 0x1F\nn3: 1e3\nn4: .5\nn5: 1.\nn6: +1\nn7: -0\nn8: 007\nn9: 1.50\nn10: 12345678901234567890\nn11: .inf\nn12: .NaN\n',
    '# lead\n---\na: 1\n...\n',
    'a: 1\n---\n---\nb: 2\n',
    'a: 1\n\tb: 2\n',
    'a: 1\r\nb: 2\r\n',
    'a: &x 1\nb: *x\n',
    'a: !!str 1\n',
    'a: |\n  text\n',
    'a: one\n  two\n',
    '- a\n- b\n',
    'a: b: c\n',
    'a: [1, ]\n',
    'a: [a, , b]\n',
    'a: [,]\n',
    'a: { b }\n',
    'a: { b, c: d }\n',
    'a: { b: }\n',
    'a: { b: c, }\n',
    'a: [b: c]\n',
    'a: ["b": c]\n',
    'a: { b: c, b: d }\n',
    'a: { "b":c }\n',
    'a: { b :c }\n',
    'a: { __proto__: c }\n',
    'a: { true: c }\n',
    'a: [b,\n  c]\n',
    'a: [b #c\n  ]\n',
    'a: [b] c\n',
    'a: [b]#c\n',
    'a: [b, [c]\n',
    'a: [b}c]\n',
    'a: [true{]\n',
    'a: { b: c]\n',
    'a: [a:]\n',
    'a: [a: ]\n',
    'a: ["\\n"]\n',
    'a: ["b # c"]\n', // a ` #` inside a flow collection is taken for a comment: left to yaml, never misread
    'a: [&x b, *x]\n',
    'a: [!!str 1]\n',
    'a: [- b]\n',
    'a: [?b]\n',
    'a: [0x1F]\n',
    '[a]: b\n',
    'a:\n  [b]: c\n',
    '- { a: b }\n',
    '{ a: b }\n',
    'a: 1\na: 2\n',
    '__proto__: 1\n',
    '<<: {a: 1}\n',
    '1: one\n',
    'true: yes\n',
    'a b: c\n',
    'a: "esc\\n"\n',
    'a: - b\n',
    'a: :b\n',
    'a: ?b\n',
    'a: -\n',
    'a: "x" y\n',
    'a: "x"#c\n',
    'a:\n  b: 1\n c: 2\n',
    'a:\n    b: 1\n  c: 2\n',
    '  a: 1\nb: 2\n',
    '%YAML 1.2\n---\na: 1\n',
    '',
    '# only a comment\n',
  ];
  for (const text of reads) it(`reads as yaml does: ${JSON.stringify(text)}`, () => expect(agrees(text)).toBe(true));
  for (const text of leavesToYaml) it(`leaves to yaml: ${JSON.stringify(text)}`, () => expect(agrees(text)).toBe(false));

  it('leaves anything beyond plain block YAML to yaml', () => {
    for (const text of ['a: &x 1\nb: *x\n', 'a: |\n  t\n', 'a: [1,\n  2]\n', 'a: 1\na: 2\n', 'a: "\\n"\n', 'a: one\n  two\n', '- a\n', '']) expect(readBlockYaml(text), text).toBeUndefined();
  });

  it('agrees with yaml on any data, as either writer prints it', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9_./-]{0,8}$/);
    const key = fc.oneof({ arbitrary: name, weight: 8 }, fc.constantFrom('a', 'name', 'app.kubernetes.io/name', 'x_y-z', 'true', 'null', '1', 'a b', '__proto__', '<<', "it's", 'k: v', '#c'), fc.string({ maxLength: 6 }));
    const leaf = fc.oneof(
      name,
      fc.string({ maxLength: 8 }),
      fc.constantFrom('yes', 'on', '0x1F', '1e3', '~', '*a', '&b', '!c', '%d', 'a: b', 'a #b', '-', '- a', '10.0.0.0/20', '257Gi', '007', '.5', '', ' ', 'é ✓', '"', "'"),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }), // fleet's writer refuses what YAML cannot hold
      fc.boolean(),
      fc.constant(null),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, tie('list'), tie('map')),
      list: fc.array(tie('node'), { maxLength: 4 }),
      map: fc.dictionary(key, tie('node'), { maxKeys: 4 }),
    }));
    const before = read;
    let flowRead = 0;
    fc.assert(
      fc.property(fc.dictionary(key, value.node, { minKeys: 1, maxKeys: 5 }), (data) => {
        for (const text of [toYaml(data), stringify(data)]) agrees(text);
        if (agrees(flowBelowTop(data))) flowRead++;
      }),
      { numRuns: 2000 },
    );
    expect(read - before).toBeGreaterThan(1100); // about a fifth of the 6,000 texts are plain enough
    expect(flowRead).toBeGreaterThan(300); // of them, texts with flow collections
  });

  it('agrees with yaml on values written by hand on one line: flow collections, quotes, comments, odd spacing', () => {
    const token = fc.constantFrom(
      ...['{', '}', '[', ']', ', ', ',', ': ', ':', ' ', 'a', 'b', '1', '-1', '2.5', 'true', '~', 'null', 'a:b', 'a#b', 'x y', "'a'", '"b"', "'it''s'", '"a#b"', ' #c'],
      ...['-', '- ', '?', '&x', '*x', '!t', '""', "''", '__proto__', '0x1', '.5', 'é', '"', "'", '\\'],
    );
    const lead = fc.constantFrom('k: ', '- ', 'k:\n  - ', 'k:\n  - a: ', '"q": ', 'k: x\nl: ');
    const before = read;
    fc.assert(
      fc.property(fc.array(token, { minLength: 1, maxLength: 14 }), lead, (tokens, start) => {
        agrees(`${start}${tokens.join('')}\n`);
      }),
      { seed: 20261207, numRuns: 20_000 },
    );
    expect(read - before).toBeGreaterThan(5_000); // about a third are read by the fast reader
  });

  it('still points diagnostics at file:line:col: the yaml document is parsed when one is reported', () => {
    // Plain block YAML, so the fast reader takes it; two apps no placement rule selects.
    const text = readFileSync(join(ROOT, 'test', 'fixtures', 'block-style.yaml'), 'utf8');
    expect(readBlockYaml(text)).toBeDefined();
    const escaped = text.replace('    replicas: 1\n', '    replicas: 1\n    args: ["a\\tb"]\n'); // an escape: read by yaml
    expect(readBlockYaml(escaped)).toBeUndefined();
    const expected = ['placement_no_rule@9:11', 'placement_no_rule@15:11'];
    expect(codesAt(compileText(text).diagnostics)).toEqual(expected);
    expect(codesAt(compileText(escaped).diagnostics)).toEqual(expected);
  });
});
