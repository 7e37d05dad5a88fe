import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compile } from '../../src/compiler.js';
import { codesAt, compileText, MINIMAL_SPEC } from '../helpers/spec.js';
import { itUpstream, upstreamProblems } from '../helpers/upstream-schemas.js';

/**
 * The `platform:` section: what the `fleet-platform` Calico tier keeps open for managed pods under
 * the default deny, besides DNS to CoreDNS and istiod (docs/spec.md#platform, docs/traffic.md#calico).
 */
const policy = (tree: ReadonlyMap<string, string>, name: string) => {
  const text = tree.get(`a-1/_cluster/calico-globalnetworkpolicy.${name}.yaml`);
  return text === undefined ? undefined : parse(text.split('\n').slice(1).join('\n'));
};

describe('the `platform:` section', () => {
  it('by default lets Prometheus in `monitoring` scrape the sidecar (15020, merged metrics) and Envoy (15090)', () => {
    const { tree, diagnostics } = compileText(MINIMAL_SPEC);
    expect(diagnostics).toEqual([]);
    expect(policy(tree!, 'fleet-platform.monitoring')?.spec).toEqual({
      tier: 'fleet-platform',
      order: 500,
      namespaceSelector: "fleet.io/managed == 'true'",
      types: ['Ingress'],
      ingress: [{ action: 'Allow', protocol: 'TCP', source: { namespaceSelector: "projectcalico.org/name == 'monitoring'", selector: "app.kubernetes.io/name == 'prometheus'" }, destination: { ports: [15020, 15090] } }],
    });
    expect(policy(tree!, 'fleet-platform.telemetry')).toBeUndefined();
    // kube-dns only: no address rules.
    expect(JSON.stringify(policy(tree!, 'fleet-platform.dns'))).not.toContain('nets');
  });

  it('with NodeLocal DNSCache, allows DNS to its link-local address too (its pods run on the host network)', () => {
    const { tree } = compileText(`${MINIMAL_SPEC}platform: { dns: { mode: node-local } }\n`);
    const egress = policy(tree!, 'fleet-platform.dns')!.spec.egress;
    expect(egress.map((r: { protocol: string; destination: unknown }) => [r.protocol, r.destination])).toEqual([
      ['UDP', { namespaceSelector: "projectcalico.org/name == 'kube-system'", selector: "k8s-app == 'kube-dns'", ports: [53] }],
      ['TCP', { namespaceSelector: "projectcalico.org/name == 'kube-system'", selector: "k8s-app == 'kube-dns'", ports: [53] }],
      ['UDP', { nets: ['169.254.20.10/32'], ports: [53] }],
      ['TCP', { nets: ['169.254.20.10/32'], ports: [53] }],
    ]);
  });

  it('takes other scrapers and ports, and sends telemetry to the collectors it names', () => {
    const platform = `platform:
  dns: { mode: node-local, nodeLocalAddresses: [169.254.20.10, 10.96.0.10] }
  monitoring: { namespaces: [observability, monitoring], podLabels: { app: prom, team: sre }, ports: [9090, 15020] }
  telemetry:
    - { name: otel, namespace: observability, podLabels: { app.kubernetes.io/name: opentelemetry-collector }, ports: [4318, 4317] }
`;
    const { tree, diagnostics } = compileText(MINIMAL_SPEC + platform);
    expect(diagnostics).toEqual([]);
    expect(policy(tree!, 'fleet-platform.monitoring')!.spec.ingress).toEqual([
      { action: 'Allow', protocol: 'TCP', source: { namespaceSelector: "projectcalico.org/name in {'monitoring', 'observability'}", selector: "app == 'prom' && team == 'sre'" }, destination: { ports: [9090, 15020] } },
    ]);
    expect(policy(tree!, 'fleet-platform.telemetry')!.spec).toMatchObject({
      order: 600,
      types: ['Egress'],
      egress: [
        {
          action: 'Allow',
          protocol: 'TCP',
          destination: { namespaceSelector: "projectcalico.org/name == 'observability'", selector: "app.kubernetes.io/name == 'opentelemetry-collector'", ports: [4317, 4318] },
          metadata: { annotations: { 'fleet.io/collector': 'otel' } },
        },
      ],
    });
    expect(JSON.stringify(policy(tree!, 'fleet-platform.dns'))).toContain('"nets":["169.254.20.10/32","10.96.0.10/32"]');
  });

  it('`ports: []` renders no monitoring policy', () => {
    const { tree } = compileText(`${MINIMAL_SPEC}platform: { monitoring: { ports: [] } }\n`);
    expect(policy(tree!, 'fleet-platform.monitoring')).toBeUndefined();
  });

  it('is checked: one file only, real addresses, known modes', () => {
    const files = ['a.yaml', 'b.yaml'].map((name, i) => ({
      path: `spec/${name}`,
      name,
      text: i === 0 ? `${MINIMAL_SPEC}platform: {}\n` : 'apiVersion: fleet/v1alpha1\nkind: Fleet\nplatform: { dns: { mode: node-local } }\n',
    }));
    expect(codesAt(compile(files).diagnostics)).toEqual(['spec_duplicate_platform@3:1']);
    const bad = compileText(`${MINIMAL_SPEC}platform: { dns: { mode: nodelocal, nodeLocalAddresses: [169.254.20.300] } }\n`);
    expect(bad.diagnostics.map((d) => d.code).sort()).toEqual(['schema_invalid_cidr', 'schema_invalid_value']);
  });

  itUpstream('renders policies the upstream Calico schema accepts', () => {
    const { tree } = compileText(`${MINIMAL_SPEC}platform: { dns: { mode: node-local }, telemetry: [{ name: otel, namespace: observability, podLabels: {}, ports: [4317] }] }\n`);
    const docs = ['dns', 'monitoring', 'telemetry'].map((n) => policy(tree!, `fleet-platform.${n}`));
    expect(docs.flatMap((d) => upstreamProblems(d))).toEqual([]);
  });
});
