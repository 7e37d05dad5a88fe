import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readCheckedLock } from '../../src/cli/lock-check.js';
import { checkLock, checkLockSummary, forEachLockedPath, isLockProblem, lockedHashes, parseLock } from '../../src/phases/6-emit/lock.js';
import { lockText as emittedLockText } from '../../src/phases/6-emit/index.js';
import type { PlacementPlan } from '../../src/model/plan.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

const HASH = `sha256:${'a'.repeat(64)}`;
/** A lock as fleet writes it (JSON.stringify with two spaces). */
const lockText = (placement: unknown = [{ namespace: 'payments', name: 'orders-db', clusters: { 'eu-1': 3 } }], files: unknown = { 'eu-1/kustomization.yaml': HASH }) =>
  `${JSON.stringify({ generator: 'fleet', lockVersion: 1, fleet: 'shop', placement, files }, null, 2)}\n`;

/** checkLock's verdict without the list of files: what checkLockSummary must give for every text. */
function summaryOf(text: string) {
  const checked = checkLock(text);
  if (isLockProblem(checked)) return checked;
  const { files: _, ...summary } = checked;
  return summary;
}

/** `line:col` of a problem's offset (checkLockSummary agreeing with checkLock on the text). */
function where(text: string): string {
  expect(checkLockSummary(text)).toEqual(summaryOf(text));
  const checked = checkLock(text);
  if (!isLockProblem(checked)) return 'sound';
  const before = text.slice(0, checked.offset).split('\n');
  return `${before.length}:${before[before.length - 1].length + 1} ${checked.message}`;
}

describe('checking a lock', () => {
  it('takes a lock as fleet writes it', () => {
    expect(where(lockText())).toBe('sound');
    expect(where(lockText([{ namespace: 'a', name: 'b', clusters: { x: 0 }, divided: { x: 2 } }]))).toBe('sound');
  });

  it('reports a lock cut short where it ends, and merge-conflict markers where they start', () => {
    const text = lockText();
    expect(where(text.slice(0, 120))).toMatch(/^\d+:\d+ it is not valid JSON/);
    expect(where('')).toMatch(/^1:1 it is not valid JSON \(it is empty\)/);
    const conflicted = text.replace('      "clusters": {', '<<<<<<< HEAD\n      "clusters": {').replace('"eu-1": 3\n', '"eu-1": 3\n=======\n        "eu-1": 2\n>>>>>>> theirs\n');
    expect(where(conflicted)).toBe('9:1 it holds merge-conflict markers (`<<<<<<<`, `=======`, `>>>>>>>`)');
  });

  it('reports values fleet never writes, at their key', () => {
    expect(where(lockText([{ namespace: 'payments', name: 'orders-db', clusters: { 'eu-1': 2.5 } }]))).toBe('10:9 `placement[0].clusters.eu-1` is 2.5, not a whole number of replicas from 0');
    expect(where(lockText([{ namespace: 'p', name: 'o', clusters: { a: -1 } }]))).toMatch(/is -1, not a whole number/);
    expect(where(lockText('x'))).toBe('5:3 `placement` is not a list');
    expect(where(lockText([], { 'a.yaml': 'sha256:x' }))).toMatch(/^7:5 `files` has "sha256:x" for `a.yaml`/);
    expect(
      where(
        lockText([
          { namespace: 'p', name: 'o', clusters: { a: 1 } },
          { namespace: 'q', clusters: {} },
        ]),
      ),
    ).toMatch(/^\d+:\d+ `placement\[1\].name` is not a name/);
    expect(where('{"generator":"other"}')).toMatch(/this is not a fleet lock/);
  });

  it('checks all but the list of files without parsing the list, and agrees with checkLock on every text', () => {
    const files = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`c${i % 7}/shop/deployment.app-${i}.yaml`, `sha256:${i.toString(16).padStart(64, '0')}`]));
    const sound = lockText(undefined, files);
    const parse = vi.spyOn(JSON, 'parse');
    expect(checkLockSummary(sound)).toEqual({ generator: 'fleet', lockVersion: 1, fleet: 'shop', placement: [{ namespace: 'payments', name: 'orders-db', clusters: { 'eu-1': 3 } }] });
    expect(parse.mock.calls.map(([text]) => String(text).length < 1000)).toEqual([true]); // the list is tested, never parsed
    parse.mockRestore();
    const variants = [
      sound,
      lockText(undefined, {}),
      lockText(undefined, { ...files, 'c1/odd "name".yaml': HASH, 'c1/back\\slash.yaml': HASH }), // escaped: read whole
      sound.replace('"c3/shop/deployment.app-3.yaml": "sha256:', '"c3/shop/deployment.app-3.yaml": "sha257:'), // a flawed hash in the list
      sound.replace(`${'0'.repeat(61)}1f4"`, `${'0'.repeat(61)}1F4"`), // upper-case hex: not what fleet writes
      `${sound}\n`,
      sound.slice(0, -3),
      sound.replace('"lockVersion": 1', '"lockVersion": 2'),
      sound.replace('"fleet": "shop",', '"fleet": "shop",\n  "files": {},'), // a second list of files before the last
      sound.replace('    "c0/shop/deployment.app-0.yaml"', '<<<<<<< HEAD\n    "c0/shop/deployment.app-0.yaml"'),
    ];
    for (const [i, text] of variants.entries()) expect(checkLockSummary(text), `variant ${i}`).toEqual(summaryOf(text));
    expect(isLockProblem(checkLockSummary(variants[3]))).toBe(true);

    // The paths it lists, in order: parseLock's keys, sorted, on the same texts and on locks it does not take (none then).
    const parsedPaths = (text: string) => {
      const files = parseLock(text)?.files;
      return files ? Object.keys(files).sort() : false;
    };
    const lockedPaths = (text: string) => {
      const paths: string[] = [];
      if (forEachLockedPath(text, (path) => paths.push(path))) return paths;
      expect(paths, 'none given').toEqual([]);
      return false;
    };
    const others = [lockText(undefined, { ...files, 'c2/shop/deployment.app-2.yaml': HASH }), sound.replace('"generator": "fleet"', '"generator": "other"'), '{}', 'not json'];
    for (const [i, text] of [...variants, ...others].entries()) {
      const paths = lockedPaths(text);
      expect(paths && [...paths].sort(), `text ${i}`).toEqual(parsedPaths(text));
      const files = parseLock(text)?.files;
      expect(lockedHashes(text), `text ${i}`).toEqual(files && new Map(Object.entries(files)));
    }
    // In the order of the lines, which fleet writes sorted by path (a diff walks them beside git's listing).
    const written = emittedLockText(
      'shop',
      { apps: [] } as unknown as PlacementPlan,
      Object.entries(files).map(([path, hash]) => ({ path, hash })),
    );
    expect(lockedPaths(written)).toEqual(Object.keys(files).sort());
    expect(lockedHashes(written)).toEqual(new Map(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1))));
    expect(lockedPaths(sound)).toHaveLength(500);
    const parseOfList = vi.spyOn(JSON, 'parse');
    lockedPaths(sound);
    lockedHashes(written); // its lines are sorted, as fleet writes them: `sound`'s are not, and it is parsed
    expect(parseOfList.mock.calls.map(([text]) => String(text).length < 1000)).toEqual([true, true]); // the list is read by line, never parsed
    parseOfList.mockRestore();
  });

  it('reads the lock of an output folder: sound, absent, or flawed with a located diagnostic', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'fleet-lock-check-')), 'out');
    folders.push(join(out, '..'));
    expect(readCheckedLock(out)).toEqual({});
    mkdirSync(out);
    writeFileSync(join(out, 'fleet.lock.json'), lockText());
    expect(readCheckedLock(out).lock?.fleet).toBe('shop');
    writeFileSync(join(out, 'fleet.lock.json'), lockText('x'));
    const { flaw } = readCheckedLock(out);
    expect(flaw?.diagnostic).toMatchObject({ code: 'emit_lock_unreadable', severity: 'error', span: { file: join(out, 'fleet.lock.json'), start: { line: 5, col: 3 } } });
    expect(flaw?.diagnostic.help?.join('\n')).toMatch(/restore it from git[\s\S]*--ignore-lock/);
  });

  it('never opens a lock that is not a regular file (a FIFO would hang the read)', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'fleet-lock-check-')), 'out');
    folders.push(join(out, '..'));
    mkdirSync(out);
    if (spawnSync('mkfifo', [join(out, 'fleet.lock.json')]).status !== 0) mkdirSync(join(out, 'fleet.lock.json')); // no mkfifo: a folder is not a regular file either
    expect(readCheckedLock(out).flaw?.diagnostic.message).toBe('the lock cannot be read as the previous placement: it is not a regular file');
  });
});
