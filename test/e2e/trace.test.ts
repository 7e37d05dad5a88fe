import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fleetCli } from '../helpers/cli.js';

/**
 * `fleet trace` through the real program (src/cli/program.ts, what bin/fleet.js runs), on the
 * default fleet and on every example: every declared call traces `allowed` (exit 0), an undeclared
 * one `denied by` the deciding rule (exit 1).
 */
const ROOT = new URL('../../', import.meta.url).pathname;

const fleet = fleetCli;

/** The spec of each example: its fleet-spec.yaml, or its spec/ folder. */
const EXAMPLES = readdirSync(join(ROOT, 'examples'), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => join('examples', e.name))
  .flatMap((dir) => {
    const entries = readdirSync(join(ROOT, dir));
    if (entries.includes('fleet-spec.yaml')) return [join(dir, 'fleet-spec.yaml')];
    if (entries.includes('spec')) return [join(dir, 'spec')];
    return [];
  });

/** The (caller, destination) pairs a spec's traffic rules name directly (app names and ingress gateways; `apps:` selectors left out). */
function declaredPairs(spec: string): { pairs: [string, string][]; apps: { name: string; served: boolean }[] } {
  const path = join(ROOT, spec);
  const files = statSync(path).isDirectory()
    ? readdirSync(path, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => join(path, f))
    : [path];
  const pairs: [string, string][] = [];
  const apps: { name: string; served: boolean }[] = [];
  type Doc = { apps?: { name: string; ports?: unknown[] }[]; traffic?: { to: string; from: (string | { ingress?: string })[] }[] };
  for (const file of files) {
    const doc = (parse(readFileSync(file, 'utf8')) ?? {}) as Doc;
    for (const app of doc.apps ?? []) apps.push({ name: app.name, served: (app.ports ?? []).length > 0 });
    for (const rule of doc.traffic ?? []) {
      for (const from of rule.from) {
        if (typeof from === 'string') pairs.push([from, rule.to]);
        else if (from.ingress) pairs.push([`ingress:${from.ingress}`, rule.to]);
      }
    }
  }
  return { pairs, apps };
}

describe('fleet trace', () => {
  for (const spec of ['policies', ...EXAMPLES]) {
    it(`every declared call of ${spec} traces allowed; an undeclared one denied`, async () => {
      const { pairs, apps } = declaredPairs(spec);
      const served = apps.find((a) => a.served);
      expect(served, `${spec} has an app with ports`).toBeDefined();
      const caller = apps.find((a) => a.name !== served!.name && !pairs.some(([f, t]) => f === a.name && t === served!.name));
      if (caller) {
        const { code, stdout } = await fleet('trace', caller.name, served!.name, spec);
        expect({ code, last: stdout.trim().split('\n').pop() }).toMatchObject({ code: 1, last: expect.stringMatching(/^denied by /) });
      }
      for (const [from, to] of pairs) {
        const { code, stdout, stderr } = await fleet('trace', from, to, spec);
        expect({ from, to, code, last: stdout.trim().split('\n').pop(), stderr }).toMatchObject({ code: 0, last: 'allowed' });
      }
      if (!caller && pairs.length === 0) {
        // One app and no traffic rules (the kubefed nginx example): its call to itself still ends in a verdict, and the exit code says which.
        const { code, stdout } = await fleet('trace', served!.name, served!.name, spec);
        const last = stdout.trim().split('\n').pop();
        expect(last).toMatch(/^(allowed|denied by .+)$/);
        expect(code).toBe(last === 'allowed' ? 0 : 1);
      }
    });
  }

  it('an undeclared call is denied, naming the deciding rule (exit 1)', async () => {
    const { code, stdout } = await fleet('trace', 'web', 'payments', 'policies');
    expect(code).toBe(1);
    expect(stdout.trim().split('\n').pop()).toMatch(/^denied by .*(GlobalNetworkPolicy fleet-default-deny \(end of tier default\)|AuthorizationPolicy)/);
  });

  it('--format json gives the calls and the verdict', async () => {
    const { code, stdout } = await fleet('trace', 'web', 'payments', 'policies', '--format', 'json', '--cluster', 'na-1');
    expect(code).toBe(1);
    const trace = JSON.parse(stdout);
    expect(trace).toMatchObject({ to: 'payments/payments', verdict: 'denied' });
    expect(trace.calls.every((c: { cluster: string }) => c.cluster === 'na-1')).toBe(true);
  });

  it('an unknown app is a usage error (exit 2)', async () => {
    const { code, stderr } = await fleet('trace', 'web', 'paymnts', 'policies');
    expect(code).toBe(2);
    expect(stderr).toMatch(/spec_unknown_app/);
  });
});
