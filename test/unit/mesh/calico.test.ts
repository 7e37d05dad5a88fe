import { describe, expect, it } from 'vitest';
import { calicoVerdict, type LocalWorkload } from '../../../src/mesh/calico.js';
import { parseCidr } from '../../../src/mesh/cidr.js';
import { calico, folder, model, ns } from './helpers.js';

const web: LocalWorkload = { kind: 'workload', namespace: 'shop', labels: { app: 'web' }, serviceAccount: 'web', describe: 'shop/web' };
const api: LocalWorkload = { kind: 'workload', namespace: 'shop', labels: { app: 'api' }, serviceAccount: 'api', describe: 'shop/api' };
const facts = { clusters: [{ name: 'a', network: 'n', podCIDRs: ['10.1.0.0/16'] }] };

function cluster(objects: Parameters<typeof folder>[1]) {
  return model([folder('a', [ns('shop'), ...objects])], facts).cluster('a');
}

const platformTier = calico('Tier', 'platform', { order: 100, defaultAction: 'Pass' });
const defaultDeny = calico('GlobalNetworkPolicy', 'default-deny', { order: 10000, namespaceSelector: "fleet.io/managed == 'true'", types: ['Ingress', 'Egress'] });

describe('Calico verdicts (felix/rules/endpoints.go, felix/calc/policy_sorter.go)', () => {
  it('no policy selects the endpoint: the namespace profile allows (k8s conversion NamespaceToProfile)', () => {
    expect(calicoVerdict(cluster([]), web, 'Egress', api, 'TCP', 8080).allowed).toBe(true);
  });

  it('a selecting policy with no matching rule ends the default tier in a deny, naming the last policy', () => {
    const verdict = calicoVerdict(cluster([defaultDeny]), web, 'Egress', api, 'TCP', 8080);
    expect(verdict).toMatchObject({ allowed: false, text: 'denied by GlobalNetworkPolicy default-deny (end of tier default)' });
  });

  it('a tier with defaultAction Pass hands over to the next tier; its Allow is final', () => {
    const dns = calico('GlobalNetworkPolicy', 'platform.dns', {
      tier: 'platform',
      order: 1,
      namespaceSelector: "fleet.io/managed == 'true'",
      types: ['Egress'],
      egress: [{ action: 'Allow', protocol: 'UDP', destination: { namespaceSelector: "projectcalico.org/name == 'kube-system'", selector: "k8s-app == 'kube-dns'", ports: [53] } }],
    });
    const view = cluster([platformTier, dns, defaultDeny]);
    const kubeDns: LocalWorkload = { kind: 'workload', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, serviceAccount: 'coredns', describe: 'dns' };
    expect(calicoVerdict(view, web, 'Egress', kubeDns, 'UDP', 53).text).toBe('allowed by GlobalNetworkPolicy platform.dns rule 1 (tier platform)');
    expect(calicoVerdict(view, web, 'Egress', kubeDns, 'TCP', 53).text).toBe('denied by GlobalNetworkPolicy default-deny (end of tier default)');
  });

  it('lower order first, then name; first Allow or Deny wins (PolKVLess)', () => {
    const deny = calico('NetworkPolicy', 'b-deny', { order: 10, selector: "app == 'web'", types: ['Egress'], egress: [{ action: 'Deny' }] }, 'shop');
    const allow = calico('NetworkPolicy', 'a-allow', { order: 10, selector: "app == 'web'", types: ['Egress'], egress: [{ action: 'Allow' }] }, 'shop');
    expect(calicoVerdict(cluster([deny, allow]), web, 'Egress', api, 'TCP', 1).text).toMatch(/^allowed by NetworkPolicy shop\/a-allow rule 1/);
    const first = calico('NetworkPolicy', 'z', { order: 1, selector: "app == 'web'", types: ['Egress'], egress: [{ action: 'Deny' }] }, 'shop');
    expect(calicoVerdict(cluster([deny, allow, first]), web, 'Egress', api, 'TCP', 1).text).toMatch(/^denied by NetworkPolicy shop\/z rule 1/);
  });

  it('a NetworkPolicy rule selector without namespaceSelector is scoped to its namespace; serviceAccounts match by name', () => {
    const ingress = calico(
      'NetworkPolicy',
      'api-ingress',
      { selector: "app == 'api'", types: ['Ingress'], ingress: [{ action: 'Allow', protocol: 'TCP', source: { serviceAccounts: { names: ['web'] } }, destination: { ports: [8080] } }] },
      'shop',
    );
    const view = cluster([ingress, defaultDeny]);
    expect(calicoVerdict(view, api, 'Ingress', web, 'TCP', 8080).allowed).toBe(true);
    expect(calicoVerdict(view, api, 'Ingress', web, 'TCP', 9090).allowed).toBe(false);
    expect(calicoVerdict(view, api, 'Ingress', { ...web, namespace: 'other' }, 'TCP', 8080).allowed).toBe(false);
  });

  it('remote peers match by address: global() + a GlobalNetworkSet whose nets hold the range', () => {
    const set = { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkSet', metadata: { name: 'pods-b', labels: { 'fleet.io/role': 'pods', 'fleet.io/cluster': 'b' } }, spec: { nets: ['10.2.0.0/16'] } };
    const egress = calico(
      'NetworkPolicy',
      'web-egress',
      {
        selector: "app == 'web'",
        types: ['Egress'],
        egress: [{ action: 'Allow', protocol: 'TCP', destination: { namespaceSelector: 'global()', selector: "fleet.io/role == 'pods' && fleet.io/cluster in {'b'}", ports: [8080] } }],
      },
      'shop',
    );
    const view = cluster([set, egress, defaultDeny]);
    const inB = { kind: 'address' as const, ranges: [parseCidr('10.2.0.0/16')!], describe: 'pods of b' };
    const inC = { kind: 'address' as const, ranges: [parseCidr('10.3.0.0/16')!], describe: 'pods of c' };
    const unknown = { kind: 'address' as const, describe: 'NAT' };
    expect(calicoVerdict(view, web, 'Egress', inB, 'TCP', 8080).allowed).toBe(true);
    expect(calicoVerdict(view, web, 'Egress', inC, 'TCP', 8080).allowed).toBe(false);
    expect(calicoVerdict(view, web, 'Egress', unknown, 'TCP', 8080).allowed).toBe(false);
    // A local pod is not a GlobalNetworkSet: global() never matches it.
    expect(calicoVerdict(view, web, 'Egress', api, 'TCP', 8080).allowed).toBe(false);
  });

  it('a rule without any peer field matches any address (the any-address fallback)', () => {
    const egress = calico('NetworkPolicy', 'web-egress', { selector: "app == 'web'", types: ['Egress'], egress: [{ action: 'Allow', protocol: 'TCP', destination: { ports: [8080] } }] }, 'shop');
    expect(calicoVerdict(cluster([egress, defaultDeny]), web, 'Egress', { kind: 'address', describe: 'NAT' }, 'TCP', 8080).allowed).toBe(true);
  });

  it('a policy naming a tier the cluster does not hold takes no part (the API refused it)', () => {
    const allow = calico('GlobalNetworkPolicy', 'missing.allow', { tier: 'missing', namespaceSelector: 'all()', types: ['Egress'], egress: [{ action: 'Allow' }] });
    expect(calicoVerdict(cluster([allow, defaultDeny]), web, 'Egress', api, 'TCP', 1).allowed).toBe(false);
  });

  it('types default from the rules present (networkpolicy reference: omitted types)', () => {
    const egressOnly = calico('NetworkPolicy', 'e', { selector: "app == 'web'", egress: [{ action: 'Deny' }] }, 'shop');
    const view = cluster([egressOnly]);
    expect(calicoVerdict(view, web, 'Ingress', api, 'TCP', 1).allowed).toBe(true);
    expect(calicoVerdict(view, web, 'Egress', api, 'TCP', 1).allowed).toBe(false);
  });
});
