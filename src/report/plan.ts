import { naturalCompare } from '../model/natural-order.js';
import type { PlacementPlan } from '../model/plan.js';
import { markdownTable, textTable } from './table.js';

export type PlanFormat = 'text' | 'json' | 'markdown';

/**
 * `fleet plan`: apps x clusters with replicas, clusters in natural order. JSON is the contract's shape
 * (`{"apps":[{"namespace","name","clusters":{...}}]}`) plus the rule, strategy, spread, steady
 * mode and every cluster's decision. In text and Markdown a cell that differs from the previous
 * placement (the lock) shows the change, `4 (+1)`, so a reviewer sees what a spec change moves.
 */
export function formatPlan(plan: PlacementPlan, clusters: readonly string[], format: PlanFormat): string {
  if (format === 'json') return `${JSON.stringify({ apps: plan.apps }, null, 2)}\n`;
  // Columns in natural order (`c2` before `c10`), as people read cluster names.
  const columns = [...clusters].sort(naturalCompare);
  const header = ['APP', 'RULE', 'STRATEGY', ...columns, 'TOTAL'];
  const rows = plan.apps.map((a) => {
    const before = new Map(a.decisions.filter((d) => d.previous !== undefined).map((d) => [d.cluster, d.previous!]));
    const counts = columns.map((c) => cell(a.clusters[c] ?? 0, before.get(c) ?? 0, before.size > 0));
    const total = Object.values(a.clusters).reduce((x, y) => x + y, 0);
    return [`${a.namespace}/${a.name}`, a.rule, a.strategy, ...counts, String(total)];
  });
  const numeric = (i: number) => i >= 3;
  return format === 'markdown' ? markdownTable(header, rows, numeric) : textTable(header, rows, numeric);
}

function cell(now: number, before: number, compare: boolean): string {
  const shown = now > 0 ? String(now) : '-';
  if (!compare || now === before) return shown;
  return `${shown} (${now > before ? '+' : ''}${now - before})`;
}
