import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { fleetCli } from '../helpers/cli.js';

/**
 * Issue 18's attacks on the output folder, replayed against the real CLI: concurrent synths (two
 * processes of bin/fleet.js), a planted swap journal, unreadable locks, a link planted as
 * `out.fleet-old`, `--out` misuse, paths in the way. Each checks the exit code and message, that
 * nothing was lost, and that nothing outside the output folder was touched.
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/fleet.js');
const home = process.cwd();
const scratch: string[] = [];
afterEach(() => process.chdir(home));
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A small fleet: two clusters, a stateless app and a stateful database (which must not move). */
function spec(tag = '1.0.0', apps = true): string {
  const head = `apiVersion: fleet/v1alpha1\nkind: Fleet\nmetadata: { name: shop }\nclusters:\n  - { name: na-1, region: us-east1, labels: { env: prod } }\n  - { name: eu-1, region: europe-west1, labels: { env: prod } }\n`;
  if (!apps) return head;
  return (
    head +
    `apps:\n  - { name: web, namespace: shop, image: "ghcr.io/acme/web:${tag}", replicas: 2, ports: [{ name: http, port: 8080 }], callers: none }\n` +
    `  - { name: db, namespace: data, image: "ghcr.io/acme/db:${tag}", stateful: true, replicas: 1, ports: [{ name: pg, port: 5432 }], callers: none }\n` +
    `placement:\n  - { name: everywhere, apps: { names: [web] } }\n  - { name: one, apps: { names: [db] }, clusters: { names: [eu-1] } }\n`
  );
}

/** A scratch folder (the working directory from now on) with the spec in policies/ (so out/ is its output folder) and a neighbour folder outside out/. */
function workspace(text = spec()): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-reliability-'));
  scratch.push(dir);
  mkdirSync(join(dir, 'policies'));
  writeFileSync(join(dir, 'policies/fleet-spec.yaml'), text);
  mkdirSync(join(dir, 'neighbour'));
  writeFileSync(join(dir, 'neighbour/data.txt'), 'precious\n');
  process.chdir(dir);
  return dir;
}

const fleet = fleetCli;

/** Every file under `dir` (links and all, not followed) with its bytes. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (prefix: string) => {
    for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else files.set(path, entry.isFile() ? readFileSync(join(dir, path), 'utf8') : `<${entry.isSymbolicLink() ? 'link' : 'special'}>`);
    }
  };
  walk('');
  return files;
}

function binary(cwd: string, ...args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('two synths into one output folder at once', () => {
  it('never mix or lose output: each run writes all of its own or refuses (exit 4); with --wait both finish', async () => {
    const dir = workspace();
    writeFileSync(join(dir, 'a.yaml'), spec('1.0.0'));
    writeFileSync(join(dir, 'b.yaml'), spec('2.0.0'));
    // What each spec renders alone, for comparison.
    for (const name of ['a', 'b']) expect((await fleet('synth', `${name}.yaml`, '--out', `alone-${name}`)).code).toBe(0);
    const alone = { a: snapshot(join(dir, 'alone-a')), b: snapshot(join(dir, 'alone-b')) };
    for (const wait of [[], ['--wait', '30']]) {
      {
        const [a, b] = await Promise.all([binary(dir, 'synth', 'a.yaml', '--out', 'out', ...wait), binary(dir, 'synth', 'b.yaml', '--out', 'out', ...wait)]);
        for (const result of [a, b]) {
          if (wait.length > 0) expect(result.code, result.stderr).toBe(0);
          else expect([0, 4], result.stderr).toContain(result.code);
          if (result.code === 4) expect(result.stderr).toMatch(/^fleet: error: another fleet is writing out\/ \(pid \d+\)\n/);
        }
        const now = snapshot(join(dir, 'out'));
        expect([alone.a, alone.b].some((one) => JSON.stringify([...one]) === JSON.stringify([...now]))).toBe(true);
        expect(readdirSync(dir).filter((name) => name.startsWith('out.'))).toEqual([]);
      }
    }
  }, 60_000);
});

describe('a planted swap journal', () => {
  it('is discarded with a warning, and what it names outside out/ is not touched', async () => {
    const dir = workspace();
    expect((await fleet('synth')).code).toBe(0);
    mkdirSync(join(dir, 'out.fleet-staging'));
    writeFileSync(join(dir, 'out.fleet-staging/.fleet-swap.json'), JSON.stringify([{ entry: '../neighbour', replace: false }]));
    const result = await fleet('synth');
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('warning emit_swap_journal_discarded: discarded out.fleet-staging/.fleet-swap.json: it names "../neighbour"');
    expect(readFileSync(join(dir, 'neighbour/data.txt'), 'utf8')).toBe('precious\n');
    expect(readdirSync(dir).sort()).toEqual(['neighbour', 'out', 'policies']);
  });

  it('naming files: obeyed only for plain paths inside a cluster folder, and never through a link', async () => {
    const dir = workspace();
    expect((await fleet('synth')).code).toBe(0);
    const plant = (files: string[]) => {
      mkdirSync(join(dir, 'out.fleet-staging'));
      for (const file of files) {
        mkdirSync(join(dir, 'out.fleet-staging', file, '..'), { recursive: true });
        writeFileSync(join(dir, 'out.fleet-staging', file), 'planted\n');
      }
      writeFileSync(join(dir, 'out.fleet-staging/.fleet-swap.json'), JSON.stringify({ fleetSwap: 2, entries: files.map((file) => ({ file })) }));
    };
    for (const outside of ['../neighbour/data.txt', 'eu-1/../../neighbour/data.txt', 'fleet.lock.json/x', 'eu-1']) {
      plant([]);
      writeFileSync(join(dir, 'out.fleet-staging/.fleet-swap.json'), JSON.stringify({ fleetSwap: 2, entries: [{ file: outside }] }));
      const result = await fleet('synth');
      expect(result.code).toBe(0);
      expect(result.stderr).toContain(`warning emit_swap_journal_discarded: discarded out.fleet-staging/.fleet-swap.json: it names ${JSON.stringify(outside)}`);
      expect(readFileSync(join(dir, 'neighbour/data.txt'), 'utf8')).toBe('precious\n');
    }
    // A well-formed journal, and a folder on its way replaced by a link to the neighbour: the file is not renamed through it.
    plant(['eu-1/shop/data.txt']);
    rmSync(join(dir, 'out/eu-1/shop'), { recursive: true });
    symlinkSync(join(dir, 'neighbour'), join(dir, 'out/eu-1/shop'));
    await fleet('synth');
    expect(readFileSync(join(dir, 'neighbour/data.txt'), 'utf8')).toBe('precious\n');
    expect(readdirSync(dir).sort()).toEqual(['neighbour', 'out', 'policies']);
  });
});

describe('an unreadable lock', () => {
  it('is a located error for every command, writes nothing, and --ignore-lock is the explicit way past it', async () => {
    const dir = workspace();
    expect((await fleet('synth')).code).toBe(0);
    const lock = readFileSync(join(dir, 'out/fleet.lock.json'), 'utf8');
    const attacks = {
      truncated: lock.slice(0, 200),
      conflicted: lock.replace('"placement": [', '"placement": [\n<<<<<<< HEAD\n=======\n>>>>>>> theirs'),
      fractional: lock.replace(/("eu-1": )1\b/, '$12.5'),
      'not a list': lock.replace(/"placement": \[[\s\S]*?\n  \],/, '"placement": "x",'),
    };
    for (const [attack, text] of Object.entries(attacks)) {
      expect(text, attack).not.toBe(lock);
      writeFileSync(join(dir, 'out/fleet.lock.json'), text);
      const before = snapshot(join(dir, 'out'));
      for (const command of [['synth'], ['validate'], ['plan'], ['synth', '--check']]) {
        const result = await fleet(...command);
        expect(result.code, `${attack}: ${command.join(' ')}`).toBe(1);
        expect(result.stderr).toMatch(/^out\/fleet\.lock\.json:\d+:\d+: error emit_lock_unreadable: the lock cannot be read as the previous placement: /);
        expect(result.stderr).toContain('--ignore-lock');
      }
      expect(snapshot(join(dir, 'out'))).toEqual(before);
    }
    const fresh = await fleet('synth', '--ignore-lock');
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'out/fleet.lock.json'), 'utf8'))).toEqual(JSON.parse(lock));
  });
});

describe('links beside and inside out/', () => {
  it('a link planted as out.fleet-old is never renamed into place as out/, nor written through', async () => {
    const dir = workspace();
    symlinkSync(join(dir, 'neighbour'), join(dir, 'out.fleet-old'));
    const result = await fleet('synth');
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('warning emit_leftover_not_fleets: out.fleet-old is not a folder fleet made (a symbolic link)');
    expect(lstatSync(join(dir, 'out')).isDirectory()).toBe(true);
    expect(readdirSync(join(dir, 'neighbour'))).toEqual(['data.txt']);
  });

  it('a cluster folder that is a link to elsewhere is reported (exit 2), not followed', async () => {
    const dir = workspace();
    expect((await fleet('synth')).code).toBe(0);
    rmSync(join(dir, 'out/na-1'), { recursive: true });
    symlinkSync(join(dir, 'neighbour'), join(dir, 'out/na-1'));
    const result = await fleet('synth');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('out/na-1:1:1: error emit_path_clash: fleet needs a folder here, and this is not one');
    expect(result.stderr).toContain('nothing was written');
    expect(readdirSync(join(dir, 'neighbour'))).toEqual(['data.txt']);
    expect(readdirSync(dir).sort()).toEqual(['neighbour', 'out', 'policies']);
  });
});

describe('--out misuse', () => {
  it('is a usage error (exit 2) before anything is read or written', async () => {
    const dir = workspace();
    mkdirSync(join(dir, '.git'));
    writeFileSync(join(dir, 'a-file'), 'mine\n');
    const before = snapshot(dir);
    const cases: [string[], RegExp][] = [
      [['--out', ''], /the output folder is empty/],
      [['--out', '/'], /root of the file system|holds the spec/],
      [['--out', '.'], /holds the spec|the working directory/],
      [['--out', 'a-file'], /is a file: fleet writes only into a real folder/],
      [['--out', 'a-file/out'], /is below a file/],
    ];
    for (const [args, message] of cases) {
      const result = await fleet('synth', 'policies', ...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    // A repository root that does not hold the spec: `fleet synth ../spec.yaml --out .` from inside it.
    mkdirSync(join(dir, 'sub/.git'), { recursive: true });
    const repo = await fleet('synth', 'policies', '--out', 'sub');
    expect(repo.code).toBe(2);
    expect(repo.stderr).toContain('the output folder `sub` is the root of a git repository (it holds .git)');
    rmSync(join(dir, 'sub'), { recursive: true });
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('a spec without apps', () => {
  it("does not remove every app's output unless --allow-empty says so", async () => {
    const dir = workspace();
    expect((await fleet('synth')).code).toBe(0);
    const before = snapshot(join(dir, 'out'));
    writeFileSync(join(dir, 'policies/fleet-spec.yaml'), spec('1.0.0', false));
    const refused = await fleet('synth');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('error emit_removes_every_app: the spec has no apps: this synth removes the files of all 2 app(s) that out/fleet.lock.json lists');
    expect(snapshot(join(dir, 'out'))).toEqual(before);
    const allowed = await fleet('synth', '--allow-empty');
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toContain('warning emit_removes_every_app');
    expect([...snapshot(join(dir, 'out')).keys()]).toEqual(['fleet.lock.json']);
    expect(existsSync(join(dir, 'out.fleet-lock'))).toBe(false);
  });
});
