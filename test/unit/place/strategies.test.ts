import { describe, expect, it } from 'vitest';
import type { ClusterSpec, PlacementRuleSpec } from '../../../src/model/spec.js';
import { errorCodes, placeFleet, placementOf, replicasOf } from '../../helpers/fleet-builder.js';

/**
 * Karmada's assignment tests (pkg/scheduler/core/assignment_test.go, division_algorithm_test.go,
 * strategy/*_test.go) replayed through fleet's whole pipeline. Karmada's clusters member1..3
 * become m1..m3; "available replicas" come from `capacity.pods` (the app requests nothing else),
 * as Karmada's tests set them with NewClusterWithResource(pods). Where Karmada's table still
 * holds a pre-v1.16 (largest remainder) expectation, the row gives the Webster result and says so.
 * Where an exact tie decides, Karmada (with an empty UID) goes by name and fleet by the app's hash
 * order (tie-order.ts); those rows say so too.
 */
const members = (pods?: number[]): ClusterSpec[] => (pods ?? [0, 0, 0]).map((n, i) => ({ name: `m${i + 1}`, ...(pods ? { capacity: { pods: n } } : {}) }));

const one = (rule: Omit<PlacementRuleSpec, 'name' | 'apps'>, clusters: ClusterSpec[], replicas: number, previous?: Record<string, number>) =>
  placeFleet({ clusters, apps: [{ name: 'app', replicas }], placement: [{ name: 'rule', apps: {}, ...rule }] }, previous ? new Map([['default-ns/app', previous]]) : undefined);

const weighted = (weights: number[]) => ({
  replicas: { strategy: 'Divided' as const, weights: weights.map((weight, i) => ({ clusters: { names: [`m${i + 1}`] }, weight })) },
});
const dynamic = { replicas: { strategy: 'Divided' as const, dynamic: 'AvailableReplicas' as const } };
const aggregated = { replicas: { strategy: 'Aggregated' as const } };

describe('StaticWeight (assignByStaticWeightStrategy)', () => {
  it.each([
    { name: 'replica 12, weight 3:2:1', weights: [3, 2, 1], replicas: 12, want: { m1: 6, m2: 4, m3: 2 } },
    // Karmada's pre-Webster table says 8:4:2; the exact quotas are 7, 4.67, 2.33.
    { name: 'replica 14, weight 3:2:1 (Webster; legacy said 8:4:2)', weights: [3, 2, 1], replicas: 14, want: { m1: 7, m2: 5, m3: 2 } },
    { name: 'insufficient replicas: 0 gives nothing', weights: [1, 1], replicas: 0, want: {} },
    { name: 'karmada#6735: 170/110/60, 5 replicas', weights: [170, 110, 60], replicas: 5, want: { m1: 2, m2: 2, m3: 1 } },
    { name: 'karmada#6735: 170/110/60, 6 replicas', weights: [170, 110, 60], replicas: 6, want: { m1: 3, m2: 2, m3: 1 } },
  ])('$name', ({ weights, replicas, want }) => {
    expect(replicasOf(one(weighted(weights), members().slice(0, weights.length), replicas), 'app')).toEqual(want);
  });

  it('replica 12, default weight: equal shares', () => {
    expect(replicasOf(one({ replicas: { strategy: 'Divided' } }, members(), 12), 'app')).toEqual({ m1: 4, m2: 4, m3: 4 });
  });

  it('a selected cluster without weight is ignored', () => {
    const result = one({ replicas: { strategy: 'Divided', weights: [{ clusters: { names: ['m1'] }, weight: 1 }] } }, members().slice(0, 2), 2);
    expect(replicasOf(result, 'app')).toEqual({ m1: 2 });
    expect(placementOf(result, 'app').decisions.find((d) => d.cluster === 'm2')!.reason).toBe('matched no weight entry');
  });

  it('a cluster with several matching weights takes the largest', () => {
    const weights = [
      { clusters: { names: ['m1'] }, weight: 1 },
      { clusters: { names: ['m2'] }, weight: 1 },
      { clusters: { names: ['m1'] }, weight: 2 },
    ];
    expect(replicasOf(one({ replicas: { strategy: 'Divided', weights } }, members().slice(0, 2), 3), 'app')).toEqual({ m1: 2, m2: 1 });
  });
});

describe('DynamicWeight (divideReplicasByResource, fresh)', () => {
  it.each([
    { name: 'replica 12, dynamic weight 18:12:6', pods: [18, 12, 6], want: { m1: 6, m2: 4, m3: 2 } },
    { name: 'replica 12, dynamic weight 20:12:6 (Webster; legacy said 7:4:1)', pods: [20, 12, 6], want: { m1: 6, m2: 4, m3: 2 } },
    { name: 'replica 12, dynamic weight 6:12:6', pods: [6, 12, 6], want: { m1: 3, m2: 6, m3: 3 } },
    { name: 'replicas 12, dynamic weight 6:8:10', pods: [6, 8, 10], want: { m1: 3, m2: 4, m3: 5 } },
    { name: 'replica 12, dynamic weight 8:8:10 (Webster; legacy said 4:3:5)', pods: [8, 8, 10], want: { m1: 4, m2: 4, m3: 4 } },
  ])('$name', ({ pods, want }) => {
    expect(replicasOf(one(dynamic, members(pods), 12), 'app')).toEqual(want);
  });

  it('replica 12, dynamic weight 3:3:3: not enough room is an error', () => {
    const result = one(dynamic, members([3, 3, 3]), 12);
    expect(errorCodes(result)).toEqual(['placement_unsatisfiable']);
    expect(result.diagnostics[0].message).toContain('room for 9');
  });
});

describe('Aggregated (divideReplicasByAggregation, fresh)', () => {
  it.each([
    { name: 'replica 12, aggregated 12:6:6 (m2 holds all)', pods: [6, 12, 6], want: { m2: 12 } },
    // Karmada (sorted by available replicas, then name) packs into m1 and m2; fleet breaks the tie by
    // the app's hash order (tie-order.ts, KubeFed's rule), m4 < m2 < m3 < m1 for `default-ns/app`.
    { name: "replica 12, aggregated 6:6:6 (tie: the app's hash order)", pods: [6, 6, 6], want: { m2: 6, m3: 6 } },
    { name: 'replica 12, aggregated 6:8:10', pods: [6, 8, 10], want: { m2: 5, m3: 7 } },
  ])('$name', ({ pods, want }) => {
    expect(replicasOf(one(aggregated, members(pods), 12), 'app')).toEqual(want);
  });
});

describe('Duplicated', () => {
  it('every chosen cluster runs all replicas, whatever its capacity', () => {
    expect(replicasOf(one({ replicas: { strategy: 'Duplicated' } }, members([1, 5, 0]), 3), 'app')).toEqual({ m1: 3, m2: 3, m3: 3 });
  });
});

/**
 * Karmada's estimator reports the room left after the replicas already running; fleet's `capacity`
 * is the room in total. So each row declares pods = Karmada's available + the previous replicas.
 */
describe('Steady mode (Test_dynamicScale)', () => {
  const withPrevious = (free: number[], previous: Record<string, number>) => free.map((n, i) => n + (previous[`m${i + 1}`] ?? 0));
  it.each<{ name: string; rule: Omit<PlacementRuleSpec, 'name' | 'apps'>; free: number[]; previous: Record<string, number>; replicas: number; want: Record<string, number> }>([
    { name: 'replica 12 -> 6, dynamic weighted 1:1:1 (shrinks in proportion)', rule: dynamic, free: [1, 1, 1], previous: { m1: 2, m2: 4, m3: 6 }, replicas: 6, want: { m1: 1, m2: 2, m3: 3 } },
    { name: 'replica 12 -> 24, dynamic weighted 10:10:10 (adds 4 each)', rule: dynamic, free: [10, 10, 10], previous: { m1: 2, m2: 4, m3: 6 }, replicas: 24, want: { m1: 6, m2: 8, m3: 10 } },
    { name: 'replica 12 -> 6, aggregated 1:1:1 (packs while shrinking)', rule: aggregated, free: [1, 1, 1], previous: { m1: 4, m2: 8 }, replicas: 6, want: { m2: 6 } },
    { name: 'replica 12 -> 8, aggregated 100:100', rule: aggregated, free: [100, 100], previous: { m1: 4, m2: 8 }, replicas: 8, want: { m2: 8 } },
    // Used clusters first (m2 with more room, then m1), then m3; 12 more over the room 6:4:8 from zero. Legacy said 6:12:6.
    { name: 'replica 12 -> 24, aggregated 4:6:8 (Webster)', rule: aggregated, free: [4, 6, 8], previous: { m1: 4, m2: 8 }, replicas: 24, want: { m1: 7, m2: 12, m3: 5 } },
    { name: 'equal: the previous result stays even when a fresh division would differ', rule: dynamic, free: [9, 9, 0], previous: { m1: 1, m2: 1, m3: 10 }, replicas: 12, want: { m1: 1, m2: 1, m3: 10 } },
  ])('$name', ({ rule, free, previous, replicas, want }) => {
    expect(replicasOf(one(rule, members(withPrevious(free, previous)), replicas, previous), 'app')).toEqual(want);
  });

  it('replica 12 -> 24, dynamic weighted 1:1:1: not enough room for the difference is an error', () => {
    const previous = { m1: 2, m2: 4, m3: 6 };
    expect(errorCodes(one(dynamic, members(withPrevious([1, 1, 1], previous)), 24, previous))).toEqual(['placement_unsatisfiable']);
  });

  it('with cluster2 gone (tainted) and cluster4 new: its replicas join the difference', () => {
    const clusters: ClusterSpec[] = [
      { name: 'm1', capacity: { pods: 12 } },
      { name: 'm2', capacity: { pods: 14 }, taints: [{ key: 'drain', effect: 'NoSchedule' }] },
      { name: 'm3', capacity: { pods: 16 } },
      { name: 'm4', capacity: { pods: 10 } },
    ];
    const result = one(dynamic, clusters, 12, { m1: 2, m2: 4, m3: 6 });
    // m1 2 and m3 6 stay; the 4 released from m2 go by room 10:10:10 from zero: every replica a tie,
    // so in the app's hash order (m4 < m3 < m1, where Karmada with an empty UID uses name order): m4, m3, m1, m4.
    expect(replicasOf(result, 'app')).toEqual({ m1: 3, m3: 7, m4: 2 });
    const steady = placementOf(result, 'app').steady!;
    expect(steady).toMatchObject({ mode: 'scale-up', previousTotal: 12, kept: 8 });
    expect(steady.released).toEqual([{ cluster: 'm2', replicas: 4, reason: 'had untolerated taint {drain:NoSchedule}' }]);
  });

  it('a lower max releases the excess into the difference', () => {
    const result = one({ replicas: { strategy: 'Divided', dynamic: 'AvailableReplicas', max: 5 } }, members([10, 10, 10]), 12, { m1: 2, m2: 2, m3: 8 });
    // m3 keeps 5 of its 8; the 3 released go by room 3:3 (m1, m2), ties in the app's hash order (m2 first).
    expect(replicasOf(result, 'app')).toEqual({ m1: 3, m2: 4, m3: 5 });
  });
});

describe('min and max', () => {
  it('min is a floor in every cluster that gets replicas; Webster continues from it', () => {
    // Weights 10:1:1 alone give 4:0:0; the floor of 1 leaves 1 more, which goes to m1.
    expect(replicasOf(one({ replicas: { strategy: 'Divided', weights: [10, 1, 1].map((weight, i) => ({ clusters: { names: [`m${i + 1}`] }, weight })), min: 1 } }, members(), 4), 'app')).toEqual({ m1: 2, m2: 1, m3: 1 });
  });

  it('max caps a cluster and the rest goes on by weight', () => {
    expect(replicasOf(one({ replicas: { strategy: 'Divided', weights: [10, 1, 1].map((weight, i) => ({ clusters: { names: [`m${i + 1}`] }, weight })), max: 3 } }, members(), 7), 'app')).toEqual({ m1: 3, m2: 2, m3: 2 });
  });

  it('too few replicas for the floors, or too little room under the caps, are errors at the rule', () => {
    expect(errorCodes(one({ replicas: { strategy: 'Divided', min: 2 } }, members(), 5))).toEqual(['placement_unsatisfiable']);
    expect(errorCodes(one({ replicas: { strategy: 'Divided', max: 1 } }, members(), 4))).toEqual(['placement_unsatisfiable']);
  });

  it('a cluster with less room than min takes no replica, with the reason', () => {
    const result = one({ replicas: { strategy: 'Divided', dynamic: 'AvailableReplicas', min: 3 } }, members([2, 10, 10]), 8);
    expect(replicasOf(result, 'app')).toEqual({ m2: 4, m3: 4 });
    expect(placementOf(result, 'app').decisions[0].reason).toBe('had room for 2 replica(s), below min 3');
  });
});
