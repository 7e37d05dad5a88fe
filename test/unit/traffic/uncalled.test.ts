import { describe, expect, it } from 'vitest';
import { codesAt, compileText } from '../../helpers/spec.js';

/**
 * Apps nothing may call (docs/traffic.md, "Apps nothing calls"): `api` has a port and, unless a case
 * adds one, no rule to it; `web` calls nothing and is called by the `public` gateway. Clusters run
 * Istio and Calico unless a case says otherwise.
 */
interface Parts {
  clusters?: string;
  api?: string;
  traffic?: string;
}

function spec({ clusters, api = '', traffic = '' }: Parts = {}): string {
  return `apiVersion: fleet/v1alpha1
kind: Fleet
metadata: { name: shop }
clusters:
${clusters ?? '  - { name: a-1, podCIDRs: [10.1.0.0/16] }\n  - { name: b-1, podCIDRs: [10.2.0.0/16] }'}
apps:
  - { name: web, namespace: shop, image: example.com/web:1, ports: [{ name: http, port: 8080 }] }
  - { name: api, namespace: shop, image: example.com/api:1, ports: [{ name: http, port: 8080 }]${api} }
placement:
  - { name: all, apps: {} }
gateways:
  - { name: public, hosts: [shop.example.com] }
traffic:
  - { name: site, from: [{ ingress: public }], to: web }
${traffic}`;
}

/** `line:col` of the first `needle` after `after`, as diagnostics print it. */
function at(text: string, needle: string, after = ''): string {
  const index = text.indexOf(needle, after ? text.indexOf(after) : 0);
  if (index === -1) throw new Error(`\`${needle}\` is not in the spec`);
  const before = text.slice(0, index).split('\n');
  return `${before.length}:${before[before.length - 1].length + 1}`;
}

/** Compiles as `fleet validate` does and returns `code@line:col` of every diagnostic. */
const diagnosed = (text: string) => codesAt(compileText(text, { renderOutput: false }).diagnostics);

describe('an app with ports that no traffic rule lets anything call', () => {
  it('is a warning at its `ports`, saying what to write either way', () => {
    const text = spec();
    expect(diagnosed(text)).toEqual([`traffic_app_uncalled@${at(text, 'ports', '{ name: api')}`]);
    const [warning] = compileText(text, { renderOutput: false }).diagnostics;
    expect(warning.severity).toBe('warning');
    expect(warning.message).toBe("app `shop/api` has ports but no traffic rule lets anything call it: behind fleet's default deny it is unreachable");
    expect(warning.help).toEqual(['add a traffic rule with `to: api`, or write `callers: none` on the app if it is meant to take no calls']);
  });

  it('is not one when an app calls it, or an ingress gateway routes to it', () => {
    expect(diagnosed(spec({ traffic: '  - { name: web-to-api, from: [web], to: api }\n' }))).toEqual([]);
    const withGateway = spec({ traffic: '  - { name: admin, from: [{ ingress: admin }], to: api }\n' }).replace('gateways:\n', 'gateways:\n  - { name: admin, hosts: [admin.example.com] }\n');
    expect(diagnosed(withGateway)).toEqual([]);
  });

  it('is not one when the app says it takes no calls (`callers: none`), which renders nothing', () => {
    const text = spec({ api: ', callers: none' });
    expect(diagnosed(text)).toEqual([]);
    // The same manifests; the lock is left out, as it may record what the spec says.
    const manifests = (tree: ReadonlyMap<string, string>) => [...tree].filter(([path]) => path !== 'fleet.lock.json');
    const declared = compileText(text).tree!;
    const silent = compileText(spec());
    expect(silent.diagnostics.map((d) => d.code)).toEqual(['traffic_app_uncalled']);
    expect(manifests(declared).length).toBeGreaterThan(10);
    expect(manifests(declared)).toEqual(manifests(silent.tree!));
  });

  it('is not one for an app without ports: there is nothing to call', () => {
    const text = spec().replace('image: example.com/api:1, ports: [{ name: http, port: 8080 }]', 'image: example.com/api:1');
    expect(diagnosed(text)).toEqual([]);
  });

  it('is reported at the rule instead when a rule to it lets no caller in (its selector matches no app)', () => {
    const text = spec({ traffic: '  - { name: nobody, from: [{ apps: { matchLabels: { tier: none } } }], to: api }\n' });
    expect(diagnosed(text)).toEqual([`traffic_selector_matches_nothing@${at(text, '{ matchLabels')}`]);
  });

  it('is only a warning where something denies: not where every cluster it runs in has neither a mesh nor network policy', () => {
    const open = '  - { name: a-1, mesh: none, networkPolicy: none }\n  - { name: b-1, mesh: none, networkPolicy: none }';
    // `web` must not be called through a gateway outside the mesh: the rule goes, and web has no ports.
    const withoutGateway = (clusters: string) =>
      spec({ clusters })
        .replace('gateways:\n  - { name: public, hosts: [shop.example.com] }\n', '')
        .replace('  - { name: site, from: [{ ingress: public }], to: web }\n', '  - { name: api-to-web, from: [api], to: web }\n');
    expect(diagnosed(withoutGateway(open))).toEqual([]);
    // Istio's allow-nothing policy alone, or Calico's or Kubernetes' default deny alone, closes it.
    for (const cluster of [
      '{ name: b-1, mesh: istio, networkPolicy: none }',
      '{ name: b-1, mesh: none, networkPolicy: calico, podCIDRs: [10.2.0.0/16] }',
      '{ name: b-1, mesh: none, networkPolicy: kubernetes, podCIDRs: [10.2.0.0/16] }',
    ]) {
      const text = withoutGateway(`  - { name: a-1, mesh: none, networkPolicy: none }\n  - ${cluster}`);
      expect(diagnosed(text), cluster).toEqual([`traffic_app_uncalled@${at(text, 'ports', '{ name: api')}`]);
      // Reachable in a-1, closed in b-1: the warning names where.
      expect(compileText(text, { renderOutput: false }).diagnostics[0].message).toMatch(/it is unreachable in b-1$/);
    }
  });

  it('is not one for an app placed nowhere (placement reports that)', () => {
    const text = spec().replace('  - { name: all, apps: {} }', '  - { name: all, apps: {} }\n  - { name: api-nowhere, apps: { names: [api] }, priority: 1, clusters: { names: [] } }');
    expect(compileText(text, { renderOutput: false }).diagnostics.map((d) => d.code)).toEqual(['placement_no_feasible_cluster']);
  });
});

describe('`callers: none` with a rule to the app', () => {
  it('is an error at the rule’s `to`, pointing at the declaration: one of the two is wrong', () => {
    const text = spec({ api: ', callers: none', traffic: '  - { name: web-to-api, from: [web], to: api }\n' });
    expect(diagnosed(text)).toEqual([`traffic_callers_none_called@${at(text, 'api }', 'web-to-api')}`]);
    const [error] = compileText(text).diagnostics;
    expect(error.severity).toBe('error');
    expect(error.message).toBe('rule `web-to-api` lets its callers call `api`, but `api` says it takes no calls (`callers: none`)');
    expect(error.related?.map((r) => `${r.label}@${r.span.start.line}:${r.span.start.col}`)).toEqual([`\`api\` takes no calls@${at(text, 'none', 'callers')}`]);
  });

  it('is an error for an ingress route too', () => {
    const text = spec({ api: ', callers: none' }).replace('to: web }', 'to: api }');
    expect(diagnosed(text)).toEqual([`traffic_callers_none_called@${at(text, 'api }', 'name: site')}`]);
  });
});
