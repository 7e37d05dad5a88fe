import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
  const { stdout } = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `
    import { readFileSync, readdirSync, statSync } from 'node:fs';
    import { join } from 'node:path';
    import { parse } from 'yaml';
    const spec = ${JSON.stringify(join(ROOT, spec))};
    const files = statSync(spec).isDirectory() ? readdirSync(spec, { recursive: true }).filter((f) => String(f).endsWith('.yaml')).map((f) => join(spec, String(f))) : [spec];
    const pairs = [];
    const apps = [];
    for (const file of files) {
      const doc = parse(readFileSync(file, 'utf8')) ?? {};
      for (const app of doc.apps ?? []) apps.push({ name: app.name, served: (app.ports ?? []).length > 0 });
      for (const rule of doc.traffic ?? []) for (const from of rule.from) {
        if (typeof from === 'string') pairs.push([from, rule.to]);
        else if (from.ingress) pairs.push(['ingress:' + from.ingress, rule.to]);
      }
    }
    console.log(JSON.stringify({ pairs, apps }));
  `,
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  return JSON.parse(stdout);
}

describe('fleet trace', () => {
  for (const spec of ['policies', ...EXAMPLES]) {
    it(`every declared call of ${spec} traces allowed; an undeclared one denied`, async () => {
      const { pairs, apps } = declaredPairs(spec);
      // A fleet whose rules name no pair (the kubefed nginx example: one app, no traffic rules) has nothing to trace but its verdict line.
      expect(pairs.length > 0 || apps.length > 0, `${spec} has apps`).toBe(true);
      const served = apps.find((a) => a.served)!;
      const caller = apps.find((a) => a.name !== served.name && !pairs.some(([f, t]) => f === a.name && t === served.name));
      if (caller) {
        const { code, stdout } = await fleet('trace', caller.name, served.name, spec);
        expect({ code, last: stdout.trim().split('\n').pop() }).toMatchObject({ code: 1, last: expect.stringMatching(/^denied by /) });
      }
      for (const [from, to] of pairs) {
        const { code, stdout, stderr } = await fleet('trace', from, to, spec);
        expect({ from, to, code, last: stdout.trim().split('\n').pop(), stderr }).toMatchObject({ code: 0, last: 'allowed' });
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
