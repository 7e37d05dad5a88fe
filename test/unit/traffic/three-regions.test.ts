import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OutputTree } from '../../../src/phases/6-emit/index.js';
import { compileText } from '../../helpers/spec.js';
import { documentsOf } from '../../helpers/trees.js';
import { itUpstream, upstreamProblems } from '../../helpers/upstream-schemas.js';
import { find, get, inventory, objectsIn, renderTree, THREE_REGIONS, type K8sObject } from './fleet.js';

/**
 * What goes where, cluster by cluster, for the three-region fleet of fleet.ts (docs/traffic.md,
 * R1–R11). P(checkout) = {na-1, eu-1}, its callers (web) run everywhere; P(payments) = {na-1}, its
 * callers (checkout) in na-1 and eu-1; web's caller is the `public` gateway, in every cluster.
 */
const CLUSTERS = ['na-1', 'na-2', 'eu-1', 'sea-1'];
let tree: OutputTree;
const at: Record<string, K8sObject[]> = {};

beforeAll(() => {
  tree = renderTree(THREE_REGIONS);
  for (const cluster of CLUSTERS) at[cluster] = objectsIn(tree, cluster);
});

describe('workloads and services', () => {
  it('runs each Deployment only where it is placed (R2)', () => {
    expect(inventory(at['na-1'], ['Deployment'])).toEqual(['Deployment payments/payments', 'Deployment shop/checkout', 'Deployment shop/checkout-canary', 'Deployment shop/web']);
    expect(inventory(at['eu-1'], ['Deployment'])).toEqual(['Deployment shop/checkout', 'Deployment shop/checkout-canary', 'Deployment shop/web']);
    expect(inventory(at['na-2'], ['Deployment'])).toEqual(['Deployment shop/web']);
    expect(inventory(at['sea-1'], ['Deployment'])).toEqual(['Deployment shop/web']);
  });

  it('renders a Service wherever the app runs or is called from, byte-identical (R3)', () => {
    expect(inventory(at['na-1'], ['Service'])).toEqual(['Service payments/payments', 'Service shop/checkout', 'Service shop/web']);
    expect(inventory(at['eu-1'], ['Service'])).toEqual(['Service payments/payments', 'Service shop/checkout', 'Service shop/web']);
    // checkout does not run in na-2 or sea-1, but web calls it there; nothing there calls payments.
    expect(inventory(at['na-2'], ['Service'])).toEqual(['Service shop/checkout', 'Service shop/web']);
    expect(inventory(at['sea-1'], ['Service'])).toEqual(['Service shop/checkout', 'Service shop/web']);
    const copies = CLUSTERS.map((c) => tree.get(`${c}/shop/service.checkout.yaml`));
    expect(new Set(copies).size).toBe(1);
  });

  it('renders the namespaces of everything in a cluster, labelled for injection, network and isolation (R1)', () => {
    expect(inventory(at['na-2'], ['Namespace'])).toEqual(['Namespace shop']);
    expect(inventory(at['eu-1'], ['Namespace'])).toEqual(['Namespace payments', 'Namespace shop']);
    expect(get(at['sea-1'], 'Namespace', 'shop').metadata.labels).toMatchObject({ 'istio-injection': 'enabled', 'topology.istio.io/network': 'net-sea', 'fleet.io/managed': 'true' });
  });
});

describe('Istio', () => {
  it('renders the VirtualService and DestinationRule of a destination where its callers run (R4, R5)', () => {
    for (const cluster of CLUSTERS) {
      expect(find(at[cluster], 'VirtualService', 'checkout', 'shop'), cluster).toBeDefined();
      expect(find(at[cluster], 'DestinationRule', 'checkout', 'shop'), cluster).toBeDefined();
    }
    for (const cluster of ['na-1', 'eu-1'])
      expect(inventory(at[cluster], ['DestinationRule', 'VirtualService']).filter((o) => o.includes('payments/'))).toEqual(['DestinationRule payments/payments', 'VirtualService payments/payments']);
    for (const cluster of ['na-2', 'sea-1']) expect(find(at[cluster], 'DestinationRule', 'payments', 'payments')).toBeUndefined();
    // web is only called through the gateway: its DestinationRule everywhere, no mesh VirtualService.
    for (const cluster of CLUSTERS) {
      expect(find(at[cluster], 'DestinationRule', 'web', 'shop')).toBeDefined();
      expect(find(at[cluster], 'VirtualService', 'web', 'shop')).toBeUndefined();
    }
  });

  it('routes the header match first, then the 90/10 split, with retries and timeout on every route', () => {
    const vs = get(at['sea-1'], 'VirtualService', 'checkout', 'shop');
    const host = 'checkout.shop.svc.cluster.local';
    const common = { retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx' }, timeout: '5s' };
    expect(vs.spec).toEqual({
      hosts: [host],
      http: [
        { name: 'web-to-checkout-match-1', match: [{ headers: { 'x-canary': { exact: '1' } } }], route: [{ destination: { host, port: { number: 9090 }, subset: 'canary' } }], ...common },
        {
          name: 'web-to-checkout',
          route: [
            { destination: { host, port: { number: 9090 }, subset: 'stable' }, weight: 90 },
            { destination: { host, port: { number: 9090 }, subset: 'canary' }, weight: 10 },
          ],
          ...common,
        },
      ],
    });
    expect(new Set(CLUSTERS.map((c) => tree.get(`${c}/shop/virtualservice.checkout.yaml`))).size).toBe(1);
  });

  it('gives each version a subset that selects exactly one Deployment in every cluster that runs it', () => {
    const dr = get(at['na-2'], 'DestinationRule', 'checkout', 'shop');
    expect(dr.spec.host).toBe('checkout.shop.svc.cluster.local');
    expect(dr.spec.subsets.map((s: { name: string }) => s.name)).toEqual(['stable', 'canary']);
    for (const cluster of ['na-1', 'eu-1']) {
      const deployments = at[cluster].filter((o) => o.kind === 'Deployment' && o.metadata.namespace === 'shop');
      for (const subset of dr.spec.subsets as { name: string; labels: Record<string, string> }[]) {
        const selector = { app: 'checkout', ...subset.labels };
        const selected = deployments.filter((d) => Object.entries(selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v));
        expect(
          selected.map((d) => d.metadata.labels?.version),
          `${cluster} subset ${subset.name}`,
        ).toEqual([subset.name]);
        expect(selected[0].spec.replicas).toBeGreaterThan(0);
      }
    }
  });

  it('fails over from Asia to us-east1 with outlier detection, added by default when the rule has none', () => {
    const policy = get(at['na-1'], 'DestinationRule', 'checkout', 'shop').spec.trafficPolicy;
    expect(policy).toEqual({
      tls: { mode: 'ISTIO_MUTUAL' },
      loadBalancer: { localityLbSetting: { enabled: true, failover: [{ from: 'asia-southeast1', to: 'us-east1' }] } },
      outlierDetection: { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 100 },
    });
    expect(get(at['na-1'], 'DestinationRule', 'payments', 'payments').spec).toEqual({ host: 'payments.payments.svc.cluster.local', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } });
  });

  it('binds the gateway and its route in every cluster that runs the gateway (R6)', () => {
    for (const cluster of CLUSTERS) {
      const gateway = get(at[cluster], 'Gateway', 'public', 'istio-ingress');
      expect(gateway.spec).toEqual({
        selector: { istio: 'ingressgateway' },
        servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['shop.example.com'], tls: { mode: 'SIMPLE', credentialName: 'shop-tls' } }],
      });
      const route = get(at[cluster], 'VirtualService', 'public', 'istio-ingress');
      expect(route.spec).toEqual({
        hosts: ['shop.example.com'],
        gateways: ['istio-ingress/public'],
        http: [{ name: 'internet-to-web', route: [{ destination: { host: 'web.shop.svc.cluster.local', port: { number: 8080 } } }] }],
      });
    }
  });

  it('authorizes callers by mTLS identity where the destination runs (R7)', () => {
    expect(inventory(at['na-1'], ['AuthorizationPolicy'])).toEqual(['AuthorizationPolicy payments/payments', 'AuthorizationPolicy shop/checkout', 'AuthorizationPolicy shop/web']);
    expect(inventory(at['sea-1'], ['AuthorizationPolicy'])).toEqual(['AuthorizationPolicy shop/web']);
    expect(get(at['eu-1'], 'AuthorizationPolicy', 'checkout', 'shop').spec).toEqual({
      selector: { matchLabels: { app: 'checkout' } },
      action: 'ALLOW',
      rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/web'] } }], to: [{ operation: { ports: ['9090'] } }] }],
    });
    // The target port, as the pod receives the connection.
    expect(get(at['na-1'], 'AuthorizationPolicy', 'payments', 'payments').spec.rules[0].to).toEqual([{ operation: { ports: ['9443'] } }]);
    expect(get(at['na-1'], 'AuthorizationPolicy', 'web', 'shop').spec.rules[0].from).toEqual([{ source: { principals: ['cluster.local/ns/istio-ingress/sa/istio-ingressgateway'] } }]);
  });

  it('puts DestinationRules before VirtualServices in apply order', () => {
    for (const cluster of CLUSTERS) {
      const resources = (parse(tree.get(`${cluster}/kustomization.yaml`)!) as { resources: string[] }).resources;
      const lastRule = Math.max(...resources.map((r, i) => (r.includes('/destinationrule.') ? i : -1)));
      const firstRoute = resources.findIndex((r) => r.includes('/virtualservice.'));
      expect(lastRule, cluster).toBeLessThan(firstRoute);
    }
  });
});

describe('Calico', () => {
  type Rule = { action: string; protocol: string; source?: Record<string, unknown>; destination: Record<string, unknown> };
  const rules = (cluster: string, name: string, namespace: string, direction: 'ingress' | 'egress'): Rule[] => get(at[cluster], 'NetworkPolicy', `${name}-${direction}`, namespace).spec[direction];

  it('denies by default in every managed namespace, with DNS and istiod allowed in a tier above (R11)', () => {
    for (const cluster of CLUSTERS) {
      expect(get(at[cluster], 'GlobalNetworkPolicy', 'fleet-default-deny').spec).toEqual({ order: 10000, namespaceSelector: "fleet.io/managed == 'true'", types: ['Ingress', 'Egress'] });
      expect(get(at[cluster], 'Tier', 'fleet-platform').spec).toEqual({ order: 100, defaultAction: 'Pass' });
      const dns = get(at[cluster], 'GlobalNetworkPolicy', 'fleet-platform.dns').spec;
      expect(dns.egress.map((r: Rule) => `${r.protocol} ${(r.destination.ports as number[]).join()}`)).toEqual(['UDP 53', 'TCP 53']);
      expect(get(at[cluster], 'GlobalNetworkPolicy', 'fleet-platform.istiod-clients').spec.egress[0].destination.ports).toEqual([15012]);
      expect(get(at[cluster], 'GlobalNetworkPolicy', 'fleet-platform.eastwest-gateway').spec.ingress[0].destination.ports).toEqual([15443]);
    }
  });

  it('allows ingress where the destination runs: local callers by identity, same-network clusters by pod CIDRs, other networks through the east-west gateway (R8)', () => {
    expect(inventory(at['na-2'], ['NetworkPolicy'])).toEqual(['NetworkPolicy shop/web-egress', 'NetworkPolicy shop/web-ingress']);
    expect(rules('na-1', 'checkout', 'shop', 'ingress').map((r) => r.source)).toEqual([
      { namespaceSelector: "projectcalico.org/name == 'shop'", serviceAccounts: { names: ['web'] } },
      { namespaceSelector: 'global()', selector: "fleet.io/role == 'pods' && fleet.io/cluster == 'na-2'" },
      { namespaceSelector: "projectcalico.org/name == 'istio-system'", selector: "istio == 'eastwestgateway'" },
    ]);
    expect(rules('eu-1', 'checkout', 'shop', 'ingress').map((r) => r.source)).toEqual([
      { namespaceSelector: "projectcalico.org/name == 'shop'", serviceAccounts: { names: ['web'] } },
      { namespaceSelector: "projectcalico.org/name == 'istio-system'", selector: "istio == 'eastwestgateway'" },
    ]);
    for (const rule of rules('na-1', 'payments', 'payments', 'ingress')) expect(rule).toMatchObject({ action: 'Allow', protocol: 'TCP', destination: { ports: [9443] } });
  });

  it('allows egress where the callers run: towards every cluster Istio may route to (R9)', () => {
    expect(rules('na-2', 'web', 'shop', 'egress').map((r) => r.destination)).toEqual([
      { namespaceSelector: 'global()', selector: "fleet.io/role == 'pods' && fleet.io/cluster == 'na-1'", ports: [9090] },
      { namespaceSelector: 'global()', selector: "fleet.io/role == 'eastwest-gateway' && fleet.io/cluster == 'eu-1'", ports: [15443] },
    ]);
    // Only the gateways Istio sends checkout's calls through: those of the clusters that run it (na-1, eu-1),
    // not na-2's, though na-2 is on net-na too (selectNetworkGateways: the endpoint's own cluster first).
    expect(rules('sea-1', 'web', 'shop', 'egress').map((r) => r.destination.selector)).toEqual([
      "fleet.io/role == 'eastwest-gateway' && fleet.io/cluster == 'eu-1'",
      "fleet.io/role == 'eastwest-gateway' && fleet.io/cluster == 'na-1'",
    ]);
    expect(rules('na-1', 'checkout', 'shop', 'egress').map((r) => r.destination)).toEqual([{ namespaceSelector: "projectcalico.org/name == 'payments'", selector: "app == 'payments'", ports: [9443] }]);
    expect(find(at['sea-1'], 'NetworkPolicy', 'checkout-ingress', 'shop')).toBeUndefined();
  });

  it('renders exactly the network sets its policies name (R10)', () => {
    expect(inventory(at['na-2'], ['GlobalNetworkSet'])).toEqual(['GlobalNetworkSet fleet-eastwest-eu-1', 'GlobalNetworkSet fleet-pods-na-1']);
    expect(inventory(at['sea-1'], ['GlobalNetworkSet'])).toEqual(['GlobalNetworkSet fleet-eastwest-eu-1', 'GlobalNetworkSet fleet-eastwest-na-1']);
    expect(get(at['na-2'], 'GlobalNetworkSet', 'fleet-pods-na-1')).toMatchObject({ metadata: { labels: { 'fleet.io/role': 'pods', 'fleet.io/cluster': 'na-1' } }, spec: { nets: ['10.10.0.0/16'] } });
    expect(get(at['sea-1'], 'GlobalNetworkSet', 'fleet-eastwest-eu-1')).toMatchObject({
      metadata: { labels: { 'fleet.io/role': 'eastwest-gateway', 'fleet.io/cluster': 'eu-1', 'fleet.io/network': 'net-eu' } },
      spec: { nets: ['203.0.113.20/32'] },
    });
  });
});

describe('output contract', () => {
  it('renders the same bytes every time', () => {
    expect([...compileText(THREE_REGIONS).tree!]).toEqual([...tree]);
  });

  itUpstream('validates every document against the upstream schemas', () => {
    const documents = documentsOf(tree);
    expect(documents.length).toBeGreaterThan(100);
    expect(documents.flatMap(({ path, doc }) => upstreamProblems(doc).map((p) => `${path}: ${p}`))).toEqual([]);
  });
});
