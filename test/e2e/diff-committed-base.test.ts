import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetCli } from '../helpers/cli.js';

/**
 * `fleet diff --base REF` reads the output committed at REF when its lock records that it was
 * rendered from the spec committed with it (`inputs`), and renders that spec only otherwise. Both
 * ways must give the same report. A scratch git repository holds the default fleet, with commits:
 *
 *   current   the spec and its synth'd out/ (the lock's `inputs` is the spec's)
 *   stale     the same spec with a comment added, out/ not synth'd again (the lock's `inputs` is not the spec's)
 *   edited    the spec of `current`, with one committed file of out/ edited by hand
 *   ignored   the spec of `current`, with out/ kept out of git but for its lock
 */
const BIN = new URL('../../bin/fleet.js', import.meta.url).pathname;
let repo: string;
const refs: Record<'current' | 'stale' | 'edited' | 'ignored', string> = { current: '', stale: '', edited: '', ignored: '' };
const SPEC = () => join(repo, 'policies/fleet-spec.yaml');
/** A file of out/ that the head's change (the catalog's image) changes. */
const EDITED_FILE = 'out/na-1/shop/deployment.catalog.yaml';

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, encoding: 'utf8' });
}

const commit = (message: string) => {
  git('add', '-A');
  git('commit', '--quiet', '-m', message);
  return git('rev-parse', 'HEAD').trim();
};

const fleet = (...args: string[]) => fleetCli(...args);
/**
 * `fleet diff` against `base` in `format`, run once per head: its report is a function of the
 * repository, the spec and out/ (the synth cache is off in this process; out/ is only ever
 * written by synth here, so its lock stands for it), and the tests that read the same report
 * share one run.
 */
const reports = new Map<string, ReturnType<typeof fleetCli>>();
const diff = (base: string, format: string) => {
  const head = createHash('sha256')
    .update(readFileSync(SPEC()))
    .update('\0')
    .update(readFileSync(join(repo, 'out/fleet.lock.json')))
    .digest('hex');
  const key = `${base} ${format} ${head}`;
  if (!reports.has(key)) reports.set(key, fleet('diff', join(repo, 'policies'), '--base', base, '--format', format, '--max-length', '0'));
  return reports.get(key)!;
};
/** A report with the base's label taken out: the only line that names the ref. */
const unlabelled = (report: string, base: string) => report.replaceAll(new RegExp(`${base.slice(0, 7)}[0-9a-f]*`, 'g'), 'BASE');

beforeAll(async () => {
  repo = mkdtempSync(join(tmpdir(), 'fleet-diff-committed-'));
  cpSync(new URL('../../policies', import.meta.url).pathname, join(repo, 'policies'), { recursive: true });
  git('init', '--quiet', '--initial-branch=main');
  git('config', 'user.name', 'fleet test');
  git('config', 'user.email', 'fleet-test@example.com');
  git('config', 'commit.gpgsign', 'false');
  expect((await fleet('synth', join(repo, 'policies'))).code).toBe(0);
  refs.current = commit('current');
  const spec = readFileSync(SPEC(), 'utf8');

  writeFileSync(SPEC(), `# a comment: the spec's bytes change, not what it renders\n${spec}`);
  refs.stale = commit('stale');
  writeFileSync(SPEC(), spec);

  const edited = readFileSync(join(repo, EDITED_FILE), 'utf8');
  writeFileSync(join(repo, EDITED_FILE), edited.replace('ghcr.io/acme/catalog:3.2.0', 'ghcr.io/acme/catalog:3.2.0-edited-by-hand'));
  refs.edited = commit('edited');
  git('checkout', '--quiet', refs.current, '--', 'out');

  git('rm', '-r', '--cached', '--quiet', 'out');
  git('add', 'out/fleet.lock.json');
  git('commit', '--quiet', '-m', 'ignored');
  refs.ignored = git('rev-parse', 'HEAD').trim();
  git('checkout', '--quiet', refs.current, '--', 'out');

  // The head: the catalog's image bumped, out/ synth'd again.
  writeFileSync(SPEC(), spec.replace('image: ghcr.io/acme/catalog:3.2.0', 'image: ghcr.io/acme/catalog:3.3.0'));
  expect((await fleet('synth', join(repo, 'policies'))).code).toBe(0);
});

afterAll(() => {
  if (repo) rmSync(repo, { recursive: true, force: true });
});

describe('fleet diff --base REF: the committed output, when it is current', () => {
  it('the lock records what it was rendered from, and diff says which base it used', async () => {
    const lock = JSON.parse(git('show', `${refs.current}:out/fleet.lock.json`)) as { inputs?: string };
    expect(lock.inputs).toMatch(/^sha256:[0-9a-f]{64}$/);
    const sources = Object.fromEntries(
      await Promise.all(
        Object.entries(refs).map(async ([name, ref]) => {
          const { code, stdout, stderr } = await diff(ref, 'json');
          expect(stderr, name).not.toMatch(/: error /);
          expect(code, name).toBe(1);
          return [name, (JSON.parse(stdout) as { baseSource: string }).baseSource];
        }),
      ),
    );
    expect(sources).toEqual({ current: 'committed', stale: 'rendered', edited: 'committed', ignored: 'rendered' });
  });

  /**
   * The same report from the committed output and from the base spec rendered: as JSON (every
   * field of the diff) and as markdown (its cuts and ordering); text is formatted from the same diff.
   */
  const expectSameReports = async (expected: string) => {
    for (const format of ['markdown', 'json']) {
      const [committed, rendered, ignored] = await Promise.all([diff(refs.current, format), diff(refs.stale, format), diff(refs.ignored, format)]);
      expect(committed.stdout).toContain(format === 'json' ? expected.split(':')[0] : expected);
      const report = unlabelled(committed.stdout, refs.current).replace('"baseSource": "committed"', '"baseSource": "rendered"');
      expect(unlabelled(rendered.stdout, refs.stale), format).toBe(report);
      expect(unlabelled(ignored.stdout, refs.ignored), format).toBe(report);
    }
  };

  it('gives the report that rendering the base spec gives', async () => {
    await expectSameReports('catalog:3.3.0');
  });

  it('finds nothing changed when the head renders what is committed, the lock included', async () => {
    const head = readFileSync(SPEC(), 'utf8');
    writeFileSync(SPEC(), git('show', `${refs.current}:policies/fleet-spec.yaml`));
    try {
      expect((await fleet('synth', join(repo, 'policies'))).code).toBe(0);
      const { code, stdout } = await diff(refs.current, 'json');
      expect(code, stdout).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({ baseSource: 'committed', outputMatchesSpec: true, changed: false, changes: [], placement: [] });
    } finally {
      writeFileSync(SPEC(), head);
      expect((await fleet('synth', join(repo, 'policies'))).code).toBe(0);
    }
  });

  it('after a synth, reads the head from out/ (the synth cache knows it is what the spec renders) and reports the same', async () => {
    // The built CLI (dist/, as bin/fleet.js runs it): only a build has the id the synth cache keys on.
    const cacheDir = mkdtempSync(join(tmpdir(), 'fleet-diff-cache-'));
    const env: NodeJS.ProcessEnv = { ...process.env, FLEET_CACHE_DIR: cacheDir };
    delete env.FLEET_CACHE; // vitest.config.ts turns the cache off
    const bin = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: repo, encoding: 'utf8', env });
    try {
      expect(bin('synth', join(repo, 'policies')).status).toBe(0);
      expect(readdirSync(cacheDir).length).toBe(1);
      for (const format of ['markdown', 'json']) {
        const cached = bin('diff', join(repo, 'policies'), '--base', refs.current, '--format', format, '--max-length', '0');
        expect(cached.status, cached.stderr).toBe(1);
        expect(cached.stdout).toBe((await diff(refs.current, format)).stdout);
      }
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('gives that report too for replicas moved and a traffic rule added (placement from the locks, findings that look beyond the changed files)', async () => {
    const head = readFileSync(SPEC(), 'utf8');
    const moved = head
      .replace('{ clusters: { matchLabels: { geo: na } }, weight: 2 }', '{ clusters: { matchLabels: { geo: na } }, weight: 5 }')
      .replace('  - name: cart-to-checkout\n', '  - name: cart-to-catalog\n    from: [cart]\n    to: catalog\n    ports: [http]\n\n  - name: cart-to-checkout\n');
    expect(moved).not.toBe(head);
    writeFileSync(SPEC(), moved);
    try {
      expect((await fleet('synth', join(repo, 'policies'))).code).toBe(0);
      const { stdout } = await diff(refs.current, 'markdown');
      expect(stdout).toMatch(/^\| App \| .* \| Total \|$/m); // the placement table
      expect(stdout).toContain('Wider access');
      await expectSameReports('cart-to-catalog');
    } finally {
      writeFileSync(SPEC(), head);
      expect((await fleet('synth', join(repo, 'policies'))).code).toBe(0);
    }
  });

  it('compares with what is committed: a file edited by hand is the base', async () => {
    const { stdout } = await diff(refs.edited, 'text');
    const rendered = (await diff(refs.current, 'text')).stdout;
    expect(stdout).toContain('ghcr.io/acme/catalog:3.2.0-edited-by-hand');
    expect(rendered).not.toContain('edited-by-hand');
    // The hand edit is on one cluster: there the catalog changes from the edited image, elsewhere from the committed one.
    expect(stdout).toMatch(/~ Deployment shop\/catalog on na-1[^\n]*\n[^\n]*catalog:3\.2\.0-edited-by-hand → [^\n]*catalog:3\.3\.0/);
    expect(stdout).toMatch(/~ Deployment shop\/catalog on (?!na-1\b)[^\n]*\n[^\n]*catalog:3\.2\.0 → [^\n]*catalog:3\.3\.0/);
  });
});
