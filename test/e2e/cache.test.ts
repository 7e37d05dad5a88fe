import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The synth cache through the real `fleet` binary (bin/fleet.js over dist/, built with its
 * dist/build-id.json by `npm run build`), in scratch copies of the default spec. The cache goes to
 * a scratch FLEET_CACHE_DIR, never into the repository.
 *
 * A hit is told from a miss by the cache file: every miss that succeeds records the run again
 * (a new file renamed into place, so a new inode); a hit leaves it as it is.
 */
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

function fleet(cwd: string, env: Record<string, string>, ...args: string[]) {
  const base = { ...process.env };
  delete base.FLEET_CACHE;
  delete base.FLEET_CACHE_DIR;
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...base, ...env } });
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

/** The recorded run's identity: changes whenever a synth records (misses), not on a hit. */
const recording = (file: string) => statSync(file).ino;

describe('the synth cache', () => {
  it('a second synth is a hit: the same warnings and summary, and nothing touched', () => {
    const w = workspace();
    const first = fleet(w.dir, w.env, 'synth');
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('warning traffic_selector_matches_nothing');
    expect(existsSync(w.cacheFile)).toBe(true);
    const recorded = recording(w.cacheFile);

    // What a synth with nothing to change prints when it compiles.
    const compiled = fleet(w.dir, w.env, 'synth', '--no-cache');
    expect(compiled.stdout).toMatch(/^fleet: rendered 4 clusters into out\/: 0 file\(s\) written, 0 removed, \d+ unchanged\n$/);
    const out = snapshot(join(w.dir, 'out'));

    const hit = fleet(w.dir, w.env, 'synth');
    expect(hit).toEqual(compiled);
    expect(recording(w.cacheFile)).toBe(recorded);
    expect(snapshot(join(w.dir, 'out'))).toEqual(out);

    // --check uses the same hit.
    const check = fleet(w.dir, w.env, 'synth', '--check');
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/^fleet: out\/ is up to date \(4 clusters, \d+ files\)\n$/);
    expect(check.stderr).toBe(compiled.stderr);
    expect(fleet(w.dir, w.env, 'synth', '--check', '--no-cache')).toEqual(check);
    expect(recording(w.cacheFile)).toBe(recorded);
    expect(snapshot(join(w.dir, 'out'))).toEqual(out);
  });

  it('restores an edited, deleted or added output file: any change under out/ is a miss', () => {
    const w = workspace();
    expect(fleet(w.dir, w.env, 'synth').code).toBe(0);
    const out = join(w.dir, 'out');
    const original = readFileSync(join(out, 'na-1/shop/deployment.web.yaml'), 'utf8');
    expect(original).toContain('ghcr.io/acme/web:2.4.1');

    // A same-size edit, right after the synth.
    writeFileSync(join(out, 'na-1/shop/deployment.web.yaml'), original.replace('web:2.4.1', 'web:2.4.9'));
    const edited = fleet(w.dir, w.env, 'synth');
    expect(edited.stdout).toMatch(/: 1 file\(s\) written, 0 removed/);
    expect(readFileSync(join(out, 'na-1/shop/deployment.web.yaml'), 'utf8')).toBe(original);

    rmSync(join(out, 'eu-1/kustomization.yaml'));
    expect(fleet(w.dir, w.env, 'synth').stdout).toMatch(/: 1 file\(s\) written, 0 removed/);
    expect(existsSync(join(out, 'eu-1/kustomization.yaml'))).toBe(true);

    // A hand-written file is kept, and the next run records it.
    let recorded = recording(w.cacheFile);
    writeFileSync(join(out, 'na-1/README.md'), 'notes\n');
    expect(fleet(w.dir, w.env, 'synth').stdout).toMatch(/: 0 file\(s\) written, 0 removed/);
    expect(recording(w.cacheFile)).not.toBe(recorded);
    recorded = recording(w.cacheFile);
    expect(fleet(w.dir, w.env, 'synth').code).toBe(0);
    expect(recording(w.cacheFile)).toBe(recorded);
    expect(readFileSync(join(out, 'na-1/README.md'), 'utf8')).toBe('notes\n');

    // An interrupted write left behind: compile, and clean it up as usual.
    mkdirSync(`${out}.fleet-staging`);
    expect(fleet(w.dir, w.env, 'synth').code).toBe(0);
    expect(recording(w.cacheFile)).not.toBe(recorded);
    expect(existsSync(`${out}.fleet-staging`)).toBe(false);
  });

  it('a spec change is a miss; a spec with errors is never cached and leaves the cache as it was', () => {
    const w = workspace();
    expect(fleet(w.dir, w.env, 'synth').code).toBe(0);
    const text = readFileSync(w.spec, 'utf8');
    writeFileSync(w.spec, text.replace('image: ghcr.io/acme/web:2.4.1', 'image: ghcr.io/acme/web:2.4.2'));
    expect(fleet(w.dir, w.env, 'synth').stdout).toMatch(/rendered 4 clusters into out\/: [1-9]\d* file\(s\) written/);
    expect(readFileSync(join(w.dir, 'out/na-1/shop/deployment.web.yaml'), 'utf8')).toContain('web:2.4.2');
    const recorded = recording(w.cacheFile);

    writeFileSync(w.spec, text.replace('    replicas: 8\n', '    replica: 8\n'));
    const broken = fleet(w.dir, w.env, 'synth');
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('error schema_unknown_field');
    expect(recording(w.cacheFile)).toBe(recorded);
    expect(fleet(w.dir, w.env, 'synth').code).toBe(1); // still compiled, still an error

    writeFileSync(w.spec, text.replace('image: ghcr.io/acme/web:2.4.1', 'image: ghcr.io/acme/web:2.4.2'));
    expect(fleet(w.dir, w.env, 'synth').stdout).toMatch(/: 0 file\(s\) written, 0 removed/);
    expect(recording(w.cacheFile)).toBe(recorded); // the spec is back as it was recorded: a hit
  });

  it('FLEET_CACHE=0 and --no-cache turn it off', () => {
    const w = workspace();
    expect(fleet(w.dir, { ...w.env, FLEET_CACHE: '0' }, 'synth').code).toBe(0);
    expect(fleet(w.dir, w.env, 'synth', '--no-cache').code).toBe(0);
    expect(existsSync(w.cacheDir)).toBe(false);

    // Neither reads it: a record that no longer matches out/ is not trusted by mistake either way.
    expect(fleet(w.dir, w.env, 'synth').code).toBe(0);
    const recorded = recording(w.cacheFile);
    const file = join(w.dir, 'out/na-1/shop/deployment.web.yaml');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('web:2.4.1', 'web:2.4.9'));
    expect(fleet(w.dir, { ...w.env, FLEET_CACHE: '0' }, 'synth').stdout).toMatch(/: 1 file\(s\) written/);
    expect(readFileSync(file, 'utf8')).toBe(original);
    expect(recording(w.cacheFile)).toBe(recorded);
  });

  it('uses node_modules/.cache/fleet in the working directory, and works without a cache where there is no node_modules', () => {
    const w = workspace();
    const first = fleet(w.dir, {}, 'synth');
    expect(first.code).toBe(0);
    const second = fleet(w.dir, {}, 'synth');
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/: 0 file\(s\) written, 0 removed/);
    expect(second.stderr).toBe(first.stderr);
    expect(readdirSync(w.dir).sort()).toEqual(['out', 'policies']);

    mkdirSync(join(w.dir, 'node_modules'));
    expect(fleet(w.dir, {}, 'synth').code).toBe(0);
    expect(readdirSync(join(w.dir, 'node_modules/.cache/fleet'))).toEqual([w.cacheFile.split('/').pop()]);
  });
});
