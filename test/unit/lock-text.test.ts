import { describe, expect, it } from 'vitest';
import type { PlacementPlan } from '../../src/model/plan.js';
import { assembleOutput, LOCK_FILE, lockText, parseLock, sha256 } from '../../src/phases/6-emit/index.js';
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

  it("assembleOutput's hashes are the lock's list of files and the lock's own hash, in the tree's order", () => {
    const file = (path: string, text: string) => ({ path, text, hash: `sha256:${sha256(text)}` });
    const carried = [{ path: 'eu-1/shop/service.web.yaml', hash: 'sha256:carried' }];
    const { tree, hashes } = assembleOutput('shop', plan, [file('na-1/kustomization.yaml', 'b'), file('_flux/na-1.yaml', 'a')], carried);
    const lock = tree.get(LOCK_FILE)!;
    expect(Object.fromEntries(hashes)).toEqual({ ...parseLock(lock)!.files, [LOCK_FILE]: `sha256:${sha256(lock)}` });
    expect([...hashes.keys()]).toEqual(['_flux/na-1.yaml', 'eu-1/shop/service.web.yaml', LOCK_FILE, 'na-1/kustomization.yaml']);
    for (const [path, text] of tree) expect(hashes.get(path), path).toBe(`sha256:${sha256(text)}`);
  });
});
