import { describe, expect, it } from 'vitest';
import { type CompileResult, compile } from '../../../src/compiler.js';
import { codesAt, compileText } from '../../helpers/spec.js';
import { find, get, objectsIn, renderTree } from './fleet.js';

/**
 * Istio output that works in a real multi-primary, multi-network mesh (docs/traffic.md, "mTLS and
 * authorization", "Keeping traffic near", "Checks"): rules fleet relies on, each with its upstream
 * reason in the code it tests. Two regions on two networks with east-west gateways; `web` runs in
 * both, `api` (HTTP and gRPC) in both, `jobs` (a port nobody calls) and `batch` (no ports) in a-1.
 * Nothing calls `web` and `jobs`, and they say so (`callers: none`).
 */
interface Parts {
  mesh?: string;
  placement?: string;
  traffic: string;
}

function spec({ mesh, placement, traffic }: Parts): string {
  return `apiVersion: fleet/v1alpha1
kind: Fleet
metadata:
  name: test
${mesh ?? ''}
clusters:
  - { name: a-1, region: r-a, network: n-a, podCIDRs: [10.1.0.0/16], eastWestGateway: { addresses: [192.0.2.1] } }
  - { name: b-1, region: r-b, network: n-b, podCIDRs: [10.2.0.0/16], eastWestGateway: { addresses: [192.0.2.2] } }
apps:
  - { name: web, namespace: shop, image: example.com/web:1, ports: [{ name: http, port: 8080 }], callers: none }
  - { name: api, namespace: shop, image: example.com/api:1, ports: [{ name: http, port: 8080 }, { name: grpc, port: 9090, protocol: GRPC }] }
  - { name: jobs, namespace: ops, image: example.com/jobs:1, ports: [{ name: admin, port: 9000 }], callers: none }
  - { name: batch, namespace: ops, image: example.com/batch:1 }
placement:
${placement ?? '  - { name: ops-in-a, apps: { namespaces: [ops] }, clusters: { names: [a-1] }, priority: 1 }\n  - { name: everywhere, apps: {} }'}
traffic:
${traffic}
`;
}

/** `line:col` of the first appearance of `needle` after `after`, as diagnostics print it. */
function at(text: string, needle: string, after = ''): string {
  const index = text.indexOf(needle, after ? text.indexOf(after) : 0);
  if (index === -1) throw new Error(`\`${needle}\` is not in the spec`);
  const before = text.slice(0, index).split('\n');
  return `${before.length}:${before[before.length - 1].length + 1}`;
}

function diagnosed(text: string, severity: 'error' | 'warning'): string[] {
  return codesAt(compileText(text, { renderOutput: false }).diagnostics.filter((d) => d.severity === severity));
}

const WEB_TO_API = '  - { name: web-to-api, from: [web], to: api';

describe('item 5: tls DISABLE', () => {
  it('is refused at the rule’s `tls` value: plaintext carries no principal for the AuthorizationPolicy, and cannot cross networks', () => {
    const text = spec({ traffic: `${WEB_TO_API}, tls: DISABLE }` });
    expect(diagnosed(text, 'error')).toEqual([`traffic_tls_disabled@${at(text, 'DISABLE')}`]);
    const [diagnostic] = compileText(text).diagnostics;
    expect(diagnostic.help?.[0]).toContain('remove `tls`');
  });

  it('ISTIO_MUTUAL, written or not, is fine', () => {
    expect(diagnosed(spec({ traffic: `${WEB_TO_API}, tls: ISTIO_MUTUAL }` }), 'error')).toEqual([]);
  });
});

describe('item 8: traffic kept near the caller', () => {
  const destinationRule = (text: string, cluster = 'a-1') => get(objectsIn(renderTree(text), cluster), 'DestinationRule', 'api', 'shop').spec.trafficPolicy;
  const DEFAULT_OUTLIER = { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 100 };

  it('a destination in more than one cluster gets outlier detection, without which Istio applies no locality priority', () => {
    const text = spec({ traffic: `${WEB_TO_API} }` });
    expect(destinationRule(text)).toEqual({ tls: { mode: 'ISTIO_MUTUAL' }, outlierDetection: DEFAULT_OUTLIER, loadBalancer: { localityLbSetting: { enabled: true } } });
    // The same object in every cluster that gets it.
    expect(destinationRule(text, 'b-1')).toEqual(destinationRule(text, 'a-1'));
  });

  it('a destination in one cluster gets nothing added: there is no other locality', () => {
    const placement = '  - { name: api-in-a, apps: { names: [api] }, clusters: { names: [a-1] }, priority: 1 }\n  - { name: everywhere, apps: {} }';
    expect(destinationRule(spec({ placement, traffic: `${WEB_TO_API} }` }), 'b-1')).toEqual({ tls: { mode: 'ISTIO_MUTUAL' } });
  });

  it('`locality: Any` spreads calls: locality load balancing off, so written outlier detection does not turn it on', () => {
    expect(destinationRule(spec({ traffic: `${WEB_TO_API}, locality: Any }` }))).toEqual({ tls: { mode: 'ISTIO_MUTUAL' }, loadBalancer: { localityLbSetting: { enabled: false } } });
    const withOutliers = destinationRule(spec({ traffic: `${WEB_TO_API}, locality: Any, outlierDetection: { consecutive5xxErrors: 3 } }` }));
    expect(withOutliers).toEqual({ tls: { mode: 'ISTIO_MUTUAL' }, outlierDetection: { consecutive5xxErrors: 3 }, loadBalancer: { localityLbSetting: { enabled: false } } });
  });

  it('written outlier detection without maxEjectionPercent gets 100%, so a failed locality can be ejected whole (istio/istio#34605)', () => {
    const failover = ', failover: [{ from: r-a, to: r-b }]';
    expect(destinationRule(spec({ traffic: `${WEB_TO_API}${failover}, outlierDetection: { consecutive5xxErrors: 3 } }` }))).toEqual({
      tls: { mode: 'ISTIO_MUTUAL' },
      outlierDetection: { consecutive5xxErrors: 3, maxEjectionPercent: 100 },
      loadBalancer: { localityLbSetting: { enabled: true, failover: [{ from: 'r-a', to: 'r-b' }] } },
    });
    // A percentage the user wrote is kept.
    expect(destinationRule(spec({ traffic: `${WEB_TO_API}${failover}, outlierDetection: { maxEjectionPercent: 50 } }` })).outlierDetection).toEqual({ maxEjectionPercent: 50 });
  });

  it('`locality: Any` with `failover` is refused: failover is a locality priority', () => {
    const text = spec({ traffic: `${WEB_TO_API}, locality: Any, failover: [{ from: r-a, to: r-b }] }` });
    expect(diagnosed(text, 'error')).toEqual([`traffic_conflicting_policy@${at(text, 'Any')}`]);
  });
});

describe('item 9: retries', () => {
  it('a `retryOn` without gRPC conditions on a GRPC port (warning at `retryOn`)', () => {
    const text = spec({ traffic: `${WEB_TO_API}, ports: [grpc], retries: { attempts: 2, retryOn: 5xx } }` });
    expect(diagnosed(text, 'warning')).toEqual([`traffic_grpc_retry_on@${at(text, '5xx')}`]);
  });

  it('gRPC conditions named, Istio’s default kept, or an HTTP port only: no warning', () => {
    expect(diagnosed(spec({ traffic: `${WEB_TO_API}, ports: [grpc], retries: { attempts: 2, retryOn: "5xx,unavailable" } }` }), 'warning')).toEqual([]);
    expect(diagnosed(spec({ traffic: `${WEB_TO_API}, ports: [grpc], retries: { attempts: 2 } }` }), 'warning')).toEqual([]);
    expect(diagnosed(spec({ traffic: `${WEB_TO_API}, ports: [http], retries: { attempts: 2, retryOn: 5xx } }` }), 'warning')).toEqual([]);
  });

  it('tries that do not fit in the timeout (warning at `perTryTimeout`)', () => {
    const text = spec({ traffic: `${WEB_TO_API}, ports: [http], retries: { attempts: 3, perTryTimeout: 2s }, timeout: 5s }` });
    expect(diagnosed(text, 'warning')).toEqual([`traffic_retries_exceed_timeout@${at(text, '2s')}`]);
    const [diagnostic] = compileText(text).diagnostics;
    expect(diagnostic.message).toContain('4 tries (1 + 3 attempts) of up to 2s take up to 8s');
    expect(diagnostic.message).toContain('2 tries run in full, the next is cut short and 1 never starts');
  });

  it('tries that fit: no warning', () => {
    expect(diagnosed(spec({ traffic: `${WEB_TO_API}, ports: [http], retries: { attempts: 2, perTryTimeout: 1500ms }, timeout: 4.5s }` }), 'warning')).toEqual([]);
  });
});

describe('item 10b: L7 closed by default', () => {
  it('every managed namespace gets a STRICT PeerAuthentication, wherever its Namespace is rendered', () => {
    const tree = renderTree(spec({ traffic: `${WEB_TO_API} }` }));
    for (const cluster of ['a-1', 'b-1']) {
      const objects = objectsIn(tree, cluster);
      const namespaces = objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
      const policies = objects.filter((o) => o.kind === 'PeerAuthentication');
      expect(
        policies.map((p) => p.metadata.namespace),
        cluster,
      ).toEqual(namespaces);
      for (const policy of policies) expect(policy).toMatchObject({ apiVersion: 'security.istio.io/v1', metadata: { name: 'default' }, spec: { mtls: { mode: 'STRICT' } } });
    }
    expect(find(objectsIn(tree, 'b-1'), 'PeerAuthentication', 'default', 'ops')).toBeUndefined();
  });

  it('`mesh.mtls: PERMISSIVE` relaxes it', () => {
    const tree = renderTree(spec({ mesh: 'mesh: { mtls: PERMISSIVE }', traffic: `${WEB_TO_API} }` }));
    expect(get(objectsIn(tree, 'a-1'), 'PeerAuthentication', 'default', 'shop').spec).toEqual({ mtls: { mode: 'PERMISSIVE' } });
  });

  it('an app with ports nobody may call gets an allow-nothing AuthorizationPolicy where it runs; an app without ports none', () => {
    const objects = objectsIn(renderTree(spec({ traffic: `${WEB_TO_API} }` })), 'a-1');
    expect(get(objects, 'AuthorizationPolicy', 'jobs', 'ops').spec).toEqual({ selector: { matchLabels: { app: 'jobs' } }, action: 'ALLOW' });
    expect(get(objects, 'AuthorizationPolicy', 'web', 'shop').spec).toEqual({ selector: { matchLabels: { app: 'web' } }, action: 'ALLOW' });
    expect(find(objects, 'AuthorizationPolicy', 'batch', 'ops')).toBeUndefined();
    expect(get(objects, 'AuthorizationPolicy', 'api', 'shop').spec.rules).toHaveLength(1);
  });
});

describe('item 12: revision-based injection', () => {
  it('namespaces are labelled for the default injector without a revision', () => {
    const labels = get(objectsIn(renderTree(spec({ traffic: `${WEB_TO_API} }` })), 'a-1'), 'Namespace', 'shop').metadata.labels;
    expect(labels).toMatchObject({ 'istio-injection': 'enabled' });
    expect(labels).not.toHaveProperty('istio.io/rev');
  });

  it('`mesh.revision` labels them `istio.io/rev` instead: `istio-injection` would take precedence', () => {
    const labels = get(objectsIn(renderTree(spec({ mesh: 'mesh: { revision: 1-24 }', traffic: `${WEB_TO_API} }` })), 'a-1'), 'Namespace', 'shop').metadata.labels;
    expect(labels).toMatchObject({ 'istio.io/rev': '1-24' });
    expect(labels).not.toHaveProperty('istio-injection');
  });

  it('`mesh` is set in one file', () => {
    const header = 'apiVersion: fleet/v1alpha1\nkind: Fleet\nmesh: { mtls: STRICT }\n';
    const files = [
      {
        path: 'a.yaml',
        name: 'a.yaml',
        text:
          header +
          spec({ traffic: `${WEB_TO_API} }` })
            .split('\n')
            .slice(2)
            .join('\n'),
      },
      { path: 'b.yaml', name: 'b.yaml', text: header },
    ];
    const { diagnostics } = compile(files, { renderOutput: false });
    expect(diagnostics.map((d) => `${d.code}@${d.span?.file}:${d.span?.start.line}`)).toEqual(['spec_duplicate_mesh@b.yaml:3']);
  });
});

/** A cluster of the relay fleets below: on `network`, its pods on 10.<n>.0.0/16, with an east-west gateway at 192.0.2.<n> if `gateway`. */
const relayCluster = (name: string, n: number, network: string, gateway: boolean) =>
  `  - { name: ${name}, region: r-${network}, network: ${network}, podCIDRs: [10.${n}.0.0/16]${gateway ? `, eastWestGateway: { addresses: [192.0.2.${n}] }` : ''} }`;

/** `web` (in `webIn`) calls `api` (as `api` writes it, in `apiIn`) under one rule (`rule`: more of its fields), on these clusters: compiled whole. */
function compileWebToApi(clusters: readonly string[], api: string, webIn: string, apiIn: string, rule = ''): CompileResult {
  const text = `apiVersion: fleet/v1alpha1
kind: Fleet
metadata:
  name: relay
clusters:
${clusters.join('\n')}
apps:
  - { name: web, namespace: shop, image: example.com/web:1, ports: [{ name: http, port: 8080 }], callers: none }
${api}
placement:
  - { name: web-here, apps: { names: [web] }, clusters: { names: [${webIn}] } }
  - { name: api-here, apps: { names: [api] }, clusters: { names: [${apiIn}] } }
traffic:
  - { name: web-to-api, from: [web], to: api${rule} }
`;
  return compile([{ path: 'relay.yaml', name: 'relay.yaml', text }]);
}

describe('an east-west gateway in a cluster that neither runs nor calls the app it relays to', () => {
  // net-b: gw-1 runs the network's east-west gateway and nothing of `api`; api-2 runs `api` (stable
  // and canary), without a gateway of its own. `web` in web-1 (net-a) calls `api` with a split, so
  // its subset-routed calls go through gw-1's gateway to api-2's pods.
  const clusters = [relayCluster('web-1', 1, 'net-a', true), relayCluster('gw-1', 2, 'net-b', true), relayCluster('api-2', 3, 'net-b', false)];
  const api = '  - { name: api, namespace: api, image: example.com/api:1, replicas: 4, ports: [{ name: http, port: 8080 }], versions: [{ name: stable }, { name: canary, image: example.com/api:2 }] }';

  it('holds its DestinationRule, in its namespace: the gateway builds its per-subset SNI clusters from its own cluster’s (docs/mesh-model.md R-I10)', () => {
    const result = compileWebToApi(clusters, api, 'web-1', 'api-2', ', split: { stable: 90, canary: 10 }');
    // Without the DestinationRule in gw-1 the mesh check finds the relayed calls refused, a bug in fleet (it throws).
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const relay = objectsIn(result.tree!, 'gw-1');
    expect(get(relay, 'DestinationRule', 'api', 'api').spec.subsets.map((s: { name: string }) => s.name)).toEqual(['stable', 'canary']);
    expect(get(relay, 'DestinationRule', 'api', 'api')).toEqual(get(objectsIn(result.tree!, 'api-2'), 'DestinationRule', 'api', 'api'));
    expect(find(relay, 'Namespace', 'api')).toBeDefined();
    // Nothing else of `api` or `web`: no workload, no Service, no route.
    const kindsIn = (namespace: string) => relay.filter((o) => o.metadata?.namespace === namespace).map((o) => o.kind);
    expect(kindsIn('api').sort()).toEqual(['DestinationRule', 'PeerAuthentication']);
    expect(kindsIn('shop')).toEqual([]);
  });
});

describe('Calico at a pod that callers on another network reach through east-west gateways', () => {
  // net-a has two gateways, in a-1 and a-2; `api` runs in a-2 only, and `web` calls it from b-1
  // (net-b). Istio sends web's calls to the gateway of the cluster of api's pods, a-2's: a-1's
  // gateway never carries them (Topology.gatewaysTo; docs/mesh-model.md R-I10).
  const clusters = [relayCluster('a-1', 1, 'net-a', true), relayCluster('a-2', 2, 'net-a', true), relayCluster('b-1', 3, 'net-b', true)];
  const api = '  - { name: api, namespace: shop, image: example.com/api:1, ports: [{ name: http, port: 8080 }] }';

  it('lets in its own cluster’s gateway, not the pods of another cluster whose gateway never relays to it', () => {
    const result = compileWebToApi(clusters, api, 'b-1', 'a-2');
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const sources = get(objectsIn(result.tree!, 'a-2'), 'NetworkPolicy', 'api-ingress', 'shop').spec.ingress.map((rule: { source: unknown }) => rule.source);
    expect(sources).toEqual([{ namespaceSelector: "projectcalico.org/name == 'istio-system'", selector: "istio == 'eastwestgateway'" }]);
  });
});
