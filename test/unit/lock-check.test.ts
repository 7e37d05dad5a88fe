import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readCheckedLock } from '../../src/cli/lock-check.js';
import { checkLock, isLockProblem } from '../../src/phases/6-emit/lock.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

const HASH = `sha256:${'a'.repeat(64)}`;
/** A lock as fleet writes it (JSON.stringify with two spaces). */
const lockText = (placement: unknown = [{ namespace: 'payments', name: 'orders-db', clusters: { 'eu-1': 3 } }], files: unknown = { 'eu-1/kustomization.yaml': HASH }) =>
  `${JSON.stringify({ generator: 'fleet', lockVersion: 1, fleet: 'shop', placement, files }, null, 2)}\n`;

/** `line:col` of a problem's offset. */
function where(text: string): string {
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
