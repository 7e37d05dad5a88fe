import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fleetCli, fleetCliIn } from '../helpers/cli.js';

/**
 * `fleet diff` end to end: the CLI (fleetCli, the program bin/fleet.js runs, in this process) in a
 * scratch git repository holding the default fleet and its committed output.
 */
const ROOT = new URL('../../', import.meta.url).pathname;
let repo: string;
const scratch: string[] = [];

/** `fleet ...args` run in the scratch repository, as `cd $repo && fleet ...args`. */
async function fleet(...args: string[]) {
  const home = process.cwd();
  process.chdir(repo);
  try {
    return await fleetCli(...args);
  } finally {
    process.chdir(home);
  }
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, encoding: 'utf8' });
}

type Plan = { apps: { namespace: string; name: string; clusters: Record<string, number> }[] };
const placementOf = async (): Promise<Map<string, Record<string, number>>> => new Map((JSON.parse((await fleet('plan', '--format', 'json')).stdout) as Plan).apps.map((a) => [`${a.namespace}/${a.name}`, a.clusters]));

const SPEC = () => join(repo, 'policies/fleet-spec.yaml');
let original: string;

beforeAll(async () => {
  repo = mkdtempSync(join(tmpdir(), 'fleet-diff-'));
  scratch.push(repo);
  cpSync(join(ROOT, 'policies'), join(repo, 'policies'), { recursive: true });
  git('init', '--quiet', '--initial-branch=main');
  git('config', 'user.name', 'fleet test');
  git('config', 'user.email', 'fleet-test@example.com');
  git('config', 'commit.gpgsign', 'false');
  expect((await fleet('synth')).code).toBe(0);
  git('add', '-A');
  git('commit', '--quiet', '-m', 'base');
  original = readFileSync(SPEC(), 'utf8');
});

afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** Runs `body` with the spec edited by `edit`, then puts the spec back. */
async function withSpec(edit: (text: string) => string, body: () => void | Promise<void>): Promise<void> {
  const edited = edit(original);
  expect(edited).not.toBe(original);
  writeFileSync(SPEC(), edited);
  try {
    await body();
  } finally {
    writeFileSync(SPEC(), original);
  }
}

/** Raises the first static weight of a `replicas.weights` list: a one-line placement change. */
const changeOneWeight = (text: string) => text.replace(/(weights:\s*\n\s*- \{[^\n]*weight: )(\d+)/, (_, head: string, n: string) => `${head}${Number(n) + 2}`);

describe('fleet diff', () => {
  it('exits 0 and says so when the spec renders what the base rendered', async () => {
    const result = await fleet('diff', '--base', 'HEAD');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^fleet diff: HEAD@[0-9a-f]{7} → working tree \(spec policies\)\ncommitted out\/ matches the spec\nno changes\n$/);
    expect((await fleet('diff', '--base', 'HEAD', '--format', 'markdown')).stdout).toContain('**No changes**');
  });

  it('after a one-line weight change, exits 1 and shows the affected clusters with their replica moves in tables', async () => {
    const before = await placementOf();
    await withSpec(changeOneWeight, async () => {
      const after = await placementOf();
      const moves = [...after].flatMap(([app, clusters]) =>
        [...new Set([...Object.keys(clusters), ...Object.keys(before.get(app) ?? {})])]
          .map((cluster) => ({ app, cluster, from: before.get(app)?.[cluster] ?? 0, to: clusters[cluster] ?? 0 }))
          .filter((m) => m.from !== m.to),
      );
      expect(moves.length).toBeGreaterThan(0);

      const result = await fleet('diff', '--base', 'HEAD', '--format', 'markdown');
      expect(result.stderr).not.toMatch(/: error /); // warnings about the new layout are fine
      expect(result.code).toBe(1);
      const md = result.stdout;
      expect(md).toMatch(/^<!-- fleet-diff -->\n## fleet diff\n\n`HEAD@[0-9a-f]{7}` → `working tree` · spec `policies`/);
      expect(md).toContain('❌ committed `out/` does not match the spec'); // the spec changed, out/ was not re-rendered
      const arrow = (from: number, to: number) => `${from || '–'} → ${to || '–'}`;
      for (const m of moves) {
        expect(md).toMatch(new RegExp(`^\\| ${m.cluster} \\| \\d+ \\| \\d+ \\| \\d+ \\| .*${m.app} ${arrow(m.from, m.to)}`, 'm'));
        expect(md).toMatch(new RegExp(`^\\| ${m.app} \\|.* ${arrow(m.from, m.to)} \\|`, 'm'));
      }
      expect(md).toMatch(/^\| App \| .* \| Total \|$/m);
      expect(md.length).toBeLessThanOrEqual(65_536);

      const json = await fleet('diff', '--base', 'HEAD', '--format', 'json');
      expect(json.code).toBe(1);
      const report = JSON.parse(json.stdout) as { changed: boolean; outputMatchesSpec: boolean; changes: Record<string, unknown>[]; placement: { app: string; cluster: string; before: number; after: number }[] };
      expect(report.changed).toBe(true);
      expect(report.outputMatchesSpec).toBe(false);
      expect(report.placement).toEqual(expect.arrayContaining(moves.map((m) => ({ app: m.app, cluster: m.cluster, before: m.from, after: m.to }))));
      expect(report.changes.length).toBeGreaterThan(0);
      for (const change of report.changes) {
        // `entries` (list entries added, removed or reordered) is there when a list changed.
        expect(
          Object.keys(change)
            .filter((k) => k !== 'entries')
            .sort(),
        ).toEqual(['action', 'apiVersion', 'app', 'cluster', 'fields', 'kind', 'name', 'namespace', 'risk', 'specPath']);
      }
      expect(new Set(report.changes.map((c) => c.cluster))).toEqual(new Set(moves.map((m) => m.cluster)));

      // Once out/ is re-rendered, the header says the committed output matches.
      expect((await fleet('synth')).code).toBe(0);
      expect((await fleet('diff', '--base', 'HEAD', '--format', 'markdown')).stdout).toContain('✅ committed `out/` matches the spec');
      git('checkout', '--quiet', '--', 'out');
    });
  });

  it('compares with a folder holding the base output', async () => {
    const baseOut = mkdtempSync(join(tmpdir(), 'fleet-diff-base-'));
    scratch.push(baseOut);
    cpSync(join(repo, 'out'), baseOut, { recursive: true });
    writeFileSync(join(baseOut, 'README.md'), 'hand-written, not fleet output\n');
    expect((await fleet('diff', '--base', baseOut)).code).toBe(0);
    await withSpec(changeOneWeight, async () => {
      const result = await fleet('diff', '--base', baseOut, '--format', 'text');
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`fleet diff: ${baseOut} → working tree (spec policies)`);
      expect(result.stdout).toMatch(/^placement:$/m);
      expect(result.stdout).not.toContain('README.md');
    });
  });

  it('exits 2 with a diagnostic, never a stack trace, when it cannot compare', async () => {
    const badRef = await fleet('diff', '--base', 'no-such-branch');
    expect(badRef.code).toBe(2);
    expect(badRef.stderr).toContain('fleet: error diff_bad_base: `no-such-branch` is neither a folder nor a commit in the git repository of `policies`');

    const empty = mkdtempSync(join(tmpdir(), 'fleet-diff-empty-'));
    scratch.push(empty);
    const notOutput = await fleet('diff', '--base', empty);
    expect(notOutput.code).toBe(2);
    expect(notOutput.stderr).toContain('error diff_base_empty');

    expect((await fleet('diff')).code).toBe(2); // --base is required
    expect((await fleet('diff', '--base', 'HEAD', '--format', 'yaml')).code).toBe(2);

    await withSpec(
      (text) => text.replace('    replicas: 8\n', '    replica: 8\n'),
      async () => {
        const broken = await fleet('diff', '--base', 'HEAD');
        expect(broken.code).toBe(2);
        expect(broken.stderr).toMatch(/policies\/fleet-spec\.yaml:\d+:5: error schema_unknown_field/);
        expect(broken.stdout).toBe('');
      },
    );
    for (const result of [badRef, notOutput]) expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports errors in the spec at the base ref as that ref’s', async () => {
    await withSpec(
      (text) => text.replace('    replicas: 8\n', '    replica: 8\n'),
      () => {
        git('commit', '--quiet', '-am', 'broken spec');
      },
    );
    git('commit', '--quiet', '-am', 'fixed spec');
    const result = await fleet('diff', '--base', 'HEAD~1');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/HEAD~1:policies\/fleet-spec\.yaml:\d+:5: error schema_unknown_field/);
    expect(result.stderr).toContain('error diff_base_invalid: the spec at HEAD~1@');
  });

  it('runs every fleet command of the CI recipe (examples/ci) as written', async () => {
    const workflow = parse(readFileSync(join(ROOT, 'examples/ci/github-actions.yaml'), 'utf8')) as { jobs: { fleet: { steps: { run?: string }[] } } };
    const scripts = workflow.jobs.fleet.steps.flatMap((step) => step.run ?? []).join('\n');
    const commands = [...scripts.matchAll(/npx fleet ([^\n>|]+)/g)].map((m) => m[1].replaceAll('"$BASE"', 'origin/main').trim().split(/\s+/));
    expect(commands.map((args) => args[0])).toEqual(['diff', 'diff', 'synth', 'validate']);
    git('remote', 'add', 'origin', repo);
    git('fetch', '--quiet', 'origin');
    for (const args of commands) {
      const result = await fleet(...args);
      expect(result.stderr, `fleet ${args.join(' ')}`).toBe('');
      expect(result.code, `fleet ${args.join(' ')}`).toBe(0);
    }
  });
});

describe('fleet diff refuses what it cannot honour (issue 18 item 18)', () => {
  it('a --max-length too small for the marker and the notice is a usage error, not a longer report', async () => {
    const { code, stderr } = await fleetCli('diff', 'policies', '--base', 'out', '--format', 'markdown', '--max-length', '10');
    expect(code).toBe(2);
    expect(stderr).toContain('at least 500 characters');
  });

  it('--base at a folder above the output (the repository root) is diff_base_empty with the way out, not a cluster named `out`', async () => {
    const { code, stderr, stdout } = await fleetCli('diff', 'policies', '--base', '.');
    expect(code).toBe(2);
    expect(stderr).toContain('diff_base_empty');
    expect(stderr).toContain('--base out');
    expect(stdout).not.toMatch(/\bout\b.*cluster|cluster.*\bout\//);
  });
});

type JsonChange = { cluster: string; apiVersion: string; kind: string; name: string; action: string; fields: string[]; entries: { path: string; action: string }[] };

describe('fleet diff matches list entries by identity (issue 16 item 4)', () => {
  const diffHere = (format: string) => fleetCli('diff', join(repo, 'policies'), '--base', 'HEAD', '--out', join(repo, 'out'), '--format', format);

  it('a new traffic rule whose Calico rules sort first reads as added rules, not as every later rule rewritten', async () => {
    // cart-to-catalog comes before cart-to-checkout, so its rules come first in cart-egress.
    const addRule = (text: string) => text.replace('  - name: cart-to-checkout\n', '  - name: cart-to-catalog\n    from: [cart]\n    to: catalog\n    ports: [http]\n\n  - name: cart-to-checkout\n');
    await withSpec(addRule, async () => {
      const json = await diffHere('json');
      expect(json.stderr).not.toMatch(/: error /);
      expect(json.code).toBe(1);
      const changes = (JSON.parse(json.stdout) as { changes: JsonChange[] }).changes;
      const policies = changes.filter((c) => c.apiVersion === 'projectcalico.org/v3' && c.kind === 'NetworkPolicy');
      expect(new Set(policies.map((c) => c.name))).toEqual(new Set(['cart-egress', 'catalog-ingress']));
      for (const policy of policies) {
        // Every difference is a whole rule added: no rule's selector or ports "changed".
        expect(policy.action).toBe('change');
        expect(policy.entries.length).toBeGreaterThan(0);
        expect(policy.entries.every((e) => e.action === 'add')).toBe(true);
        expect(policy.fields).toEqual(policy.entries.map((e) => e.path));
      }
      const routes = changes.find((c) => c.kind === 'VirtualService' && c.name === 'catalog')!;
      // The new route matches first (Istio uses the first http route that matches): the order is shown.
      expect(routes.entries).toEqual(
        expect.arrayContaining([
          { path: 'spec.http', action: 'reorder' },
          { path: 'spec.http[name=cart-to-catalog]', action: 'add' },
        ]),
      );

      const text = (await diffHere('text')).stdout;
      const ruleLines = text.split('\n').filter((l) => /^ {6}spec\.(ingress|egress)\[/.test(l));
      expect(ruleLines.length).toBeGreaterThan(0);
      for (const line of ruleLines) expect(line).toMatch(/^ {6}spec\.(ingress|egress)\[\d+\]: added \{.*"fleet\.io\/traffic-rule":"cart-to-catalog"/);
    });
  });

  it('draining a cluster reads as the rules towards its network removed, one per traffic rule', async () => {
    // sea-1 (network net-sea) runs no stateful app, so fleet moves everything off it.
    const drainSea = (text: string) => text.replace('taints: [{ key: capacity, value: constrained, effect: PreferNoSchedule }]', 'taints: [{ key: maintenance, value: "true", effect: NoExecute }]');
    await withSpec(drainSea, async () => {
      const json = await diffHere('json');
      expect(json.stderr).toBe('');
      expect(json.code).toBe(1);
      const changes = (JSON.parse(json.stdout) as { changes: JsonChange[] }).changes;
      const elsewhere = changes.filter((c) => c.cluster !== 'sea-1' && c.apiVersion === 'projectcalico.org/v3' && c.kind === 'NetworkPolicy');
      expect(elsewhere.length).toBeGreaterThan(0);
      for (const policy of elsewhere) {
        expect(policy.entries.length).toBeGreaterThan(0);
        expect(policy.entries.every((e) => e.action === 'remove')).toBe(true);
        expect(policy.fields).toEqual(policy.entries.map((e) => e.path));
      }
      const text = (await diffHere('text')).stdout;
      const removed = text.split('\n').filter((l) => /^ {6}spec\.(ingress|egress)\[\d+\]: removed /.test(l));
      expect(removed.length).toBeGreaterThan(0);
      for (const line of removed) expect(line).toContain("fleet.io/cluster == 'sea-1'");
    });
  });
});

describe('fleet diff does not run the mesh model check', () => {
  it("compares a spec whose output synth checks with a warning, and prints no check of its own (that is `fleet synth --check`'s, in CI)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-diff-mesh-'));
    scratch.push(dir);
    const spec = readFileSync(join(ROOT, 'test/diagnostics/cases/cross-network-without-gateway/fleet-spec.yaml'), 'utf8');
    writeFileSync(join(dir, 'fleet-spec.yaml'), spec);
    const synth = await fleetCliIn(dir, {}, 'synth', 'fleet-spec.yaml');
    expect(synth.code).toBe(0);
    expect(synth.stderr).toContain('warning traffic_cross_network_without_gateway');
    cpSync(join(dir, 'out'), join(dir, 'base'), { recursive: true });

    writeFileSync(join(dir, 'fleet-spec.yaml'), spec.replace('api:1.0.0', 'api:1.1.0'));
    const diff = await fleetCliIn(dir, {}, 'diff', 'fleet-spec.yaml', '--base', 'base', '--format', 'text');
    expect(diff.code).toBe(1);
    expect(diff.stdout).toContain('api:1.1.0');
    expect(diff.stderr).not.toContain('traffic_cross_network_without_gateway');
  });
});
