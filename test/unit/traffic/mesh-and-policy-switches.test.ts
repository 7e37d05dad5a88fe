import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { itUpstream, upstreamProblems } from '../../helpers/upstream-schemas.js';
import { codesAt, compileText } from '../../helpers/spec.js';

const spec = (clusters: string, top = '', traffic = '  - { name: web-api, from: [web], to: api }') => `apiVersion: fleet/v1alpha1
kind: Fleet
metadata: { name: t }
${top}clusters:
${clusters}
apps:
  - { name: web, image: web:1, ports: [{ name: http, port: 8080 }], callers: none }
  - { name: api, image: api:1, ports: [{ name: grpc, port: 9090, protocol: GRPC }] }
placement:
  - { name: all, apps: {} }
traffic:
${traffic}
`;
const kinds = (tree: ReadonlyMap<string, string>, cluster: string) =>
  [...tree.keys()].filter((p) => p.startsWith(`${cluster}/`) && !p.endsWith('kustomization.yaml')).map((p) => (parse(tree.get(p)!) as { apiVersion: string; kind: string }).apiVersion);

describe('mesh: none', () => {
  const result = compileText(spec('  - { name: plain, mesh: none, podCIDRs: [10.1.0.0/16] }\n  - { name: meshed, podCIDRs: [10.2.0.0/16] }'));

  it('a cluster outside the mesh gets plain Kubernetes: no Istio object, no injection or network label', () => {
    expect(codesAt(result.diagnostics)).toEqual([]);
    const tree = result.tree!;
    expect(kinds(tree, 'plain').filter((v) => v.includes('istio.io'))).toEqual([]);
    const namespace = parse(tree.get('plain/_cluster/namespace.web.yaml')!);
    expect(Object.keys(namespace.metadata.labels).filter((k) => k.includes('istio'))).toEqual([]);
    // The Calico baseline has no istiod rules there; the mesh cluster keeps everything.
    expect(tree.has('plain/_cluster/calico-globalnetworkpolicy.fleet-platform.istiod.yaml')).toBe(false);
    expect(tree.has('meshed/_cluster/calico-globalnetworkpolicy.fleet-platform.istiod.yaml')).toBe(true);
    expect(parse(tree.get('meshed/_cluster/namespace.web.yaml')!).metadata.labels['istio-injection']).toBe('enabled');
    expect(tree.has('meshed/api/virtualservice.api.yaml')).toBe(true);
  });

  it('network policy on each side names only the pods of its own side (no cross-boundary allow)', () => {
    const egress = parse(result.tree!.get('plain/web/calico-networkpolicy.web-egress.yaml')!);
    expect(JSON.stringify(egress.spec.egress)).not.toContain('fleet-pods');
    const meshed = parse(result.tree!.get('meshed/api/calico-networkpolicy.api-ingress.yaml')!);
    expect(JSON.stringify(meshed.spec.ingress)).not.toContain("'plain'");
  });

  it('a caller that can reach no destination pod across the boundary is an error at the rule', () => {
    const bad = compileText(
      `${spec('  - { name: plain, mesh: none }\n  - { name: meshed }').replace('placement:\n  - { name: all, apps: {} }', 'placement:\n  - { name: web-plain, apps: { names: [web] }, clusters: { names: [plain] } }\n  - { name: api-meshed, apps: { names: [api] }, clusters: { names: [meshed] } }')}`,
      { renderOutput: false },
    );
    expect(codesAt(bad.diagnostics)).toEqual(['traffic_across_mesh_boundary@14:39']);
    expect(bad.diagnostics[0].message).toContain('`web` in plain cannot reach `api`');
  });

  it('routing fields with callers outside the mesh, and a gateway there, are errors at the field', () => {
    const bad = compileText(
      spec(
        '  - { name: plain, mesh: none }',
        'gateways:\n  - { name: public, hosts: [shop.example.com] }\n',
        '  - { name: web-api, from: [web], to: api, retries: { attempts: 3 } }\n  - { name: in, from: [{ ingress: public }], to: web }',
      ).replace(', callers: none', ''),
      { renderOutput: false },
    );
    expect(codesAt(bad.diagnostics)).toEqual(['traffic_gateway_outside_mesh@5:13', 'traffic_needs_mesh@14:44']);
  });

  it('mesh.provider: none is the fleet-wide default a cluster can override', () => {
    const fleet = compileText(spec('  - { name: a }\n  - { name: b, mesh: istio }', 'mesh: { provider: none }\n'), { renderOutput: false }).fleet!;
    expect(fleet.clusters.map((c) => [c.name, c.mesh])).toEqual([
      ['a', 'none'],
      ['b', 'istio'],
    ]);
  });
});

describe('networkPolicy: kubernetes and none', () => {
  const result = compileText(spec('  - { name: k, networkPolicy: kubernetes, podCIDRs: [10.1.0.0/16] }\n  - { name: n, networkPolicy: none, podCIDRs: [10.2.0.0/16] }'));

  it('renders networking.k8s.io/v1 policies from the traffic graph and nothing of Calico', () => {
    expect(codesAt(result.diagnostics)).toEqual([]);
    const tree = result.tree!;
    expect(kinds(tree, 'k').filter((v) => v.startsWith('projectcalico.org'))).toEqual([]);
    const deny = parse(tree.get('k/api/networkpolicy.fleet-default-deny.yaml')!);
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const ingress = parse(tree.get('k/api/networkpolicy.api-ingress.yaml')!);
    expect(ingress.spec.podSelector).toEqual({ matchLabels: { app: 'api' } });
    expect(ingress.spec.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'web' } }, podSelector: { matchLabels: { app: 'web' } } }, { ipBlock: { cidr: '10.2.0.0/16' } }],
        ports: [{ port: 9090, protocol: 'TCP' }],
      },
    ]);
    const platform = parse(tree.get('k/web/networkpolicy.fleet-platform.yaml')!);
    expect(platform.spec.egress.map((r: { to: unknown[] }) => r.to)).toEqual([
      [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
      [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } }, podSelector: { matchLabels: { app: 'istiod' } } }],
    ]);
  });

  it('none renders no network policy at all', () => {
    expect([...result.tree!.keys()].filter((p) => p.startsWith('n/') && p.includes('networkpolicy'))).toEqual([]);
    expect(result.tree!.has('n/_platform/calico-tier.fleet-platform.yaml')).toBe(false);
  });

  itUpstream('the Kubernetes NetworkPolicies are valid upstream', () => {
    const docs = [...result.tree!].filter(([p]) => p.startsWith('k/') && p.includes('/networkpolicy.')).map(([, text]) => parse(text));
    expect(docs.length).toBe(6);
    expect(docs.flatMap((d) => upstreamProblems(d))).toEqual([]);
  });
});
