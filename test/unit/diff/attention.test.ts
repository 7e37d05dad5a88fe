import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/model/manifest.js';
import { diffTrees, type Attention, type AttentionKind } from '../../../src/report/diff/index.js';
import { authorizationPolicy, calicoPolicy, deployment, destinationRule, fluxKustomization, namespace, service, tree, type TreeSpec } from './build.js';
import { virtualService } from './build.js';

/** The findings of one kind between two hand-built trees. */
function findings(kind: AttentionKind, base: TreeSpec, head: TreeSpec, stateful: string[] = []): Attention[] {
  return diffTrees(tree(base), tree(head), { stateful }).attention.filter((a) => a.kind === kind);
}

const on = (objects: KubeObject[], cluster = 'na-1') => ({ objects: { [cluster]: objects } });

describe('needs attention: prune', () => {
  it('says an app leaves a cluster and what Flux will prune there, and marks those changes', () => {
    const base = {
      objects: { 'na-1': [deployment('web', 2), deployment('checkout', 2, { name: 'checkout-stable' }), deployment('checkout', 1, { name: 'checkout-canary' }), service('checkout')] },
      placement: { 'shop/checkout': { 'na-1': 3 } },
    };
    const head = { objects: { 'na-1': [deployment('web', 2)] }, placement: {} };
    const diff = diffTrees(tree(base), tree(head));
    expect(diff.attention).toEqual([expect.objectContaining({ kind: 'prune', cluster: 'na-1', subject: 'shop/checkout', message: 'leaves the cluster: Flux prunes Deployment ×2, Service', specPath: 'apps.checkout' })]);
    expect(diff.changes.filter((c) => c.risk.includes('prune')).map((c) => c.name)).toEqual(['checkout-canary', 'checkout-stable', 'checkout']);
  });

  it('names the objects pruned when the app stays on the cluster', () => {
    const [found] = findings('prune', on([deployment('checkout', 2, { name: 'checkout-stable' }), deployment('checkout', 1, { name: 'checkout-canary' })]), on([deployment('checkout', 3, { name: 'checkout-stable' })]));
    expect(found.message).toBe('Flux prunes Deployment checkout-canary');
  });

  it('groups the removed objects that belong to no app', () => {
    const set = (name: string): KubeObject => ({ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkSet', metadata: { name }, spec: { nets: ['10.0.0.0/16'] } });
    const [found] = findings('prune', on([set('pods-eu-1'), set('pods-na-1')]), on([]));
    expect(found).toMatchObject({ subject: 'objects of no app', message: 'Flux prunes Calico GlobalNetworkSet pods-eu-1, Calico GlobalNetworkSet pods-na-1' });
    expect(found.specPath).toBeUndefined(); // each came from its own spec entry
  });

  it('keeps quiet about additions and in-place changes', () => {
    expect(findings('prune', on([deployment('web', 2)]), on([deployment('web', 3), service('web')]))).toEqual([]);
  });
});

describe('needs attention: namespaces', () => {
  it('says Flux keeps a namespace labelled prune: disabled, and deletes one without', () => {
    expect(findings('namespace', on([namespace('shop')]), on([]))[0].message).toMatch(/Flux keeps it \(prune disabled\)/);
    expect(findings('namespace', on([namespace('shop', false)]), on([]))[0].message).toBe('is no longer rendered: Flux deletes it and everything in it');
  });
});

describe('needs attention: Flux Kustomizations', () => {
  const entry = (object: KubeObject) => ({ objects: { '_flux/na-1': [[object, 'flux'] as [KubeObject, string]] } });

  it('warns that removing the Kustomization prunes everything it applied', () => {
    const [found] = findings('flux-prune', entry(fluxKustomization('fleet', './out/na-1')), { objects: {} });
    expect(found).toMatchObject({ cluster: 'na-1', subject: 'Kustomization flux-system/fleet', message: 'is removed: Flux deletes everything it applied to the cluster (prune: true)' });
  });

  it('recognises a rename as delete-and-recreate', () => {
    const [found] = findings('flux-prune', entry(fluxKustomization('fleet', './out/na-1')), entry(fluxKustomization('fleet-shop', './out/na-1')));
    expect(found.message).toMatch(/^is renamed to `fleet-shop`: Flux deletes everything the old one applied/);
    expect(found.keys).toHaveLength(2);
  });

  it('warns when the path it applies changes', () => {
    const [found] = findings('flux-prune', entry(fluxKustomization('fleet', './out/na-1')), entry(fluxKustomization('fleet', './deploy/na-1')));
    expect(found.message).toBe('now applies `./deploy/na-1` instead of `./out/na-1`: objects only under the old path are pruned');
  });
});

describe('needs attention: traffic shifts in VirtualServices', () => {
  it('reports each destination share that moves, per route', () => {
    const [found] = findings('traffic-shift', on([virtualService('checkout', { stable: 90, canary: 10 })]), on([virtualService('checkout', { stable: 50, canary: 50 })]));
    expect(found).toMatchObject({ subject: 'VirtualService shop/checkout', message: '`default`: stable 90 → 50, canary 10 → 50' });
    expect(found.weights).toEqual([
      { route: 'default', destination: 'stable', before: 90, after: 50 },
      { route: 'default', destination: 'canary', before: 10, after: 50 },
    ]);
  });

  it('reads weights as shares: scaling them all alike moves no traffic', () => {
    expect(findings('traffic-shift', on([virtualService('checkout', { stable: 90, canary: 10 })]), on([virtualService('checkout', { stable: 45, canary: 5 })]))).toEqual([]);
  });

  it('gives a lone destination without a weight all the traffic', () => {
    const [found] = findings('traffic-shift', on([virtualService('checkout', { stable: undefined })]), on([virtualService('checkout', { stable: 80, canary: 20 })]));
    expect(found.message).toBe('`default`: stable 100 → 80, canary – → 20');
  });

  it('warns that removing a split VirtualService sends requests to every pod, while callers remain', () => {
    const [found] = findings('traffic-shift', on([service('checkout'), virtualService('checkout', { stable: 90, canary: 10 })]), on([service('checkout')]));
    expect(found.message).toMatch(/^is removed, so requests are no longer split \(`default`: stable 90 → –, canary 10 → –\)/);
    // Without the Service, no caller runs on the cluster any more: nothing is routed there.
    expect(findings('traffic-shift', on([service('checkout'), virtualService('checkout', { stable: 90, canary: 10 })]), on([]))).toEqual([]);
  });

  it('ignores VirtualService changes that move no weight', () => {
    const before = virtualService('checkout', { stable: 90, canary: 10 });
    const after = { ...before, spec: { ...(before.spec as object), gateways: ['mesh'] } };
    expect(findings('traffic-shift', on([before]), on([after]))).toEqual([]);
  });
});

describe('needs attention: Calico policy that widens access', () => {
  const ingress = (rules: object[], extra: Record<string, unknown> = {}) => calicoPolicy('checkout-ingress', { selector: "app == 'checkout'", types: ['Ingress'], ingress: rules, ...extra }, { app: 'checkout' });
  const fromWeb = { action: 'Allow', protocol: 'TCP', source: { selector: "app == 'web'" }, destination: { ports: [9090] } };
  const fromCart = { action: 'Allow', protocol: 'TCP', source: { selector: "app == 'cart'" }, destination: { ports: [9090] } };

  it('reports an Allow rule added', () => {
    const [found] = findings('policy-widening', on([ingress([fromWeb])]), on([ingress([fromWeb, fromCart])]));
    expect(found).toMatchObject({ subject: 'Calico NetworkPolicy shop/checkout-ingress', message: "ingress rule added or changed: allows TCP from `app == 'cart'` on ports 9090" });
  });

  it('calls a rule without a peer, or with 0.0.0.0/0, open to anywhere', () => {
    const open = { action: 'Allow', protocol: 'TCP', destination: { ports: [9090] } };
    const internet = { action: 'Allow', source: { nets: ['0.0.0.0/0'] } };
    const [found] = findings('policy-widening', on([ingress([fromWeb])]), on([ingress([fromWeb, open, internet])]));
    expect(found.message).toBe('ingress rule added or changed: allows TCP from anywhere on ports 9090; ingress rule added or changed: allows from nets 0.0.0.0/0 (anywhere)');
  });

  it('reports a Deny rule removed, and a broadened selector on a policy that allows traffic', () => {
    const deny = { action: 'Deny', source: { nets: ['10.30.0.0/16'] } };
    const [found] = findings('policy-widening', on([ingress([deny, fromWeb])]), on([ingress([fromWeb], { selector: 'all()' })]));
    expect(found.message).toBe("ingress rule that denied from nets 10.30.0.0/16 is removed; selector is now `all()` (was `app == 'checkout'`)");
  });

  it('reports a GlobalNetworkPolicy whose Deny rules go with it', () => {
    const policy = calicoPolicy('default-deny', { namespaceSelector: 'has(fleet.io/managed)', ingress: [{ action: 'Deny' }], types: ['Ingress'] }, { global: true });
    const [found] = findings('policy-widening', on([policy]), on([]));
    expect(found).toMatchObject({ subject: 'Calico GlobalNetworkPolicy default-deny', message: 'is removed with its Deny rules: ingress from anywhere' });
  });

  it('stays quiet when policy only narrows: an Allow rule removed, a Deny rule added', () => {
    const deny = { action: 'Deny', source: { nets: ['10.30.0.0/16'] } };
    expect(findings('policy-widening', on([ingress([fromWeb, fromCart])]), on([ingress([deny, fromWeb])]))).toEqual([]);
  });
});

describe('needs attention: AuthorizationPolicy that widens access', () => {
  const allow = (principals: string[]) =>
    authorizationPolicy('checkout', {
      action: 'ALLOW',
      selector: { matchLabels: { app: 'checkout' } },
      rules: principals.map((p) => ({ from: [{ source: { principals: [p] } }], to: [{ operation: { ports: ['9090'] } }] })),
    });

  it('reports an ALLOW rule added', () => {
    const [found] = findings('policy-widening', on([allow(['cluster.local/ns/shop/sa/web'])]), on([allow(['cluster.local/ns/shop/sa/web', 'cluster.local/ns/shop/sa/cart'])]));
    expect(found.message).toBe('rule added or changed: allows from principals cluster.local/ns/shop/sa/cart to ports 9090');
  });

  it('calls a rule without `from` open to any source', () => {
    const open = authorizationPolicy('checkout', { rules: [{ to: [{ operation: { methods: ['GET'] } }] }] });
    expect(findings('policy-widening', on([]), on([open]))[0].message).toBe('allows from any source to methods GET');
  });

  it('warns when the last ALLOW policy of a namespace goes, but not while another remains, nor when its app left', () => {
    const other = authorizationPolicy('cart', { rules: [{ from: [{ source: { namespaces: ['shop'] } }] }] });
    const pods = deployment('checkout', 2);
    expect(findings('policy-widening', on([pods, allow(['a'])]), on([pods]))[0].message).toBe('is removed and no other ALLOW policy is left in namespace `shop`: Istio allows every request to its workloads');
    expect(findings('policy-widening', on([pods, allow(['a']), other]), on([pods, other]))).toEqual([]);
    expect(findings('policy-widening', on([pods, allow(['a'])]), on([]))).toEqual([]);
  });

  it('reports a DENY rule removed', () => {
    const deny = (paths: string[]) => authorizationPolicy('checkout-deny', { action: 'DENY', rules: paths.map((p) => ({ to: [{ operation: { paths: [p] } }] })) });
    expect(findings('policy-widening', on([deny(['/admin', '/debug'])]), on([deny(['/admin'])]))[0].message).toBe('DENY rule for from any source to paths /debug is removed');
  });
});

describe('needs attention: DestinationRule / VirtualService ordering', () => {
  it('flags a route to a subset its DestinationRule adds in the same change', () => {
    const base = on([destinationRule('checkout', ['stable']), virtualService('checkout', { stable: 100 })]);
    const head = on([destinationRule('checkout', ['stable', 'canary']), virtualService('checkout', { stable: 90, canary: 10 })]);
    const [found] = findings('subset-ordering', base, head);
    expect(found.message).toBe(
      'routes to subset `canary` that DestinationRule shop/checkout adds in the same change: proxies may get the route first and return 503s; make before break: ship the DestinationRule subset in one change and the route in the next',
    );
    expect(found.keys).toEqual(['na-1|networking.istio.io|VirtualService|shop|checkout', 'na-1|networking.istio.io|DestinationRule|shop|checkout']);
  });

  it('is quiet when the subset was already there (the DestinationRule shipped first)', () => {
    const base = on([destinationRule('checkout', ['stable', 'canary']), virtualService('checkout', { stable: 100 })]);
    const head = on([destinationRule('checkout', ['stable', 'canary']), virtualService('checkout', { stable: 90, canary: 10 })]);
    expect(findings('subset-ordering', base, head)).toEqual([]);
  });

  it('flags a subset dropped in the same change that stops routing to it', () => {
    const base = on([destinationRule('checkout', ['stable', 'canary']), virtualService('checkout', { stable: 90, canary: 10 })]);
    const head = on([destinationRule('checkout', ['stable']), virtualService('checkout', { stable: 100 })]);
    const [found] = findings('subset-ordering', base, head);
    expect(found.message).toMatch(/^stops routing to subset `canary` in the same change that DestinationRule shop\/checkout drops it/);
  });

  it('flags a route to a subset no DestinationRule defines, matching short host names in the rule namespace', () => {
    const base = on([destinationRule('checkout', ['stable'], { host: 'checkout' }), virtualService('checkout', { stable: 100 }, { host: 'checkout' })]);
    const head = on([destinationRule('checkout', ['stable'], { host: 'checkout' }), virtualService('checkout', { stable: 90, canary: 10 }, { host: 'checkout.shop' })]);
    const [found] = findings('subset-ordering', base, head);
    expect(found.message).toBe('routes to subset `canary` of checkout.shop.svc.cluster.local, which no DestinationRule on the cluster defines: those requests fail (503)');
  });
});

describe('needs attention: stateful apps moving', () => {
  const db = (replicas: number) => deployment('orders-db', replicas, { namespace: 'payments' });

  it('flags a stateful app that leaves one cluster for another', () => {
    const base = { objects: { 'eu-1': [db(3)] }, placement: { 'payments/orders-db': { 'eu-1': 3 } } };
    const head = { objects: { 'na-1': [db(3)] }, placement: { 'payments/orders-db': { 'na-1': 3 } } };
    const [found] = findings('stateful-move', base, head, ['payments/orders-db']);
    expect(found).toMatchObject({ subject: 'payments/orders-db', message: 'is stateful and moves (eu-1 3 → –, na-1 – → 3): its data does not move with it; migrate or replicate it first' });
    expect(found.cluster).toBeUndefined();
    expect(found.keys).toHaveLength(2);
  });

  it('treats an app that renders a StatefulSet as stateful, and ignores scaling in place', () => {
    const set = (replicas: number) => deployment('orders-db', replicas, { namespace: 'payments', kind: 'StatefulSet' });
    const moved = findings('stateful-move', { objects: { 'eu-1': [set(3)] }, placement: { 'payments/orders-db': { 'eu-1': 3 } } }, { objects: { 'na-1': [set(3)] }, placement: { 'payments/orders-db': { 'na-1': 3 } } });
    expect(moved).toHaveLength(1);
    expect(findings('stateful-move', { placement: { 'payments/orders-db': { 'eu-1': 3 } } }, { placement: { 'payments/orders-db': { 'eu-1': 5 } } }, ['payments/orders-db'])).toEqual([]);
  });

  it('ignores apps that are not stateful', () => {
    expect(findings('stateful-move', { placement: { 'shop/web': { 'eu-1': 3 } } }, { placement: { 'shop/web': { 'na-1': 3 } } })).toEqual([]);
  });
});
