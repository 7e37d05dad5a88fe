import type { App } from '../model/fleet.js';
import type { AppPlacement } from '../model/plan.js';
import { textTable } from './table.js';

/** `fleet explain APP`: the rule, then for every cluster why it was chosen or skipped, then the apportionment. */
export function formatExplanation(app: App, placement: AppPlacement): string {
  const rule = app.placement;
  const lines = [
    `app ${app.id}`,
    `  rule:     ${rule.name} (priority ${rule.priority ?? 0})${app.shadowedRules.length ? `; also selected by ${app.shadowedRules.join(', ')}, which rank lower` : ''}`,
    `  strategy: ${placement.strategy}, replicas ${app.replicas}${placement.strategy === 'Duplicated' ? ' per cluster' : ' in total'}`,
    `  affinity: ${placement.affinity === 'primary' ? 'primary (the rule\'s `clusters`)' : `${placement.affinity} (the primary affinity left no feasible cluster)`}`,
    '',
  ];
  const rows = placement.decisions.map((d) => [
    d.cluster,
    d.replicas > 0 ? String(d.replicas) : '-',
    d.weight !== undefined ? String(d.weight) : '-',
    d.feasible ? (d.replicas > 0 ? `chosen: ${d.reason}` : `feasible, idle: ${d.reason}`) : `skipped: ${d.reason}`,
  ]);
  lines.push(textTable(['CLUSTER', 'REPLICAS', 'WEIGHT', 'WHY'], rows, (i) => i === 1 || i === 2).trimEnd());
  if (placement.apportionment.length) {
    lines.push('', 'apportionment:', ...placement.apportionment.map((s) => `  ${s}`));
  }
  return `${lines.join('\n')}\n`;
}
