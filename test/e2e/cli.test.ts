import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { fleetCli } from '../helpers/cli.js';

/**
 * The fleet CLI on a scratch copy of the project's default spec: in this process (fleetCli, the
 * program bin/fleet.js runs, from src/), and once through the real binary (bin/fleet.js over the
 * compiled dist/, as `npx fleet` runs it; `npm test` builds dist/ first) for what only a process
 * shows: its exit code and which stream each line goes to.
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/fleet.js');
const home = process.cwd();
const scratch: string[] = [];
afterEach(() => process.chdir(home));

/** A scratch folder holding a copy of policies/, the working directory from now on. */
function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-e2e-'));
  scratch.push(dir);
  cpSync(join(ROOT, 'policies'), join(dir, 'policies'), { recursive: true });
  process.chdir(dir);
  return dir;
}

const fleet = fleetCli;

function binary(cwd: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Every file under `dir` with its bytes and modification time. */
function snapshot(dir: string): Map<string, { bytes: string; mtime: number }> {
  const files = new Map<string, { bytes: string; mtime: number }>();
  const walk = (prefix: string) => {
    for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else files.set(path, { bytes: readFileSync(join(dir, path), 'utf8'), mtime: statSync(join(dir, path)).mtimeMs });
    }
  };
  walk('');
  return files;
}

const bytesOf = (tree: Map<string, { bytes: string }>) => new Map([...tree].map(([k, v]) => [k, v.bytes]));

afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe('fleet CLI', () => {
  it('renders the default fleet into one folder per cluster, byte-identical on every run', async () => {
    const dir = workspace();
    const first = await fleet('synth');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const clusters = readdirSync(join(dir, 'out')).filter((name) => statSync(join(dir, 'out', name)).isDirectory());
    expect(clusters.length).toBeGreaterThanOrEqual(3);
    for (const cluster of clusters) expect(existsSync(join(dir, 'out', cluster, 'kustomization.yaml'))).toBe(true);
    const before = snapshot(join(dir, 'out'));

    rmSync(join(dir, 'out'), { recursive: true });
    expect((await fleet('synth')).code).toBe(0);
    expect(bytesOf(snapshot(join(dir, 'out')))).toEqual(bytesOf(before));

    // A run with nothing to change touches nothing.
    const settled = snapshot(join(dir, 'out'));
    expect((await fleet('synth')).stdout).toMatch(/0 file\(s\) written, 0 removed/);
    expect(snapshot(join(dir, 'out'))).toEqual(settled);
  });

  it('synth --check passes on a fresh tree and fails, writing nothing, after a spec edit', async () => {
    const dir = workspace();
    expect((await fleet('synth')).code).toBe(0);
    expect((await fleet('synth', '--check')).code).toBe(0);

    const spec = join(dir, 'policies/fleet-spec.yaml');
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('image: ghcr.io/acme/web:2.4.1', 'image: ghcr.io/acme/web:2.4.2'));
    const before = snapshot(join(dir, 'out'));
    const check = await fleet('synth', '--check');
    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/changed: out\/na-1\/shop\/deployment\.web\.yaml/);
    expect(snapshot(join(dir, 'out'))).toEqual(before);
  });

  it('reports every error in a bad spec at file:line:col, exits 1 and leaves out/ untouched', async () => {
    const dir = workspace();
    expect((await fleet('synth')).code).toBe(0);
    const before = snapshot(join(dir, 'out'));
    const spec = join(dir, 'policies/fleet-spec.yaml');
    const broken = readFileSync(spec, 'utf8')
      .replace('    replicas: 8\n', '    replica: 8\n') // catalog: a typo'd field
      .replace('    replicas: 6\n', '    replicas: six\n') // cart: a wrong type
      .replace('clusters: { names: [na-1, eu-1] }', 'clusters: { names: [na-1, eu-9] }'); // an unknown cluster
    writeFileSync(spec, broken);
    const lineOf = (needle: string) => broken.split('\n').findIndex((l) => l.includes(needle)) + 1;

    const result = await fleet('synth');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`policies/fleet-spec.yaml:${lineOf('replica: 8')}:5: error schema_unknown_field`);
    expect(result.stderr).toContain(`policies/fleet-spec.yaml:${lineOf('replicas: six')}:15: error schema_wrong_type`);
    expect(result.stderr).toMatch(new RegExp(`policies/fleet-spec.yaml:${lineOf('eu-9')}:\\d+: error spec_unknown_cluster`));
    expect(result.stderr).toContain('help: did you mean `replicas`?');
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(snapshot(join(dir, 'out'))).toEqual(before);
  });

  it('never overwrites a file it did not write, and keeps hand-written files', async () => {
    const dir = workspace();
    expect((await fleet('synth')).code).toBe(0);
    writeFileSync(join(dir, 'out/na-1/README.md'), 'notes by a human\n');
    const target = join(dir, 'out/na-1/shop/deployment.web.yaml');
    rmSync(join(dir, 'out/fleet.lock.json'));
    writeFileSync(target, 'kind: Handwritten\n');
    const refused = await fleet('synth');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/out\/na-1\/shop\/deployment\.web\.yaml:1:1: error emit_would_overwrite/);
    expect(readFileSync(target, 'utf8')).toBe('kind: Handwritten\n');

    rmSync(target);
    expect((await fleet('synth')).code).toBe(0);
    expect(readFileSync(join(dir, 'out/na-1/README.md'), 'utf8')).toBe('notes by a human\n');
  });

  it('prunes files it owns when an app leaves a cluster', async () => {
    const dir = workspace();
    expect((await fleet('synth')).code).toBe(0);
    expect(existsSync(join(dir, 'out/sea-1/shop/deployment.web.yaml'))).toBe(true);
    const spec = join(dir, 'policies/fleet-spec.yaml');
    const text = readFileSync(spec, 'utf8');
    const rule = '  - name: frontend-everywhere\n    apps: { matchLabels: { tier: frontend } }\n    clusters: { matchLabels: { env: prod } }';
    expect(text).toContain(rule);
    writeFileSync(spec, text.replace(rule, rule.replace('{ env: prod } }', '{ env: prod }, exclude: [sea-1] }')));
    const result = await fleet('synth');
    expect(result.code).toBe(0);
    expect(existsSync(join(dir, 'out/sea-1/shop/deployment.web.yaml'))).toBe(false);
    expect(existsSync(join(dir, 'out/na-1/shop/deployment.web.yaml'))).toBe(true);
  });

  it('refuses input that is not UTF-8, and files over the size limit, quickly and with a location', async () => {
    const dir = workspace();
    const spec = join(dir, 'policies/fleet-spec.yaml');
    writeFileSync(spec, Buffer.concat([Buffer.from('apiVersion: fleet/v1alpha1\nkind: Fleet\nmetadata:\n  name: caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    const latin1 = await fleet('validate');
    expect(latin1.code).toBe(1);
    expect(latin1.stderr).toContain('policies/fleet-spec.yaml:4:12: error yaml_not_utf8: the file is not UTF-8 text (invalid byte 0xe9)');

    writeFileSync(spec, `# ${'x'.repeat(33 * 1024 * 1024)}\n`);
    const started = Date.now();
    const huge = await fleet('validate');
    expect(huge.code).toBe(1);
    expect(huge.stderr).toContain('error yaml_too_large');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('leaves nothing behind when a first synth meets spec errors: no out/, no staging folder', async () => {
    const dir = workspace();
    const spec = join(dir, 'policies', 'fleet-spec.yaml');
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('apiVersion: fleet/v1alpha1', 'apiVersion: fleet/v9'));
    const result = await fleet('synth');
    expect(result.code).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(['policies']);
  });

  it('exits 2 on usage errors and 0 for --help', async () => {
    workspace();
    expect((await fleet('synt')).code).toBe(2);
    expect((await fleet('plan', '--format', 'yaml')).code).toBe(2);
    expect((await fleet('validate', 'no/such/spec')).code).toBe(2);
    expect((await fleet('--help')).code).toBe(0);
  });

  it('prints the plan as text, JSON and Markdown, and explains an app', async () => {
    workspace();
    const json = await fleet('plan', '--format', 'json');
    expect(json.code).toBe(0);
    const plan = JSON.parse(json.stdout) as { apps: { namespace: string; name: string; clusters: Record<string, number> }[] };
    const web = plan.apps.find((a) => a.name === 'web')!;
    expect(web.namespace).toBe('shop');
    expect(Object.values(web.clusters).every((n) => n > 0)).toBe(true);
    expect((await fleet('plan')).stdout).toMatch(/^APP\s+RULE\s+STRATEGY/);
    expect((await fleet('plan', '--format', 'markdown')).stdout).toMatch(/^\| APP \| RULE \|/);
    const explain = await fleet('explain', 'payments');
    expect(explain.code).toBe(0);
    expect(explain.stdout).toMatch(/sea-1\s+-\s+-\s+skipped: did not match expression/);
    expect((await fleet('explain', 'paymnts')).stderr).toContain('did you mean `payments`?');
  });
});

describe('bin/fleet.js', () => {
  it('exits 0 with its summary on stdout, 1 with located errors on stderr and no stack, 2 on a usage error', () => {
    const dir = workspace();
    const synth = binary(dir, 'synth');
    expect(synth.stderr).toBe('');
    expect(synth.code).toBe(0);
    expect(synth.stdout).toMatch(/^fleet: rendered \d+ clusters into out\/: \d+ file\(s\) written, 0 removed/);
    expect(existsSync(join(dir, 'out/na-1/kustomization.yaml'))).toBe(true);

    const spec = join(dir, 'policies/fleet-spec.yaml');
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('    replicas: 8\n', '    replica: 8\n'));
    const invalid = binary(dir, 'validate');
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toBe('');
    expect(invalid.stderr).toMatch(/^policies\/fleet-spec\.yaml:\d+:5: error schema_unknown_field/m);
    expect(invalid.stderr).not.toMatch(/\n\s+at /);

    const usage = binary(dir, 'synt');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("unknown command 'synt'");
  });
});
