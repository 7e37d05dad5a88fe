import { describe, expect, it } from 'vitest';
import { l7Verdict } from '../../../src/mesh/istio-security.js';
import { endpointsOf, localityPriorities, networkPath, routeFor, serviceOf } from '../../../src/mesh/istio-routing.js';
import type { KubeObject } from '../../../src/model/manifest.js';
import { deployment, folder, model, ns, service } from './helpers.js';

const host = 'api.shop.svc.cluster.local';
const vs = (http: unknown[]): KubeObject => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'api', namespace: 'shop' }, spec: { hosts: [host], http } });
const dr = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'api', namespace: 'shop' }, spec: { host, ...spec } });
const web = { cluster: 'a', namespace: 'shop', labels: { app: 'web' }, serviceAccount: 'web', describe: 'shop/web' };

describe('Istio routing (pilot networking/core, networking/v1alpha3 virtual_service.proto)', () => {
  it('first route whose match applies wins; request conditions are kept as conditions; sourceLabels filter callers', () => {
    const m = model(
      [
        folder('a', [
          ns('shop'),
          service('shop', 'api'),
          vs([
            { name: 'other-callers', match: [{ sourceLabels: { app: 'cart' } }], route: [{ destination: { host, subset: 'v2' } }] },
            { name: 'canary', match: [{ headers: { 'x-canary': { exact: '1' } } }], route: [{ destination: { host, subset: 'v2' } }] },
            {
              name: 'split',
              route: [
                { destination: { host, subset: 'v1' }, weight: 90 },
                { destination: { host, subset: 'v2' }, weight: 10 },
              ],
            },
            { name: 'never', route: [{ destination: { host } }] },
          ]),
        ]),
      ],
      { clusters: [{ name: 'a', network: '', podCIDRs: [] }] },
    );
    const plan = routeFor(m, web, serviceOf(m, host)!, serviceOf(m, host)!.ports[0]);
    expect(plan.routes.map((r) => [r.name, r.condition !== undefined, r.destinations.map((d) => `${d.subset}:${d.weight}`)])).toEqual([
      ['canary', true, ['v2:100']],
      ['split', false, ['v1:90', 'v2:10']],
    ]);
    expect(plan.noRoute).toBeUndefined();
  });

  it('HTTP without an applicable route is a 404; no VirtualService is the whole service', () => {
    const onlyCart = vs([{ name: 'cart', match: [{ sourceLabels: { app: 'cart' } }], route: [{ destination: { host } }] }]);
    const m = model([folder('a', [ns('shop'), service('shop', 'api'), onlyCart])], { clusters: [{ name: 'a', network: '', podCIDRs: [] }] });
    const api = serviceOf(m, host)!;
    expect(routeFor(m, web, api, api.ports[0]).noRoute).toMatch(/HTTP 404/);
    const bare = model([folder('a', [ns('shop'), service('shop', 'api')])], { clusters: [{ name: 'a', network: '', podCIDRs: [] }] });
    expect(routeFor(bare, web, serviceOf(bare, host)!, serviceOf(bare, host)!.ports[0]).routes[0].name).toBe('default');
  });

  it('endpoints: pods matching the Service selector and subset labels, in every cluster holding the Service', () => {
    const pods = [deployment('shop', 'api-v1', { app: 'api', version: 'v1' }), deployment('shop', 'api-v2', { app: 'api', version: 'v2' }, { http: 8080 }, 0)];
    const m = model([folder('a', [ns('shop'), service('shop', 'api'), ...pods]), folder('b', [ns('shop'), ...pods])], {
      clusters: [
        { name: 'a', network: '', podCIDRs: [] },
        { name: 'b', network: '', podCIDRs: [] },
      ],
    });
    const api = serviceOf(m, host)!;
    // b holds the pods but no Service: no EndpointSlice, no endpoints there.
    expect(endpointsOf(m, api, 8080, { version: 'v1' }).map((e) => `${e.cluster}/${e.workload.name}:${e.targetPort}`)).toEqual(['a/api-v1:8080']);
    expect(endpointsOf(m, api, 8080, { version: 'v2' })).toEqual([]); // 0 replicas
  });

  it('split horizon (ep_filters.go EndpointsByNetworkFilter): same network direct, other network via its gateway (own cluster first), none: direct', () => {
    const pods = [deployment('shop', 'api', { app: 'api' })];
    const objects = [ns('shop'), service('shop', 'api'), ...pods];
    const clusters = [
      { name: 'a', network: 'n1', podCIDRs: [] },
      { name: 'b', network: 'n1', podCIDRs: [] },
      { name: 'c', network: 'n2', podCIDRs: [], eastWestGateway: { addresses: ['1.1.1.1'], port: 15443 } },
      { name: 'd', network: 'n2', podCIDRs: [] },
      { name: 'e', network: 'n3', podCIDRs: [] },
    ];
    const m = model(
      clusters.map((c) => folder(c.name, objects)),
      { clusters },
    );
    const groups = endpointsOf(m, serviceOf(m, host)!, 8080, undefined);
    const path = (cluster: string, mtls = true) => networkPath(m, 'a', groups.find((g) => g.cluster === cluster)!, mtls);
    expect(path('b')).toEqual({ kind: 'direct', crossNetwork: false });
    expect(path('c')).toEqual({ kind: 'gateway', gateways: ['c'] });
    expect(path('d')).toEqual({ kind: 'gateway', gateways: ['c'] });
    expect(path('e')).toEqual({ kind: 'direct', crossNetwork: true }); // no gateway on n3: added directly
    expect(path('c', false).kind).toBe('dropped'); // cross-network needs mTLS
  });

  it('locality priorities only with outlier detection (loadbalancer.go enableFailover), failover demotes other regions', () => {
    const clusters = [
      { name: 'a', network: '', region: 'r1', zone: 'z1', podCIDRs: [] },
      { name: 'b', network: '', region: 'r1', zone: 'z2', podCIDRs: [] },
      { name: 'c', network: '', region: 'r2', podCIDRs: [] },
      { name: 'd', network: '', region: 'r3', podCIDRs: [] },
    ];
    const objects = [ns('shop'), service('shop', 'api'), deployment('shop', 'api', { app: 'api' })];
    const withDr = (spec: Record<string, unknown>) =>
      model(
        clusters.map((c) => folder(c.name, [...objects, dr(spec)])),
        { clusters },
      );
    const m = withDr({ trafficPolicy: { outlierDetection: { consecutive5xxErrors: 5 }, loadBalancer: { localityLbSetting: { failover: [{ from: 'r1', to: 'r3' }] } } } });
    const groups = endpointsOf(m, serviceOf(m, host)!, 8080, undefined);
    const rule = m.cluster('a').destinationRules[0];
    expect(localityPriorities(rule, { region: 'r1', zone: 'z1' }, groups)).toEqual([0, 1, 3, 2]);
    const noOutlier = withDr({});
    expect(localityPriorities(noOutlier.cluster('a').destinationRules[0], { region: 'r1', zone: 'z1' }, groups)).toBeUndefined();
  });
});

describe('Istio authorization (istio.io reference security/authorization-policy)', () => {
  const ap = (action: string, rules: unknown[]): KubeObject => ({
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: `api-${action.toLowerCase()}`, namespace: 'shop' },
    spec: { selector: { matchLabels: { app: 'api' } }, action, rules },
  });
  const server = { namespace: 'shop', labels: { app: 'api' } };
  const webPeer = { principal: 'cluster.local/ns/shop/sa/web', namespace: 'shop' };
  const view = (objects: KubeObject[]) => model([folder('a', [ns('shop'), ...objects])], { clusters: [{ name: 'a', network: '', podCIDRs: [] }] }).cluster('a');
  const allowWeb = ap('ALLOW', [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/web'] } }], to: [{ operation: { ports: ['8080'] } }] }]);

  it('no ALLOW policy: allowed; an ALLOW policy and no matching rule: denied', () => {
    expect(l7Verdict(view([]), server, webPeer, 8080).allowed).toBe(true);
    expect(l7Verdict(view([allowWeb]), server, webPeer, 8080).text).toBe('allowed by AuthorizationPolicy shop/api-allow rule 1');
    expect(l7Verdict(view([allowWeb]), server, webPeer, 9090).allowed).toBe(false);
    expect(l7Verdict(view([allowWeb]), server, { principal: 'cluster.local/ns/shop/sa/cart', namespace: 'shop' }, 8080).allowed).toBe(false);
  });

  it('plaintext carries no principal; DENY is evaluated before ALLOW', () => {
    expect(l7Verdict(view([allowWeb]), server, { namespace: 'shop' }, 8080).text).toMatch(/plaintext/);
    const deny = ap('DENY', [{ to: [{ operation: { ports: ['8080'] } }] }]);
    expect(l7Verdict(view([allowWeb, deny]), server, webPeer, 8080).text).toBe('denied by AuthorizationPolicy shop/api-deny rule 1 (DENY)');
  });

  it('PeerAuthentication STRICT refuses plaintext; the workload policy wins over the namespace one', () => {
    const pa = (name: string, mode: string, selector?: Record<string, string>): KubeObject => ({
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name, namespace: 'shop' },
      spec: { ...(selector ? { selector: { matchLabels: selector } } : {}), mtls: { mode } },
    });
    expect(l7Verdict(view([pa('ns', 'STRICT')]), server, { namespace: 'shop' }, 8080).allowed).toBe(false);
    expect(l7Verdict(view([pa('ns', 'STRICT'), pa('api', 'PERMISSIVE', { app: 'api' })]), server, { namespace: 'shop' }, 8080).allowed).toBe(true);
  });
});
