import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { hash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLock, GENERATED_MARK, type GroupedLock, isLockProblem, LOCK_FILE, type LockProblem } from '../../src/phases/6-emit/index.js';
import { readTreeState } from '../../src/cli/synth-cache.js';
import { fileStamp, under } from '../../src/cli/file-stamps.js';
import { compareTree, leftoversOf, readLastLock, readTree, type Stamps, writeTree } from '../../src/cli/output-folder.js';
import { OutputFolderError } from '../../src/cli/output-errors.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function outDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-write-tree-'));
  folders.push(dir);
  return join(dir, 'out');
}

/** A tree as emit makes it: generated files plus a lock that lists them with their hashes (or `lockHash` for every one). */
function tree(files: Record<string, string>, lockHash?: string): Map<string, string> {
  const generated = Object.fromEntries(Object.entries(files).map(([path, body]) => [path, `${GENERATED_MARK}. DO NOT EDIT.\n${body}`]));
  const lock = JSON.stringify({ generator: 'fleet', lockVersion: 1, fleet: 'test', placement: [], files: Object.fromEntries(Object.entries(generated).map(([p, text]) => [p, lockHash ?? sha(text)])) });
  return new Map(Object.entries({ ...generated, [LOCK_FILE]: lock }).sort(([a], [b]) => (a < b ? -1 : 1)));
}

const clean = { changed: [], added: [], stale: [], conflicts: [], clashes: [] };
const sha = (text: string | Buffer) => `sha256:${hash('sha256', text)}`;

/** The stamps' lines, sorted: as a walk of the folder lists them. */
const linesOf = (stamps: Stamps) => stamps.lines().text.split('\n').sort();

describe('writing the output tree', async () => {
  it('writes a new tree, then finds nothing to do and touches nothing', async () => {
    const out = outDir();
    const first = tree({ 'a/x/deployment.web.yaml': 'kind: Deployment\n', 'a/kustomization.yaml': 'resources: []\n' });
    expect((await writeTree(out, first)).added).toEqual([...first.keys()]);
    const mtime = statSync(join(out, 'a/x/deployment.web.yaml')).mtimeMs;
    expect(await writeTree(out, first)).toEqual(clean);
    expect(compareTree(out, first)).toEqual(clean);
    expect(statSync(join(out, 'a/x/deployment.web.yaml')).mtimeMs).toBe(mtime);
  });

  it('rewrites changed files, adds new ones, removes the stale ones it owns and keeps hand-written ones', async () => {
    const out = outDir();
    await writeTree(out, tree({ 'a/one.yaml': '1\n', 'a/two.yaml': '2\n' }));
    writeFileSync(join(out, 'a/notes.md'), 'mine\n');
    const next = tree({ 'a/one.yaml': 'changed\n', 'b/three.yaml': '3\n' });
    expect(await writeTree(out, next)).toEqual({ ...clean, changed: ['a/one.yaml', LOCK_FILE], added: ['b/three.yaml'], stale: ['a/two.yaml'] });
    expect(readdirSync(join(out, 'a')).sort()).toEqual(['notes.md', 'one.yaml']);
    expect(readFileSync(join(out, 'a/one.yaml'), 'utf8')).toBe(next.get('a/one.yaml'));
    expect(readFileSync(join(out, 'a/notes.md'), 'utf8')).toBe('mine\n');
  });

  it('sees a hand edit of a file it owns, and restores it', async () => {
    const out = outDir();
    const files = tree({ 'a/one.yaml': 'replicas: 3\n' });
    await writeTree(out, files);
    writeFileSync(join(out, 'a/one.yaml'), files.get('a/one.yaml')!.replace('3', '5'));
    expect(compareTree(out, files)).toEqual({ ...clean, changed: ['a/one.yaml'] });
    await writeTree(out, files);
    expect(readFileSync(join(out, 'a/one.yaml'), 'utf8')).toBe(files.get('a/one.yaml'));
  });

  it('stages beside the output folder when it is given with a trailing slash', async () => {
    const out = outDir();
    await writeTree(`${out}/`, tree({ 'a/one.yaml': '1\n' }));
    expect(readdirSync(out).sort()).toEqual(['a', LOCK_FILE].sort());
    expect(await writeTree(`${out}/`, tree({ 'a/one.yaml': '2\n' }))).toMatchObject({ changed: ['a/one.yaml', LOCK_FILE] });
    expect(readdirSync(out).sort()).toEqual(['a', LOCK_FILE].sort());
  });

  it('refuses, writing nothing, to overwrite a file it did not write', async () => {
    const out = outDir();
    mkdirSync(join(out, 'a'), { recursive: true });
    writeFileSync(join(out, 'a/one.yaml'), 'hand-written\n');
    expect((await writeTree(out, tree({ 'a/one.yaml': '1\n' }))).conflicts).toEqual(['a/one.yaml']);
    expect(readdirSync(out, { recursive: true })).toEqual(['a', 'a/one.yaml']);
  });

  it("takes the lock's hash for files that kept their stamp since the last synth, and reads the rest", async () => {
    const out = outDir();
    await writeTree(out, tree({ 'a/one.yaml': '1\n', 'a/two.yaml': '2\n' }, 'sha256:x')); // its lock says every hash is sha256:x
    const stamps = new Map(['a/one.yaml', 'a/two.yaml', LOCK_FILE].map((path) => [path, fileStamp(lstatSync(join(out, path)))]));
    const real = (path: string) => `sha256:${hash('sha256', readFileSync(join(out, path)))}`;

    expect(readTree(out).hashes.get('a/one.yaml')).toBe(real('a/one.yaml'));
    expect(readTree(out, stamps).hashes.get('a/one.yaml')).toBe('sha256:x'); // not read: the lock's word

    writeFileSync(join(out, 'a/one.yaml'), 'edited\n');
    const afterEdit = readTree(out, stamps);
    expect(afterEdit.hashes.get('a/one.yaml')).toBe(real('a/one.yaml'));
    expect(afterEdit.hashes.get('a/two.yaml')).toBe('sha256:x');
    expect(afterEdit.handWritten.has('a/one.yaml')).toBe(true);

    writeFileSync(join(out, LOCK_FILE), readFileSync(join(out, LOCK_FILE), 'utf8')); // same bytes, new stamp
    expect(readTree(out, stamps).hashes.get('a/two.yaml')).toBe(real('a/two.yaml'));
  });

  it('hands over the lock, checked, only when it kept its stamp and is sound: the compile then need not read it again', async () => {
    const out = outDir();
    await writeTree(out, tree({ 'a/one.yaml': '1\n' }));
    const stampsNow = () => new Map(['a/one.yaml', LOCK_FILE].map((path) => [path, fileStamp(lstatSync(join(out, path)))]));
    const stamps = stampsNow();
    const text = readFileSync(join(out, LOCK_FILE), 'utf8');
    expect(asLock(readTree(out, stamps).lock)).toEqual(checkLock(text));
    expect(readTree(out).lock, "without the last synth's stamps nothing vouches for it").toBeUndefined();

    writeFileSync(join(out, LOCK_FILE), text); // same bytes, new stamp
    expect(readTree(out, stamps).lock).toBeUndefined();

    await writeTree(out, tree({ 'a/one.yaml': '2\n' }, 'sha256:x')); // a lock checkLock refuses (its hashes are not sha256)
    const flawed = readTree(out, stampsNow());
    expect(flawed.lock).toBeUndefined();
    expect(flawed.hashes.get('a/one.yaml'), "its hashes are still the lock's word, as before").toBe('sha256:x');
  });

  /** A lock as readGroupedLock reads it, with its list parsed: what checkLock returns. */
  const asLock = (lock: GroupedLock | LockProblem | undefined) => (lock && 'files' in lock ? { ...lock, files: Object.fromEntries(lock.files.hashes()) } : lock);

  it('readLastLock: only a lock that kept its stamp; parsed unchecked when this build wrote it, checked when it does not even parse', async () => {
    const out = outDir();
    await writeTree(out, tree({ 'a/one.yaml': '1\n' }));
    const stamp = () => fileStamp(lstatSync(join(out, LOCK_FILE)));
    const text = readFileSync(join(out, LOCK_FILE), 'utf8');
    for (const written of [false, true]) {
      const read = readLastLock(out, stamp(), { written })!;
      expect(read.text).toBe(text);
      expect(asLock(read.checked)).toEqual(checkLock(text));
    }
    expect(readLastLock(out, undefined)).toBeUndefined();
    expect(readLastLock(out, `${stamp()}0`)).toBeUndefined();

    writeFileSync(join(out, LOCK_FILE), `${text.slice(0, 20)}\n<<<<<<< HEAD\n`); // cut short and conflicted: not JSON
    const flawed = readLastLock(out, stamp(), { written: true })!;
    expect(isLockProblem(flawed.checked)).toBe(true);
    expect(flawed.checked).toEqual(checkLock(flawed.text));
  });

  it('stages only the cluster folders that change, and keeps the others untouched', async () => {
    const out = outDir();
    await writeTree(out, tree({ 'a/one.yaml': '1\n', 'b/two.yaml': '2\n' }));
    const untouched = lstatSync(join(out, 'b/two.yaml'));
    expect(await writeTree(out, tree({ 'a/one.yaml': 'changed\n', 'b/two.yaml': '2\n' }))).toMatchObject({ changed: ['a/one.yaml', LOCK_FILE] });
    const after = lstatSync(join(out, 'b/two.yaml'));
    expect([after.ino, after.ctimeMs, after.nlink]).toEqual([untouched.ino, untouched.ctimeMs, untouched.nlink]);
    expect(readFileSync(join(out, 'a/one.yaml'), 'utf8')).toContain('changed');
    expect(readdirSync(join(out, '..')).sort()).toEqual(['out']);
  });

  it('renames the files that change into a folder where nothing else changes; a folder losing a file is staged whole', async () => {
    const out = outDir();
    await writeTree(out, tree({ 'a/x/one.yaml': '1\n', 'a/x/two.yaml': '2\n', 'b/three.yaml': '3\n', 'b/four.yaml': '4\n' }));
    writeFileSync(join(out, 'a/x/notes.md'), 'mine\n');
    const stat = (path: string) => lstatSync(join(out, path));
    const [two, notes, three] = [stat('a/x/two.yaml'), stat('a/x/notes.md'), stat('b/three.yaml')];
    // Read as synth reads it with its cache (every file stamped), so the write hands the stamps on.
    const disk = readTree(out, new Map());
    const result = await writeTree(out, tree({ 'a/x/one.yaml': 'changed\n', 'a/x/new.yaml': 'new\n', 'a/x/two.yaml': '2\n', 'b/three.yaml': '3\n' }), disk, { stamp: true });
    expect(result).toMatchObject({ changed: ['a/x/one.yaml', LOCK_FILE], added: ['a/x/new.yaml'], stale: ['b/four.yaml'] });
    // In place: the others in `a/x` are the very files they were (not linked into a new folder), the hand-written one too.
    for (const [path, before] of [
      ['a/x/two.yaml', two],
      ['a/x/notes.md', notes],
    ] as const)
      expect([stat(path).ino, stat(path).ctimeMs, stat(path).nlink], path).toEqual([before.ino, before.ctimeMs, before.nlink]);
    expect(readFileSync(join(out, 'a/x/one.yaml'), 'utf8')).toContain('changed');
    expect(readFileSync(join(out, 'a/x/new.yaml'), 'utf8')).toContain('new');
    // Whole: `b` lost a file, so it was staged anew (its other file linked there) and swapped.
    expect(readdirSync(join(out, 'b'))).toEqual(['three.yaml']);
    expect(stat('b/three.yaml').ino).toBe(three.ino);
    expect(stat('b/three.yaml').ctimeMs).not.toBe(three.ctimeMs);
    // The stamps handed to the synth cache are those of the files as they now are.
    const stamps = result.stamps!.toMap();
    for (const path of ['a/x/one.yaml', 'a/x/new.yaml', 'a/x/two.yaml', 'a/x/notes.md', 'b/three.yaml', LOCK_FILE]) expect(stamps.get(path), path).toBe(fileStamp(stat(path)));
    expect(stamps.has('b/four.yaml')).toBe(false);
    expect(readdirSync(join(out, '..')).sort()).toEqual(['out']);
  });

  it('stages a folder whole when a file it changes has a name a journal may not hold, whichever file comes first', async () => {
    const out = outDir();
    await writeTree(out, tree({ 'a/x/one.yaml': '1\n', 'a/x/two.yaml': '2\n' }));
    const two = lstatSync(join(out, 'a/x/two.yaml'));
    await writeTree(out, tree({ 'a/x/one.yaml': 'changed\n', 'a/x/two.yaml': '2\n', 'a/x/z\\back.yaml': 'odd\n' }));
    expect(readFileSync(join(out, 'a/x/z\\back.yaml'), 'utf8')).toContain('odd');
    expect(readFileSync(join(out, 'a/x/one.yaml'), 'utf8')).toContain('changed');
    // Staged whole: the unchanged file was linked into the new folder (its ctime moved), not left where it was.
    expect(lstatSync(join(out, 'a/x/two.yaml')).ctimeMs).not.toBe(two.ctimeMs);
    expect(readdirSync(join(out, '..')).sort()).toEqual(['out']);
  });

  it('finishes a swap that was interrupted after its journal, whatever entries it had reached', async () => {
    const out = outDir();
    await writeTree(out, tree({ 'a/one.yaml': '1\n', 'b/two.yaml': '2\n', 'c/three.yaml': '3\n' }));
    const next = tree({ 'a/one.yaml': '1 new\n', 'b/two.yaml': '2 new\n' });
    // As a run killed mid-swap leaves it: `a` swapped in, `b` and the lock still staged, `c` (gone) not yet moved aside.
    const staging = `${out}.fleet-staging`;
    mkdirSync(join(staging, 'b'), { recursive: true });
    writeFileSync(join(staging, 'b/two.yaml'), next.get('b/two.yaml')!);
    writeFileSync(join(staging, LOCK_FILE), next.get(LOCK_FILE)!);
    writeFileSync(join(out, 'a/one.yaml'), next.get('a/one.yaml')!);
    const journal = ['a', 'b', 'c', LOCK_FILE].sort().map((entry) => ({ entry, replace: entry !== 'c' }));
    writeFileSync(join(staging, '.fleet-swap.json'), JSON.stringify(journal));
    mkdirSync(`${out}.fleet-old/a`, { recursive: true }); // `a`'s previous version, moved aside

    expect(await writeTree(out, next)).toEqual(clean);
    expect(readdirSync(out).sort()).toEqual(['a', 'b', LOCK_FILE].sort());
    expect(readFileSync(join(out, 'b/two.yaml'), 'utf8')).toBe(next.get('b/two.yaml'));
    expect(readdirSync(join(out, '..')).sort()).toEqual(['out']);
  });

  it('discards staging that never reached its journal: the previous tree stands', async () => {
    const out = outDir();
    const first = tree({ 'a/one.yaml': '1\n' });
    await writeTree(out, first);
    mkdirSync(join(`${out}.fleet-staging`, 'a'), { recursive: true });
    writeFileSync(join(`${out}.fleet-staging`, 'a/one.yaml'), 'half-written');
    expect(await writeTree(out, first)).toEqual(clean);
    expect(readdirSync(join(out, '..')).sort()).toEqual(['out']);
  });

  it('reports the stamps a walk of the folder finds: after a first write, a swap and no change', async () => {
    const out = outDir();
    const walked = () => readTreeState(out).entries.sort();
    // As emit makes it, with the lock's real hashes: reading with the last stamps trusts them.
    const tree = (files: Record<string, string>) => {
      const generated = Object.entries(files).map(([path, body]): [string, string] => [path, `${GENERATED_MARK}. DO NOT EDIT.\n${body}`]);
      const lock = JSON.stringify({ generator: 'fleet', lockVersion: 1, fleet: 'test', placement: [], files: Object.fromEntries(generated.map(([p, text]) => [p, `sha256:${hash('sha256', text)}`])) });
      return new Map([...generated, [LOCK_FILE, lock] as [string, string]].sort(([a], [b]) => (a < b ? -1 : 1)));
    };
    const files = tree({ 'a/one.yaml': '1\n', 'a/two.yaml': '2\n', 'b/three.yaml': '3\n' });
    const first = await writeTree(out, files, undefined, { stamp: true });
    expect(linesOf(first.stamps!)).toEqual(walked());
    writeFileSync(join(out, 'b/notes.md'), 'mine\n'); // in a folder the next write leaves alone

    // A swap of `a` (one file rewritten, one linked) and of the lock; `b` as read.
    const next = tree({ 'a/one.yaml': 'changed\n', 'a/two.yaml': '2\n', 'b/three.yaml': '3\n' });
    const swapped = await writeTree(out, next, readTree(out, first.stamps!.toMap()), { stamp: true });
    expect(swapped.changed).toEqual(['a/one.yaml', LOCK_FILE]);
    expect(linesOf(swapped.stamps!)).toEqual(walked());

    const unchanged = await writeTree(out, next, readTree(out, swapped.stamps!.toMap()), { stamp: true });
    expect(linesOf(unchanged.stamps!)).toEqual(walked());
    // Read without the last stamps, the folder's other files have none: no stamps at all.
    expect((await writeTree(out, tree({ 'a/one.yaml': 'again\n', 'b/three.yaml': '3\n' }), readTree(out), { stamp: true })).stamps).toBeUndefined();
  });
});

describe('what an interrupted or hostile run leaves beside the output folder', () => {
  it('obeys no journal that names a path outside the output folder: it is discarded with a warning, and nothing outside is touched', () => {
    const out = outDir();
    const files = tree({ 'a/one.yaml': '1\n' });
    writeTree(out, files);
    const victim = join(out, '../../victim');
    mkdirSync(victim, { recursive: true });
    writeFileSync(join(victim, 'data'), 'precious\n');
    // As `git add -f out.fleet-staging/` would bring it back: a journal fleet never wrote.
    mkdirSync(`${out}.fleet-staging`);
    writeFileSync(join(`${out}.fleet-staging`, '.fleet-swap.json'), JSON.stringify([{ entry: '../../victim', replace: false }]));
    const result = writeTree(out, tree({ 'a/one.yaml': '2\n' }));
    expect(result.warnings?.map((w) => w.code)).toEqual(['emit_swap_journal_discarded']);
    expect(result.warnings?.[0].message).toContain('"../../victim", which is not a top-level entry fleet writes');
    expect(readFileSync(join(victim, 'data'), 'utf8')).toBe('precious\n');
    expect(readFileSync(join(out, 'a/one.yaml'), 'utf8')).toContain('2\n');
    expect(readdirSync(join(out, '..')).sort()).toEqual(['out']);
    rmSync(victim, { recursive: true });
  });

  it('discards an empty or cut-short journal with a warning instead of failing every later run', () => {
    const out = outDir();
    writeTree(out, tree({ 'a/one.yaml': '1\n' }));
    for (const text of ['', '[{"entry":"a","repl']) {
      mkdirSync(`${out}.fleet-staging-999999`, { recursive: true });
      writeFileSync(join(`${out}.fleet-staging-999999`, '.fleet-swap.json'), text);
      const result = writeTree(out, tree({ 'a/one.yaml': `${text.length}\n` }));
      expect(result.warnings?.[0].code).toBe('emit_swap_journal_discarded');
      expect(readFileSync(join(out, 'a/one.yaml'), 'utf8')).toContain(`${text.length}\n`);
      expect(readdirSync(join(out, '..')).sort()).toEqual(['out']);
    }
  });

  it('never renames a link at `out.fleet-old` into place as the output folder, nor writes through it', () => {
    const out = outDir();
    const elsewhere = join(out, '../elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'theirs.txt'), 'theirs\n');
    symlinkSync(elsewhere, `${out}.fleet-old`);
    const result = writeTree(out, tree({ 'a/one.yaml': '1\n' }));
    expect(result.warnings?.map((w) => w.code)).toEqual(['emit_leftover_not_fleets']);
    expect(lstatSync(out).isDirectory()).toBe(true);
    expect(readdirSync(out).sort()).toEqual(['a', LOCK_FILE]);
    expect(readdirSync(elsewhere)).toEqual(['theirs.txt']);
    expect(lstatSync(`${out}.fleet-old`).isSymbolicLink()).toBe(true);
  });

  it('stages under a name of its own run (out.fleet-staging-<pid>) and leaves the folders of a live pid alone', () => {
    const out = outDir();
    writeTree(out, tree({ 'a/one.yaml': '1\n' }));
    // pid 1 is always running: another process's staging, not this run's to discard.
    mkdirSync(`${out}.fleet-staging-1`);
    writeTree(out, tree({ 'a/one.yaml': '2\n' }));
    expect(readdirSync(join(out, '..')).sort()).toEqual(['out', 'out.fleet-staging-1']);
    expect(leftoversOf(out).map((l) => [l.kind, l.pid])).toEqual([['staging', 1]]);
  });
});

describe('paths in the way', () => {
  it('refuses an output folder that is a file or a link, before anything is written', () => {
    const out = outDir();
    writeFileSync(out, 'a file\n');
    expect(() => writeTree(out, tree({ 'a/one.yaml': '1\n' }))).toThrow(OutputFolderError);
    expect(readFileSync(out, 'utf8')).toBe('a file\n');
    rmSync(out);
    symlinkSync(join(out, '../nowhere'), out);
    expect(() => writeTree(out, tree({ 'a/one.yaml': '1\n' }))).toThrow(/a symbolic link to nothing/);
    expect(readdirSync(join(out, '..')).sort()).toEqual(['out']);
  });

  it('reports a file or a link where a folder goes, and a folder where a file goes, writing nothing', () => {
    const out = outDir();
    const files = tree({ 'a/x/one.yaml': '1\n', 'b/two.yaml': '2\n', 'c/three.yaml': '3\n' });
    writeTree(out, files);
    rmSync(join(out, 'a'), { recursive: true });
    writeFileSync(join(out, 'a'), 'a file where a cluster folder goes\n');
    const elsewhere = join(out, '../elsewhere');
    mkdirSync(elsewhere);
    rmSync(join(out, 'b'), { recursive: true });
    symlinkSync(elsewhere, join(out, 'b'));
    rmSync(join(out, 'c/three.yaml'));
    mkdirSync(join(out, 'c/three.yaml/mine'), { recursive: true });
    writeFileSync(join(out, 'c/three.yaml/mine/notes.md'), 'mine\n');

    const result = writeTree(out, files);
    expect(result.clashes).toEqual(['a', 'b', 'c/three.yaml']);
    expect(readFileSync(join(out, 'a'), 'utf8')).toBe('a file where a cluster folder goes\n');
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(readFileSync(join(out, 'c/three.yaml/mine/notes.md'), 'utf8')).toBe('mine\n');
    expect(compareTree(out, files).clashes).toEqual(['a', 'b', 'c/three.yaml']);
    expect(readdirSync(join(out, '..')).sort()).toEqual(['elsewhere', 'out']);
  });
});

describe('what the user owns in a staged folder', () => {
  it('keeps folder modes and empty folders when a cluster folder is staged again', () => {
    const out = outDir();
    writeTree(out, tree({ 'a/x/one.yaml': '1\n', 'a/y/two.yaml': '2\n' }));
    chmodSync(join(out, 'a'), 0o700);
    chmodSync(join(out, 'a/x'), 0o750);
    mkdirSync(join(out, 'a/mine/empty'), { recursive: true });
    writeTree(out, tree({ 'a/x/one.yaml': 'changed\n' })); // `a` is staged again; a/y only held a stale file
    expect(lstatSync(join(out, 'a')).mode & 0o777).toBe(0o700);
    expect(lstatSync(join(out, 'a/x')).mode & 0o777).toBe(0o750);
    expect(lstatSync(join(out, 'a/mine/empty')).isDirectory()).toBe(true);
    expect(readdirSync(join(out, 'a')).sort()).toEqual(['mine', 'x']);
  });

  it("deletes a file it no longer renders only if it carries fleet's header and the bytes the lock records", () => {
    const out = outDir();
    writeTree(out, tree({ 'a/one.yaml': '1\n', 'a/two.yaml': '2\n', 'a/three.yaml': '3\n' }));
    // A lock edited by hand to list a hand-written file; a generated file edited by hand.
    writeFileSync(join(out, 'a/notes.md'), 'mine\n');
    writeFileSync(join(out, 'a/two.yaml'), `${GENERATED_MARK}. DO NOT EDIT.\n2, edited\n`);
    const lock = JSON.parse(readFileSync(join(out, LOCK_FILE), 'utf8'));
    lock.files['a/notes.md'] = sha('mine\n');
    writeFileSync(join(out, LOCK_FILE), JSON.stringify(lock));

    const result = writeTree(out, tree({ 'a/one.yaml': '1\n' }));
    expect(result.stale).toEqual(['a/three.yaml']);
    expect(readdirSync(join(out, 'a')).sort()).toEqual(['notes.md', 'one.yaml', 'two.yaml']);
    expect(readFileSync(join(out, 'a/notes.md'), 'utf8')).toBe('mine\n');
  });

  it("never overwrites a file without fleet's header, even one the lock lists", () => {
    const out = outDir();
    writeTree(out, tree({ 'a/one.yaml': '1\n' }));
    writeFileSync(join(out, 'a/one.yaml'), 'hand-written\n');
    expect(writeTree(out, tree({ 'a/one.yaml': '2\n' })).conflicts).toEqual(['a/one.yaml']);
    expect(readFileSync(join(out, 'a/one.yaml'), 'utf8')).toBe('hand-written\n');
  });
});

describe('under', () => {
  it('names paths from the shorter of the absolute and the working-directory-relative root, by concatenation', () => {
    const cwd = process.cwd();
    expect(under('out')('a/b.yaml')).toBe('out/a/b.yaml');
    expect(under(join(cwd, 'out'))('a/b.yaml')).toBe('out/a/b.yaml');
    expect(under(cwd)('a.yaml')).toBe('./a.yaml');
    expect(under('/x')('a.yaml')).toBe('/x/a.yaml');
    expect(under('out/')('')).toBe('out');
  });
});
