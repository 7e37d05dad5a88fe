import type { PlacementPlan } from '../model/plan.js';
import { markdownTable, textTable } from './table.js';

export type PlanFormat = 'text' | 'json' | 'markdown';

/**
 * `fleet plan`: apps x clusters with replicas. JSON is the contract's shape
 * (`{"apps":[{"namespace","name","clusters":{...}}]}`) plus the rule, strategy and decisions.
 */
export function formatPlan(plan: PlacementPlan, clusters: readonly string[], format: PlanFormat): string {
  if (format === 'json') return `${JSON.stringify({ apps: plan.apps }, null, 2)}\n`;
  const header = ['APP', 'RULE', 'STRATEGY', ...clusters, 'TOTAL'];
  const rows = plan.apps.map((a) => {
    const counts = clusters.map((c) => (a.clusters[c] ? String(a.clusters[c]) : '-'));
    const total = Object.values(a.clusters).reduce((x, y) => x + y, 0);
    return [`${a.namespace}/${a.name}`, a.rule, a.strategy, ...counts, String(total)];
  });
  const numeric = (i: number) => i >= 3;
  return format === 'markdown' ? markdownTable(header, rows, numeric) : textTable(header, rows, numeric);
}
