import { describe, expect, it } from 'vitest';
import type { ClusterSpec } from '../../../src/model/spec.js';
import { formatExplanation } from '../../../src/report/explain.js';
import { formatPlan } from '../../../src/report/plan.js';
import { placeFleet, placementOf } from '../../helpers/fleet-builder.js';

const clusters: ClusterSpec[] = [
  { name: 'a-1', region: 'ra', labels: { env: 'prod' }, capacity: { pods: 10 } },
  { name: 'b-1', region: 'rb', labels: { env: 'prod' }, capacity: { pods: 30 }, taints: [{ key: 'spot', effect: 'PreferNoSchedule' }] },
  { name: 'c-1', region: 'rc', labels: { env: 'prod' }, taints: [{ key: 'maintenance', value: 'true', effect: 'NoSchedule' }] },
  { name: 'd-1', region: 'rd', labels: { env: 'dev' }, taints: [{ key: 'maintenance', value: 'true', effect: 'NoSchedule' }] },
];

describe('the filter summary', () => {
  it('counts reasons as Karmada does, most common first', () => {
    const result = placeFleet({
      clusters: clusters.map((c) => ({ ...c, taints: [{ key: 'maintenance', value: 'true', effect: 'NoSchedule' as const }] })),
      apps: [{ name: 'app' }],
      placement: [{ name: 'rule', apps: {}, clusters: { matchLabels: { env: 'prod' } } }],
    });
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      'app `app` (rule `rule`) cannot be placed: 0/4 clusters are available: 3 cluster(s) had untolerated taint {maintenance=true:NoSchedule}, 1 cluster(s) did not match labels {env=prod}',
    ]);
  });
});

describe('fleet explain and fleet plan', () => {
  const result = placeFleet({
    clusters,
    apps: [{ name: 'app', replicas: 12 }],
    placement: [{ name: 'rule', apps: {}, spread: [{ by: 'region', minGroups: 2 }], replicas: { strategy: 'Divided', dynamic: 'AvailableReplicas' } }],
  });
  const app = result.fleet!.apps[0];
  const text = formatExplanation(app, placementOf(result, 'app'));

  it('walks every stage: filter, spread, steady mode, decisions, ranking, apportionment', () => {
    expect(text).toContain('  filter:   2/4 clusters are available: 2 cluster(s) had untolerated taint {maintenance=true:NoSchedule}\n');
    expect(text).toContain('  spread:   by region (minGroups 2): chose ra, rb of 2 region groups (ra, rb, best first)\n');
    expect(text).toContain('  steady:   fresh: no previous placement of this app, so its replicas are divided from scratch\n');
    expect(text).toMatch(/a-1\s+3\s+10\s+chosen: matched the affinity; holds region ra for spread \(at least 1 replica\)/);
    expect(text).toMatch(/c-1\s+-\s+-\s+skipped: had untolerated taint \{maintenance=true:NoSchedule\}/);
    // The PreferNoSchedule cluster ranks last despite more room, and says why.
    expect(text).toMatch(/2\s+b-1\s+-10\s+30\s+-\s+TaintToleration -10: untolerated \{spot:PreferNoSchedule\}/);
    expect(text).toContain('  a-1: weight 10/40, exact share 3, gets 3\n');
    expect(text).toContain('  b-1: weight 30/40, exact share 9, gets 9\n');
  });

  it("prints the contract's JSON shape, clusters without replicas left out", () => {
    const json = JSON.parse(formatPlan(result.plan!, ['a-1', 'b-1', 'c-1', 'd-1'], 'json')) as { apps: { namespace: string; name: string; clusters: Record<string, number> }[] };
    expect(json.apps.map(({ namespace, name, clusters: placed }) => ({ namespace, name, clusters: placed }))).toEqual([{ namespace: 'default-ns', name: 'app', clusters: { 'a-1': 3, 'b-1': 9 } }]);
  });

  it('shows what changed against the previous placement in the text plan', () => {
    const next = placeFleet(
      { clusters, apps: [{ name: 'app', replicas: 13 }], placement: [{ name: 'rule', apps: {}, replicas: { strategy: 'Divided', dynamic: 'AvailableReplicas' } }] },
      new Map([['default-ns/app', { 'a-1': 3, 'b-1': 9 }]]),
    );
    expect(formatPlan(next.plan!, ['a-1', 'b-1'], 'text')).toMatch(/default-ns\/app\s+rule\s+Divided\s+3\s+10 \(\+1\)\s+13/);
  });
});
