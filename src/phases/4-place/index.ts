import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import type { App, Cluster, ResolvedFleet } from '../../model/fleet.js';
import { naturalCompare } from '../../model/natural-order.js';
import type { AppPlacement, ClusterDecision, PlacementPlan, PreviousPlacement, SteadyState } from '../../model/plan.js';
import type { ClusterAffinitySpec, PlacementRuleSpec, TrafficRuleSpec } from '../../model/spec.js';
import type { SourceMap } from '../1-load/index.js';
import { assignmentStrategyOf, byRank, candidatesFor, type Candidate } from './candidate.js';
import { countReasons, fitSummary } from './diagnosis.js';
import { divide, type ReplicaDivision } from './divide/index.js';
import type { PlacementInput } from './framework.js';
import { FILTERS } from './registry.js';
import { groupOf } from './groups.js';
import { selectBySpread, type SpreadResult } from './spread.js';
import { tieOrderOf } from './tie-order.js';
import { formatMoves, statefulMoves } from './stateful.js';
import { decideWorkloads, type Decided } from './workloads.js';
import type { ErrorCode } from '../../diagnostics/catalog.js';

export { fitSummary } from './diagnosis.js';
export { apportion } from './divide/webster.js';

/**
 * Phase 4, Karmada's Schedule() made pure: for each app, filter -> score -> select (spread) ->
 * divide, then the stateful check. Every decision carries its reason (docs/placement.md).
 * Same input, same output; `previous` (the lock's placement) only makes later runs stable.
 */
export function place(fleet: ResolvedFleet, sourceMap: SourceMap, diagnostics: DiagnosticBag, previous: PreviousPlacement): PlacementPlan {
  const clusterNames = new Set(fleet.clusters.map((c) => c.name));
  const context: Context = { sourceMap, diagnostics, inFleet: (name) => clusterNames.has(name), filterings: new Map() };
  const clusters = new Map(fleet.clusters.map((c) => [c.name, c]));
  const rulesTo = new Map<string, TrafficRuleSpec[]>();
  for (const rule of fleet.traffic) rulesTo.set(rule.to, [...(rulesTo.get(rule.to) ?? []), rule]);
  const apps: AppPlacement[] = [];
  for (const app of fleet.apps) {
    const placement = placeApp(app, fleet.clusters, context, previous.get(app.id));
    if (placement) apps.push(withWorkloads(placement, decideWorkloads(app, placement.clusters, clusters, fleet.overrides, rulesTo.get(app.name) ?? [], weightsOf(placement))));
  }
  return { apps };
}

/**
 * The placement with what runs where, decided: replicas per cluster as rendered (an override's
 * `replicas` replaces the division's), and the division kept beside them where they differ.
 */
function withWorkloads(placement: Omit<AppPlacement, 'workloads'>, { workloads, replicasFrom }: Decided): AppPlacement {
  const divided = placement.clusters;
  const clusters = Object.fromEntries([...workloads].filter(([, w]) => w.replicas > 0).map(([name, w]) => [name, w.replicas]));
  const changed = [...workloads].some(([name, w]) => w.replicas !== divided[name]);
  const decisions = placement.decisions.map((d): ClusterDecision => {
    const from = replicasFrom.get(d.cluster);
    return from === undefined ? d : { ...d, replicas: workloads.get(d.cluster)!.replicas, divided: d.replicas, replicasFrom: from };
  });
  return { ...placement, clusters, ...(changed ? { divided } : {}), workloads: Object.fromEntries(workloads), decisions };
}

/** Placement's division weight of each cluster (absent when Duplicated): autoscaler bounds are divided by them too. */
function weightsOf(placement: Omit<AppPlacement, 'workloads'>): Map<string, number | undefined> {
  return new Map(placement.decisions.map((d) => [d.cluster, d.weight]));
}

interface Context {
  readonly sourceMap: SourceMap;
  readonly diagnostics: DiagnosticBag;
  readonly inFleet: (cluster: string) => boolean;
  /** The filter stage's outcome per rule and affinity: the filters look at nothing else, and apps share rules. */
  readonly filterings: Map<PlacementRuleSpec, Map<ClusterAffinitySpec, Filtering>>;
}

function placeApp(app: App, clusters: readonly Cluster[], context: Context, previous: Readonly<Record<string, number>> | undefined): Omit<AppPlacement, 'workloads'> | undefined {
  const { sourceMap, diagnostics } = context;
  const rule = app.placementRule;
  const where = `app \`${app.name}\` (rule \`${rule.name}\`)`;
  const fail = (code: ErrorCode, message: string, field: string, help: readonly string[]) => void diagnostics.error(code, message, sourceMap.valueSpan(rule, field), [...help]);

  // Filter, trying the fallback affinities in order.
  const filtered = filterByAffinity(app, clusters, previous ?? {}, context.filterings);
  if (!filtered.decisions.some((d) => d.feasible)) {
    const fallback = (rule.fallback ?? []).length ? '; no fallback group had a feasible cluster either' : '';
    return fail('placement_no_feasible_cluster', `${where} cannot be placed: ${filtered.primarySummary}${fallback}`, rule.clusters ? 'clusters' : 'name', [
      'widen the cluster affinity, add a toleration, or add a `fallback` group',
    ]);
  }

  // Score: weight, room and points for every feasible cluster; rank those that can take a replica.
  const strategy = assignmentStrategyOf(app);
  const candidates = candidatesFor(
    filtered.input,
    clusters.filter((_, i) => filtered.decisions[i].feasible),
  );
  const eligible = candidates.filter((c) => c.idle === undefined).sort(byRank);
  if (eligible.length === 0) {
    return fail('placement_unsatisfiable', `${where} cannot be placed: no feasible cluster can take a replica: ${countReasons(candidates.map((c) => c.idle!))}`, 'replicas', [
      'give the feasible clusters a weight, or capacity for what the app requests',
    ]);
  }
  const needsRoom = strategy !== 'Duplicated';
  const room = eligible.reduce((sum, c) => sum + c.cap, 0);
  if (needsRoom && room < app.replicas) {
    return fail('placement_unsatisfiable', `${where} needs ${app.replicas} replicas but its clusters have room for ${room}`, 'replicas', [
      "lower `replicas`, raise `max`, free capacity, or widen the rule's cluster affinity",
    ]);
  }

  // Select: the groups and clusters the spread constraints allow.
  const spread = selectBySpread({ constraints: rule.spread ?? [], ranked: eligible, replicas: needsRoom ? app.replicas : undefined, tieOrder: tieOrderOf(app.id) });
  if (!spread.ok) return fail('placement_spread_unsatisfiable', `${where}: ${spread.message}`, 'spread', spread.help);

  // Divide; capacity-based division continues from the previous placement (Steady mode), static
  // weights only break exact ties towards it.
  const steady = strategy === 'DynamicWeight' || strategy === 'Aggregated';
  const division = divide({ app, strategy, chosen: spread.chosen, anchors: spread.anchors, previous });
  if (division.error) return fail('placement_unsatisfiable', division.error.message, 'replicas', division.error.help);
  const placed = Object.fromEntries([...division.replicas].filter(([, n]) => n > 0).sort(([a], [b]) => (a < b ? -1 : 1)));

  checkStateful(app, previous, placed, context);

  const decisions = recordDecisions(filtered, candidates, eligible, spread, division, strategy === 'Duplicated', previous);
  return {
    namespace: app.namespace,
    name: app.name,
    clusters: placed,
    rule: rule.name,
    strategy: rule.replicas?.strategy ?? 'Duplicated',
    replicas: app.replicas,
    affinity: filtered.label,
    ...(filtered.passedOver.length ? { passedOver: filtered.passedOver } : {}),
    filter: filtered.summary,
    spread: spread.choices,
    ...(steady ? { steady: steadyState(division.steady, previous, placed, spread.chosen, decisions) } : {}),
    decisions,
    apportionment: division.steps,
  };
}

interface Filtered extends Filtering {
  /** `primary` or `fallback[i]`: the affinity used. */
  readonly label: string;
  readonly input: PlacementInput;
  /** The affinities tried before, with why each left no feasible cluster. */
  readonly passedOver: readonly string[];
  readonly primarySummary: string;
}

/** The filter stage for one affinity: a decision per cluster of the fleet, in its order, and their summary. */
interface Filtering {
  readonly decisions: readonly ClusterDecision[];
  /** fitSummary of the decisions. */
  readonly summary: string;
}

/** The filter stage over the rule's affinity, then each `fallback` group in turn while none leaves a feasible cluster. */
function filterByAffinity(app: App, clusters: readonly Cluster[], previous: Readonly<Record<string, number>>, filterings: Context['filterings']): Filtered {
  const rule = app.placementRule;
  const affinities: { label: string; affinity: ClusterAffinitySpec }[] = [
    { label: 'primary', affinity: rule.clusters ?? NO_AFFINITY },
    ...(rule.fallback ?? []).map((group, i) => ({ label: `fallback[${i}]`, affinity: group.clusters })),
  ];
  const byAffinity = filterings.get(rule) ?? filterings.set(rule, new Map()).get(rule)!;
  const filterWith = ({ label, affinity }: (typeof affinities)[number]) => {
    const input: PlacementInput = { app, affinity, previous };
    let filtering = byAffinity.get(affinity);
    if (!filtering) {
      const decisions = clusters.map((cluster): ClusterDecision => {
        for (const plugin of FILTERS) {
          const verdict = plugin.filter({ rule, affinity }, cluster);
          if (!verdict.fit) return { cluster: cluster.name, replicas: 0, feasible: false, reason: verdict.reason };
        }
        return { cluster: cluster.name, replicas: 0, feasible: true, reason: '' };
      });
      byAffinity.set(affinity, (filtering = { decisions, summary: fitSummary(decisions) }));
    }
    return { label, input, ...filtering };
  };
  let current = filterWith(affinities[0]);
  const primarySummary = current.summary;
  const passedOver: string[] = [];
  for (const next of affinities.slice(1)) {
    if (current.decisions.some((d) => d.feasible)) break;
    passedOver.push(`${current.label}: ${current.summary}`);
    current = filterWith(next);
  }
  return { ...current, passedOver, primarySummary };
}

const NO_AFFINITY: ClusterAffinitySpec = Object.freeze({});

/** A stateful app stays where it runs unless `allowMoveFrom` says otherwise (docs/placement.md §7). */
function checkStateful(app: App, previous: Readonly<Record<string, number>> | undefined, placed: Readonly<Record<string, number>>, { sourceMap, diagnostics, inFleet }: Context): void {
  const moves = statefulMoves(app, previous, placed, inFleet);
  if (moves.forbidden.length) {
    const names = moves.forbidden.map((m) => m.cluster).join(', ');
    diagnostics.error(
      'placement_stateful_move',
      `stateful app \`${app.name}\` would be moved off ${formatMoves(moves.forbidden)}; fleet does not move a stateful app without your say-so`,
      sourceMap.valueSpan(app.spec, 'name'),
      [
        `if the move is intended, add \`allowMoveFrom: [${names}]\` to the app for this change (and remove it once it is committed)`,
        `otherwise keep ${names} feasible for the app: its affinity, taints, capacity and spread (see \`fleet explain ${app.name}\`)`,
      ],
    );
  }
  if (moves.gone.length) {
    diagnostics.warning(
      'placement_stateful_cluster_removed',
      `stateful app \`${app.name}\` ran on ${formatMoves(moves.gone)}, which is no longer in the fleet; its replicas there are gone with it`,
      sourceMap.valueSpan(app.spec, 'name'),
      ['make sure the data was migrated before removing the cluster'],
    );
  }
}

/** Every cluster's outcome with its reason and the facts behind it, for `fleet explain` and the JSON plan. */
function recordDecisions(
  filtered: Filtered,
  candidates: readonly Candidate[],
  eligible: readonly Candidate[],
  spread: Extract<SpreadResult, { ok: true }>,
  division: ReplicaDivision,
  duplicated: boolean,
  previous: Readonly<Record<string, number>> | undefined,
): ClusterDecision[] {
  const candidateOf = new Map(candidates.map((c) => [c.name, c]));
  const rankOf = new Map(eligible.map((c, i) => [c.name, i + 1]));
  const constraints = filtered.input.app.placementRule.spread ?? [];
  return filtered.decisions.map((d): ClusterDecision => {
    const previousHere = previous?.[d.cluster] || undefined;
    if (!d.feasible) return previousHere ? { ...d, previous: previousHere } : d;
    const c = candidateOf.get(d.cluster)!;
    const replicas = division.replicas.get(c.name) ?? 0;
    const chosen = () => chosenReason(filtered.label, c, spread.anchors.has(c.name), constraints);
    // Absent facts stay undefined, which JSON leaves out.
    return {
      cluster: c.name,
      replicas,
      feasible: true,
      reason: c.idle ?? spread.left.get(c.name) ?? division.idle.get(c.name) ?? (replicas > 0 ? chosen() : 'got no replica in the apportionment'),
      weight: duplicated ? undefined : c.weight,
      available: c.available,
      previous: previousHere,
      rank: rankOf.get(c.name),
      score: c.score,
      scoreNotes: c.scoreNotes.length ? c.scoreNotes : undefined,
      bound: duplicated || replicas === 0 ? undefined : boundReached(c, replicas),
    };
  });
}

/** Which `min` or `max` the cluster's count sits at, and where it was set; undefined when neither. */
function boundReached({ bounds }: Candidate, replicas: number): string | undefined {
  const where = (from: string | undefined) => (from === 'rule' ? 'the rule' : from);
  if (bounds.maxFrom !== undefined && replicas === bounds.max) return `at its max ${bounds.max} (${where(bounds.maxFrom)})`;
  if (bounds.minFrom !== undefined && replicas === bounds.min) return `at its min ${bounds.min} (${where(bounds.minFrom)})`;
  return undefined;
}

function chosenReason(affinity: string, c: Candidate, anchor: boolean, spread: readonly { by: string }[]): string {
  const matched = `matched ${affinity === 'primary' ? 'the affinity' : affinity}`;
  if (!anchor) return matched;
  const groups = spread
    .filter((s) => s.by !== 'cluster')
    .map((s) => `${s.by} ${groupOf(c.cluster, s.by)}`)
    .sort();
  return `${matched}; ${groups.length ? `holds ${groups.join(', ')} for spread` : 'is one of the clusters spread by cluster requires'} (at least 1 replica)`;
}

/** What Steady mode did with the previous placement: what stayed, and what was released (with why). */
function steadyState(
  mode: SteadyState['mode'] | undefined,
  previous: Readonly<Record<string, number>> | undefined,
  placed: Readonly<Record<string, number>>,
  chosen: readonly Candidate[],
  decisions: readonly ClusterDecision[],
): SteadyState {
  const before = previous ?? {};
  const isChosen = new Set(chosen.map((c) => c.name));
  const released = Object.entries(before)
    .filter(([cluster, n]) => n > 0 && !isChosen.has(cluster))
    .sort(([a], [b]) => naturalCompare(a, b))
    .map(([cluster, replicas]) => ({ cluster, replicas, reason: decisions.find((d) => d.cluster === cluster)?.reason ?? 'is no longer in the fleet' }));
  return {
    mode: mode ?? 'fresh',
    previousTotal: Object.values(before).reduce((a, b) => a + b, 0),
    kept: Object.entries(placed).reduce((sum, [cluster, n]) => sum + Math.min(n, before[cluster] ?? 0), 0),
    released,
  };
}
