import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { codesAt, compileText } from '../../helpers/spec.js';

/**
 * Every traffic check, each on a small spec: the diagnostic's code, severity and the exact place it
 * points at. Two clusters on two networks, both with east-west gateways; `web` calls `api` (two
 * ports, two versions); `public` is an ingress gateway. Cases override parts of it.
 */
interface Parts {
  clusters?: string;
  apps?: string;
  placement?: string;
  gateways?: string;
  traffic: string;
}

function spec(parts: Parts): string {
  return `apiVersion: fleet/v1alpha1
kind: Fleet
metadata:
  name: test
clusters:
${
  parts.clusters ??
  `  - { name: a-1, region: r-a, network: n-a, podCIDRs: [10.1.0.0/16], eastWestGateway: { addresses: [192.0.2.1] } }
  - { name: b-1, region: r-b, network: n-b, podCIDRs: [10.2.0.0/16], eastWestGateway: { addresses: [192.0.2.2] } }`
}
apps:
${
  parts.apps ??
  `  - { name: web, image: example.com/web:1, ports: [{ name: http, port: 8080 }] }
  - name: api
    image: example.com/api:1
    replicas: 2
    ports: [{ name: http, port: 8080 }, { name: db, port: 5432, protocol: TCP }]
    versions: [{ name: stable }, { name: canary }]`
}
placement:
${parts.placement ?? '  - { name: everywhere, apps: {} }'}
gateways:
${parts.gateways ?? '  - { name: public, hosts: [example.com] }'}
traffic:
${parts.traffic}
`;
}

/** `line:col` of the `occurrence`-th appearance of `needle` (1-based), as diagnostics print it. */
function at(text: string, needle: string, occurrence = 1): string {
  let index = -1;
  for (let i = 0; i < occurrence; i++) {
    index = text.indexOf(needle, index + 1);
    if (index === -1) throw new Error(`\`${needle}\` (#${occurrence}) is not in the spec`);
  }
  const before = text.slice(0, index).split('\n');
  return `${before.length}:${before[before.length - 1].length + 1}`;
}

/** Compiles (without rendering, as `fleet validate` does) and returns `code@line:col` of each diagnostic of `severity`. */
function found(text: string, severity: 'error' | 'warning'): string[] {
  return codesAt(compileText(text, { renderOutput: false }).diagnostics.filter((d) => d.severity === severity));
}

function expectOnly(parts: Parts, severity: 'error' | 'warning', code: string, needle: string, occurrence = 1): void {
  const text = spec(parts);
  expect(found(text, severity)).toEqual([`${code}@${at(text, needle, occurrence)}`]);
}

/** `web`'s caller, the `public` gateway: without a rule to it, `web` would be a warning of its own (traffic_app_uncalled). */
const SITE = '\n  - { name: site, from: [{ ingress: public }], to: web }';

it('the base spec is clean', () => {
  const text = spec({ traffic: `  - { name: web-to-api, from: [web], to: api, ports: [http] }${SITE}` });
  expect(compileText(text).diagnostics).toEqual([]);
});

describe('references (validation)', () => {
  it('an unknown destination app', () => expectOnly({ traffic: '  - { name: r, from: [web], to: apii }' }, 'error', 'spec_unknown_app', 'apii'));
  it('an unknown caller app', () => expectOnly({ traffic: '  - { name: r, from: [wbe], to: api, ports: [http] }' }, 'error', 'spec_unknown_app', 'wbe'));
  it('an unknown version in a split', () => expectOnly({ traffic: '  - { name: r, from: [web], to: api, ports: [http], split: { stable: 90, canery: 10 } }' }, 'error', 'spec_unknown_version', 'canery'));
  it('an unknown version in a match', () =>
    expectOnly({ traffic: '  - { name: r, from: [web], to: api, ports: [http], match: [{ uri: { prefix: /beta }, version: beta }] }' }, 'error', 'spec_unknown_version', 'beta }', 2));
  it('an unknown port', () => expectOnly({ traffic: '  - { name: r, from: [web], to: api, ports: [https] }' }, 'error', 'spec_unknown_port', 'https'));
  it('an unknown gateway', () => expectOnly({ traffic: '  - { name: r, from: [{ ingress: publc }], to: web }' }, 'error', 'spec_unknown_gateway', 'publc'));
  it('a failover region no cluster is in', () => expectOnly({ traffic: '  - { name: r, from: [web], to: api, ports: [http], failover: [{ from: r-a, to: r-z }] }' }, 'error', 'traffic_unknown_region', 'r-z'));
  it('a failover to the same region', () => expectOnly({ traffic: '  - { name: r, from: [web], to: api, ports: [http], failover: [{ from: r-a, to: r-a }] }' }, 'error', 'traffic_invalid_failover', 'r-a', 3));
});

describe('weights (validation)', () => {
  it('a negative weight', () => expectOnly({ traffic: '  - { name: r, from: [web], to: api, ports: [http], split: { stable: 110, canary: -10 } }' }, 'error', 'traffic_invalid_weight', '-10'));
  it('all weights zero', () => expectOnly({ traffic: '  - { name: r, from: [web], to: api, ports: [http], split: { stable: 0, canary: 0 } }' }, 'error', 'traffic_invalid_weight', '{ stable: 0'));
  it('weights not adding up to 100', () => expectOnly({ traffic: '  - { name: r, from: [web], to: api, ports: [http], split: { stable: 90, canary: 20 } }' }, 'error', 'traffic_invalid_weight', '{ stable: 90'));
});

describe('fields that cannot work (validation)', () => {
  it('ingress to a destination with several ports', () => expectOnly({ traffic: '  - { name: r, from: [{ ingress: public }], to: api }' }, 'error', 'traffic_invalid_ingress_port', '{ ingress: public }'));
  it('ingress to a TCP port', () => expectOnly({ traffic: '  - { name: r, from: [{ ingress: public }], to: api, ports: [db] }' }, 'error', 'traffic_invalid_ingress_port', '{ ingress: public }'));
  it('a fault with neither delay nor abort', () => expectOnly({ traffic: '  - { name: r, from: [web], to: api, ports: [http], fault: {} }' }, 'error', 'traffic_invalid_fault', 'fault'));
  it('HTTP routing on a TCP-only rule is ignored (warning)', () => expectOnly({ traffic: `  - { name: r, from: [web], to: api, ports: [db], timeout: 2s }${SITE}` }, 'warning', 'traffic_http_fields_ignored', 'timeout'));
});

describe('the rules together (traffic graph)', () => {
  it('two rules routing one caller to one destination differently', () => {
    expectOnly({ traffic: '  - { name: fast, from: [web], to: api, ports: [http], timeout: 1s }\n  - { name: slow, from: [web], to: api, timeout: 9s }' }, 'error', 'traffic_conflicting_routes', 'web], to: api, timeout');
  });
  it('two rules routing the same gateway to different destinations', () => {
    expectOnly(
      { traffic: '  - { name: site, from: [{ ingress: public }], to: web }\n  - { name: api, from: [{ ingress: public }], to: api, ports: [http] }' },
      'error',
      'traffic_conflicting_routes',
      '{ ingress: public }',
      2,
    );
  });
  it('two rules giving one destination different policies', () => {
    const traffic =
      '  - { name: a, from: [web], to: api, ports: [http], outlierDetection: { consecutive5xxErrors: 5 } }\n  - { name: b, from: [api], to: web, ports: [http] }\n  - { name: c, from: [web], to: api, ports: [db], outlierDetection: { consecutive5xxErrors: 1 } }';
    expectOnly({ traffic }, 'error', 'traffic_conflicting_policy', 'outlierDetection', 2);
  });
  it('the same policy twice is fine', () => {
    const text = spec({ traffic: '  - { name: a, from: [web], to: api, ports: [http], locality: Any }\n  - { name: b, from: [web], to: api, ports: [db], locality: Any }' });
    expect(found(text, 'error')).toEqual([]);
  });
  it('a selector that opens a destination to every app (warning)', () => expectOnly({ traffic: `  - { name: r, from: [{ apps: {} }], to: api, ports: [http] }${SITE}` }, 'warning', 'traffic_open_to_all', '{}', 2));
  it('a selector that matches no app (warning)', () =>
    expectOnly({ traffic: `  - { name: r, from: [{ apps: { matchLabels: { tier: none } } }], to: api, ports: [http] }${SITE}` }, 'warning', 'traffic_selector_matches_nothing', '{ matchLabels'));
  it('a gateway that runs in no cluster', () =>
    expectOnly(
      { gateways: '  - { name: public, hosts: [example.com], clusters: { matchLabels: { edge: "true" } } }', traffic: '  - { name: r, from: [{ ingress: public }], to: web }' },
      'error',
      'traffic_gateway_nowhere',
      '{ matchLabels: { edge',
    ));
  it('a gateway in an app namespace', () =>
    expectOnly({ gateways: '  - { name: public, namespace: web, hosts: [example.com] }', traffic: '  - { name: r, from: [{ ingress: public }], to: web }' }, 'error', 'traffic_gateway_in_app_namespace', 'web, hosts'));
});

describe('traffic over the placement', () => {
  it('a destination placed nowhere', () => {
    const apps = '  - { name: web, image: example.com/web:1, ports: [{ name: http, port: 8080 }] }\n  - { name: api, image: example.com/api:1, replicas: 0, ports: [{ name: http, port: 8080 }] }';
    expectOnly({ apps, traffic: '  - { name: r, from: [web], to: api }' }, 'error', 'traffic_destination_not_placed', 'api }');
  });

  // Istio sends a sidecar straight to the pod IPs of a network that has no east-west gateway
  // (pilot EndpointsByNetworkFilter: `InNetwork(...) || len(gateways) == 0`): such a network is
  // flat, and fleet allows those pods by their CIDRs, as for a peer on the same network.
  const webInAApiInB = '  - { name: web-in-a, apps: { names: [web] }, clusters: { names: [a-1] } }\n  - { name: api-in-b, apps: { names: [api] }, clusters: { names: [b-1] } }';
  const policy = (tree: ReadonlyMap<string, string>, path: string) => parse(tree.get(path)!.split('\n').slice(1).join('\n'));

  it('a destination on another network without an east-west gateway is reached directly, by its pod CIDRs', () => {
    const clusters = '  - { name: a-1, region: r-a, network: n-a, podCIDRs: [10.1.0.0/16] }\n  - { name: b-1, region: r-b, network: n-b, podCIDRs: [10.2.0.0/16] }';
    const { diagnostics, tree } = compileText(spec({ clusters, placement: webInAApiInB, traffic: '  - { name: r, from: [web], to: api, ports: [http] }' }));
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const egress = policy(tree!, 'a-1/web/calico-networkpolicy.web-egress.yaml');
    expect(egress.spec.egress.map((r: { destination: unknown }) => r.destination)).toEqual([{ namespaceSelector: 'global()', selector: "fleet.io/role == 'pods' && fleet.io/cluster == 'b-1'", ports: [8080] }]);
    const ingress = policy(tree!, 'b-1/api/calico-networkpolicy.api-ingress.yaml');
    expect(ingress.spec.ingress.map((r: { source: unknown }) => r.source)).toEqual([{ namespaceSelector: 'global()', selector: "fleet.io/role == 'pods' && fleet.io/cluster == 'a-1'" }]);
    expect(tree!.has('a-1/_cluster/calico-globalnetworkset.fleet-pods-b-1.yaml')).toBe(true);
  });

  it('a destination on another network without an east-west gateway needs its pod CIDRs', () => {
    const clusters = '  - { name: a-1, region: r-a, network: n-a, podCIDRs: [10.1.0.0/16] }\n  - { name: b-1, region: r-b, network: n-b }';
    expectOnly({ clusters, placement: webInAApiInB, traffic: '  - { name: r, from: [web], to: api, ports: [http] }' }, 'error', 'traffic_missing_pod_cidrs', 'b-1');
  });

  it('reachable through the east-west gateway is fine', () => {
    expect(found(spec({ placement: webInAApiInB, traffic: '  - { name: r, from: [web], to: api, ports: [http] }' }), 'error')).toEqual([]);
  });

  it('a caller without a network goes direct (Istio < 1.30) or through the gateway (1.30+, istio/istio#58613): both are allowed', () => {
    const clusters = '  - { name: a-1, region: r-a, podCIDRs: [10.1.0.0/16] }\n  - { name: b-1, region: r-b, network: n-b, podCIDRs: [10.2.0.0/16], eastWestGateway: { addresses: [192.0.2.2] } }';
    const { diagnostics, tree } = compileText(spec({ clusters, placement: webInAApiInB, traffic: '  - { name: r, from: [web], to: api, ports: [http] }' }));
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const egress = policy(tree!, 'a-1/web/calico-networkpolicy.web-egress.yaml');
    expect(egress.spec.egress.map((r: { destination: { selector: string } }) => r.destination.selector)).toEqual([
      "fleet.io/role == 'pods' && fleet.io/cluster == 'b-1'",
      "fleet.io/role == 'eastwest-gateway' && fleet.io/cluster == 'b-1'",
    ]);
    const ingress = policy(tree!, 'b-1/api/calico-networkpolicy.api-ingress.yaml');
    expect(ingress.spec.ingress.map((r: { source: { selector: string } }) => r.source.selector)).toEqual(["fleet.io/role == 'pods' && fleet.io/cluster == 'a-1'", "istio == 'eastwestgateway'"]);
  });

  it('a same-network peer cluster without pod CIDRs', () => {
    const clusters = '  - { name: a-1, region: r-a, network: n-a }\n  - { name: b-1, region: r-b, network: n-a, podCIDRs: [10.2.0.0/16] }';
    expectOnly({ clusters, placement: webInAApiInB, traffic: '  - { name: r, from: [web], to: api, ports: [http] }' }, 'error', 'traffic_missing_pod_cidrs', 'a-1');
  });

  it('an east-west gateway given by host name, which a GlobalNetworkSet cannot hold', () => {
    const clusters =
      '  - { name: a-1, region: r-a, network: n-a, podCIDRs: [10.1.0.0/16], eastWestGateway: { addresses: [192.0.2.1] } }\n  - { name: b-1, region: r-b, network: n-b, podCIDRs: [10.2.0.0/16], eastWestGateway: { addresses: [192.0.2.2, ew.b-1.example.com] } }';
    expectOnly({ clusters, placement: webInAApiInB, traffic: '  - { name: r, from: [web], to: api, ports: [http] }' }, 'error', 'traffic_gateway_host_name', 'ew.b-1');
  });

  it('a split to a version with no replicas in a cluster that serves traffic (warning)', () => {
    // 3 replicas divided over two clusters: the cluster with 1 cannot run both versions.
    const placement = '  - { name: web-everywhere, apps: { names: [web] } }\n  - { name: api-divided, apps: { names: [api] }, replicas: { strategy: Divided } }';
    const apps = spec({ traffic: '' }).split('apps:\n')[1].split('placement:')[0].replace('replicas: 2', 'replicas: 3').trimEnd();
    expectOnly({ apps, placement, traffic: `  - { name: r, from: [web], to: api, ports: [http], split: { stable: 90, canary: 10 } }${SITE}` }, 'warning', 'traffic_version_without_replicas', 'canary', 2);
  });

  it('a split to a version with no replicas anywhere', () => {
    const apps = spec({ traffic: '' }).split('apps:\n')[1].split('placement:')[0].replace('{ name: canary }', '{ name: canary, replicas: 0 }').trimEnd();
    expectOnly({ apps, traffic: '  - { name: r, from: [web], to: api, ports: [http], split: { stable: 90, canary: 10 } }' }, 'error', 'traffic_version_not_running', 'canary', 2);
  });
});
