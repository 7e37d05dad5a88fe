import { describe, expect, it } from 'vitest';
import type { ClusterSpec, WeightSpec } from '../../../src/model/spec.js';
import { formatExplanation } from '../../../src/report/explain.js';
import { errorCodes, placeFleet, placementOf, replicasOf } from '../../helpers/fleet-builder.js';
import { codesAt, compileText } from '../../helpers/spec.js';

/**
 * Per-cluster floors and caps on weight entries (`weights: [{ clusters, weight, min, max }]`), the
 * parity with KubeFed's ReplicaSchedulingPreference (`clusters: { <name>: { minReplicas,
 * maxReplicas, weight } }`). KubeFed's numbers come from its planner (kubefed
 * pkg/controller/util/planner/planner.go, `Plan`), from its tests (planner_test.go) and its user
 * guide (docs/userguide.md, "Distribute replicas in weighted proportions, also enforcing replica
 * limits per cluster"). KubeFed's clusters A, B, C… are a, b, c… here (cluster names are DNS labels).
 */
const named = (names: string[]): ClusterSpec[] => names.map((name) => ({ name }));
const entry = (name: string, weight: number, bounds: { min?: number; max?: number } = {}): WeightSpec => ({ clusters: { names: [name] }, weight, ...bounds });
const divide = (weights: WeightSpec[], replicas: number, clusters: string[]) =>
  placeFleet({ clusters: named(clusters), apps: [{ name: 'app', replicas }], placement: [{ name: 'rule', apps: {}, replicas: { strategy: 'Divided', weights } }] });

describe('the ReplicaSchedulingPreference example: cluster1 {min 4, max 6, weight 1}, cluster2 {min 4, max 8, weight 2}', () => {
  const rsp = [entry('cluster1', 1, { min: 4, max: 6 }), entry('cluster2', 2, { min: 4, max: 8 })];
  const place = (replicas: number) => divide(rsp, replicas, ['cluster1', 'cluster2', 'cluster3']);

  /**
   * KubeFed's Plan() for each total: the user guide gives 9 ("A gets 4 and B get 5 as weighted
   * distribution is capped by cluster A minReplicas=4"); the others are Plan() traced step by step
   * (floors in weight order, then `ceil(remaining · weight / Σweight)` per cluster, heavier first,
   * until the caps; the same trace reproduces planner_test.go's rows below). cluster3 has no entry,
   * so it gets nothing in both.
   */
  it.each([
    { replicas: 9, kubefed: { cluster1: 4, cluster2: 5 } },
    { replicas: 10, kubefed: { cluster1: 4, cluster2: 6 } },
    { replicas: 13, kubefed: { cluster1: 5, cluster2: 8 } },
    { replicas: 14, kubefed: { cluster1: 6, cluster2: 8 } },
  ])('$replicas replicas: as KubeFed, $kubefed', ({ replicas, kubefed }) => {
    expect(replicasOf(place(replicas), 'app')).toEqual(kubefed);
  });

  /**
   * Where fleet departs on purpose. KubeFed reserves every floor first and divides only what is left
   * by weight, rounding up for the heavier cluster: 11 gives 4+1 : 4+2 = 5:6 and 12 gives 4+1 : 4+3
   * = 5:7. Fleet's floors bound the weighted share instead (bounded Webster, docs/placement.md), so
   * when the 1:2 shares already meet every bound they are kept: 12 splits exactly 4:8.
   */
  it.each([
    { replicas: 11, kubefed: { cluster1: 5, cluster2: 6 }, fleet: { cluster1: 4, cluster2: 7 } },
    { replicas: 12, kubefed: { cluster1: 5, cluster2: 7 }, fleet: { cluster1: 4, cluster2: 8 } },
  ])('$replicas replicas: the weights decide above the floors ($fleet; KubeFed: $kubefed)', ({ replicas, kubefed, fleet }) => {
    expect(replicasOf(place(replicas), 'app')).toEqual(fleet);
    expect(fleet).not.toEqual(kubefed);
  });

  it('15 replicas do not fit under the caps (6 + 8): an error, where KubeFed silently runs 14', () => {
    const result = place(15);
    expect(errorCodes(result)).toEqual(['placement_unsatisfiable']);
    expect(result.diagnostics[0].message).toBe('app `app` (rule `rule`) needs 15 replicas but its clusters have room for 14');
  });

  it('7 replicas do not meet the floors (4 + 4): an error naming each floor, where KubeFed gives cluster1 only 3', () => {
    const result = place(7);
    expect(errorCodes(result)).toEqual(['placement_unsatisfiable']);
    expect(result.diagnostics[0].message).toBe('app `app` has 7 replica(s), fewer than its floors need: 8 over 2 cluster(s): cluster1 4 (min 4, weights[0]), cluster2 4 (min 4, weights[1])');
  });

  it('fleet explain says which bound applied, and where it was set', () => {
    const result = place(13);
    const text = formatExplanation(result.fleet!.apps[0], placementOf(result, 'app'));
    expect(text).toContain('  strategy: Divided by static weights, 13 replica(s) in total; per cluster weights[0] min 4, max 6; weights[1] min 4, max 8\n');
    expect(text).toMatch(/cluster1\s+5\s+1\s+chosen: matched the affinity\n/);
    expect(text).toMatch(/cluster2\s+8\s+2\s+chosen: matched the affinity; at its max 8 \(weights\[1\]\)\n/);
    expect(text).toMatch(/cluster3\s+-\s+0\s+feasible, idle: matched no weight entry\n/);
    expect(text).toContain('  floors first: cluster1 4 (min 4, weights[0]), cluster2 4 (min 4, weights[1])\n');
    expect(text).toContain('  cluster2: weight 2/3, exact share 8.667, gets 8 (capped at max 8, weights[1])\n');
    const nine = place(9);
    expect(placementOf(nine, 'app').decisions.find((d) => d.cluster === 'cluster1')!.bound).toBe('at its min 4 (weights[0])');
  });
});

/** planner_test.go rows that per-entry bounds express; `"*"` is `{ clusters: {} }`. */
describe('KubeFed planner_test.go', () => {
  it.each([
    { name: 'TestWeight: A 1, B 2 over A, B, C', weights: [entry('a', 1), entry('b', 2)], replicas: 60, clusters: ['a', 'b', 'c'], want: { a: 20, b: 40 } },
    { name: 'TestWeight: A 10000, B 1', weights: [entry('a', 10000), entry('b', 1)], replicas: 50, clusters: ['a', 'b', 'c'], want: { a: 50 } },
    { name: 'TestWeight: A 10000 max 10, B 1, C 1', weights: [entry('a', 10000, { max: 10 }), entry('b', 1), entry('c', 1)], replicas: 50, clusters: ['a', 'b', 'c'], want: { a: 10, b: 20, c: 20 } },
    { name: 'TestWeight: A 10000 max 10, B 1, C 1 max 10', weights: [entry('a', 10000, { max: 10 }), entry('b', 1), entry('c', 1, { max: 10 })], replicas: 50, clusters: ['a', 'b', 'c'], want: { a: 10, b: 30, c: 10 } },
    {
      name: 'TestWeight: A 10000 max 10, B 1, C 1 max 21, D 1 max 10',
      weights: [entry('a', 10000, { max: 10 }), entry('b', 1), entry('c', 1, { max: 21 }), entry('d', 1, { max: 10 })],
      replicas: 71,
      clusters: ['a', 'b', 'c', 'd'],
      want: { a: 10, b: 30, c: 21, d: 10 },
    },
    {
      name: 'TestWeight: … and E 1',
      weights: [entry('a', 10000, { max: 10 }), entry('b', 1), entry('c', 1, { max: 21 }), entry('d', 1, { max: 10 }), entry('e', 1)],
      replicas: 91,
      clusters: ['a', 'b', 'c', 'd', 'e'],
      want: { a: 10, b: 25, c: 21, d: 10, e: 25 },
    },
    // The user guide's "not more than 20 in C" with B offline: "Replica layout: A=30 B=0 C=20".
    { name: 'userguide: "*" weight 1, C weight 1 max 20, B offline', weights: [{ clusters: {}, weight: 1 }, entry('c', 1, { max: 20 })], replicas: 50, clusters: ['a', 'c'], want: { a: 30, c: 20 } },
  ])('$name', ({ weights, replicas, clusters, want }) => {
    expect(replicasOf(divide(weights, replicas, clusters), 'app')).toEqual(want);
  });

  it('TestMin/TestMax rows that cannot place every replica are errors: KubeFed places fewer without a word', () => {
    // TestMin: "*" {min 10, weight 1, max 12}, 50 over A, B, C → KubeFed 12, 12, 12 (36 of 50).
    expect(errorCodes(divide([{ clusters: {}, weight: 1, min: 10, max: 12 }], 50, ['a', 'b', 'c']))).toEqual(['placement_unsatisfiable']);
    // TestMax: "*" {weight 1, max 2}, 50 over A, B, C → KubeFed 2, 2, 2.
    expect(errorCodes(divide([{ clusters: {}, weight: 1, max: 2 }], 50, ['a', 'b', 'c']))).toEqual(['placement_unsatisfiable']);
  });
});

describe('how entry bounds combine', () => {
  it("an entry's own bound replaces the rule's; the rule's applies where the entry sets none", () => {
    const result = placeFleet({
      clusters: named(['a', 'b', 'c']),
      apps: [{ name: 'app', replicas: 12 }],
      placement: [{ name: 'rule', apps: {}, replicas: { strategy: 'Divided', max: 3, weights: [entry('a', 10, { max: 6 }), entry('b', 1), entry('c', 1, { min: 3 })] } }],
    });
    // a is capped by its own max 6, not the rule's 3; b by the rule's max 3; c's own min 3 (and the rule's max 3).
    expect(replicasOf(result, 'app')).toEqual({ a: 6, b: 3, c: 3 });
  });

  it('of two matching entries of equal weight, the later one sets the bounds (a narrow entry after a catch-all)', () => {
    const weights = [{ clusters: {}, weight: 1 }, entry('b', 1, { max: 1 })];
    expect(replicasOf(divide(weights, 6, ['a', 'b']), 'app')).toEqual({ a: 5, b: 1 });
  });

  it('an entry with max 0 keeps its clusters idle, with the reason', () => {
    const result = divide([{ clusters: {}, weight: 1 }, entry('b', 1, { max: 0 })], 4, ['a', 'b']);
    expect(replicasOf(result, 'app')).toEqual({ a: 4 });
    expect(placementOf(result, 'app').decisions.find((d) => d.cluster === 'b')!.reason).toBe('had max 0 (weights[1])');
  });
});

describe('validation', () => {
  const spec = (replicas: string) => `apiVersion: fleet/v1alpha1
kind: Fleet
metadata: { name: test }
clusters:
  - { name: a }
apps:
  - { name: web, image: example.com/web:1.0.0, replicas: 4 }
placement:
  - name: rule
    apps: {}
    replicas:
${replicas}`;

  it('an entry whose floor is above its cap is an error at the bound it sets', () => {
    const result = compileText(
      spec(`      strategy: Divided
      weights:
        - { clusters: {}, weight: 1, min: 5, max: 2 }
`),
    );
    expect(codesAt(result.diagnostics)).toEqual(['spec_invalid_range@14:43']);
    expect(result.diagnostics[0].message).toBe('placement rule `rule`: weights[0] has a floor above its cap: its `min` (5) is greater than its `max` (2)');
  });

  it("an entry's min above the rule's max is an error too (the pair that applies to its clusters)", () => {
    const result = compileText(
      spec(`      strategy: Divided
      max: 3
      weights:
        - { clusters: {}, weight: 1, min: 5 }
`),
    );
    expect(codesAt(result.diagnostics)).toEqual(['spec_invalid_range@15:43']);
    expect(result.diagnostics[0].help).toEqual(['give weights[0] its own `max` (at least 5), or lower its `min`']);
  });

  it('the schema knows the fields: a typo is caught', () => {
    const result = compileText(
      spec(`      strategy: Divided
      weights:
        - { clusters: {}, weight: 1, mni: 1 }
`),
    );
    expect(result.diagnostics.map((d) => d.code)).toEqual(['schema_unknown_field']);
  });
});
