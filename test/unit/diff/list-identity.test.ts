import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/model/manifest.js';
import { diffTrees, formatJson, formatMarkdown, formatText, type FleetDiff } from '../../../src/report/diff/index.js';
import { changedFields } from '../../../src/report/diff/fields.js';
import { identifiedLists } from '../../../src/report/diff/list-identity.js';
import { calicoPolicy, deployment, destinationRule, tree } from './build.js';

/**
 * `fleet diff` matches list entries by identity (src/report/diff/list-identity.ts), not position:
 * issue 16 item 4. The objects are shaped as fleet renders them (out/na-1/shop/*.yaml).
 */
const context = { base: 'main@1a2b3c4', head: 'working tree', spec: 'policies', version: '0.0.0' };

const diffOne = (before: KubeObject, after: KubeObject, cluster = 'na-1'): FleetDiff => diffTrees(tree({ objects: { [cluster]: [before] } }), tree({ objects: { [cluster]: [after] } }));
const fieldsOf = (before: KubeObject, after: KubeObject) => diffOne(before, after).changes.flatMap((c) => c.fields);

/** An egress rule as fleet renders one for a traffic rule (app-policies.ts). */
const egress = (trafficRule: string, selector: string, port: number, namespaceSelector = "projectcalico.org/name == 'shop'") => ({
  action: 'Allow',
  destination: { namespaceSelector, ports: [port], selector },
  metadata: { annotations: { 'fleet.io/traffic-rule': trafficRule } },
  protocol: 'TCP',
});
const toCheckout = egress('cart-to-checkout', "app == 'checkout'", 9090);
const toEastWest = (network: string) => egress('cart-to-checkout', `fleet.io/role == 'eastwest-gateway' && fleet.io/network == '${network}'`, 15443, 'global()');
const toPayments = egress('cart-to-payments', "app == 'payments'", 9090, "projectcalico.org/name == 'payments'");
const cartEgress = (rules: readonly object[]) => calicoPolicy('cart-egress', { egress: rules, order: 1100, selector: "app == 'cart'", types: ['Egress'] }, { app: 'cart' });

describe('Calico rules are matched by what they match, not by position', () => {
  it('a traffic rule whose Calico rule sorts first is one added rule, not a shift of every rule after it', () => {
    const before = cartEgress([toCheckout, toEastWest('net-eu'), toEastWest('net-sea')]);
    const after = cartEgress([toPayments, toCheckout, toEastWest('net-eu'), toEastWest('net-sea')]);
    expect(fieldsOf(before, after)).toEqual([{ path: 'spec.egress[0]', after: toPayments, entry: 'add' }]);
  });

  it('draining a cluster (its network leaves) is one removed rule', () => {
    const before = cartEgress([toCheckout, toEastWest('net-eu'), toEastWest('net-sea')]);
    const after = cartEgress([toCheckout, toEastWest('net-sea')]);
    expect(fieldsOf(before, after)).toEqual([{ path: 'spec.egress[1]', before: toEastWest('net-eu'), entry: 'remove' }]);
  });

  it('a rule that changes its peer or ports is the old rule removed and a new one added', () => {
    const moved = egress('cart-to-checkout', "app == 'checkout'", 9091);
    expect(fieldsOf(cartEgress([toCheckout, toEastWest('net-eu')]), cartEgress([moved, toEastWest('net-eu')]))).toEqual([
      { path: 'spec.egress[0]', before: toCheckout, entry: 'remove' },
      { path: 'spec.egress[0]', after: moved, entry: 'add' },
    ]);
  });

  it('a rule that only changes its metadata (a renamed traffic rule) is a changed annotation, and widens nothing', () => {
    const renamed = { ...toCheckout, metadata: { annotations: { 'fleet.io/traffic-rule': 'cart-calls-checkout' } } };
    const diff = diffOne(cartEgress([toEastWest('net-eu'), toCheckout]), cartEgress([toEastWest('net-eu'), renamed]));
    expect(diff.changes[0].fields).toEqual([{ path: 'spec.egress[1].metadata.annotations["fleet.io/traffic-rule"]', before: 'cart-to-checkout', after: 'cart-calls-checkout' }]);
    expect(diff.attention).toEqual([]);
  });

  it('a reorder of Allow rules is no change at all (the first match decides, and they all allow)', () => {
    const before = cartEgress([toCheckout, toEastWest('net-eu'), toEastWest('net-sea')]);
    expect(diffOne(before, cartEgress([toEastWest('net-sea'), toCheckout, toEastWest('net-eu')])).changes).toEqual([]);
  });

  it('a reorder of rules with different actions is shown, and an Allow moved ahead of a Deny is wider access', () => {
    const deny = { action: 'Deny', destination: { nets: ['10.0.0.0/8'] } };
    const diff = diffOne(cartEgress([deny, toCheckout]), cartEgress([toCheckout, deny]));
    expect(diff.changes[0].fields).toEqual([{ path: 'spec.egress', before: ['[0]', '[1]'], after: ['[1]', '[0]'], entry: 'reorder' }]);
    expect(diff.attention.map((a) => a.message)).toEqual(['egress rules are reordered: an Allow rule now comes before a Deny or Pass rule it came after, and the first match decides']);
    // The Deny moving ahead again narrows: reported as a reorder, not as wider access.
    const back = diffOne(cartEgress([toCheckout, deny]), cartEgress([deny, toCheckout]));
    expect(back.changes[0].fields.map((f) => f.entry)).toEqual(['reorder']);
    expect(back.attention).toEqual([]);
  });

  it('two equal rules pair up one by one: dropping one is one removed rule', () => {
    expect(fieldsOf(cartEgress([toCheckout, toCheckout, toEastWest('net-eu')]), cartEgress([toCheckout, toEastWest('net-eu')]))).toEqual([{ path: 'spec.egress[1]', before: toCheckout, entry: 'remove' }]);
  });

  it('a network set losing a CIDR is one removed entry', () => {
    const set = (nets: string[]): KubeObject => ({ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkSet', metadata: { name: 'fleet-pods-na-2' }, spec: { nets } });
    expect(fieldsOf(set(['10.1.0.0/16', '10.2.0.0/16']), set(['10.2.0.0/16']))).toEqual([{ path: 'spec.nets[0]', before: '10.1.0.0/16', entry: 'remove' }]);
  });
});

/** A VirtualService with the given http routes (name -> subset), as networking.istio.io/v1 documents it. */
const routes = (names: readonly string[], timeout = '5s'): KubeObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'checkout', namespace: 'shop' },
  spec: { hosts: ['checkout.shop.svc.cluster.local'], http: names.map((name) => ({ name, route: [{ destination: { host: 'checkout.shop.svc.cluster.local', subset: name } }], timeout })) },
});

describe('Istio routes and subsets are matched by name', () => {
  it('names a changed route by its name', () => {
    const before = routes(['match-1', 'default']);
    const after = { ...before, spec: { ...(before.spec as object), http: [...(before.spec as any).http.slice(0, 1), { ...(before.spec as any).http[1], timeout: '3s' }] } };
    expect(fieldsOf(before, after)).toEqual([{ path: 'spec.http[name=default].timeout', before: '5s', after: '3s' }]);
  });

  it('shows a reordered http route list, since the first route that matches is used', () => {
    expect(fieldsOf(routes(['match-1', 'default']), routes(['default', 'match-1']))).toEqual([
      { path: 'spec.http', before: ['[name=match-1]', '[name=default]'], after: ['[name=default]', '[name=match-1]'], entry: 'reorder' },
    ]);
  });

  it('a route added ahead of others changes which one matches first: shown with the new order; one appended is only added', () => {
    const ahead = fieldsOf(routes(['default']), routes(['match-1', 'default']));
    expect(ahead.map((f) => [f.path, f.entry])).toEqual([
      ['spec.http', 'reorder'],
      ['spec.http[name=match-1]', 'add'],
    ]);
    expect(ahead[0]).toMatchObject({ before: ['[name=default]'], after: ['+[name=match-1]', '[name=default]'] });
    expect(fieldsOf(routes(['match-1']), routes(['match-1', 'default'])).map((f) => [f.path, f.entry])).toEqual([['spec.http[name=default]', 'add']]);
  });

  it('matches route destinations by subset: a canary joining the split is one added destination and a weight', () => {
    const split = (weights: Record<string, number>): KubeObject => ({
      ...routes(['default']),
      spec: {
        hosts: ['checkout.shop.svc.cluster.local'],
        http: [{ name: 'default', route: Object.entries(weights).map(([subset, weight]) => ({ destination: { host: 'checkout.shop.svc.cluster.local', subset }, weight })) }],
      },
    });
    expect(fieldsOf(split({ stable: 100 }), split({ canary: 10, stable: 90 }))).toEqual([
      { path: 'spec.http[name=default].route[subset=canary]', after: { destination: { host: 'checkout.shop.svc.cluster.local', subset: 'canary' }, weight: 10 }, entry: 'add' },
      { path: 'spec.http[name=default].route[subset=stable].weight', before: 100, after: 90 },
    ]);
  });

  it('DestinationRule subsets in another order are no change; a subset added is one entry', () => {
    expect(diffOne(destinationRule('checkout', ['stable', 'canary']), destinationRule('checkout', ['canary', 'stable'])).changes).toEqual([]);
    expect(fieldsOf(destinationRule('checkout', ['stable']), destinationRule('checkout', ['canary', 'stable']))).toEqual([
      { path: 'spec.subsets[name=canary]', after: { labels: { version: 'canary' }, name: 'canary' }, entry: 'add' },
    ]);
  });
});

/** A Deployment with the given containers, as apps/v1 documents it. */
const pod = (containers: object[], initContainers?: object[]): KubeObject => {
  const base = deployment('web', 1);
  return { ...base, spec: { replicas: 1, template: { spec: { containers, ...(initContainers ? { initContainers } : {}) } } } };
};
const web = (extra: object = {}) => ({ image: 'example.com/web:1.0.0', name: 'web', ...extra });

describe('Kubernetes lists are matched by their API keys', () => {
  it('a container added ahead of another is one added container; the other keeps its name in paths', () => {
    const proxy = { image: 'example.com/proxy:1', name: 'proxy' };
    expect(fieldsOf(pod([web()]), pod([proxy, web({ image: 'example.com/web:1.1.0' })]))).toEqual([
      { path: 'spec.template.spec.containers[name=proxy]', after: proxy, entry: 'add' },
      { path: 'spec.template.spec.containers[name=web].image', before: 'example.com/web:1.0.0', after: 'example.com/web:1.1.0' },
    ]);
  });

  it('env by name, in any order, unless a value refers to an earlier variable', () => {
    const env = (...vars: [string, string][]) => pod([web({ env: vars.map(([name, value]) => ({ name, value })) })]);
    expect(fieldsOf(env(['A', '1'], ['B', '2']), env(['B', '2'], ['A', '1']))).toEqual([]);
    expect(fieldsOf(env(['A', '1'], ['B', '2']), env(['A', '1'], ['C', '3'], ['B', '2'])).map((f) => [f.path, f.entry])).toEqual([['spec.template.spec.containers[name=web].env[name=C]', 'add']]);
    // `$(A)` expands only when A comes first (core/v1 EnvVar.value): the order is shown.
    expect(fieldsOf(env(['A', '1'], ['B', '$(A)/x']), env(['B', '$(A)/x'], ['A', '1'])).map((f) => [f.path, f.entry])).toEqual([['spec.template.spec.containers[name=web].env', 'reorder']]);
  });

  it('ports by name (by number and protocol when unnamed), volume mounts by mount path, init containers in order', () => {
    const ports = (list: object[]) => pod([web({ ports: list })]);
    expect(
      fieldsOf(
        ports([{ containerPort: 9090, name: 'grpc' }]),
        ports([
          { containerPort: 9090, name: 'grpc' },
          { containerPort: 15090, name: 'metrics' },
        ]),
      ).map((f) => f.path),
    ).toEqual(['spec.template.spec.containers[name=web].ports[name=metrics]']);
    expect(fieldsOf(ports([{ containerPort: 80 }]), ports([{ containerPort: 8080 }, { containerPort: 80 }])).map((f) => f.path)).toEqual(['spec.template.spec.containers[name=web].ports[containerPort=8080/TCP]']);
    const mounts = (list: object[]) => pod([web({ volumeMounts: list })]);
    expect(
      fieldsOf(
        mounts([{ mountPath: '/a', name: 'data' }]),
        mounts([
          { mountPath: '/b', name: 'data' },
          { mountPath: '/a', name: 'data' },
        ]),
      ).map((f) => [f.path, f.entry]),
    ).toEqual([['spec.template.spec.containers[name=web].volumeMounts[mountPath=/b]', 'add']]);
    const init = (names: string[]) =>
      pod(
        [web()],
        names.map((name) => ({ image: 'x', name })),
      );
    expect(fieldsOf(init(['migrate', 'seed']), init(['seed', 'migrate'])).map((f) => [f.path, f.entry])).toEqual([['spec.template.spec.initContainers', 'reorder']]);
  });

  it('compares by position a list without identity, or one with an entry lacking it', () => {
    expect(fieldsOf(pod([web({ args: ['a', 'b'] })]), pod([web({ args: ['b', 'a'] })])).map((f) => f.path)).toEqual(['spec.template.spec.containers[name=web].args[0]', 'spec.template.spec.containers[name=web].args[1]']);
    const service = (ports: object[]): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { ports } });
    expect(fieldsOf(service([{ port: 80 }, { port: 90 }]), service([{ port: 90 }, { port: 80 }]))).toEqual([]);
    expect(fieldsOf(service([{ name: 'http', port: 80 }]), service([{ name: 'http', port: 81 }])).map((f) => f.path)).toEqual(['spec.ports[name=http].port']);
    expect(fieldsOf(service([{ foo: 1 }, { foo: 2 }]), service([{ foo: 2 }, { foo: 1 }])).map((f) => f.path)).toEqual(['spec.ports[0].foo', 'spec.ports[1].foo']);
  });

  it('knows only lists that exist in the objects it names', () => {
    const lists = identifiedLists();
    expect(lists).toContainEqual({ kind: 'NetworkPolicy.projectcalico.org', list: 'spec.egress' });
    expect(lists).toContainEqual({ kind: 'VirtualService.networking.istio.io', list: 'spec.http' });
    expect(lists).toContainEqual({ kind: 'CronJob.batch', list: 'spec.jobTemplate.spec.template.spec.containers[].env' });
    expect(lists.filter((l) => !/^spec(\.[A-Za-z]+|\[\])*$/.test(l.list))).toEqual([]);
  });
});

describe('the reports show list entries as entries', () => {
  const before = cartEgress([toCheckout, toEastWest('net-eu'), toEastWest('net-sea')]);
  const after = cartEgress([toPayments, toCheckout, toEastWest('net-eu')]);
  const diff = diffOne(before, after);

  it('text: one line per added or removed rule, with the rule', () => {
    const text = formatText(diff, context);
    expect(text).toContain(
      ['  ~ Calico NetworkPolicy shop/cart-egress on na-1 (apps.cart)', `      spec.egress[2]: removed ${JSON.stringify(toEastWest('net-sea'))}`, `      spec.egress[0]: added ${JSON.stringify(toPayments)}`, ''].join(
        '\n',
      ),
    );
    expect(text).not.toContain('→ "app ==');
  });

  it('Markdown: the whole rule as + or - lines under its path', () => {
    const md = formatMarkdown(diff, context);
    expect(md).toContain(
      [
        '```diff',
        '- spec.egress[2]:',
        '-   action: Allow',
        '-   destination:',
        '-     namespaceSelector: global()',
        '-     ports:',
        '-       - 15443',
        `-     selector: "fleet.io/role == 'eastwest-gateway' && fleet.io/network == 'net-sea'"`,
        '-   metadata:',
        '-     annotations:',
        '-       fleet.io/traffic-rule: cart-to-checkout',
        '-   protocol: TCP',
        '+ spec.egress[0]:',
        '+   action: Allow',
      ].join('\n'),
    );
    const reorder = formatMarkdown(diffOne(routes(['a', 'b']), routes(['b', 'a'])), context);
    expect(reorder).toContain('```diff\n- spec.http order: [name=a], [name=b]\n+ spec.http order: [name=b], [name=a]\n```');
    expect(formatMarkdown(diff, context, { maxLength: 1_000 })).toContain('Fields: `spec.egress[2]` (removed), `spec.egress[0]` (added)');
  });

  it('JSON: entries say which fields are whole entries added, removed or reordered', () => {
    const [change] = JSON.parse(formatJson(diff, context)).changes;
    expect(change.fields).toEqual(['spec.egress[2]', 'spec.egress[0]']);
    expect(change.entries).toEqual([
      { path: 'spec.egress[2]', action: 'remove' },
      { path: 'spec.egress[0]', action: 'add' },
    ]);
  });
});

describe('identity matching, for any edit of an unordered list', () => {
  it('reports exactly the rules added and removed, whatever the order on either side', () => {
    const ruleNames = fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'), { maxLength: 7 });
    fc.assert(
      fc.property(ruleNames, ruleNames, fc.integer(), (before, after, seed) => {
        const rule = (name: string) => egress(name, `app == '${name}'`, 9090);
        const shuffled = [...after].sort((x, y) => ((x.charCodeAt(0) * seed) % 7) - ((y.charCodeAt(0) * seed) % 7));
        const fields = changedFields(cartEgress(before.map(rule)), cartEgress(shuffled.map(rule)));
        const added = after.filter((n) => !before.includes(n));
        const removed = before.filter((n) => !after.includes(n));
        expect(fields.every((f) => f.entry === 'add' || f.entry === 'remove')).toBe(true);
        expect(
          fields
            .filter((f) => f.entry === 'add')
            .map((f) => (f.after as { metadata: { annotations: Record<string, string> } }).metadata.annotations['fleet.io/traffic-rule'])
            .sort(),
        ).toEqual(added.sort());
        expect(
          fields
            .filter((f) => f.entry === 'remove')
            .map((f) => (f.before as { metadata: { annotations: Record<string, string> } }).metadata.annotations['fleet.io/traffic-rule'])
            .sort(),
        ).toEqual(removed.sort());
      }),
      { numRuns: 200 },
    );
  });
});
