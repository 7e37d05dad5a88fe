import { describe, expect, it } from 'vitest';
import { calicoEndpoint, type LocalWorkload, packetClassKey } from '../../../src/mesh/calico.js';
import { serviceOfApp } from '../../../src/mesh/istio-routing.js';
import { ClusterView, MeshModel } from '../../../src/mesh/model.js';
import { appCallers, PacketClasses, summarizeCall } from '../../../src/mesh/trace.js';
import { compileText } from '../../helpers/spec.js';
import { calico, folder, model, ns } from './helpers.js';

/**
 * The memo tables of the mesh model (ids, shared sides, parsed selectors and ranges) live on the
 * model (its ModelMemo): they die with it, and two models built in one process (a library calling
 * compile() again, `fleet diff`, the test suite) never see each other's entries.
 */
const web: LocalWorkload = { kind: 'workload', namespace: 'shop', labels: { app: 'web' }, serviceAccount: 'web', describe: 'shop/web' };
const api: LocalWorkload = { kind: 'workload', namespace: 'shop', labels: { app: 'api' }, serviceAccount: 'api', describe: 'shop/api' };
const deny = calico('GlobalNetworkPolicy', 'default-deny', { order: 10000, namespaceSelector: "projectcalico.org/name == 'shop'", types: ['Ingress', 'Egress'] });

/** Two clusters that hold the same objects (and no pod CIDRs): their pods' sides have equal content. */
function twin(): MeshModel {
  const objects = [ns('shop'), deny];
  return model([folder('a', objects), folder('b', objects)], {
    clusters: [
      { name: 'a', network: '', podCIDRs: [] },
      { name: 'b', network: '', podCIDRs: [] },
    ],
  });
}

/** packetClassKey's fields: ((end × 2^16 + other) × 2 + udp) × 2^16 + port. */
function classIds(key: number | string): { end: number; other: number } {
  if (typeof key !== 'number') throw new Error(`not a numeric packet class: ${key}`);
  const rest = Math.floor(Math.floor(key / 2 ** 16) / 2);
  return { end: Math.floor(rest / 2 ** 16), other: rest % 2 ** 16 };
}

describe('the mesh model memo', () => {
  it('is one per model, shared by its clusters, and never by two models', () => {
    const first = twin();
    const second = twin();
    expect(first.modelMemo).toBeDefined();
    expect(first.modelMemo).not.toBe(second.modelMemo);
    for (const m of [first, second]) for (const view of m.clusters.values()) expect(view.modelMemo).toBe(m.modelMemo);
    expect(first.modelMemo.selectors.parse('all()')).not.toBe(second.modelMemo.selectors.parse('all()'));
    expect(first.modelMemo.cidrs.parse('10.0.0.0/8')).not.toBe(second.modelMemo.cidrs.parse('10.0.0.0/8'));
  });

  it('refuses clusters of different memos in one model (their ids would collide)', () => {
    const facts = { clusters: [], ingressGateways: [], trustDomain: 'cluster.local' };
    const alone = (name: string) => new ClusterView({ name, network: '', podCIDRs: [] });
    expect(() => new MeshModel(facts, [alone('a'), alone('b')])).toThrow(/share one ModelMemo/);
  });

  it('numbers packet classes afresh in every model', () => {
    const first = twin();
    const before = packetClassKey(calicoEndpoint(first.cluster('a'), web, 'Egress'), api, 'TCP', 8080);
    expect(classIds(before)).toEqual({ end: 0, other: 1 });
    // Another model, other peers, after the first has numbered its own: its first classes are 0 and 1 again.
    const second = twin();
    const other: LocalWorkload = { ...api, labels: { app: 'db' }, serviceAccount: 'db', describe: 'shop/db' };
    const key = packetClassKey(calicoEndpoint(second.cluster('b'), other, 'Ingress'), web, 'TCP', 5432);
    expect(classIds(key)).toEqual({ end: 0, other: 1 });
    // Within one model, ids stay consistent: the same class in the other cluster is another end, the same peer the same id.
    const there = packetClassKey(calicoEndpoint(first.cluster('b'), web, 'Egress'), api, 'TCP', 8080);
    expect(classIds(there)).toEqual({ end: 1, other: 1 });
  });

  it('shares sides of equal content across the clusters of a model, not across models', () => {
    const first = twin();
    const second = twin();
    const side = (m: MeshModel, cluster: string) => calicoEndpoint(m.cluster(cluster), web, 'Egress').side;
    expect(side(first, 'a')).toBe(side(first, 'b'));
    expect(side(second, 'a')).toEqual(side(first, 'a'));
    expect(side(second, 'a')).not.toBe(side(first, 'a'));
  });

  it('gives a fleet compiled again, after another fleet, the same check and the same packet classes', () => {
    const spec = (apps: string) => `apiVersion: fleet/v1alpha1
kind: Fleet
metadata:
  name: memo
clusters:
  - { name: a-1, region: r-a, network: n-a, podCIDRs: [10.1.0.0/16], eastWestGateway: { addresses: [192.0.2.1] } }
  - { name: b-1, region: r-b, network: n-b, podCIDRs: [10.2.0.0/16], eastWestGateway: { addresses: [192.0.2.2] } }
apps:
${apps}
placement:
  - { name: everywhere, apps: {} }
traffic:
  - { name: web-to-api, from: [web], to: api, ports: [http] }
`;
    const x = spec(`  - { name: web, namespace: shop, image: example.com/web:1, callers: none }
  - { name: api, namespace: shop, image: example.com/api:1, ports: [{ name: http, port: 8080 }] }`);
    const y = spec(`  - { name: web, namespace: front, image: example.com/web:1, callers: none }
  - { name: api, namespace: back, image: example.com/api:1, ports: [{ name: http, port: 9090 }] }
  - { name: db, namespace: back, image: example.com/db:1, ports: [{ name: sql, port: 5432 }], callers: none }`);
    const checked = (text: string) => {
      const result = compileText(text, { keepMeshModel: true });
      expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const { model: m, check } = result.mesh!;
      const classes = new PacketClasses();
      const service = serviceOfApp(m, 'shop', 'api') ?? serviceOfApp(m, 'back', 'api')!;
      for (const caller of [...appCallers(m, 'shop', 'web'), ...appCallers(m, 'front', 'web')]) for (const port of service.ports) summarizeCall(m, caller, service, port, classes);
      return { memo: m.modelMemo, check, egress: [...classes.egress], ingress: [...classes.ingress] };
    };
    const first = checked(x);
    const between = checked(y);
    const again = checked(x);
    expect(first.check.declaredCalls).toBeGreaterThan(0);
    expect(first.egress.length).toBeGreaterThan(0);
    expect(again.memo).not.toBe(first.memo);
    expect(again.memo).not.toBe(between.memo);
    expect({ ...again, memo: undefined }).toEqual({ ...first, memo: undefined });
  });
});
