import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { fleetCliIn } from '../helpers/cli.js';

/**
 * The synth cache, and the incremental synth it makes possible (one file: both need the build id
 * mocked below, and a file that mocks runs in a process of its own), through the CLI, in scratch
 * copies of the default spec: fleetCli (the program
 * bin/fleet.js runs, in this process) for every case, and once the real binary (bin/fleet.js over
 * dist/, with the dist/build-id.json `npm run build` writes). The cache goes to a scratch
 * FLEET_CACHE_DIR, never into the repository.
 *
 * A hit is told from a miss by the cache file: every miss that succeeds records the run again
 * (a new file renamed into place, so a new inode); a hit leaves it as it is.
 */

// Run from src/, fleet has no dist/build-id.json and so never hits (synth-cache.ts): the runs in
// this process get a build id of their own, as the built binary has one.
vi.mock('../../src/cli/synth-cache.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/cli/synth-cache.js')>();
  const openSynthCache: typeof real.openSynthCache = (spec, out, options = {}) => real.openSynthCache(spec, out, { buildId: 'fleet-test-build', ...options });
  return { ...real, openSynthCache };
});

// What each in-process compile carried over (CompileResult.carried) and rendered only in part
// (CompileResult.partlyRendered), newest last: what an incremental synth did not render, which its
// output alone cannot show.
const carriedByCompile = vi.hoisted(() => [] as string[][]);
const partlyRenderedByCompile = vi.hoisted(() => [] as string[][]);
vi.mock('../../src/compiler.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/compiler.js')>();
  const compile: typeof real.compile = (...args) => {
    const result = real.compile(...args);
    carriedByCompile.push([...(result.carried?.keys() ?? [])].sort());
    partlyRenderedByCompile.push([...(result.partlyRendered ?? [])].sort());
    return result;
  };
  return { ...real, compile };
});

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/fleet.js');
const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  scratch.push(dir);
  return dir;
}

/** A scratch project: the default spec with one added warning, and a cache folder of its own. */
function workspace() {
  const dir = tempDir('fleet-cache-e2e-');
  cpSync(join(ROOT, 'policies'), join(dir, 'policies'), { recursive: true });
  const spec = join(dir, 'policies/fleet-spec.yaml');
  const text = readFileSync(spec, 'utf8');
  expect(text).toContain('\ntraffic:\n');
  writeFileSync(spec, text.replace('\ntraffic:\n', '\ntraffic:\n  - { name: nobody-to-web, from: [{ apps: { matchLabels: { team: nobody } } }], to: web, ports: [http] }\n'));
  const cacheDir = join(dir, 'cache');
  const cacheFile = join(cacheDir, `${createHash('sha256').update(join(dir, 'out')).digest('hex')}.json`);
  return { dir, spec, cacheDir, cacheFile, env: { FLEET_CACHE_DIR: cacheDir } };
}

/** The test's environment without its FLEET_CACHE=0 (vitest.config.ts), with `env` over it. */
function cacheEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = { ...process.env };
  delete base.FLEET_CACHE;
  delete base.FLEET_CACHE_DIR;
  return { ...base, ...env };
}

/** `fleet ...args` in `cwd` with `env`, in this process (see fleetCliIn). */
const fleet = fleetCliIn;

/** `fleet ...args` through bin/fleet.js, in a process of its own. */
function binary(cwd: string, env: Record<string, string>, ...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: cacheEnv(env) });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Every file under `dir` with its bytes, modification time and inode. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (prefix: string) => {
    for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else {
        const stats = statSync(join(dir, path));
        files.set(path, `${stats.mtimeMs} ${stats.ino} ${readFileSync(join(dir, path), 'utf8')}`);
      }
    }
  };
  walk('');
  return files;
}

/** Every file under `dir` with its text. */
function files(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    found.set(path.slice(dir.length + 1), readFileSync(path, 'utf8'));
  }
  return found;
}

/** The recorded run's identity: changes whenever a synth records (misses), not on a hit. */
const recording = (file: string) => statSync(file).ino;

describe('the synth cache', () => {
  it('a second synth is a hit: the same warnings and summary, and nothing touched', async () => {
    const w = workspace();
    const first = await fleet(w.dir, w.env, 'synth');
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('warning traffic_selector_matches_nothing');
    expect(existsSync(w.cacheFile)).toBe(true);
    const recorded = recording(w.cacheFile);

    // What a synth with nothing to change prints when it compiles.
    const compiled = await fleet(w.dir, w.env, 'synth', '--no-cache');
    expect(compiled.stdout).toMatch(/^fleet: rendered 4 clusters into out\/: 0 file\(s\) written, 0 removed, \d+ unchanged\n$/);
    const out = snapshot(join(w.dir, 'out'));

    const hit = await fleet(w.dir, w.env, 'synth');
    expect(hit).toEqual(compiled);
    expect(recording(w.cacheFile)).toBe(recorded);
    expect(snapshot(join(w.dir, 'out'))).toEqual(out);

    // --check uses the same hit.
    const check = await fleet(w.dir, w.env, 'synth', '--check');
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/^fleet: out\/ is up to date \(4 clusters, \d+ files\)\n$/);
    expect(check.stderr).toBe(compiled.stderr);
    expect(await fleet(w.dir, w.env, 'synth', '--check', '--no-cache')).toEqual(check);
    expect(recording(w.cacheFile)).toBe(recorded);
    expect(snapshot(join(w.dir, 'out'))).toEqual(out);
  });

  it('restores an edited, deleted or added output file: any change under out/ is a miss', async () => {
    const w = workspace();
    expect((await fleet(w.dir, w.env, 'synth')).code).toBe(0);
    const out = join(w.dir, 'out');
    const original = readFileSync(join(out, 'na-1/shop/deployment.web.yaml'), 'utf8');
    expect(original).toContain('ghcr.io/acme/web:2.4.1');

    // A same-size edit, right after the synth.
    writeFileSync(join(out, 'na-1/shop/deployment.web.yaml'), original.replace('web:2.4.1', 'web:2.4.9'));
    const edited = await fleet(w.dir, w.env, 'synth');
    expect(edited.stdout).toMatch(/: 1 file\(s\) written, 0 removed/);
    expect(readFileSync(join(out, 'na-1/shop/deployment.web.yaml'), 'utf8')).toBe(original);

    rmSync(join(out, 'eu-1/kustomization.yaml'));
    expect((await fleet(w.dir, w.env, 'synth')).stdout).toMatch(/: 1 file\(s\) written, 0 removed/);
    expect(existsSync(join(out, 'eu-1/kustomization.yaml'))).toBe(true);

    // A hand-written file is kept, and the next run records it.
    let recorded = recording(w.cacheFile);
    writeFileSync(join(out, 'na-1/README.md'), 'notes\n');
    expect((await fleet(w.dir, w.env, 'synth')).stdout).toMatch(/: 0 file\(s\) written, 0 removed/);
    expect(recording(w.cacheFile)).not.toBe(recorded);
    recorded = recording(w.cacheFile);
    expect((await fleet(w.dir, w.env, 'synth')).code).toBe(0);
    expect(recording(w.cacheFile)).toBe(recorded);
    expect(readFileSync(join(out, 'na-1/README.md'), 'utf8')).toBe('notes\n');

    // An interrupted write left behind: compile, and clean it up as usual.
    mkdirSync(`${out}.fleet-staging`);
    expect((await fleet(w.dir, w.env, 'synth')).code).toBe(0);
    expect(recording(w.cacheFile)).not.toBe(recorded);
    expect(existsSync(`${out}.fleet-staging`)).toBe(false);
  });

  it('a spec change is a miss; a spec with errors is never cached and leaves the cache as it was', async () => {
    const w = workspace();
    expect((await fleet(w.dir, w.env, 'synth')).code).toBe(0);
    const text = readFileSync(w.spec, 'utf8');
    writeFileSync(w.spec, text.replace('image: ghcr.io/acme/web:2.4.1', 'image: ghcr.io/acme/web:2.4.2'));
    expect((await fleet(w.dir, w.env, 'synth')).stdout).toMatch(/rendered 4 clusters into out\/: [1-9]\d* file\(s\) written/);
    expect(readFileSync(join(w.dir, 'out/na-1/shop/deployment.web.yaml'), 'utf8')).toContain('web:2.4.2');
    const recorded = recording(w.cacheFile);

    writeFileSync(w.spec, text.replace('    replicas: 8\n', '    replica: 8\n'));
    const broken = await fleet(w.dir, w.env, 'synth');
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('error schema_unknown_field');
    expect(recording(w.cacheFile)).toBe(recorded);
    expect((await fleet(w.dir, w.env, 'synth')).code).toBe(1); // still compiled, still an error

    writeFileSync(w.spec, text.replace('image: ghcr.io/acme/web:2.4.1', 'image: ghcr.io/acme/web:2.4.2'));
    expect((await fleet(w.dir, w.env, 'synth')).stdout).toMatch(/: 0 file\(s\) written, 0 removed/);
    expect(recording(w.cacheFile)).toBe(recorded); // the spec is back as it was recorded: a hit
  });

  it('FLEET_CACHE=0 and --no-cache turn it off', async () => {
    const w = workspace();
    expect((await fleet(w.dir, { ...w.env, FLEET_CACHE: '0' }, 'synth')).code).toBe(0);
    expect((await fleet(w.dir, w.env, 'synth', '--no-cache')).code).toBe(0);
    expect(existsSync(w.cacheDir)).toBe(false);

    // Neither reads it: a record that no longer matches out/ is not trusted by mistake either way.
    expect((await fleet(w.dir, w.env, 'synth')).code).toBe(0);
    const recorded = recording(w.cacheFile);
    const file = join(w.dir, 'out/na-1/shop/deployment.web.yaml');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('web:2.4.1', 'web:2.4.9'));
    expect((await fleet(w.dir, { ...w.env, FLEET_CACHE: '0' }, 'synth')).stdout).toMatch(/: 1 file\(s\) written/);
    expect(readFileSync(file, 'utf8')).toBe(original);
    expect(recording(w.cacheFile)).toBe(recorded);
  });

  it('uses node_modules/.cache/fleet in the working directory, and works without a cache where there is no node_modules', async () => {
    const w = workspace();
    const first = await fleet(w.dir, {}, 'synth');
    expect(first.code).toBe(0);
    const second = await fleet(w.dir, {}, 'synth');
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/: 0 file\(s\) written, 0 removed/);
    expect(second.stderr).toBe(first.stderr);
    expect(readdirSync(w.dir).sort()).toEqual(['out', 'policies']);

    mkdirSync(join(w.dir, 'node_modules'));
    expect((await fleet(w.dir, {}, 'synth')).code).toBe(0);
    expect(readdirSync(join(w.dir, 'node_modules/.cache/fleet'))).toEqual([w.cacheFile.split('/').pop()]);
  });
});

/**
 * Incremental synth, which the cache makes possible (it records each cluster's render inputs),
 * through the CLI: after a change to one app, synth renders only the clusters whose render inputs
 * changed and carries the others' files over, and the output is the one a clean synth writes. A
 * carried cluster is one whose files are all as the last synth wrote them: one edited by hand is
 * rendered and restored (carried, it could not be written: synth would fail).
 * test/fuzz/incremental.test.ts holds the same over random fleets.
 */
describe('incremental synth', () => {
  /** A scratch copy of the default spec as it is, with a cache folder of its own. */
  function defaultSpec() {
    const dir = tempDir('fleet-incremental-');
    cpSync(join(ROOT, 'policies'), join(dir, 'policies'), { recursive: true });
    return { dir, spec: join(dir, 'policies/fleet-spec.yaml'), env: { FLEET_CACHE_DIR: join(dir, 'cache') } };
  }

  /**
   * In a copy of the default spec: synth; edit `edited` in out/ by hand (header kept: still
   * fleet's file); replace `from` with `to` in the spec; synth again. What that synth printed, what
   * its compile carried and rendered in part, and which files differ from the first synth's
   * (checked to be what a clean synth writes).
   */
  async function synthAfterEdit(edited: string, from: string, to: string) {
    const w = defaultSpec();
    expect((await fleet(w.dir, w.env, 'synth')).code).toBe(0);
    const out = join(w.dir, 'out');
    const before = files(out);
    writeFileSync(join(out, edited), `${before.get(edited)}# edited\n`);
    const spec = readFileSync(w.spec, 'utf8');
    expect(spec).toContain(from);
    writeFileSync(w.spec, spec.replace(from, to));
    const incremental = await fleet(w.dir, w.env, 'synth');
    expect(incremental.code).toBe(0);
    const kept = { partlyRendered: partlyRenderedByCompile.at(-1), carried: carriedByCompile.at(-1) };
    expect((await fleet(w.dir, w.env, 'synth', '--out', 'clean', '--no-cache', 'policies')).code).toBe(0);
    const after = files(out);
    expect(after, 'what a clean synth writes').toEqual(files(join(w.dir, 'clean')));
    const changed = [...after].filter(([path, text]) => before.get(path) !== text).map(([path]) => path);
    return { stdout: incremental.stdout, ...kept, changed: changed.sort() };
  }

  it('after a one-app change, writes what a clean synth writes, restoring a hand-edited cluster', async () => {
    // sea-1, which the change does not touch, edited by hand.
    const run = await synthAfterEdit('sea-1/shop/service.web.yaml', 'image: ghcr.io/acme/orders-db:15.4', 'image: ghcr.io/acme/orders-db:15.5');
    // Of eu-1, where the app runs, only its workloads were rendered, the rest carried; the other clusters but the edited one were carried whole.
    expect(run.partlyRendered).toEqual(['eu-1']);
    expect(run.carried).toEqual(['eu-1/', 'na-1/', 'na-2/']);
    // The StatefulSet, the lock, and the edited file put back.
    expect(run.stdout).toMatch(/: 3 file\(s\) written, 0 removed/);
    expect(run.changed).toEqual(['eu-1/payments/statefulset.orders-db.yaml', 'fleet.lock.json']);
  });

  it('after a change to an app in every cluster, renders only its workloads there, and writes what a clean synth writes, restoring a hand-edited cluster', async () => {
    // eu-1, where the app runs, edited by hand: it is rendered whole, and the file put back.
    const run = await synthAfterEdit('eu-1/shop/service.web.yaml', 'image: ghcr.io/acme/web:2.4.1', 'image: ghcr.io/acme/web:2.5.0');
    expect(run.partlyRendered).toEqual(['na-1', 'na-2', 'sea-1']);
    expect(run.carried).toEqual(['na-1/', 'na-2/', 'sea-1/']);
    expect(run.stdout).toMatch(/: 6 file\(s\) written, 0 removed/);
    expect(run.changed).toEqual(['eu-1/shop/deployment.web.yaml', 'fleet.lock.json', 'na-1/shop/deployment.web.yaml', 'na-2/shop/deployment.web.yaml', 'sea-1/shop/deployment.web.yaml']);
  });

  it("carries a cluster with an app's own manifests and overrides' patches, and still finds where each patch applies", async () => {
    // KubeFed's nginx sample: a manifests folder (a ConfigMap), a patch for both clusters, one for cluster2's ConfigMap.
    const dir = tempDir('fleet-incremental-patches-');
    cpSync(join(ROOT, 'examples/kubefed-nginx'), dir, { recursive: true, filter: (path) => !path.includes('/out') });
    const env = { FLEET_CACHE_DIR: join(dir, 'cache') };
    const specPath = join(dir, 'fleet-spec.yaml');
    const edit = (from: string, to: string) => {
      const spec = readFileSync(specPath, 'utf8');
      expect(spec).toContain(from);
      writeFileSync(specPath, spec.replace(from, to));
    };
    /** Synth after an edit: what it carried, and which files it changed. */
    const synthAfter = async (from: string, to: string) => {
      const before = files(join(dir, 'out'));
      edit(from, to);
      const run = await fleet(dir, env, 'synth', 'fleet-spec.yaml');
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      rmSync(join(dir, 'clean'), { recursive: true, force: true });
      expect((await fleet(dir, env, 'synth', 'fleet-spec.yaml', '--out', 'clean', '--no-cache')).code).toBe(0);
      const after = files(join(dir, 'out'));
      expect(after, 'what a clean synth writes').toEqual(files(join(dir, 'clean')));
      const changed = [...after].filter(([path, text]) => before.get(path) !== text).map(([path]) => path);
      return { carried: carriedByCompile.at(-2), changed: changed.sort() };
    };
    expect((await fleet(dir, env, 'synth', 'fleet-spec.yaml')).code).toBe(0);

    // cluster2 alone changes: cluster1, with the app's ConfigMap and the node-port patch, is carried.
    expect(await synthAfter('    replicas: 5\n', '    replicas: 6\n')).toEqual({ carried: ['cluster1/'], changed: ['cluster2/test-namespace/deployment.nginx.yaml', 'fleet.lock.json'] });
    // cluster1 alone changes: cluster2's ConfigMap patch applies in no cluster rendered, so cluster2 is rendered to find it applies there.
    expect(await synthAfter('\noverrides:\n', '\noverrides:\n  - { name: cluster1, apps: { names: [nginx] }, clusters: { names: [cluster1] }, replicas: 4 }\n')).toEqual({
      carried: [],
      changed: ['cluster1/test-namespace/deployment.nginx.yaml', 'fleet.lock.json'],
    });
    expect(files(join(dir, 'out')).get('cluster2/test-namespace/configmap.test-configmap.yaml')).toContain('foo: bar');
  });
});

describe('the stamp check on a thread of its own (dist/)', () => {
  it('finds what checkStamps finds, for a record large enough to be worth a thread', async () => {
    const { startStampCheck, THREAD_WORTH_BYTES } = (await import(join(ROOT, 'dist/cli/stamp-check.js'))) as typeof import('../../src/cli/stamp-check.js');
    const { checkStamps } = await import('../../src/cli/file-stamps.js');
    const { readTreeState } = await import('../../src/cli/synth-cache.js');
    const root = join(tempDir('fleet-stamp-thread-'), 'out');
    for (let i = 0; i < 3000; i++) {
      const folder = join(root, `c${i % 30}`, 'shop');
      if (i < 30) mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, `deployment.an-app-with-a-long-enough-name-${i}.yaml`), 'kind: Deployment\n');
    }
    const state = readTreeState(root);
    const recorded = { tree: state.entries.join('\n'), folders: state.folders };
    expect(recorded.tree.length).toBeGreaterThan(THREAD_WORTH_BYTES);
    await new Promise((resolve) => setTimeout(resolve, 30)); // the clock moves on: an edit gets new times
    writeFileSync(join(root, 'c7/shop/deployment.an-app-with-a-long-enough-name-7.yaml'), 'kind: StatefulSet\n');
    rmSync(join(root, 'c8/shop/deployment.an-app-with-a-long-enough-name-8.yaml'));
    const pending = startStampCheck(root, recorded);
    expect(pending.onThread).toBe(true);
    const found = pending.result();
    expect(found).toEqual(checkStamps(root, recorded));
    expect([...found.changedFiles].sort()).toEqual(['c7/shop/deployment.an-app-with-a-long-enough-name-7.yaml', 'c8/shop/deployment.an-app-with-a-long-enough-name-8.yaml']);
    expect(found.changedFolders).toEqual(['c8/shop']);
  });
});

describe('the synth cache of bin/fleet.js', () => {
  it('is keyed by the build in dist/: a second synth is a hit, as in-process runs are; after a one-app change, writes what a clean synth writes and prints what it prints, also when a carried cluster was edited by hand', async () => {
    const w = workspace();
    const out = join(w.dir, 'out');
    expect(binary(w.dir, w.env, 'synth').code).toBe(0);
    const first = recording(w.cacheFile);
    const compiled = binary(w.dir, w.env, 'synth', '--no-cache');
    expect(compiled.stdout).toMatch(/: 0 file\(s\) written, 0 removed/);
    expect(binary(w.dir, w.env, 'synth')).toEqual(compiled);
    expect(recording(w.cacheFile)).toBe(first);

    const before = files(out);
    expect(readFileSync(w.spec, 'utf8')).toContain('image: ghcr.io/acme/orders-db:15.4');
    for (const [from, to] of [
      ['orders-db:15.4', 'orders-db:15.5'],
      ['orders-db:15.5', 'orders-db:15.6'],
    ]) {
      writeFileSync(w.spec, readFileSync(w.spec, 'utf8').replace(from, to));
      // The second time, a cluster the change does not touch was edited by hand: the compile that assumed it intact is dropped.
      if (from.endsWith('15.5')) writeFileSync(join(out, 'sea-1/shop/service.web.yaml'), `${before.get('sea-1/shop/service.web.yaml')}# edited\n`);
      const incremental = binary(w.dir, w.env, 'synth');
      const clean = await fleet(w.dir, w.env, 'synth', '--out', `clean-${to}`, '--no-cache', 'policies'); // in this process: quicker
      expect(incremental.code).toBe(0);
      expect(incremental.stderr).toBe(clean.stderr);
      expect(incremental.stderr).toContain('nobody-to-web'); // the spec's warning, printed once
      expect(incremental.stdout).toMatch(from.endsWith('15.5') ? /: 3 file\(s\) written, 0 removed/ : /: 2 file\(s\) written, 0 removed/);
      expect(files(out)).toEqual(files(join(w.dir, `clean-${to}`)));
    }
    // What the incremental synth recorded (the stamps of the clusters it carried over, kept) makes the next synth a hit...
    const recorded = recording(w.cacheFile);
    expect(binary(w.dir, w.env, 'synth').stdout).toMatch(/: 0 file\(s\) written, 0 removed/);
    expect(recording(w.cacheFile)).toBe(recorded);
    // ...and a file added since in a folder of a cluster it carried over (whose folders' stamps were kept) a miss.
    writeFileSync(join(out, 'na-1/shop/notes.txt'), 'mine\n');
    expect(binary(w.dir, w.env, 'synth').code).toBe(0);
    expect(recording(w.cacheFile)).not.toBe(recorded);
  });
});
