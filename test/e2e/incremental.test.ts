import { cpSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { fleetCliIn } from '../helpers/cli.js';

/**
 * Incremental synth through the CLI (fleetCli, in this process): after a change to one app, synth
 * renders only the clusters whose render inputs changed and carries the others' files over, and
 * the output is the one a clean synth writes. A carried cluster is one whose files are all as the
 * last synth wrote them: one edited by hand is rendered and restored (carried, it could not be
 * written: synth would fail). test/fuzz/incremental.test.ts holds the same over random fleets.
 */

// Run from src/, fleet has no dist/build-id.json and so keeps no cache (synth-cache.ts): give it one, as the built binary has.
vi.mock('../../src/cli/synth-cache.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/cli/synth-cache.js')>();
  const openSynthCache: typeof real.openSynthCache = (spec, out, options = {}) => real.openSynthCache(spec, out, { buildId: 'fleet-test-build', ...options });
  return { ...real, openSynthCache };
});

const ROOT = new URL('../../', import.meta.url).pathname;
const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function workspace() {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'fleet-incremental-')));
  scratch.push(dir);
  cpSync(join(ROOT, 'policies'), join(dir, 'policies'), { recursive: true });
  return { dir, spec: join(dir, 'policies/fleet-spec.yaml'), env: { FLEET_CACHE_DIR: join(dir, 'cache') } };
}

/** `fleet ...args` in `cwd` with `env`, in this process (see fleetCliIn). */
const fleet = fleetCliIn;

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

describe('incremental synth', () => {
  it('after a one-app change, writes what a clean synth writes, restoring a hand-edited cluster', async () => {
    const w = workspace();
    expect((await fleet(w.dir, w.env, 'synth')).code).toBe(0);
    const out = join(w.dir, 'out');
    const before = files(out);
    // A cluster the change below does not touch, edited by hand (header kept: still fleet's file).
    const edited = join(out, 'sea-1/shop/service.web.yaml');
    writeFileSync(edited, `${before.get('sea-1/shop/service.web.yaml')}# edited\n`);
    const spec = readFileSync(w.spec, 'utf8');
    expect(spec).toContain('image: ghcr.io/acme/orders-db:15.4');
    writeFileSync(w.spec, spec.replace('image: ghcr.io/acme/orders-db:15.4', 'image: ghcr.io/acme/orders-db:15.5'));

    const incremental = await fleet(w.dir, w.env, 'synth');
    expect(incremental.code).toBe(0);
    // The StatefulSet, the lock, and the edited file put back.
    expect(incremental.stdout).toMatch(/: 3 file\(s\) written, 0 removed/);
    expect((await fleet(w.dir, w.env, 'synth', '--out', 'clean', '--no-cache', 'policies')).code).toBe(0);
    const after = files(out);
    expect(after).toEqual(files(join(w.dir, 'clean')));
    expect(
      [...after]
        .filter(([path, text]) => before.get(path) !== text)
        .map(([path]) => path)
        .sort(),
    ).toEqual(['eu-1/payments/statefulset.orders-db.yaml', 'fleet.lock.json']);
  });
});
