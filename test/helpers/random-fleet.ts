import fc from 'fast-check';
import type { ClusterAffinitySpec, ClusterSpec, PlacementRuleSpec, SpreadConstraintSpec, Taint, Toleration } from '../../src/model/spec.js';
import type { FleetParts } from './fleet-builder.js';

/**
 * Random but valid fleets for property tests: a handful of clusters over three regions, zones,
 * providers, taints of every effect and optional capacity; a few apps; rules of every strategy with
 * weights, min/max, spread, tolerations and fallback. The last rule selects every app, so each app
 * is governed by some rule.
 */
export const TAINTS: readonly Taint[] = [
  { key: 'k1', effect: 'NoSchedule' },
  { key: 'k2', effect: 'PreferNoSchedule' },
  { key: 'k3', value: 'x', effect: 'NoExecute' },
];

const clusterArb = (i: number): fc.Arbitrary<ClusterSpec> =>
  fc
    .record({
      region: fc.constantFrom('r1', 'r2', 'r3'),
      zone: fc.option(fc.constantFrom('z1', 'z2', 'z3', 'z4'), { nil: undefined }),
      provider: fc.option(fc.constantFrom('gcp', 'aws'), { nil: undefined }),
      env: fc.constantFrom('prod', 'dev'),
      taints: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 2, arbitrary: fc.subarray([...TAINTS], { maxLength: 2 }) }),
      pods: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined, freq: 8 }),
      cpu: fc.option(fc.constantFrom('2', '8'), { nil: undefined }),
    })
    .map((c) => ({
      name: `c-${i}`,
      region: c.region,
      ...(c.zone ? { zone: c.zone } : {}),
      ...(c.provider ? { provider: c.provider } : {}),
      labels: { env: c.env },
      ...(c.taints.length ? { taints: [...c.taints] } : {}),
      ...(c.pods !== undefined || c.cpu !== undefined ? { capacity: { ...(c.pods !== undefined ? { pods: c.pods } : {}), ...(c.cpu ? { cpu: c.cpu } : {}) } } : {}),
    }));

const affinityArb = (names: readonly string[]): fc.Arbitrary<ClusterAffinitySpec> =>
  fc.oneof(
    fc.constant({}),
    fc.constant({ matchLabels: { env: 'prod' } }),
    fc.subarray([...names], { minLength: 1 }).map((n) => ({ names: n })),
    fc.constantFrom(...names).map((n) => ({ exclude: [n] })),
  );

const spreadArb: fc.Arbitrary<SpreadConstraintSpec[]> = fc.subarray(['cluster', 'region', 'zone', 'provider', 'label:env'], { maxLength: 2 }).chain((bys) =>
  fc.tuple(
    ...bys.map((by) =>
      fc.record({ min: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }), extra: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }) }).map(({ min, extra }) => ({
        by,
        ...(min !== undefined ? { minGroups: min } : {}),
        ...(extra !== undefined ? { maxGroups: (min ?? 1) + extra } : {}),
      })),
    ),
  ),
);

const tolerationsArb: fc.Arbitrary<Toleration[] | undefined> = fc.option(
  fc.constantFrom<Toleration[]>([{ key: 'k1', operator: 'Exists' }], [{ key: 'k2', operator: 'Exists' }], [{ key: 'k3', operator: 'Equal', value: 'x' }], [{ operator: 'Exists' }]),
  { nil: undefined },
);

/** Divided (static, equal or dynamic weights) and Aggregated, with optional min/max. */
const dividedArb = (names: readonly string[]): fc.Arbitrary<PlacementRuleSpec['replicas']> =>
  fc
    .record({
      kind: fc.constantFrom('static', 'equal', 'dynamic', 'aggregated'),
      prodWeight: fc.integer({ min: 0, max: 4 }),
      nameWeight: fc.integer({ min: 1, max: 5 }),
      named: fc.constantFrom(...names),
      min: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
      extra: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
    })
    .map((r) => {
      const bounds = { ...(r.min !== undefined ? { min: r.min } : {}), ...(r.extra !== undefined ? { max: (r.min ?? 0) + r.extra } : {}) };
      if (r.kind === 'aggregated') return { strategy: 'Aggregated' as const, ...bounds };
      if (r.kind === 'dynamic') return { strategy: 'Divided' as const, dynamic: 'AvailableReplicas' as const, ...bounds };
      if (r.kind === 'equal') return { strategy: 'Divided' as const, ...bounds };
      const weights = [
        { clusters: { matchLabels: { env: 'prod' } }, weight: r.prodWeight },
        { clusters: { names: [r.named] }, weight: r.nameWeight },
      ];
      return { strategy: 'Divided' as const, weights, ...bounds };
    });

const replicasArb = (names: readonly string[]): fc.Arbitrary<PlacementRuleSpec['replicas']> =>
  fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant({ strategy: 'Duplicated' as const }) }, { weight: 5, arbitrary: dividedArb(names) });

const ruleArb = (i: number, last: boolean, names: readonly string[]): fc.Arbitrary<PlacementRuleSpec> =>
  fc
    .record({
      tier: fc.constantFrom('a', 'b'),
      priority: fc.integer({ min: 0, max: 2 }),
      clusters: affinityArb(names),
      fallback: fc.option(affinityArb(names), { nil: undefined }),
      tolerations: tolerationsArb,
      spread: fc.option(spreadArb, { nil: undefined }),
      replicas: replicasArb(names),
    })
    .map((r) => ({
      name: `rule-${i}`,
      apps: last ? {} : { matchLabels: { tier: r.tier } },
      priority: r.priority,
      clusters: r.clusters,
      ...(r.fallback ? { fallback: [{ clusters: r.fallback }] } : {}),
      ...(r.tolerations ? { tolerations: r.tolerations } : {}),
      ...(r.spread?.length ? { spread: r.spread } : {}),
      ...(r.replicas ? { replicas: r.replicas } : {}),
    }));

export const fleetArb: fc.Arbitrary<FleetParts> = fc.integer({ min: 1, max: 6 }).chain((clusterCount) => {
  const names = Array.from({ length: clusterCount }, (_, i) => `c-${i}`);
  return fc
    .record({
      clusters: fc.tuple(...names.map((_, i) => clusterArb(i))),
      apps: fc.array(
        fc.record({
          replicas: fc.integer({ min: 0, max: 20 }),
          tier: fc.constantFrom('a', 'b'),
          cpu: fc.option(fc.constantFrom('500m', '1'), { nil: undefined }),
          stateful: fc.boolean(),
        }),
        { minLength: 1, maxLength: 4 },
      ),
      rules: fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => ruleArb(i, i === n - 1, names)))),
    })
    .map(({ clusters, apps, rules }) => ({
      clusters,
      apps: apps.map((a, i) => ({
        name: `app-${i}`,
        replicas: a.replicas,
        labels: { tier: a.tier },
        ...(a.cpu ? { resources: { requests: { cpu: a.cpu } } } : {}),
        ...(a.stateful ? { stateful: true } : {}),
      })),
      placement: rules,
    }));
});

/** A deterministic shuffle (for order-independence properties), driven by `seed`. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
