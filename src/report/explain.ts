import type { App } from '../model/fleet.js';
import { naturalCompare } from '../model/natural-order.js';
import type { AppPlacement, SpreadChoice, SteadyState } from '../model/plan.js';
import { replicationLine, workloadLines } from './explain-workloads.js';
import { textTable } from './table.js';

/**
 * `fleet explain APP`: the rule and every stage of placement in order (filter, spread, steady
 * mode, stateful), then for every cluster (in natural order: `c2` before `c10`) why it was chosen or skipped, the ranking that spread
 * and Aggregated use, and the apportionment step by step.
 */
export function formatExplanation(app: App, placement: AppPlacement): string {
  const rule = app.placementRule;
  const lines = [
    `app ${app.id}`,
    `  rule:     ${rule.name} (priority ${rule.priority ?? 0})${app.shadowedRules.length ? `; also selected by ${app.shadowedRules.join(', ')}, which rank lower` : ''}`,
    `  strategy: ${strategyLine(placement, rule.replicas ?? {})}`,
    `  affinity: ${placement.affinity === 'primary' ? "primary (the rule's `clusters`)" : `${placement.affinity}, because no affinity before it left a feasible cluster`}`,
    ...(placement.passedOver ?? []).map((tried) => `            ${tried}`),
    `  filter:   ${placement.filter}`,
    ...placement.spread.map((s, i) => `  ${i === 0 ? 'spread:  ' : '         '} ${spreadLine(s)}`),
    ...(placement.steady ? [`  steady:   ${steadyLine(placement.steady)}`] : []),
    ...(app.stateful ? [`  stateful: ${statefulLine(app, placement)}`, `  replication: ${replicationLine(app)}`] : []),
    '',
  ];
  const rows = [...placement.decisions]
    .sort((a, b) => naturalCompare(a.cluster, b.cluster))
    .map((d) => [
      d.cluster,
      d.replicas > 0 ? String(d.replicas) : '-',
      d.weight !== undefined ? String(d.weight) : '-',
      `${d.feasible ? (d.replicas > 0 || d.divided ? `chosen: ${d.reason}` : `feasible, idle: ${d.reason}`) : `skipped: ${d.reason}`}${d.bound ? `; ${d.bound}` : ''}${d.replicasFrom ? `; override \`${d.replicasFrom}\` sets ${d.replicas} (placement divided ${d.divided})` : ''}`,
    ]);
  lines.push(textTable(['CLUSTER', 'REPLICAS', 'WEIGHT', 'WHY'], rows, (i) => i === 1 || i === 2).trimEnd());

  const ranked = placement.decisions.filter((d) => d.feasible).sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || naturalCompare(a.cluster, b.cluster));
  if (ranked.length) {
    lines.push('', "ranking (feasible clusters; spread and Aggregated take the best first: score, then capacity, then the app's hash order):");
    const rankRows = ranked.map((d) => [
      d.rank !== undefined ? String(d.rank) : '-',
      d.cluster,
      String(d.score ?? 0),
      d.available !== undefined ? String(d.available) : '-',
      d.previous !== undefined ? String(d.previous) : '-',
      d.scoreNotes?.join('; ') ?? '',
    ]);
    lines.push(indent(textTable(['RANK', 'CLUSTER', 'SCORE', 'AVAILABLE', 'PREVIOUS', 'SCORE NOTES'], rankRows, (i) => i === 0 || (i >= 2 && i <= 4)).trimEnd()));
  }
  if (placement.apportionment.length) {
    lines.push('', 'apportionment:', ...placement.apportionment.map((s) => `  ${s}`));
  }
  lines.push(...workloadLines(app, placement, naturalCompare));
  return `${lines.join('\n')}\n`;
}

function strategyLine(placement: AppPlacement, replicas: NonNullable<App['placementRule']['replicas']>): string {
  const boundsOf = (b: { min?: number; max?: number }) => [b.min !== undefined ? `min ${b.min}` : '', b.max !== undefined ? `max ${b.max}` : ''].filter(Boolean).join(', ');
  // The rule's bounds, then each weight entry's own (which replace the rule's for the clusters it weighs).
  const bounds = [boundsOf(replicas), ...(replicas.weights ?? []).map((entry, i) => (boundsOf(entry) ? `weights[${i}] ${boundsOf(entry)}` : ''))].filter(Boolean);
  const perCluster = bounds.length ? `; per cluster ${bounds.join('; ')}` : '';
  switch (placement.strategy) {
    case 'Duplicated':
      return `Duplicated, ${placement.replicas} replica(s) in every chosen cluster`;
    case 'Aggregated':
      return `Aggregated, ${placement.replicas} replica(s) in total, packed into the fewest clusters${perCluster}`;
    case 'Divided':
      return `Divided by ${replicas.dynamic ? 'available replicas (dynamic)' : replicas.weights ? 'static weights' : 'equal weights'}, ${placement.replicas} replica(s) in total${perCluster}`;
  }
}

function spreadLine(s: SpreadChoice): string {
  const bounds = [s.minGroups !== undefined ? `minGroups ${s.minGroups}` : '', s.maxGroups !== undefined ? `maxGroups ${s.maxGroups}` : ''].filter(Boolean).join(', ');
  const unit = s.by === 'cluster' ? 'clusters' : `${s.by} groups`;
  return `by ${s.by}${bounds ? ` (${bounds})` : ''}: chose ${s.chosen.join(', ') || 'none'} of ${s.groups.length} ${unit} (${s.groups.join(', ')}, best first)`;
}

function steadyLine(steady: SteadyState): string {
  const released = steady.released.length ? `; released ${steady.released.map((r) => `${r.cluster} ${r.replicas} (${r.reason})`).join(', ')}` : '';
  switch (steady.mode) {
    case 'fresh':
      return 'fresh: no previous placement of this app, so its replicas are divided from scratch';
    case 'unchanged':
      return `unchanged: ${steady.kept} of ${steady.previousTotal} previous replica(s) stay in place${released}`;
    case 'scale-up':
      return `scale-up: ${steady.kept} of ${steady.previousTotal} previous replica(s) stay in place, only the difference is divided${released}`;
    case 'scale-down':
      return `scale-down: the previous replicas shrink in proportion, ${steady.kept} of ${steady.previousTotal} stay${released}`;
  }
}

function statefulLine(app: App, placement: AppPlacement): string {
  const runs = placement.decisions.filter((d) => (d.previous ?? 0) > 0).map((d) => `${d.cluster}: ${d.previous}`);
  const allowed = app.allowMoveFrom.length ? `allowMoveFrom lets it leave ${app.allowMoveFrom.join(', ')}` : 'allowMoveFrom: none';
  return `yes: never moved off a cluster it runs on${runs.length ? ` (${runs.join(', ')})` : ''} unless the cluster is listed in allowMoveFrom; ${allowed}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
