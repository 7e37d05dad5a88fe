import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PlacementPlan } from '../../src/model/plan.js';
import { assembleOutput, LOCK_FILE, LockedFiles, lockGroupOf, type LockLines, lockText, parseLock, readGroupedLock, sha256, withReplacedHashes } from '../../src/phases/6-emit/index.js';
import { makeLock } from '../../src/phases/6-emit/lock.js';

/** lockText writes the file list by hand (it is 100,000 lines at fleet scale): it must be exactly JSON.stringify's output. */
describe('lockText', () => {
  const plan = { apps: [{ namespace: 'shop', name: 'web', clusters: { 'eu-1': 2, 'na-1': 1 } }] } as unknown as PlacementPlan;
  const reference = (files: { path: string; hash: string }[]) =>
    `${JSON.stringify(makeLock('shop', plan, Object.fromEntries([...files].sort((a, b) => (a.path < b.path ? -1 : 1)).map((f) => [f.path, f.hash]))), null, 2)}\n`;

  for (const [name, files] of Object.entries({
    'no files': [],
    'one file': [{ path: 'na-1/shop/deployment.web.yaml', hash: 'sha256:ab' }],
    'unsorted, with awkward names': [
      { path: 'z/"quoted".yaml', hash: 'sha256:1' },
      { path: 'a/ünïcode\\back.yaml', hash: 'sha256:2' },
      { path: '_flux/na-1/kustomization.yaml', hash: 'sha256:3' },
      { path: 'a/\u2028line-separator.yaml', hash: 'sha256:4' },
      { path: 'b/tab\tand\u0001control.yaml', hash: 'sha256:5' },
      { path: 'b/lone\ud800surrogate.yaml', hash: 'sha256:6' },
    ],
  })) {
    it(`is JSON.stringify's text: ${name}`, () => {
      expect(lockText('shop', plan, files)).toBe(reference(files));
      expect(JSON.parse(lockText('shop', plan, files)).files).toEqual(Object.fromEntries(files.map((f) => [f.path, f.hash])));
    });
  }

  it("is JSON.stringify's text for more files than one piece of its list holds", () => {
    const files = Array.from({ length: 10_001 }, (_, i) => ({ path: `c-${i % 7}/shop/deployment.app-${i}.yaml`, hash: `sha256:${i}` }));
    expect(lockText('shop', plan, files)).toBe(reference(files));
  });

  it('refuses two files at one path', () => {
    expect(() =>
      lockText('shop', plan, [
        { path: 'a/b.yaml', hash: 'x' },
        { path: 'a/b.yaml', hash: 'y' },
      ]),
    ).toThrow(/two objects render to a\/b.yaml/);
  });

  it("assembleOutput's hashes are those of its tree, and the lock lists the carried groups' lines in their place", () => {
    const file = (path: string, text: string) => ({ path, text, hash: `sha256:${sha256(text)}` });
    const carried = new Map<string, LockLines>([['eu-1/', { text: '    "eu-1/shop/service.web.yaml": "sha256:carried",\n    "eu-1/zz.yaml": "sha256:z"', count: 2 }]]);
    const { tree, hashes } = assembleOutput('shop', plan, [file('na-1/kustomization.yaml', 'b'), file('_flux/na-1.yaml', 'a'), file('eu/x.yaml', 'c')], carried);
    const lock = tree.get(LOCK_FILE)!;
    expect(parseLock(lock)!.files).toEqual({
      '_flux/na-1.yaml': hashes.get('_flux/na-1.yaml'),
      'eu/x.yaml': hashes.get('eu/x.yaml'),
      'eu-1/shop/service.web.yaml': 'sha256:carried',
      'eu-1/zz.yaml': 'sha256:z',
      'na-1/kustomization.yaml': hashes.get('na-1/kustomization.yaml'),
    });
    expect(lock, 'the lock of every file listed').toBe(
      lockText(
        'shop',
        plan,
        Object.entries(parseLock(lock)!.files).map(([path, hash]) => ({ path, hash })),
      ),
    );
    expect([...hashes.keys()]).toEqual(['_flux/na-1.yaml', 'eu/x.yaml', LOCK_FILE, 'na-1/kustomization.yaml']);
    for (const [path, text] of tree) expect(hashes.get(path), path).toBe(`sha256:${sha256(text)}`);
  });

  it('withReplacedHashes replaces the hashes of files in a carried group in their lines, and assembleOutput writes those files and the lines', () => {
    const file = (path: string, text: string) => ({ path, text, hash: `sha256:${sha256(text)}` });
    const before = { 'eu-1/kustomization.yaml': `sha256:${sha256('k')}`, 'eu-1/shop/deployment.web.yaml': `sha256:${sha256('d1')}`, 'eu-1/shop/service.web.yaml': `sha256:${sha256('s')}` };
    const group = LockedFiles.fromList(before).lines('eu-1/')!;
    const rendered = [file('eu-1/shop/deployment.web.yaml', 'd2'), file('eu-1/shop/service.web.yaml', 's')];
    const replaced = withReplacedHashes(group, rendered)!;
    expect(replaced.changed, 'only the file whose bytes changed').toEqual([rendered[0]]);
    expect(replaced.lines).toEqual(LockedFiles.fromList({ ...before, 'eu-1/shop/deployment.web.yaml': rendered[0].hash }).lines('eu-1/'));
    expect(withReplacedHashes(group, [file('eu-1/shop/hpa.web.yaml', 'h')]), 'a file the lines do not list').toBeUndefined();

    const { tree, hashes } = assembleOutput('shop', plan, [rendered[0], file('na-1/kustomization.yaml', 'n')], new Map([['eu-1/', replaced.lines]]));
    expect([...tree.keys()]).toEqual(['eu-1/shop/deployment.web.yaml', LOCK_FILE, 'na-1/kustomization.yaml']);
    expect([...hashes.keys()]).toEqual([...tree.keys()]);
    const lock = tree.get(LOCK_FILE)!;
    expect(parseLock(lock)!.files).toEqual({ ...before, 'eu-1/shop/deployment.web.yaml': rendered[0].hash, 'na-1/kustomization.yaml': hashes.get('na-1/kustomization.yaml') });
    expect(hashes.get(LOCK_FILE)).toBe(`sha256:${sha256(lock)}`);
  });
});

describe('LockedFiles', () => {
  const plan = { apps: [] } as unknown as PlacementPlan;

  it('groups a path by its cluster folder, its Flux entrypoints folder, or itself at the top', () => {
    expect(lockGroupOf('eu-1/shop/deployment.web.yaml')).toBe('eu-1/');
    expect(lockGroupOf('eu-1/kustomization.yaml')).toBe('eu-1/');
    expect(lockGroupOf('_flux/eu-1/kustomization.yaml')).toBe('_flux/eu-1/');
    expect(lockGroupOf('_flux/eu-1.yaml')).toBe('_flux/eu-1.yaml');
    expect(lockGroupOf('README.md')).toBe('README.md');
  });

  /** Paths like fleet's: cluster folders whose names start one another (a, a-b, ab), Flux entrypoints, files at the top. */
  const paths = fc.uniqueArray(
    fc
      .tuple(fc.constantFrom('a', 'a-b', 'ab', 'b', '_flux/a', '_flux/a-b', '_flux/ab'), fc.constantFrom('', 'shop/', 'shop/x/', '_platform/'), fc.constantFrom('k.yaml', 'k.yaml2', 'svc.a.yaml', 'a'))
      .map(([folder, sub, name]) => `${folder}/${sub}${name}`),
    { maxLength: 40 },
  );
  const top = fc.uniqueArray(fc.constantFrom('a.yaml', 'a', 'ab.yaml', 'z'), { maxLength: 2 });
  const hashOf = (path: string) => `sha256:${sha256(path)}`;

  it("reads a lock's list by group: each group's lines are its files' lines, and the hashes are the list's", () => {
    fc.assert(
      fc.property(paths, top, (folderPaths, topPaths) => {
        const all = [...folderPaths, ...topPaths.filter((name) => !folderPaths.some((path) => path.startsWith(`${name}/`)))];
        const files = all.map((path) => ({ path, hash: hashOf(path) }));
        const text = lockText('shop', plan, files);
        const parsed = parseLock(text)!.files;
        for (const grouped of [LockedFiles.of(text), LockedFiles.fromList(parsed)]) {
          expect(grouped).toBeDefined();
          expect(Object.fromEntries(grouped!.hashes())).toEqual(parsed);
          for (const group of new Set(all.map(lockGroupOf))) {
            const members = all.filter((path) => lockGroupOf(path) === group).sort();
            expect(grouped!.lines(group), group).toEqual({ text: members.map((path) => `    "${path}": "${hashOf(path)}"`).join(',\n'), count: members.length });
            expect([...grouped!.hashes((other) => other !== group).keys()].sort()).toEqual(members);
          }
        }
      }),
      { seed: 8, numRuns: 300 },
    );
  });

  it('carried groups and rendered files make the lock a clean render makes, in any split', () => {
    fc.assert(
      fc.property(paths, fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), (all, carriedSplit) => {
        const files = all.map((path) => ({ path, text: path, hash: hashOf(path) }));
        const full = lockText('shop', plan, files);
        const grouped = LockedFiles.of(full)!;
        const groups = [...new Set(all.map(lockGroupOf))].sort();
        const carried = new Map(groups.filter((_, i) => carriedSplit[i]).map((group) => [group, grouped.lines(group)!]));
        const rendered = files.filter((file) => !carried.has(lockGroupOf(file.path)));
        expect(assembleOutput('shop', plan, rendered, carried).tree.get(LOCK_FILE)).toBe(full);
      }),
      { seed: 9, numRuns: 300 },
    );
  });

  it('reads a lock fleet wrote without checking it, and checks one it did not; a lock laid out otherwise is parsed', () => {
    const files = [
      { path: 'eu-1/a.yaml', hash: hashOf('a') },
      { path: '_flux/eu-1/k.yaml', hash: hashOf('k') },
    ];
    const text = lockText('shop', plan, files);
    for (const written of [true, false]) {
      const lock = readGroupedLock(text, { written });
      expect('files' in lock && Object.fromEntries(lock.files.hashes())).toEqual(parseLock(text)!.files);
    }
    // A list whose groups' lines are apart (not sorted, as fleet never writes it) is read whole, not by group.
    const sorted = lockText('shop', plan, files);
    const unsorted = `${sorted.slice(0, sorted.lastIndexOf('\n  }'))},\n    "_flux/eu-1/z.yaml": "${hashOf('z')}"\n  }\n}\n`;
    expect(unsorted.indexOf('"_flux/eu-1/k.yaml"')).toBeLessThan(unsorted.indexOf('"eu-1/a.yaml"'));
    expect(unsorted.indexOf('"eu-1/a.yaml"')).toBeLessThan(unsorted.indexOf('"_flux/eu-1/z.yaml"'));
    expect(LockedFiles.of(unsorted)).toBeUndefined();
    const readApart = readGroupedLock(unsorted);
    expect('files' in readApart && Object.fromEntries(readApart.files.hashes())).toEqual(parseLock(unsorted)!.files);
    const reformatted = `${JSON.stringify(JSON.parse(text))}\n`;
    const lock = readGroupedLock(reformatted, { written: true });
    expect('files' in lock && lock.files.lines('eu-1/')).toEqual({ text: `    "eu-1/a.yaml": "${hashOf('a')}"`, count: 1 });
    expect(readGroupedLock(text.replace(hashOf('a'), 'sha256:short'))).toMatchObject({ message: expect.stringContaining('sha256:short') });
  });
});
