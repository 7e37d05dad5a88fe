import { describe, expect, it } from 'vitest';
import { DiagnosticBag } from '../../../src/diagnostics/diagnostic.js';
import { load } from '../../../src/phases/1-load/index.js';
import { validate } from '../../../src/phases/2-validate/index.js';
import { buildTrafficGraph, DEFAULTS, resolve } from '../../../src/phases/3-resolve/index.js';
import { callerKey, type TrafficGraph } from '../../../src/model/traffic.js';

function graphOf(traffic: string, gateways = '  - { name: public, hosts: [example.com] }'): TrafficGraph {
  const text = `apiVersion: fleet/v1alpha1
kind: Fleet
metadata: { name: g }
clusters:
  - { name: a-1, region: r-a, labels: { edge: "true" } }
  - { name: b-1, region: r-b }
apps:
  - { name: web, namespace: shop, labels: { tier: front }, image: x/web:1, ports: [{ name: http, port: 8080 }] }
  - { name: admin, namespace: ops, labels: { tier: front }, image: x/admin:1 }
  - { name: api, namespace: shop, image: x/api:1, ports: [{ name: http, port: 8080 }, { name: grpc, port: 9090, protocol: GRPC }, { name: metrics, port: 9100 }] }
placement:
  - { name: everywhere, apps: {} }
gateways:
${gateways}
traffic:
${traffic}
`;
  const diagnostics = new DiagnosticBag();
  const loaded = load([{ path: 'fleet-spec.yaml', name: 'fleet-spec.yaml', text }], diagnostics);
  const { spec } = validate(loaded, diagnostics);
  const fleet = resolve(spec, loaded.sourceMap, diagnostics);
  const graph = buildTrafficGraph(fleet, loaded.sourceMap, diagnostics);
  expect(diagnostics.sorted().filter((d) => d.severity === 'error')).toEqual([]);
  return graph;
}

const edges = (graph: TrafficGraph) => graph.edges.map((e) => `${callerKey(e.caller)} -> ${e.to} [${e.ports.join(',')}] (${e.rule.name})`);

describe('edges', () => {
  it('default to every port of the destination, and list named ports in the destination’s order', () => {
    const graph = graphOf('  - { name: all, from: [web], to: api }\n  - { name: some, from: [admin], to: api, ports: [metrics, http] }');
    expect(edges(graph)).toEqual(['app:ops/admin -> shop/api [http,metrics] (some)', 'app:shop/web -> shop/api [http,grpc,metrics] (all)']);
  });

  it('expand app selectors, once per caller, and sort by destination, caller, rule', () => {
    const graph = graphOf('  - { name: z-front, from: [web, { apps: { matchLabels: { tier: front } } }], to: api, ports: [http] }\n  - { name: a-back, from: [api], to: web }');
    expect(edges(graph)).toEqual(['app:ops/admin -> shop/api [http] (z-front)', 'app:shop/web -> shop/api [http] (z-front)', 'app:shop/api -> shop/web [http] (a-back)']);
    // The edge from `web` remembers the entry that named it first.
    expect(graph.edges[1].fromIndex).toBe(0);
    expect(graph.edges[0].fromIndex).toBe(1);
  });

  it('carry only the routing fields of their rule', () => {
    const graph = graphOf('  - { name: r, from: [web], to: api, ports: [http], timeout: 2s, retries: { attempts: 2 }, locality: Any }');
    expect(graph.edges[0].routing).toEqual({ timeout: '2s', retries: { attempts: 2 } });
  });
});

describe('destination policies', () => {
  it('default to mutual TLS, nearest endpoints first', () => {
    expect(graphOf('  - { name: r, from: [web], to: api }').policies.get('shop/api')).toEqual({ tls: 'ISTIO_MUTUAL', defaultOutlierDetection: false, locality: 'Nearest' });
  });

  it('merge fields from different rules', () => {
    const graph = graphOf('  - { name: a, from: [web], to: api, ports: [http], locality: Any }\n  - { name: b, from: [admin], to: api, ports: [http], connectionPool: { maxConnections: 10 } }');
    expect(graph.policies.get('shop/api')).toEqual({ tls: 'ISTIO_MUTUAL', connectionPool: { maxConnections: 10 }, defaultOutlierDetection: false, locality: 'Any' });
  });

  it('add outlier detection to failover, unless the rule has its own', () => {
    const failover = 'failover: [{ from: r-a, to: r-b }]';
    const text = (extra: string) => `  - { name: r, from: [web], to: api, ${failover}${extra} }`;
    const withDefault = graphOf(text('')).policies.get('shop/api')!;
    expect(withDefault.outlierDetection).toEqual(DEFAULTS.failoverOutlierDetection);
    expect(withDefault.defaultOutlierDetection).toBe(true);
    const own = graphOf(text(', outlierDetection: { consecutive5xxErrors: 2 }')).policies.get('shop/api')!;
    expect(own).toMatchObject({ outlierDetection: { consecutive5xxErrors: 2 }, defaultOutlierDetection: false });
  });
});

describe('gateways', () => {
  it('are resolved with defaults, only when a rule routes through them', () => {
    expect(graphOf('  - { name: r, from: [web], to: api }').gateways).toEqual([]);
    const [gateway] = graphOf('  - { name: r, from: [{ ingress: public }], to: web }').gateways;
    expect(gateway).toMatchObject({ name: 'public', namespace: 'istio-ingress', selector: { istio: 'ingressgateway' }, serviceAccount: 'istio-ingressgateway', port: 80, clusters: ['a-1', 'b-1'] });
  });

  it('take the clusters their affinity selects, and HTTPS with a TLS secret', () => {
    const [gateway] = graphOf(
      '  - { name: r, from: [{ ingress: edge }], to: web }',
      '  - { name: edge, hosts: [example.com], tlsSecret: tls, serviceAccount: edge-gw, clusters: { matchLabels: { edge: "true" } } }',
    ).gateways;
    expect(gateway).toMatchObject({ port: 443, tlsSecret: 'tls', serviceAccount: 'edge-gw', clusters: ['a-1'] });
  });
});
