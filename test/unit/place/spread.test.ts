import { describe, expect, it } from 'vitest';
import type { Cluster } from '../../../src/model/fleet.js';
import type { ClusterSpec, SpreadConstraintSpec } from '../../../src/model/spec.js';
import { byRank, type Candidate } from '../../../src/phases/4-place/candidate.js';
import { selectBySpread } from '../../../src/phases/4-place/spread.js';
import { errorCodes, placeFleet, placementOf, replicasOf } from '../../helpers/fleet-builder.js';
import { codesAt, compileText, MINIMAL_SPEC } from '../../helpers/spec.js';

/**
 * A candidate as placement builds it, with Karmada's test numbers: a score and available replicas.
 * Karmada breaks ties between clusters and groups by name; a tie order that ranks every name the
 * same (0) leaves exactly that.
 */
function candidate(name: string, region: string, score: number, available: number, extra: Partial<Cluster> = {}): Candidate {
  const cluster: Cluster = { name, region, podCIDRs: [], labels: {}, taints: [], capacity: {}, mesh: 'istio', networkPolicy: 'calico', spec: { name }, ...extra };
  return { name, cluster, score, scoreNotes: [], weight: available, available, previous: 0, cap: available, bounds: { min: 0, max: Infinity }, tie: 0 };
}

const select = (constraints: SpreadConstraintSpec[], candidates: Candidate[], replicas?: number) => selectBySpread({ constraints, ranked: [...candidates].sort(byRank), replicas, tieOrder: () => 0 });
const chosenNames = (result: ReturnType<typeof select>) => (result.ok ? result.chosen.map((c) => c.name).sort() : result.message);
const region = (minGroups: number, maxGroups: number): SpreadConstraintSpec => ({ by: 'region', minGroups, maxGroups });
const clusterCount = (minGroups: number, maxGroups: number): SpreadConstraintSpec => ({ by: 'cluster', minGroups, maxGroups });

/**
 * Karmada's spreadconstraint/select_clusters_by_region_test.go, replayed on selectBySpread with the
 * same scores and available replicas. Karmada gives region scores directly; here a region's score is
 * its best cluster's, which is what those tables use.
 */
describe('spread selection: Karmada region cases', () => {
  const twoRegions = [candidate('member1', 'R1', 100, 40), candidate('member2', 'R1', 80, 40), candidate('member3', 'R2', 80, 40), candidate('member4', 'R2', 80, 40), candidate('member5', 'R2', 60, 40)];

  it('select clusters from the region with the higher score', () => {
    expect(chosenNames(select([region(1, 1), clusterCount(2, 2)], twoRegions))).toEqual(['member1', 'member2']);
  });

  it('select clusters from the region with enough clusters', () => {
    expect(chosenNames(select([region(1, 1), clusterCount(3, 3)], twoRegions))).toEqual(['member3', 'member4', 'member5']);
  });

  it('select clusters from the regions with enough clusters and a higher score', () => {
    const regions = [
      candidate('member1', 'R1', 90, 40),
      candidate('member2', 'R2', 70, 40),
      candidate('member3', 'R2', 60, 40),
      candidate('member4', 'R2', 30, 40),
      candidate('member5', 'R3', 80, 40),
      candidate('member6', 'R3', 50, 60),
      candidate('member7', 'R4', 50, 50),
      candidate('member8', 'R4', 40, 50),
      candidate('member9', 'R4', 10, 50),
      candidate('member10', 'R4', 0, 50),
    ];
    // R1+R3 has 3 clusters, too few for 4; R1+R2 (next in rank order) has 4.
    expect(chosenNames(select([region(2, 2), clusterCount(4, 5)], regions))).toEqual(['member1', 'member2', 'member3', 'member4']);
  });

  it('select clusters from more than minGroups regions when fewer cannot hold enough clusters', () => {
    const regions = [
      candidate('member1', 'R1', 70, 40),
      candidate('member2', 'R2', 40, 40),
      candidate('member3', 'R2', 40, 40),
      candidate('member4', 'R2', 40, 40),
      candidate('member5', 'R3', 60, 40),
      candidate('member6', 'R3', 50, 60),
      candidate('member7', 'R4', 70, 100),
      candidate('member8', 'R5', 50, 50),
    ];
    // No one or two regions hold 6 clusters; of three, the first in rank order that does is R4, R3, R2.
    // Karmada picks R1, R3, R2: it breaks R1's and R4's equal score (70) by discovery order, fleet by
    // capacity (member7 has 100 available replicas).
    expect(chosenNames(select([region(1, 3), clusterCount(6, 8)], regions))).toEqual(['member2', 'member3', 'member4', 'member5', 'member6', 'member7']);
  });

  it.each([
    { name: 'not enough regions', constraints: [region(3, 3), clusterCount(3, 3)], message: 'spread by region needs at least 3 groups, but the eligible clusters span 2 (R1, R2)' },
    { name: 'not enough clusters in any one region', constraints: [region(1, 1), clusterCount(4, 4)], message: 'spread by region allows at most 1 groups, and no 1 of them has enough clusters (4 needed)' },
  ])('$name', ({ constraints, message }) => {
    expect(chosenNames(select(constraints, twoRegions))).toBe(message);
  });

  it('no more regions to replace', () => {
    const oneRegion = [candidate('member1', 'R1', 100, 40), candidate('member2', 'R1', 80, 20)];
    expect(select([region(1, 1), clusterCount(3, 4)], oneRegion).ok).toBe(false);
  });
});

describe('spread selection: fewest groups, best groups', () => {
  const fleet = [candidate('a-1', 'ra', 0, 10), candidate('a-2', 'ra', 0, 10), candidate('b-1', 'rb', 0, 30), candidate('c-1', 'rc', 0, 5)];

  it('takes exactly minGroups groups, the ones with the most capacity', () => {
    const result = select([{ by: 'region', minGroups: 2, maxGroups: 3 }], fleet, 4);
    expect(chosenNames(result)).toEqual(['b-1', 'a-1', 'a-2'].sort());
    expect(result.ok && result.choices).toEqual([{ by: 'region', minGroups: 2, maxGroups: 3, groups: ['rb', 'ra', 'rc'], chosen: ['rb', 'ra'] }]);
    expect(result.ok && [...result.anchors].sort()).toEqual(['a-1', 'b-1']);
  });

  it('without minGroups takes as many groups as maxGroups allows; without either, all', () => {
    expect(chosenNames(select([{ by: 'region', maxGroups: 2 }], fleet, 4))).toEqual(['a-1', 'a-2', 'b-1']);
    expect(chosenNames(select([{ by: 'region' }], fleet, 4))).toEqual(['a-1', 'a-2', 'b-1', 'c-1']);
  });

  it('takes more groups only when fewer cannot hold the replicas', () => {
    expect(chosenNames(select([{ by: 'region', minGroups: 1, maxGroups: 3 }], fleet, 30))).toEqual(['b-1']);
    // 45 replicas: rb (30) and ra (20) are the first pair that holds them.
    expect(chosenNames(select([{ by: 'region', minGroups: 1, maxGroups: 3 }], fleet, 45))).toEqual(['a-1', 'a-2', 'b-1']);
    const tooMany = select([{ by: 'region', minGroups: 1, maxGroups: 2 }], fleet, 52);
    expect(tooMany.ok).toBe(false);
  });

  it('prefers a higher score over more capacity (stickiness, PreferNoSchedule)', () => {
    const sticky = [candidate('a-1', 'ra', 100, 10), candidate('b-1', 'rb', 0, 30)];
    expect(chosenNames(select([{ by: 'region', minGroups: 1 }], sticky, 5))).toEqual(['a-1']);
  });

  it('by cluster: exactly minGroups clusters, anchors each', () => {
    const result = select([{ by: 'cluster', minGroups: 2 }], fleet, 4);
    expect(chosenNames(result)).toEqual(['a-1', 'b-1']);
    expect(result.ok && [...result.anchors].sort()).toEqual(['a-1', 'b-1']);
  });

  it('nested constraints: regions first, then zones within them', () => {
    const zoned = [
      candidate('a-1', 'ra', 0, 10, { zone: 'ra-1' }),
      candidate('a-2', 'ra', 0, 10, { zone: 'ra-2' }),
      candidate('b-1', 'rb', 0, 30, { zone: 'rb-1' }),
      candidate('b-2', 'rb', 0, 1, { zone: 'rb-1' }),
      candidate('c-1', 'rc', 0, 5, { zone: 'rc-1' }),
    ];
    // Two regions (rb, ra by capacity) hold three zones; the third zone comes from inside them.
    const result = select(
      [
        { by: 'zone', minGroups: 3 },
        { by: 'region', minGroups: 2, maxGroups: 2 },
      ],
      zoned,
      6,
    );
    expect(chosenNames(result)).toEqual(['a-1', 'a-2', 'b-1', 'b-2']);
    expect(result.ok && result.choices.map((c) => c.chosen)).toEqual([
      ['rb-1', 'ra-1', 'ra-2'],
      ['rb', 'ra'],
    ]);
  });

  it('orthogonal constraints: providers and regions both covered', () => {
    const clouds = [
      candidate('a-1', 'ra', 0, 50, { provider: 'gcp' }),
      candidate('a-2', 'ra', 0, 40, { provider: 'gcp' }),
      candidate('b-1', 'rb', 0, 30, { provider: 'gcp' }),
      candidate('c-1', 'rc', 0, 5, { provider: 'aws' }),
    ];
    const result = select(
      [
        { by: 'provider', minGroups: 2 },
        { by: 'region', minGroups: 2, maxGroups: 2 },
      ],
      clouds,
      4,
    );
    // Regions ra and rb alone are all gcp; with two providers required, rc (aws) must be one of the two regions.
    expect(chosenNames(result)).toEqual(['a-1', 'a-2', 'c-1']);
  });

  it('too few replicas to cover the required groups is an error', () => {
    expect(chosenNames(select([{ by: 'region', minGroups: 3 }], fleet, 2))).toBe('2 replica(s) cannot cover the 3 groups spread requires (each needs a replica)');
  });
});

/** The same through the whole pipeline: spec in, plan and diagnostics out. */
describe('spread in placement', () => {
  const clusters: ClusterSpec[] = [
    { name: 'eu-1', region: 'europe-west1', zone: 'europe-west1-b', provider: 'gcp', labels: { geo: 'eu' }, capacity: { pods: 50 } },
    { name: 'eu-2', region: 'europe-west4', zone: 'europe-west4-a', provider: 'aws', labels: { geo: 'eu' }, capacity: { pods: 50 } },
    { name: 'na-1', region: 'us-east1', zone: 'us-east1-b', provider: 'gcp', labels: { geo: 'na' }, capacity: { pods: 80 } },
    { name: 'na-2', region: 'us-east1', zone: 'us-east1-c', provider: 'aws', labels: { geo: 'na' }, capacity: { pods: 20 } },
    { name: 'sea-1', region: 'asia-southeast1', provider: 'gcp', labels: { geo: 'sea' }, capacity: { pods: 30 } },
  ];
  const place = (rule: object, replicas = 6, cs = clusters) => placeFleet({ clusters: cs, apps: [{ name: 'app', replicas }], placement: [{ name: 'rule', apps: {}, ...rule }] });

  it('static weights honour the spread: groups first, then weights among the chosen clusters, one replica per anchor', () => {
    const weights = [
      { clusters: { matchLabels: { geo: 'na' } }, weight: 100 },
      { clusters: { matchLabels: { geo: 'eu' } }, weight: 1 },
    ];
    const result = place({ spread: [{ by: 'label:geo', minGroups: 2 }], replicas: { strategy: 'Divided', weights } }, 4);
    // Without the anchor, Webster would give eu nothing (weights 100+100 : 1+1). Ties (eu-1 and eu-2
    // at weight 1, na-1 and na-2 at 100) go to the app's tie order (tie-order.ts), which ranks eu-2
    // before eu-1 and na-2 before na-1: eu-2 and na-2 are the anchors, then na-1, then na-2 again.
    expect(replicasOf(result, 'app')).toEqual({ 'eu-2': 1, 'na-1': 1, 'na-2': 2 });
    const explained = placementOf(result, 'app');
    expect(explained.spread).toEqual([{ by: 'label:geo', minGroups: 2, groups: ['na', 'eu'], chosen: ['na', 'eu'] }]);
    expect(explained.decisions.find((d) => d.cluster === 'eu-2')!.reason).toBe('matched the affinity; holds label:geo eu for spread (at least 1 replica)');
    expect(explained.decisions.find((d) => d.cluster === 'sea-1')!.reason).toBe('matched no weight entry');
  });

  it('by region with Duplicated: every cluster of the chosen regions', () => {
    const result = place({ spread: [{ by: 'region', minGroups: 2, maxGroups: 2 }] }, 2);
    // us-east1 has the most capacity (100); europe-west1 and europe-west4 tie at 50, and the app's
    // tie order (a hash of region and app) ranks europe-west1 first.
    expect(replicasOf(result, 'app')).toEqual({ 'eu-1': 2, 'na-1': 2, 'na-2': 2 });
  });

  it('by zone leaves out a cluster without a zone, with the reason', () => {
    const result = place({ spread: [{ by: 'zone', minGroups: 2 }], replicas: { strategy: 'Divided', dynamic: 'AvailableReplicas' } }, 10);
    const explained = placementOf(result, 'app');
    expect(explained.decisions.find((d) => d.cluster === 'sea-1')).toMatchObject({ feasible: false, reason: 'had no zone, which spread needs' });
    expect(Object.keys(replicasOf(result, 'app'))).toHaveLength(2);
  });

  it('by provider picks one cluster set per provider count', () => {
    expect(Object.keys(replicasOf(place({ spread: [{ by: 'provider', maxGroups: 1 }], replicas: { strategy: 'Divided' } }, 6), 'app')).sort()).toEqual(['eu-1', 'na-1', 'sea-1']);
  });

  it("an unsatisfiable spread is an error at the rule's `spread`", () => {
    // MINIMAL_SPEC has two clusters in two regions; its rule is the last line.
    const result = compileText(`${MINIMAL_SPEC}    spread: [{ by: region, minGroups: 3 }]\n`, { renderOutput: false });
    expect(codesAt(result.diagnostics)).toEqual(['placement_spread_unsatisfiable@21:13']);
    expect(result.diagnostics[0].message).toBe('app `web` (rule `everywhere`): spread by region needs at least 3 groups, but the eligible clusters span 2 (r-a, r-b)');
    expect(result.diagnostics[0].help).toEqual(['lower `minGroups`, raise `maxGroups`, or widen the affinity so more region groups have feasible clusters']);
  });

  it('maxGroups that leave too little room is a spread error, not a capacity error', () => {
    const result = place({ spread: [{ by: 'region', maxGroups: 1 }], replicas: { strategy: 'Divided', dynamic: 'AvailableReplicas' } }, 120);
    expect(errorCodes(result)).toEqual(['placement_spread_unsatisfiable']);
  });
});

describe('PreferNoSchedule', () => {
  const clusters: ClusterSpec[] = [
    { name: 'big', region: 'r1', capacity: { pods: 100 }, taints: [{ key: 'spot', value: 'true', effect: 'PreferNoSchedule' }] },
    { name: 'small', region: 'r2', capacity: { pods: 10 } },
  ];
  const place = (rule: object, replicas: number) => placeFleet({ clusters, apps: [{ name: 'app', replicas }], placement: [{ name: 'rule', apps: {}, ...rule }] });

  it('is a preference, not a filter: Duplicated and weighted division still use the cluster', () => {
    expect(replicasOf(place({}, 2), 'app')).toEqual({ big: 2, small: 2 });
    expect(replicasOf(place({ replicas: { strategy: 'Divided', dynamic: 'AvailableReplicas' } }, 11), 'app')).toEqual({ big: 10, small: 1 });
  });

  it('ranks the cluster last for Aggregated and spread, with the score in the plan', () => {
    expect(replicasOf(place({ replicas: { strategy: 'Aggregated' } }, 5), 'app')).toEqual({ small: 5 });
    // 15 need both; the prefix (small, then big) is then divided by available replicas 10:100.
    expect(replicasOf(place({ replicas: { strategy: 'Aggregated' } }, 15), 'app')).toEqual({ big: 14, small: 1 });
    expect(replicasOf(place({ spread: [{ by: 'region', maxGroups: 1 }] }, 1), 'app')).toEqual({ small: 1 });
    const big = placementOf(place({ replicas: { strategy: 'Aggregated' } }, 5), 'app').decisions.find((d) => d.cluster === 'big')!;
    expect(big).toMatchObject({ score: -10, rank: 2, scoreNotes: ['TaintToleration -10: untolerated {spot=true:PreferNoSchedule}'] });
  });

  it('costs nothing when tolerated', () => {
    expect(replicasOf(place({ replicas: { strategy: 'Aggregated' }, tolerations: [{ key: 'spot', operator: 'Exists' }] }, 5), 'app')).toEqual({ big: 5 });
  });
});

describe('spread validation', () => {
  it("a cluster maxGroups below another constraint's minGroups can never hold: an error before placement", () => {
    const result = compileText(`${MINIMAL_SPEC}    spread: [{ by: region, minGroups: 2 }, { by: cluster, maxGroups: 1 }]\n`, { renderOutput: false });
    expect(codesAt(result.diagnostics)).toEqual(['spec_invalid_range@21:70']);
    expect(result.diagnostics[0].message).toBe('placement rule `everywhere`: spread by cluster allows at most 1 clusters, fewer than the 2 groups spread by region requires (each needs a cluster)');
  });
});
