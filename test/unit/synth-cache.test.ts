import { lstatSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheFileFor, cacheKey, fleetBuildId, isUnchanged, isUnchangedInParallel, openSynthCache, parseCacheRecord, readTreeState } from '../../src/cli/synth-cache.js';
import type { SpecFile } from '../../src/phases/1-load/index.js';
import { compileSpec } from '../../src/cli/load-spec.js';
import { checkStamps, fileStamp } from '../../src/cli/file-stamps.js';
import { readTree, Stamps } from '../../src/cli/output-folder.js';
import { THREAD_WORTH_BYTES } from '../../src/cli/stamp-check.js';

const scratch: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-synth-cache-'));
  scratch.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** Lets the file system's clock move on, so a rewrite gets new times (ext4 stamps with a clock of a few ms). */
const nextTick = () => new Promise((resolve) => setTimeout(resolve, 30));

describe('cacheKey', () => {
  const spec: SpecFile[] = [
    { path: 'policies/a.yaml', name: 'a.yaml', text: 'apiVersion: fleet/v1alpha1\n' },
    { path: 'policies/b.yaml', name: 'b.yaml', text: 'apps: []\n' },
  ];
  const base = cacheKey('build-1', spec, '/repo/out');

  it('is the same for the same inputs', () => {
    expect(
      cacheKey(
        'build-1',
        spec.map((f) => ({ ...f })),
        '/repo/out',
      ),
    ).toBe(base);
  });

  it('changes with the spec bytes, a file name or path, the file order, the build id and the output folder', () => {
    const variants = [
      cacheKey('build-1', [spec[0], { ...spec[1], text: 'apps: [] \n' }], '/repo/out'),
      cacheKey('build-1', [spec[0], { ...spec[1], name: 'c.yaml' }], '/repo/out'),
      cacheKey('build-1', [spec[0], { ...spec[1], path: 'other/b.yaml' }], '/repo/out'),
      cacheKey('build-1', [spec[1], spec[0]], '/repo/out'),
      cacheKey('build-1', [spec[0]], '/repo/out'),
      cacheKey('build-2', spec, '/repo/out'),
      cacheKey('build-1', spec, '/repo/out-2'),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });

  it('does not confuse where one file ends and the next begins', () => {
    const joined = cacheKey(
      'b',
      [
        { path: 'p', name: 'n', text: 'ab' },
        { path: 'p', name: 'n', text: '' },
      ],
      '/o',
    );
    const split = cacheKey(
      'b',
      [
        { path: 'p', name: 'n', text: 'a' },
        { path: 'p', name: 'n', text: 'b' },
      ],
      '/o',
    );
    expect(joined).not.toBe(split);
  });
});

describe('tree state', () => {
  /** The state of the folder as a cache record holds it: every file's stamp and every folder's. */
  const stateOf = (root: string) => {
    const state = readTreeState(root);
    return { tree: state.entries.join('\n'), folders: state.folders };
  };

  function tree(): string {
    const root = join(tempDir(), 'out');
    mkdirSync(join(root, 'na-1/shop'), { recursive: true });
    writeFileSync(join(root, 'fleet.lock.json'), '{}\n');
    writeFileSync(join(root, 'na-1/kustomization.yaml'), 'resources: []\n');
    writeFileSync(join(root, 'na-1/shop/deployment.web.yaml'), 'image: web:1.0.0\n');
    return root;
  }

  it('lists every file and folder, with `/` paths, and is unchanged while nothing changes', () => {
    const root = tree();
    expect(
      readTreeState(root)
        .entries.map((e) => e.split('\t')[0])
        .sort(),
    ).toEqual(['fleet.lock.json', 'na-1/kustomization.yaml', 'na-1/shop/deployment.web.yaml']);
    const folders = readTreeState(root, { files: false });
    expect(folders.entries).toEqual([]);
    expect(folders.folders.split('\n').map((line) => line.split('\t')[0])).toEqual(['.', 'na-1', 'na-1/shop']);
    expect(Object.fromEntries(folders.fileCounts)).toEqual({ '.': 1, 'na-1': 1, 'na-1/shop': 1 });
    expect(isUnchanged(root, stateOf(root))).toBe(true);
  });

  it('sees a same-size edit', async () => {
    const root = tree();
    const before = stateOf(root);
    await nextTick();
    writeFileSync(join(root, 'na-1/shop/deployment.web.yaml'), 'image: web:1.0.1\n');
    expect(isUnchanged(root, before)).toBe(false);
  });

  it('sees a same-size edit that puts the old modification time back (the change time still moves)', async () => {
    const root = tree();
    const file = join(root, 'na-1/shop/deployment.web.yaml');
    utimesSync(file, 1_000_000, 1_000_000); // whole seconds, so the same times can be put back exactly
    const before = stateOf(root);
    await nextTick();
    writeFileSync(file, 'image: web:1.0.1\n');
    utimesSync(file, 1_000_000, 1_000_000); // as `touch -r` or a tool that keeps times would
    const fields = (state: { tree: string }) =>
      state.tree
        .split('\n')
        .find((e) => e.startsWith('na-1/shop/'))!
        .split('\t');
    const after = stateOf(root);
    expect(fields(after)[2]).toBe(fields(before)[2]); // the same size and modification time...
    expect(fields(after)[1]).toBe(fields(before)[1]);
    expect(isUnchanged(root, before)).toBe(false); // ...but not the same change time
  });

  it('sees a file deleted, added (in any folder), renamed or replaced by a folder, and a folder added', async () => {
    const changes: ((root: string) => void)[] = [
      (root) => rmSync(join(root, 'na-1/kustomization.yaml')),
      (root) => writeFileSync(join(root, 'na-1/README.md'), 'notes\n'),
      (root) => writeFileSync(join(root, 'na-1/shop/README.md'), 'notes\n'),
      (root) => writeFileSync(join(root, 'notes.md'), 'notes\n'),
      (root) => renameSync(join(root, 'na-1/shop/deployment.web.yaml'), join(root, 'na-1/shop/deployment.api.yaml')),
      (root) => mkdirSync(join(root, 'na-1/shop/empty')),
      (root) => {
        rmSync(join(root, 'na-1/kustomization.yaml'));
        mkdirSync(join(root, 'na-1/kustomization.yaml'));
      },
    ];
    for (const [i, change] of changes.entries()) {
      const root = tree();
      const before = stateOf(root);
      await nextTick();
      change(root);
      expect(isUnchanged(root, before), `change ${i}`).toBe(false);
    }
  });

  it('checkStamps names what changed; readTree given its check reads what a full walk reads', async () => {
    const changes: [string, (root: string) => void, Partial<ReturnType<typeof checkStamps>>][] = [
      ['nothing', () => {}, {}],
      ['an edit', (root) => writeFileSync(join(root, 'na-1/shop/deployment.web.yaml'), 'image: web:1.0.1\n'), { changedFiles: ['na-1/shop/deployment.web.yaml'] }],
      ['a file added', (root) => writeFileSync(join(root, 'na-1/shop/README.md'), 'notes\n'), { changedFolders: ['na-1/shop'] }],
      ['a file removed', (root) => rmSync(join(root, 'na-1/kustomization.yaml')), { changedFiles: ['na-1/kustomization.yaml'], changedFolders: ['na-1'] }],
      ['a cluster removed', (root) => rmSync(join(root, 'eu-1'), { recursive: true }), { changedFiles: ['eu-1/alias.yaml', 'eu-1/kustomization.yaml'], changedFolders: ['.', 'eu-1'] }],
      ['a cluster added', (root) => mkdirSync(join(root, 'ap-1/shop'), { recursive: true }), { changedFolders: ['.'] }],
      ['a file added at the top', (root) => writeFileSync(join(root, 'notes.md'), 'notes\n'), { changedFolders: ['.'] }],
      ['a link added', (root) => symlinkSync('../eu-1', join(root, 'na-1/shop/link')), { changedFolders: ['na-1/shop'] }],
    ];
    for (const [what, change, found] of changes) {
      const root = tree();
      mkdirSync(join(root, 'eu-1'));
      writeFileSync(join(root, 'eu-1/kustomization.yaml'), 'resources: []\n');
      symlinkSync('kustomization.yaml', join(root, 'eu-1/alias.yaml'));
      const before = stateOf(root);
      await nextTick();
      change(root);
      const check = checkStamps(root, before);
      const sorted = ({ changedFiles, changedFolders, special }: typeof check) => ({ changedFiles: [...changedFiles].sort(), changedFolders: [...changedFolders].sort(), special: [...special].sort() });
      expect(sorted(check), what).toEqual({ changedFiles: [], changedFolders: [], special: ['eu-1/alias.yaml'].filter(() => what !== 'a cluster removed'), ...found });
      const stamps = new Map(before.tree.split('\n').map((line) => [line.slice(0, line.indexOf('\t')), line.slice(line.indexOf('\t') + 1)]));
      const folders = before.folders.split('\n').map((line) => line.slice(0, line.indexOf('\t')));
      expect(readTree(root, stamps, { files: before.tree, folders, check }), what).toEqual(readTree(root, stamps));
    }
  });

  it('checked on two threads, sees a change in either half of a large record', async () => {
    const root = join(tempDir(), 'out');
    const names = Array.from({ length: 4000 }, (_, i) => `c${String(i % 40).padStart(2, '0')}/deployment.${'an-app-with-a-long-name-'.repeat(3)}${i}.yaml`);
    for (let i = 0; i < 40; i++) mkdirSync(join(root, `c${String(i).padStart(2, '0')}`), { recursive: true });
    for (const name of names) writeFileSync(join(root, name), 'kind: Deployment\n');
    const before = stateOf(root);
    expect(before.tree.length).toBeGreaterThan(2 * THREAD_WORTH_BYTES); // large enough to be split
    expect(isUnchangedInParallel(root, before)).toBe(true);
    const lines = before.tree.split('\n');
    for (const line of [lines[1], lines[lines.length - 2]]) {
      const path = line.slice(0, line.indexOf('\t'));
      await nextTick();
      writeFileSync(join(root, path), 'kind: StatefulSet\n');
      expect(isUnchangedInParallel(root, before), path).toBe(false);
      expect(isUnchangedInParallel(root, stateOf(root)), path).toBe(true);
    }
  });

  it('without the folders, vouches for nothing; a line without a stamp is no match', () => {
    const root = tree();
    const state = stateOf(root);
    expect(isUnchanged(root, { ...state, folders: '' })).toBe(false);
    expect(isUnchanged(root, { ...state, tree: `${state.tree}\nna-1/gone.yaml\t1\t1\t1\t1` })).toBe(false);
    expect(isUnchanged(root, { ...state, tree: `${state.tree}\nno-tab` })).toBe(false);
  });
});

describe('cacheFileFor', () => {
  it('uses node_modules/.cache/fleet under the working directory, only when node_modules exists there', () => {
    const cwd = tempDir();
    expect(cacheFileFor('out', { enabled: true, cwd, env: {} })).toBeUndefined();
    mkdirSync(join(cwd, 'node_modules'));
    const file = cacheFileFor('out', { enabled: true, cwd, env: {} })!;
    expect(file.startsWith(join(cwd, 'node_modules/.cache/fleet/'))).toBe(true);
    expect(file).toMatch(/\/[0-9a-f]{64}\.json$/);
    // One file per output folder, by its absolute path.
    expect(cacheFileFor('./out/', { enabled: true, cwd, env: {} })).toBe(file);
    expect(cacheFileFor('out-2', { enabled: true, cwd, env: {} })).not.toBe(file);
  });

  it('FLEET_CACHE_DIR moves it; FLEET_CACHE=0 and --no-cache turn it off; never inside the output folder', () => {
    const cwd = tempDir();
    expect(cacheFileFor('out', { enabled: true, cwd, env: { FLEET_CACHE_DIR: 'cache' } })!.startsWith(join(cwd, 'cache/'))).toBe(true);
    expect(cacheFileFor('out', { enabled: true, cwd, env: { FLEET_CACHE_DIR: 'cache', FLEET_CACHE: '0' } })).toBeUndefined();
    expect(cacheFileFor('out', { enabled: false, cwd, env: { FLEET_CACHE_DIR: 'cache' } })).toBeUndefined();
    expect(cacheFileFor('out', { enabled: true, cwd, env: { FLEET_CACHE_DIR: 'out/.cache' } })).toBeUndefined();
  });
});

describe('SynthCache', () => {
  /** A spec and a written output folder, with the cache in a scratch folder. */
  function project() {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'fleet-spec.yaml'), 'apiVersion: fleet/v1alpha1\n');
    mkdirSync(join(cwd, 'out/na-1'), { recursive: true });
    writeFileSync(join(cwd, 'out/fleet.lock.json'), '{}\n');
    writeFileSync(join(cwd, 'out/na-1/kustomization.yaml'), 'resources: []\n');
    const env = { FLEET_CACHE_DIR: join(cwd, 'cache') };
    const open = (buildId: string | undefined = 'build-1') => openSynthCache(join(cwd, 'fleet-spec.yaml'), 'out', { cwd, env, buildId });
    return { cwd, open, file: cacheFileFor('out', { enabled: true, cwd, env })! };
  }

  /** A synth that compiled (printing `warnings`) and wrote: records the run. */
  function synth(cache: ReturnType<ReturnType<typeof project>['open']>, warnings = '') {
    expect(cache!.lookup()).toBeUndefined();
    const printed: string[] = [];
    const io = cache!.watch({ out: () => {}, err: (text) => printed.push(text) });
    if (warnings) io.err(warnings);
    cache!.record({ clusters: 1, files: 2 }, new Map());
    expect(printed.join('')).toBe(warnings);
  }

  it('a recorded run is a hit, with its warnings and counts, until the spec or the output folder changes', async () => {
    const { cwd, open } = project();
    synth(open(), 'fleet-spec.yaml:1:1: warning x\n');
    expect(open()!.lookup()).toEqual({
      format: 4,
      key: expect.any(String),
      build: expect.any(String),
      renderInputs: {},
      warnings: 'fleet-spec.yaml:1:1: warning x\n',
      clusters: 1,
      files: 2,
      tree: expect.any(String),
      folders: expect.any(String),
    });

    await nextTick();
    writeFileSync(join(cwd, 'out/fleet.lock.json'), '{ }\n');
    expect(open()!.lookup()).toBeUndefined();
    synth(open());
    expect(open()!.lookup()).toBeDefined();

    writeFileSync(join(cwd, 'fleet-spec.yaml'), 'apiVersion: fleet/v1alpha2\n');
    expect(open()!.lookup()).toBeUndefined();
  });

  it("on a miss, gives the last synth's stamps: one file's without the map, and the map without some top-level entries", async () => {
    const { cwd, open } = project();
    mkdirSync(join(cwd, 'out/na-2'));
    writeFileSync(join(cwd, 'out/na-2/kustomization.yaml'), 'resources: []\n');
    synth(open());
    writeFileSync(join(cwd, 'fleet-spec.yaml'), 'apiVersion: fleet/v1alpha2\n');
    const cache = open()!;
    expect(cache.lookup()).toBeUndefined();
    const all = cache.stampsOfLastSynth()!;
    expect([...all.keys()].sort()).toEqual(['fleet.lock.json', 'na-1/kustomization.yaml', 'na-2/kustomization.yaml']);
    for (const path of all.keys()) expect(cache.recordedStamp(path), path).toBe(all.get(path));
    expect(cache.recordedStamp('kustomization.yaml')).toBeUndefined(); // a suffix of a recorded path is not one
    expect(cache.recordedStamp('na-1')).toBeUndefined();
    expect([...cache.stampsOfLastSynth(new Set(['na-1']))!.keys()].sort()).toEqual(['fleet.lock.json', 'na-2/kustomization.yaml']);
  });

  it('records nothing when a file came between the write and the record: the folders would vouch for a file the stamps do not list', () => {
    const { cwd, open } = project();
    const cache = open()!;
    expect(cache.lookup()).toBeUndefined();
    const written = Stamps.fromMap(new Map(['fleet.lock.json', 'na-1/kustomization.yaml'].map((path) => [path, fileStamp(lstatSync(join(cwd, 'out', path)))])));
    writeFileSync(join(cwd, 'out/na-1/README.md'), 'added after the write\n');
    cache.record({ clusters: 1, files: 2 }, new Map(), written);
    expect(open()!.lookup()).toBeUndefined();
    const again = open()!;
    expect(again.lookup()).toBeUndefined();
    again.record({ clusters: 1, files: 3 }, new Map()); // walked: every file
    expect(open()!.lookup()).toBeDefined();
  });

  it('records the output folder as it is right after the write (waits out the file clock tick), so the next run hits', () => {
    const { cwd, open } = project();
    writeFileSync(join(cwd, 'out/na-1/kustomization.yaml'), 'resources: [a]\n'); // written just now
    synth(open());
    expect(open()!.lookup()).toBeDefined();
  });

  it('another build of fleet, or none, is a miss', () => {
    const { cwd, open } = project();
    synth(open());
    expect(open('build-2')!.lookup()).toBeUndefined();
    // From src/ (as here) there is no dist/build-id.json next to the module: never a hit.
    expect(fleetBuildId()).toBeUndefined();
    const noBuild = openSynthCache(join(cwd, 'fleet-spec.yaml'), 'out', { cwd, env: { FLEET_CACHE_DIR: join(cwd, 'cache') } });
    expect(noBuild!.lookup()).toBeUndefined();
  });

  it('an interrupted write (a staging or old sibling folder) is a miss', () => {
    const { cwd, open } = project();
    synth(open());
    mkdirSync(join(cwd, 'out.fleet-staging'));
    expect(open()!.lookup()).toBeUndefined();
  });

  it('a corrupt, truncated or foreign cache file is a miss, never an error; the next record replaces it', () => {
    const { open, file } = project();
    synth(open());
    const good = readFileSync(file, 'utf8');
    const header = JSON.parse(good.slice(0, good.indexOf('\n')));
    const tree = good.slice(good.indexOf('\n') + 1);
    const withHeader = (change: object) => `${JSON.stringify({ ...header, ...change })}\n${tree}`;
    const truncated = [good.slice(0, good.length / 2), good.slice(0, -1), good.slice(0, good.indexOf('\n'))];
    const olderFormat = JSON.stringify({ format: 1, key: header.key, warnings: '', clusters: 1, files: 2, tree: tree.split('\n') }); // as fleet 0.1 wrote it
    expect(parseCacheRecord(withHeader({}))).toEqual(parseCacheRecord(good)); // as written: the cases below are bad for what they change
    for (const bad of [
      '',
      'not json',
      'null',
      '[]',
      ...truncated,
      withHeader({ format: 0 }),
      withHeader({ treeLength: 'x' }),
      withHeader({ renderInputs: null }),
      withHeader({ renderInputs: { a: 1 } }),
      withHeader({ build: 7 }),
      withHeader({ format: 2 }),
      withHeader({ format: 3 }),
      withHeader({ folders: undefined }),
      olderFormat,
    ]) {
      writeFileSync(file, bad);
      expect(parseCacheRecord(bad)).toBeUndefined();
      expect(open()!.lookup()).toBeUndefined();
    }
    synth(open());
    expect(open()!.lookup()).toBeDefined();
  });

  it('a cache folder that cannot be written is skipped without an error', () => {
    const { cwd } = project();
    writeFileSync(join(cwd, 'blocker'), ''); // a file where the cache folder should be
    const cache = openSynthCache(join(cwd, 'fleet-spec.yaml'), 'out', { cwd, env: { FLEET_CACHE_DIR: join(cwd, 'blocker/cache') }, buildId: 'b' })!;
    expect(cache.lookup()).toBeUndefined();
    expect(() => cache.record({ clusters: 1, files: 2 }, new Map())).not.toThrow();
    expect(cache.lookup()).toBeUndefined();
  });

  it('never records a run whose lookup could not read the spec', () => {
    const { cwd, file } = project();
    rmSync(join(cwd, 'fleet-spec.yaml'));
    const cache = openSynthCache(join(cwd, 'fleet-spec.yaml'), 'out', { cwd, env: { FLEET_CACHE_DIR: join(cwd, 'cache') }, buildId: 'b' })!;
    expect(cache.lookup()).toBeUndefined();
    cache.record({ clusters: 1, files: 2 }, new Map());
    expect(() => statSync(file)).toThrow();
  });
});

describe('a miss', () => {
  it('compiles the very spec bytes its key was made from, even if the file changes meanwhile', async () => {
    const cwd = tempDir();
    const spec = join(cwd, 'fleet-spec.yaml');
    const text = (name: string) => `apiVersion: fleet/v1alpha1\nkind: Fleet\nmetadata: { name: ${name} }\nclusters:\n  - { name: c1, region: r1 }\napps: []\n`;
    writeFileSync(spec, text('before'));
    const cache = openSynthCache(spec, 'out', { cwd, env: { FLEET_CACHE_DIR: join(cwd, 'cache') }, buildId: 'build-1' })!;
    expect(cache.lookup()).toBeUndefined();
    writeFileSync(spec, text('after')); // edited while the miss compiles
    const errors: string[] = [];
    const result = compileSpec(spec, { out: () => {}, err: (t) => errors.push(t) }, { outDir: join(cwd, 'out'), read: cache.spec });
    expect(errors).toEqual([]);
    if (typeof result === 'number') throw new Error(`exit ${result}`);
    expect(result.fleet?.name).toBe('before');
  });
});
