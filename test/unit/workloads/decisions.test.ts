import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { divideBounds } from '../../../src/phases/4-place/autoscaling.js';
import { decideDisruption } from '../../../src/phases/4-place/disruption.js';
import { formatExplanation } from '../../../src/report/explain.js';
import { codesAt, compileText } from '../../helpers/spec.js';
import { get, inventory, objectsIn, renderTree } from '../traffic/fleet.js';

describe('autoscaler bounds are divided like replicas (issue 17.4)', () => {
  it('by weight with Webster: 2:1 gives min 6 as 4 + 2 and max 30 as 20 + 10', () => {
    const { shares, min, max } = divideBounds(6, 30, [
      { name: 'us-1', weight: 2 },
      { name: 'eu-1', weight: 1 },
    ]);
    expect(Object.fromEntries(shares)).toEqual({ 'eu-1': { min: 2, max: 10 }, 'us-1': { min: 4, max: 20 } });
    expect([min, max]).toEqual([6, 30]);
  });

  it('every party gets at least 1 of each, its min never above its max, and nothing is lost or added beyond the floors', () => {
    const party = fc.record({ name: fc.string({ minLength: 1, maxLength: 4 }), weight: fc.nat(20) });
    fc.assert(
      fc.property(fc.uniqueArray(party, { minLength: 1, maxLength: 8, selector: (p) => p.name }), fc.nat(60), fc.nat(60), (parties, a, b) => {
        const [low, high] = [Math.min(a, b) + 1, Math.max(a, b) + 1];
        const divided = divideBounds(low, high, parties);
        for (const share of divided.shares.values()) {
          expect(share.min).toBeGreaterThanOrEqual(1);
          expect(share.min).toBeLessThanOrEqual(share.max);
        }
        expect(divided.min).toBe(Math.max(low, parties.length));
        expect(divided.max).toBe(Math.max(high, parties.length));
      }),
    );
  });
});

describe('a disruption budget per cluster, from the pods there (issue 17.3)', () => {
  const pods = new Map([
    ['a-1', 4],
    ['b-1', 2],
    ['c-1', 1],
  ]);

  it("maxUnavailable is the same everywhere; where it is all of a cluster's pods the plan says so (allowed = pods)", () => {
    const budgets = decideDisruption({ maxUnavailable: 1 }, false, pods);
    expect([...budgets].map(([c, b]) => [c, b.maxUnavailable, b.allowed, b.pods])).toEqual([
      ['a-1', 1, 1, 4],
      ['b-1', 1, 1, 2],
      ['c-1', 1, 1, 1],
    ]);
  });

  it('a percentage is rounded up per cluster, as the disruption controller does (50% of 1 is 1, so nothing may go there)', () => {
    const budgets = decideDisruption({ minAvailable: '50%' }, false, pods);
    expect([...budgets].map(([c, b]) => [c, b.minAvailable, b.allowed])).toEqual([
      ['a-1', '50%', 2],
      ['b-1', '50%', 1],
      ['c-1', '50%', 0],
    ]);
    expect(budgets.get('c-1')!.why).toContain('50% of 1 is 1 (rounded up');
  });

  it('a minAvailable number counts like replicas: divided over the clusters by their pods when Divided, as written when Duplicated', () => {
    const divided = decideDisruption({ minAvailable: 4 }, false, pods);
    expect([...divided].map(([c, b]) => [c, b.minAvailable, b.allowed])).toEqual([
      ['a-1', 2, 2],
      ['b-1', 1, 1],
      ['c-1', 1, 0],
    ]);
    const duplicated = decideDisruption({ minAvailable: 2 }, true, pods);
    expect([...duplicated].map(([c, b]) => [c, b.minAvailable, b.allowed])).toEqual([
      ['a-1', 2, 2],
      ['b-1', 2, 0],
      ['c-1', 2, 0],
    ]);
  });
});

const spec = ({ api = '', db = '', dbRule = '{ names: [a-1] }' } = {}) => `apiVersion: fleet/v1alpha1
kind: Fleet
metadata: { name: decided }
clusters:
  - { name: a-1, region: r-a, podCIDRs: [10.1.0.0/16], labels: { big: "yes" } }
  - { name: b-1, region: r-b, podCIDRs: [10.2.0.0/16] }
apps:
  - name: api
    image: ghcr.io/acme/api:1.0.0
    replicas: 3
    ports: [{ name: http, port: 8080 }]
    callers: none
    resources: { requests: { cpu: 100m } }
${api}  - name: db
    image: ghcr.io/acme/db:1.0.0
    replicas: 2
    ports: [{ name: pg, port: 5432, protocol: TCP }]
    stateful: true
    storage: [{ name: data, size: 10Gi, mountPath: /data }]
${db}placement:
  - name: api-by-weight
    apps: { names: [api] }
    replicas: { strategy: Divided, weights: [{ clusters: { matchLabels: { big: "yes" } }, weight: 2 }, { clusters: { names: [b-1] }, weight: 1 }] }
  - { name: db-rule, apps: { names: [db] }, clusters: ${dbRule}, replicas: { strategy: Divided } }
traffic:
  - { name: api-to-db, from: [api], to: db }
`;

describe('decided once, in the plan, and rendered as decided', () => {
  const text = spec({ api: '    autoscaling: { min: 3, max: 12 }\n    disruption: { maxUnavailable: 1 }\n' });
  const result = compileText(text);
  const api = result.plan!.apps.find((a) => a.name === 'api')!;

  it("the plan records each cluster's autoscaler bounds and budget", () => {
    expect(api.workloads['a-1']).toMatchObject({ replicas: 2, autoscaling: { min: 2, max: 8 }, disruptionBudget: { maxUnavailable: 1, allowed: 1, pods: 2 } });
    expect(api.workloads['b-1']).toMatchObject({ replicas: 1, autoscaling: { min: 1, max: 4 }, disruptionBudget: { maxUnavailable: 1, allowed: 1, pods: 1 } });
    expect(api.workloads['a-1'].deployments[0].autoscaler).toEqual({ minReplicas: 2, maxReplicas: 8 });
  });

  it('each cluster gets an autoscaling/v2 HPA with its bounds, a PDB, and a Deployment without replicas', () => {
    for (const [cluster, bounds] of [
      ['a-1', [2, 8]],
      ['b-1', [1, 4]],
    ] as const) {
      const objects = objectsIn(result.tree!, cluster);
      const hpa = get(objects, 'HorizontalPodAutoscaler', 'api', 'api');
      expect(hpa.apiVersion).toBe('autoscaling/v2');
      expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual(bounds);
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' });
      expect(hpa.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
      expect(get(objects, 'Deployment', 'api', 'api').spec).not.toHaveProperty('replicas');
      expect(get(objects, 'PodDisruptionBudget', 'api', 'api').spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { app: 'api' } } });
    }
  });

  it('fleet explain says why each bound and budget is what it is', () => {
    const explanation = formatExplanation(result.fleet!.apps.find((a) => a.name === 'api')!, api);
    expect(explanation).toContain("a-1: min 2, max 8: fleet-wide min 3, max 12 divided by placement's weights (a-1 2, b-1 1)");
    expect(explanation).toContain("b-1: maxUnavailable 1: 1 of the 1 pod(s) here at the autoscalers' minimum may be evicted at once");
  });

  it('the warning for a cluster whose budget lets its only pod go points at the budget', () => {
    expect(codesAt(result.diagnostics)).toEqual([`placement_disruption_leaves_none@${text.split('\n').findIndex((l) => l.includes('disruption:')) + 1}:35`]);
  });

  it("with versions, each version's Deployment that has replicas gets an HPA with its share of the cluster's bounds", () => {
    const withVersions = spec({ api: '    autoscaling: { min: 6, max: 12 }\n    versions: [{ name: stable }, { name: canary }]\n' })
      .replace('    callers: none\n', '')
      .replace('to: db }', 'to: db }\n  - { name: to-api, from: [db], to: api, split: { stable: 75, canary: 25 } }')
      .replace('replicas: 3\n', 'replicas: 8\n');
    const plan = compileText(withVersions).plan!.apps.find((a) => a.name === 'api')!;
    const a1 = plan.workloads['a-1'];
    expect(a1.autoscaling).toMatchObject({ min: 4, max: 8 });
    expect(a1.deployments.map((d) => [d.name, d.replicas, d.autoscaler])).toEqual([
      ['api', 4, { minReplicas: 3, maxReplicas: 6 }],
      ['api-canary', 1, { minReplicas: 1, maxReplicas: 2 }],
    ]);
  });
});

describe('stateful apps render as StatefulSets (issue 17.2)', () => {
  it('a StatefulSet with a claim per pod, governed by the headless Service beside the normal one', () => {
    const objects = objectsIn(renderTree(spec()), 'a-1');
    expect(inventory(objects, ['StatefulSet', 'Deployment', 'Service']).filter((o) => o.includes('db'))).toEqual(['Service db/db', 'Service db/db-headless', 'StatefulSet db/db']);
    const set = get(objects, 'StatefulSet', 'db', 'db');
    const headless = get(objects, 'Service', set.spec.serviceName, 'db');
    expect(headless.spec.clusterIP).toBe('None');
    expect(headless.spec.selector).toEqual({ app: 'db' });
    expect(set.spec).toMatchObject({
      replicas: 2,
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate' },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } } }],
    });
    expect(set.spec.template.spec.containers[0].volumeMounts).toEqual([{ name: 'data', mountPath: '/data' }]);
  });

  it('splitting one over clusters is refused at `stateful`, unless it says its members replicate across clusters', () => {
    const split = spec({ dbRule: '{ names: [a-1, b-1] }' });
    const result = compileText(split);
    expect(codesAt(result.diagnostics)).toEqual([`placement_stateful_split@${split.split('\n').findIndex((l) => l.includes('stateful: true')) + 1}:15`]);
    expect(result.tree).toBeUndefined();
    const external = renderTree(spec({ dbRule: '{ names: [a-1, b-1] }', db: '    replication: external\n' }));
    expect(['a-1', 'b-1'].map((c) => get(objectsIn(external, c), 'StatefulSet', 'db', 'db').spec.replicas)).toEqual([1, 1]);
  });
});
