import { describe, expect, it } from 'vitest';
import { compileText } from '../../helpers/spec.js';
import { objectsIn, renderTree } from './fleet.js';

/** `api` (stable 90 / canary 10 unless given) divided over four clusters on one network; `replicas` varies. */
const spec = (replicas: number, canary = '{ name: canary }', split = '{ stable: 90, canary: 10 }') => `apiVersion: fleet/v1alpha1
kind: Fleet
metadata:
  name: versions
clusters:
  - { name: c-1, podCIDRs: [10.1.0.0/16] }
  - { name: c-2, podCIDRs: [10.2.0.0/16] }
  - { name: c-3, podCIDRs: [10.3.0.0/16] }
  - { name: c-4, podCIDRs: [10.4.0.0/16] }
apps:
  - { name: web, image: example.com/web:1, ports: [{ name: http, port: 8080 }], callers: none }
  - name: api
    image: example.com/api:1
    replicas: ${replicas}
    ports: [{ name: http, port: 8080 }]
    versions: [{ name: stable }, ${canary}]
placement:
  - { name: web-everywhere, apps: { names: [web] } }
  - { name: api-divided, apps: { names: [api] }, replicas: { strategy: Divided } }
traffic:
  - { name: web-to-api, from: [web], to: api, split: ${split} }
`;

function replicasByCluster(text: string): Record<string, string> {
  const tree = renderTree(text);
  return Object.fromEntries(
    ['c-1', 'c-2', 'c-3', 'c-4'].map((cluster) => [
      cluster,
      objectsIn(tree, cluster)
        .filter((o) => o.kind === 'Deployment' && o.metadata.labels?.app === 'api')
        .map((d) => `${d.metadata.labels?.version}=${d.spec.replicas}`)
        .sort()
        .join(' '),
    ]),
  );
}

describe('replicas per version across the fleet', () => {
  it('splits each cluster by the weights when it has room for every version', () => {
    expect(replicasByCluster(spec(12))).toEqual({ 'c-1': 'canary=1 stable=2', 'c-2': 'canary=1 stable=2', 'c-3': 'canary=1 stable=2', 'c-4': 'canary=1 stable=2' });
  });

  it('runs a version somewhere even when no cluster has room for every version', () => {
    // One replica per cluster: each cluster alone would run only `stable`, and the canary's 10% would fail.
    expect(replicasByCluster(spec(4))).toEqual({ 'c-1': 'canary=1 stable=0', 'c-2': 'canary=0 stable=1', 'c-3': 'canary=0 stable=1', 'c-4': 'canary=0 stable=1' });
    // Each version is still missing in some clusters, and says so.
    const warnings = compileText(spec(4)).diagnostics.map((d) => `${d.severity} ${d.code}: ${d.message.split(';')[0]}`);
    expect(warnings).toEqual([
      'warning traffic_version_without_replicas: version `stable` of `api` takes traffic from rule `web-to-api` but has no replicas in 1 of the 4 clusters that run it: c-1 (1 replica of `api` there)',
      'warning traffic_version_without_replicas: version `canary` of `api` takes traffic from rule `web-to-api` but has no replicas in 3 of the 4 clusters that run it: c-2 (1 replica of `api` there), c-3 (1 replica of `api` there), c-4 (1 replica of `api` there)',
    ]);
  });

  it('takes the replica from the version with the most replicas in the cluster with the most', () => {
    // 5 replicas over 4 clusters: one gets 2 (which one is the app's tie order), the others 1; no cluster has room for three versions.
    const text = spec(5, '{ name: canary }, { name: beta }', '{ stable: 80, canary: 10, beta: 10 }');
    const placed = compileText(text).plan!.apps.find((a) => a.name === 'api')!.clusters;
    const biggest = Object.keys(placed).find((c) => placed[c] === 2)!;
    const three = replicasByCluster(text);
    expect(Object.values(placed).sort()).toEqual([1, 1, 1, 2]);
    for (const cluster of ['c-1', 'c-2', 'c-3', 'c-4']) expect(three[cluster], cluster).toBe(cluster === biggest ? 'beta=1 canary=1 stable=0' : 'beta=0 canary=0 stable=1');
  });

  it('never takes the last replica of another version', () => {
    const result = compileText(spec(1));
    expect(result.diagnostics.map((d) => `${d.severity} ${d.code}`)).toEqual(['error traffic_version_not_running']);
  });

  it('leaves versions with a fixed count alone', () => {
    expect(compileText(spec(4, '{ name: canary, replicas: 0 }')).diagnostics.map((d) => d.code)).toEqual(['traffic_version_not_running']);
  });
});
