import type { SpreadChoice } from '../../model/plan.js';
import type { SpreadConstraintSpec } from '../../model/spec.js';
import type { Candidate } from './candidate.js';
import { groupOf } from './groups.js';
import { compareByTieOrder, type TieOrder } from './tie-order.js';

export interface SpreadRequest {
  readonly constraints: readonly SpreadConstraintSpec[];
  /** The eligible clusters, best first (see `byRank`). */
  readonly ranked: readonly Candidate[];
  /**
   * Replicas the chosen clusters must hold between them, and cover every required group with (one
   * replica each); undefined when every chosen cluster runs a full copy (Duplicated).
   */
  readonly replicas?: number;
  /** The app's tie order: breaks ties between groups that rank equal (tie-order.ts). */
  readonly tieOrder: TieOrder;
}

export type SpreadResult =
  | {
      readonly ok: true;
      /** The chosen clusters, best first. */
      readonly chosen: readonly Candidate[];
      /** Clusters that hold a group a `minGroups` requires: each must get at least one replica. */
      readonly anchors: ReadonlySet<string>;
      readonly choices: readonly SpreadChoice[];
      /** Why each eligible cluster that was not chosen was left out. */
      readonly left: ReadonlyMap<string, string>;
    }
  | { readonly ok: false; readonly message: string; readonly help: readonly string[] };

/** Combinations tried per group count before moving on to the next count: bounds the search on huge fleets. */
export const SEARCH_BUDGET = 10_000;

interface Group {
  readonly name: string;
  /** Best first. */
  readonly members: readonly Candidate[];
}

/** A `by` other than `cluster`. */
interface Dimension {
  readonly constraint: SpreadConstraintSpec;
  readonly by: string;
  readonly min: number;
  readonly max: number;
}

/**
 * Spread selection: which clusters an app may use so that every constraint holds. Karmada does
 * this for region and cluster only (spreadconstraint/select_clusters_by_region.go); this does every
 * `by`, with the same shape:
 *
 * 1. Groups rank by their best cluster's score, then their total weight (static weights or
 *    available replicas), then the app's tie order (a hash of group and app), then name; clusters
 *    by score, weight, tie order, name (`byRank`).
 * 2. Coarse constraints first (fewest groups, then `by` name), each chooses the fewest groups it
 *    may: `minGroups` (or, without one, as many as `maxGroups` allows), more only when no
 *    combination of that many can meet the rest (the other constraints' `minGroups`, `by: cluster`
 *    `minGroups`, room for every replica). Among combinations of one size the first in rank order
 *    that works wins. Later constraints choose among the clusters the earlier ones kept.
 * 3. One cluster per group a `minGroups` requires (the group's best) is an anchor: it gets at
 *    least one replica, so the spread holds in replicas, not just on paper.
 * 4. Every eligible cluster in the chosen groups is used; with `by: cluster`, only the anchors and
 *    the best others up to its `minGroups` (or `maxGroups`), more only to make room for the replicas.
 */
export function selectBySpread({ constraints, ranked, replicas, tieOrder }: SpreadRequest): SpreadResult {
  const rankGroups = (clusters: readonly Candidate[], by: string) => rankGroupsOf(clusters, by, tieOrder);
  if (constraints.length === 0) return { ok: true, chosen: ranked, anchors: new Set(), choices: [], left: new Map() };

  const clusterConstraint = constraints.find((c) => c.by === 'cluster');
  const minClusters = clusterConstraint?.minGroups ?? 0;
  const maxClusters = clusterConstraint?.maxGroups ?? Infinity;
  const groupCount = (clusters: readonly Candidate[], by: string) => new Set(clusters.map((c) => groupOf(c.cluster, by))).size;
  const dims: Dimension[] = constraints
    .filter((c) => c.by !== 'cluster')
    .map((c) => ({ constraint: c, by: c.by, min: c.minGroups ?? 0, max: c.maxGroups ?? Infinity }))
    .sort((a, b) => groupCount(ranked, a.by) - groupCount(ranked, b.by) || (a.by < b.by ? -1 : 1));

  if (ranked.length < minClusters) return fail(`spread by cluster needs at least ${minClusters} clusters, but ${ranked.length} are eligible${list(ranked.map((c) => c.name))}`, 'cluster');
  if (replicas !== undefined && replicas > 0) {
    const required = Math.max(minClusters, ...dims.map((d) => d.min));
    if (required > replicas) return fail(`${replicas} replica(s) cannot cover the ${required} groups spread requires (each needs a replica)`, undefined, ['raise `replicas`, or lower `minGroups`']);
  }

  // The clusters a combination of groups leaves must still meet every other constraint's minimum.
  const holdOf = (clusters: readonly Candidate[]) => sum([...clusters.map((c) => c.cap)].sort((a, b) => b - a).slice(0, Math.min(clusters.length, maxClusters)));
  const needs = (d: Dimension) => [
    { what: 'clusters', target: minClusters, of: (cs: readonly Candidate[]) => cs.length },
    ...(replicas !== undefined ? [{ what: 'room for replicas', target: replicas, of: holdOf }] : []),
    ...dims.filter((e) => e !== d && e.min > 0).map((e) => ({ what: `${e.by} groups`, target: e.min, of: (cs: readonly Candidate[]) => groupCount(cs, e.by) })),
  ];

  let pool = ranked;
  for (const d of dims) {
    const groups = rankGroups(pool, d.by);
    if (groups.length < d.min) {
      return fail(`spread by ${d.by} needs at least ${d.min} groups, but the eligible clusters span ${groups.length}${list(groups.map((g) => g.name))}`, d.by);
    }
    const first = Math.min(d.constraint.minGroups ?? d.max, groups.length);
    const last = Math.min(d.max, groups.length);
    const pick = chooseGroups(groups, first, last, needs(d));
    if (!pick) {
      const all = groups.slice(0, last).flatMap((g) => g.members);
      const short = needs(d).find((n) => n.of(all) < n.target) ?? needs(d).find((n) => n.target > 0)!;
      return fail(`spread by ${d.by} allows at most ${last} groups, and no ${last === first ? '' : 'combination up to '}${last} of them has enough ${short.what} (${short.target} needed)`, d.by);
    }
    const kept = new Set(pick.map((g) => g.name));
    pool = pool.filter((c) => kept.has(groupOf(c.cluster, d.by)!));
  }

  // Anchors: coarse constraints first, the best cluster of each required group not yet held by one.
  const anchors = new Set<string>();
  for (const d of dims) {
    const held = new Set(pool.filter((c) => anchors.has(c.name)).map((c) => groupOf(c.cluster, d.by)));
    for (const group of rankGroups(pool, d.by)) {
      if (held.size >= d.min) break;
      if (held.has(group.name)) continue;
      anchors.add(group.members[0].name);
      held.add(group.name);
    }
  }
  if (anchors.size > maxClusters) {
    return fail(`covering ${dims.map((d) => `${d.min} ${d.by} groups`).join(' and ')} takes ${anchors.size} clusters, but spread by cluster allows at most ${maxClusters}`, 'cluster');
  }

  // The clusters: all in the chosen groups, or with `by: cluster` the anchors and the best others up to its count.
  let picked: Candidate[] = [...pool];
  if (clusterConstraint) {
    const target = Math.min(clusterConstraint.minGroups ?? maxClusters, pool.length);
    const others = pool.filter((c) => !anchors.has(c.name));
    picked = [...pool.filter((c) => anchors.has(c.name)), ...others.slice(0, Math.max(0, target - anchors.size))];
    let room = sum(picked.map((c) => c.cap));
    for (const c of others.slice(Math.max(0, target - anchors.size))) {
      if (replicas === undefined || room >= replicas || picked.length >= maxClusters) break;
      picked.push(c);
      room += c.cap;
    }
    for (const c of picked.slice(0, minClusters)) anchors.add(c.name);
  }
  if (replicas !== undefined && sum(picked.map((c) => c.cap)) < replicas) {
    return fail(`the clusters spread allows can hold ${sum(picked.map((c) => c.cap))} of ${replicas} replicas${list(picked.map((c) => c.name))}`, undefined, [
      'raise `maxGroups`, lower `replicas`, or free capacity in the chosen groups',
    ]);
  }
  if (replicas !== undefined && replicas > 0 && anchors.size > replicas) {
    return fail(`${replicas} replica(s) cannot cover the ${anchors.size} groups spread requires (each needs a replica)${list([...anchors])}`, undefined, ['raise `replicas`, or lower `minGroups`']);
  }

  const isPicked = new Set(picked.map((c) => c.name));
  const chosen = ranked.filter((c) => isPicked.has(c.name));
  const inPool = new Set(pool.map((c) => c.name));
  const usedGroups = new Map(constraints.map((s) => [s.by, new Set(chosen.map((c) => groupOf(c.cluster, s.by)))]));
  const left = new Map<string, string>();
  for (const c of ranked) {
    if (isPicked.has(c.name)) continue;
    const outside = dims.find((d) => !usedGroups.get(d.by)!.has(groupOf(c.cluster, d.by)));
    left.set(
      c.name,
      outside && !inPool.has(c.name)
        ? `was left out by spread: ${outside.by} ${groupOf(c.cluster, outside.by)} was not among the chosen groups`
        : `was left out by spread: ${picked.length} cluster(s) are enough (by cluster, ${clusterConstraint?.minGroups !== undefined ? `minGroups ${clusterConstraint.minGroups}` : `maxGroups ${maxClusters}`})`,
    );
  }
  const choices = constraints.map((constraint): SpreadChoice => {
    const bounds = { by: constraint.by, ...(constraint.minGroups !== undefined ? { minGroups: constraint.minGroups } : {}), ...(constraint.maxGroups !== undefined ? { maxGroups: constraint.maxGroups } : {}) };
    const groups = rankGroups(ranked, constraint.by).map((g) => g.name);
    const used = usedGroups.get(constraint.by)!;
    return { ...bounds, groups, chosen: groups.filter((g) => used.has(g)) };
  });
  return { ok: true, chosen, anchors, choices, left };
}

/** Groups of `by`, best first: their best cluster's score, then their total weight, then the tie order, then name. */
function rankGroupsOf(ranked: readonly Candidate[], by: string, tieOrder: TieOrder): Group[] {
  const members = new Map<string, Candidate[]>();
  for (const c of ranked) {
    const group = groupOf(c.cluster, by)!;
    const list = members.get(group);
    if (list) list.push(c);
    else members.set(group, [c]);
  }
  const groups = [...members].map(([name, list]) => ({ name, members: list, score: list[0].score, weight: sum(list.map((c) => c.weight)) }));
  groups.sort((a, b) => b.score - a.score || b.weight - a.weight || compareByTieOrder(tieOrder, a.name, b.name));
  return groups;
}

interface Need {
  readonly target: number;
  /** Exact for the clusters given; summed over groups it is an upper bound, which is what pruning needs. */
  readonly of: (clusters: readonly Candidate[]) => number;
}

/**
 * The first combination (in rank order) of the fewest groups, from `first` to `last` of them, whose
 * clusters meet every need. Depth-first, pruned by an optimistic bound (the best remaining groups'
 * values added up), at most SEARCH_BUDGET combinations per size.
 */
function chooseGroups(groups: readonly Group[], first: number, last: number, needs: readonly Need[]): Group[] | undefined {
  // Each group's value is capped at the target: the bound stays optimistic and never adds up infinities.
  const values = groups.map((g) => needs.map((n) => Math.min(n.of(g.members), n.target)));
  const meets = (picked: readonly Group[]) => needs.every((n) => n.of(picked.flatMap((g) => g.members)) >= n.target);
  for (let size = Math.max(first, 0); size <= last; size++) {
    let budget = SEARCH_BUDGET;
    const picked: Group[] = [];
    const totals = needs.map(() => 0);
    const search = (start: number): boolean => {
      if (picked.length === size) return meets(picked);
      if (--budget < 0) return false;
      const slots = size - picked.length;
      for (let i = start; i <= groups.length - slots; i++) {
        const hopeful = needs.every((n, k) => totals[k] + values[i][k] + bestOf(values, i + 1, slots - 1, k) >= n.target);
        if (!hopeful) continue;
        picked.push(groups[i]);
        values[i].forEach((v, k) => (totals[k] += v));
        if (search(i + 1)) return true;
        picked.pop();
        values[i].forEach((v, k) => (totals[k] -= v));
        if (budget < 0) return false;
      }
      return false;
    };
    if (search(0)) return picked;
  }
  return undefined;
}

/** The sum of the `count` largest values of need `k` among groups from `start` on. */
function bestOf(values: readonly (readonly number[])[], start: number, count: number, k: number): number {
  if (count <= 0) return 0;
  return sum(
    values
      .slice(start)
      .map((v) => v[k])
      .sort((a, b) => b - a)
      .slice(0, count),
  );
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function list(names: readonly string[]): string {
  return names.length ? ` (${names.join(', ')})` : '';
}

function fail(message: string, by: string | undefined, help?: readonly string[]): SpreadResult {
  return {
    ok: false,
    message,
    help: help ?? [
      by === 'cluster'
        ? "lower `minGroups`, raise `maxGroups`, or widen the rule's cluster affinity"
        : `lower \`minGroups\`, raise \`maxGroups\`, or widen the affinity so more ${by ?? 'groups'} groups have feasible clusters`,
    ],
  };
}
