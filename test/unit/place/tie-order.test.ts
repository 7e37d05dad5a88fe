import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClusterSpec } from '../../../src/model/spec.js';
import { apportion } from '../../../src/phases/4-place/divide/webster.js';
import { fmix32, fnv1, tieOrderOf } from '../../../src/phases/4-place/tie-order.js';
import { placeFleet, previousOf } from '../../helpers/fleet-builder.js';

const seatsOf = (result: { seats: Map<string, number> }) => Object.fromEntries(result.seats);

describe('the per-app tie order (KubeFed planner.go: FNV-1 of cluster name + workload key, then fmix32)', () => {
  it("is FNV-1, 32 bits, not FNV-1a, then MurmurHash3's finalizer (published test vectors)", () => {
    // http://www.isthe.com/chongo/tech/comp/fnv/ (FNV-1 32-bit): "" → 0x811c9dc5, "a" → 0x050c5d7e, "foobar" → 0x31f0b262.
    expect([fnv1(''), fnv1('a'), fnv1('foobar')]).toEqual([0x811c9dc5, 0x050c5d7e, 0x31f0b262]);
    // MurmurHash3 fmix32: 0 → 0, 1 → 0x514e28b7.
    expect([fmix32(0), fmix32(1)]).toEqual([0, 0x514e28b7]);
    expect(tieOrderOf('shop/web')('c7')).toBe(fmix32(fnv1('c7shop/web')));
  });

  /**
   * KubeFed's planner_test.go TestEqual, the rows its comments mark "hash dependent" (equal weights,
   * an empty key). KubeFed's ceil loop gives the remainder to the clusters first in hash order;
   * Webster given the same ranks (KubeFed's raw FNV-1) gives it to the same clusters.
   */
  it.each([
    { replicas: 50, clusters: ['A', 'B', 'C'], want: { A: 16, B: 17, C: 17 } },
    { replicas: 1, clusters: ['A', 'B'], want: { A: 0, B: 1 } },
    { replicas: 1, clusters: ['A', 'B', 'C', 'D'], want: { A: 0, B: 0, C: 0, D: 1 } },
  ])('kubefed TestEqual: $replicas over $clusters', ({ replicas, clusters, want }) => {
    expect(
      seatsOf(
        apportion(
          replicas,
          clusters.map((name) => ({ name, weight: 1, tie: fnv1(name) })),
        ),
      ),
    ).toEqual(want);
  });

  it('depends on the app and the cluster only: other clusters and the input order change nothing', () => {
    const tie = tieOrderOf('shop/web');
    const among = (names: string[]) => [...names].sort((a, b) => tie(a) - tie(b)).filter((n) => n === 'c1' || n === 'c2');
    expect(among(['c1', 'c2'])).toEqual(among(['c9', 'c2', 'c5', 'c1']));
  });
});

/** 40 clusters c0…c39 (names whose code-unit order is not their numeric order). */
const forty: ClusterSpec[] = Array.from({ length: 40 }, (_, i) => ({ name: `c${i}` }));
const smallApps = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `app-${i}`, replicas: 6 }));
const divided = [{ name: 'divided', apps: {}, replicas: { strategy: 'Divided' as const } }];

function load(result: ReturnType<typeof placeFleet>): number[] {
  const perCluster = new Map(forty.map((c) => [c.name, 0]));
  for (const app of result.plan!.apps) for (const [cluster, n] of Object.entries(app.clusters)) perCluster.set(cluster, perCluster.get(cluster)! + n);
  return [...perCluster.values()];
}

describe('small apps spread over the fleet (issue 16, item 5)', () => {
  it('400 apps × 6 replicas, Divided with equal weights over 40 clusters: every cluster used, the busiest holds at most twice the least busy', () => {
    // With ties to the name that sorts first, all 400 apps went to c0, c1, c10, c11, c12, c13 and 34 clusters stayed empty.
    const result = placeFleet({ clusters: forty, apps: smallApps(400), placement: divided });
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const replicas = load(result);
    expect(replicas.reduce((a, b) => a + b, 0)).toBe(2400);
    expect(Math.min(...replicas)).toBeGreaterThan(0);
    expect(Math.max(...replicas)).toBeLessThanOrEqual(2 * Math.min(...replicas));
    for (const app of result.plan!.apps) expect(Object.values(app.clusters)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('apps already placed stay where the lock has them, even when the old name rule put them there', () => {
    const bunched = { c0: 1, c1: 1, c10: 1, c11: 1, c12: 1, c13: 1 };
    const previous = new Map(smallApps(20).map((a) => [`default-ns/${a.name}`, bunched]));
    const result = placeFleet({ clusters: forty, apps: smallApps(20), placement: divided }, previous);
    expect(result.plan!.apps).toHaveLength(20);
    for (const app of result.plan!.apps) expect(app.clusters).toEqual(bunched);
    // And a later change still moves as little as it can: one more replica only adds one.
    const more = placeFleet({ clusters: forty, apps: smallApps(20).map((a) => ({ ...a, replicas: 7 })), placement: divided }, previous);
    expect(more.plan!.apps).toHaveLength(20);
    for (const app of more.plan!.apps) {
      for (const [cluster, n] of Object.entries(bunched)) expect(app.clusters[cluster]).toBe(n);
      expect(Object.keys(app.clusters)).toHaveLength(7);
    }
  });

  it('placing again with the plan as the previous placement changes nothing', () => {
    const first = placeFleet({ clusters: forty, apps: smallApps(40), placement: divided });
    const again = placeFleet({ clusters: forty, apps: smallApps(40), placement: divided }, previousOf(first));
    expect(again.plan!.apps.map((a) => a.clusters)).toEqual(first.plan!.apps.map((a) => a.clusters));
  });
});

describe('Webster breaks ties towards the previous division', () => {
  const weights = fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 8 });

  it('reproduces any previous Webster result exactly, whatever tie rule produced it (the old name rule, another app’s hash)', () => {
    fc.assert(
      fc.property(weights, fc.integer({ min: 0, max: 40 }), fc.string(), (ws, seats, otherKey) => {
        const names = ws.map((_, i) => `c${i}`);
        const byName = apportion(
          seats,
          names.map((name, i) => ({ name, weight: ws[i] })),
        ).seats;
        const other = tieOrderOf(otherKey);
        const byOtherHash = apportion(
          seats,
          names.map((name, i) => ({ name, weight: ws[i], tie: other(name) })),
        ).seats;
        const tie = tieOrderOf('default-ns/app');
        for (const previous of [byName, byOtherHash]) {
          const again = apportion(
            seats,
            names.map((name, i) => ({ name, weight: ws[i], tie: tie(name), previous: previous.get(name) })),
          );
          expect(again.seats).toEqual(previous);
        }
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('stays house-monotone with a previous division: one more seat never takes one from any party', () => {
    fc.assert(
      fc.property(weights, fc.integer({ min: 0, max: 40 }), fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 8, maxLength: 8 }), (ws, seats, before) => {
        const tie = tieOrderOf('default-ns/app');
        const parties = ws.map((weight, i) => ({ name: `c${i}`, weight, tie: tie(`c${i}`), previous: before[i] }));
        const now = apportion(seats, parties).seats;
        const next = apportion(seats + 1, parties).seats;
        for (const [name, n] of now) expect(next.get(name)!).toBeGreaterThanOrEqual(n);
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});
