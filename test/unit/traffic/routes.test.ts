import { describe, expect, it } from 'vitest';
import { get, objectsIn, renderTree } from './fleet.js';

/** Two clusters on one flat network; `api` serves four ports, two versions; two callers route to it differently. */
const spec = (traffic: string) => `apiVersion: fleet/v1alpha1
kind: Fleet
metadata:
  name: routes
clusters:
  - { name: a-1, region: r-a, podCIDRs: [10.1.0.0/16] }
  - { name: b-1, region: r-b, podCIDRs: [10.2.0.0/16] }
apps:
  - { name: web, image: example.com/web:1, ports: [{ name: http, port: 8080 }] }
  - { name: admin, image: example.com/admin:1, ports: [{ name: http, port: 8080 }] }
  - name: api
    image: example.com/api:1
    replicas: 2
    ports:
      - { name: http, port: 8080 }
      - { name: grpc, port: 9090, protocol: GRPC }
      - { name: db, port: 5432, targetPort: 15432, protocol: TCP }
      - { name: dns, port: 53, protocol: UDP }
    versions: [{ name: v1 }, { name: v2 }]
placement:
  - { name: everywhere, apps: {} }
traffic:
${traffic}`;

const host = 'api.api.svc.cluster.local';
const to = (port: number, subset?: string) => ({ destination: { host, port: { number: port }, ...(subset ? { subset } : {}) } });

describe('mesh VirtualService', () => {
  it('matches callers by source labels when rules route them differently, per port, and routes TCP ports as tcp', () => {
    const tree = renderTree(
      spec(`  - name: web-to-api
    from: [web]
    to: api
    ports: [http, db]
    split: { v1: 100, v2: 0 }
    fault: { delay: { fixedDelay: 1s, percent: 5 } }
  - name: admin-to-api
    from: [admin]
    to: api
    ports: [http, dns]
    mirror: { version: v2, percent: 50 }
`),
    );
    const vs = get(objectsIn(tree, 'a-1'), 'VirtualService', 'api', 'api');
    expect(vs.spec).toEqual({
      hosts: [host],
      http: [
        {
          name: 'admin-to-api-http',
          match: [{ port: 8080, sourceLabels: { app: 'admin' }, sourceNamespace: 'admin' }],
          route: [to(8080)],
          mirror: { host, port: { number: 8080 }, subset: 'v2' },
          mirrorPercentage: { value: 50 },
        },
        {
          name: 'web-to-api-http',
          match: [{ port: 8080, sourceLabels: { app: 'web' }, sourceNamespace: 'web' }],
          // A weight of 0 is left out; a single destination carries no weight.
          route: [to(8080, 'v1')],
          fault: { delay: { fixedDelay: '1s', percentage: { value: 5 } } },
        },
      ],
      // One group on the TCP port: no source match needed. UDP is not proxied, so `dns` has no route.
      tcp: [{ match: [{ port: 5432 }], route: [to(5432, 'v1')] }],
    });
  });

  it('shares one set of routes between callers whose rules route alike', () => {
    const tree = renderTree(
      spec(`  - { name: a-to-api, from: [web], to: api, ports: [http], timeout: 2s }
  - { name: b-to-api, from: [admin], to: api, ports: [http], timeout: 2s }
`),
    );
    expect(get(objectsIn(tree, 'b-1'), 'VirtualService', 'api', 'api').spec.http).toEqual([{ name: 'a-to-api-http', match: [{ port: 8080 }], route: [to(8080)], timeout: '2s' }]);
  });

  it('aborts requests as the fault says', () => {
    const tree = renderTree(spec(`  - { name: chaos, from: [web], to: api, ports: [http], fault: { abort: { httpStatus: 503, percent: 1.5 } } }\n`));
    expect(get(objectsIn(tree, 'a-1'), 'VirtualService', 'api', 'api').spec.http[0].fault).toEqual({ abort: { httpStatus: 503, percentage: { value: 1.5 } } });
  });
});

describe('DestinationRule', () => {
  it('maps the connection pool, TLS and outlier detection of the rule; api runs in two clusters, so nearest endpoints first', () => {
    const tree = renderTree(spec(`  - { name: pooled, from: [web], to: api, connectionPool: { maxConnections: 100, maxPendingRequests: 10 }, tls: ISTIO_MUTUAL, outlierDetection: { consecutive5xxErrors: 3 } }\n`));
    expect(get(objectsIn(tree, 'a-1'), 'DestinationRule', 'api', 'api').spec.trafficPolicy).toEqual({
      tls: { mode: 'ISTIO_MUTUAL' },
      connectionPool: { tcp: { maxConnections: 100 }, http: { http1MaxPendingRequests: 10 } },
      outlierDetection: { consecutive5xxErrors: 3, maxEjectionPercent: 100 },
      loadBalancer: { localityLbSetting: { enabled: true } },
    });
  });
});

describe('Calico transports', () => {
  it('allows UDP ports with their own rule, and uses target ports', () => {
    const tree = renderTree(spec(`  - { name: all-ports, from: [admin], to: api }\n`));
    const egress = get(objectsIn(tree, 'a-1'), 'NetworkPolicy', 'admin-egress', 'admin').spec.egress as { protocol: string; destination: { selector: string; ports: number[] } }[];
    expect(egress.map((r) => `${r.protocol} ${r.destination.ports.join(',')} ${r.destination.selector}`)).toEqual([
      "TCP 8080,9090,15432 app == 'api'",
      "UDP 53 app == 'api'",
      "TCP 8080,9090,15432 fleet.io/role == 'pods' && fleet.io/cluster == 'b-1'",
      "UDP 53 fleet.io/role == 'pods' && fleet.io/cluster == 'b-1'",
    ]);
  });
});

describe('replicas per version', () => {
  it('gives a version that only a match or mirror routes to a replica, so it can serve', () => {
    const tree = renderTree(spec(`  - { name: header-canary, from: [web], to: api, split: { v1: 100 }, match: [{ headers: { x-v2: { exact: "1" } }, version: v2 }] }\n`));
    const deployments = objectsIn(tree, 'a-1').filter((o) => o.kind === 'Deployment' && o.metadata.namespace === 'api');
    expect(deployments.map((d) => `${d.metadata.name}=${d.spec.replicas}`)).toEqual(['api-v2=1', 'api=1']);
  });
});
