import type { AppPlacementDiff, AttentionKind, FieldChange, FleetDiff, ObjectChange, PlacementChange } from './model.js';

/** Shared pieces of the text and Markdown reports. */

export const ACTION_SYMBOL: Record<ObjectChange['action'], string> = { add: '➕', change: '✎', remove: '➖' };

export const ATTENTION_TITLE: Record<AttentionKind, { icon: string; title: string }> = {
  'flux-prune': { icon: '⛔', title: 'Flux Kustomization' },
  'stateful-move': { icon: '💾', title: 'Stateful app moves' },
  prune: { icon: '➖', title: 'Prune' },
  namespace: { icon: '📁', title: 'Namespace' },
  'policy-widening': { icon: '🔓', title: 'Wider access' },
  'subset-ordering': { icon: '⚠️', title: 'Subset ordering' },
  'traffic-shift': { icon: '🔀', title: 'Traffic shift' },
};

export interface ClusterRow {
  readonly cluster: string;
  readonly added: number;
  readonly changed: number;
  readonly removed: number;
  readonly moves: readonly PlacementChange[];
}

/** One row per cluster with changes, the biggest first; and the clusters without any. */
export function clusterRows(diff: FleetDiff): { rows: ClusterRow[]; unchanged: string[] } {
  const byCluster = new Map(diff.clusters.map((cluster) => [cluster, { cluster, added: 0, changed: 0, removed: 0, moves: [] as PlacementChange[] }]));
  const key = { add: 'added', change: 'changed', remove: 'removed' } as const;
  for (const c of diff.changes) byCluster.get(c.cluster)![key[c.action]]++;
  for (const m of diff.placement.flatMap((p) => p.changes)) byCluster.get(m.cluster)!.moves.push(m);
  const rows = [...byCluster.values()];
  const size = (r: ClusterRow) => r.added + r.changed + r.removed + r.moves.length;
  return {
    rows: rows.filter((r) => size(r) > 0).sort((a, b) => size(b) - size(a) || (a.cluster < b.cluster ? -1 : 1)),
    unchanged: rows.filter((r) => size(r) === 0).map((r) => r.cluster),
  };
}

/** `4 → 3`, `– → 2`, `3 → –`. */
export function move(before: number, after: number): string {
  return `${before || '–'} → ${after || '–'}`;
}

/** `shop/checkout 4 → 3, shop/web 3 → –`, the first `max` of them. */
export function describeMoves(moves: readonly PlacementChange[], max = Infinity): string {
  const shown = moves.slice(0, max).map((m) => `${m.app} ${move(m.before, m.after)}`);
  return moves.length > max ? `${shown.join(', ')} and ${moves.length - max} more` : shown.join(', ');
}

/** Apps × clusters with a move; unchanged cells show the count, changed ones `before → after`. */
export function placementMatrix(placement: readonly AppPlacementDiff[], maxClusters = Infinity): { header: string[]; rows: string[][]; hiddenClusters: number } {
  const all = [...new Set(placement.flatMap((p) => p.changes.map((c) => c.cluster)))].sort();
  const clusters = all.slice(0, maxClusters);
  const cell = (b: number, a: number) => (b === a ? (a ? String(a) : '–') : move(b, a));
  const sum = (r: Readonly<Record<string, number>>) => Object.values(r).reduce((x, y) => x + y, 0);
  const rows = placement.map((p) => [p.app, ...clusters.map((c) => cell(p.before[c] ?? 0, p.after[c] ?? 0)), cell(sum(p.before), sum(p.after))]);
  return { header: ['App', ...clusters, 'Total'], rows, hiddenClusters: all.length - clusters.length };
}

/** `on na-1`, `on eu-1, na-1`, `on 12 clusters (eu-1, eu-2, …)`. */
export function where(clusters: readonly string[], max = 8): string {
  if (clusters.length === 0) return '';
  if (clusters.length <= 3) return `on ${clusters.join(', ')}`;
  const names = clusters.length <= max ? clusters.join(', ') : `${clusters.slice(0, max).join(', ')}, …`;
  return `on ${clusters.length} clusters (${names})`;
}

/**
 * One field change on one line: `spec.replicas: 4 → 3`; a list entry
 * `spec.egress[0]: added {"action":"Allow",…}` or `… removed …`; a reorder
 * `spec.http: reordered [name=a], [name=b] → [name=b], [name=a]` (a new entry ahead of others as `+[…]`).
 */
export function describeField(f: FieldChange): string {
  if (f.entry === 'add') return `${f.path}: added ${formatValue(f.after)}`;
  if (f.entry === 'remove') return `${f.path}: removed ${formatValue(f.before)}`;
  if (f.entry === 'reorder') return `${f.path}: reordered ${orderOf(f.before)} → ${orderOf(f.after)}`;
  return `${f.path}: ${f.before === undefined ? '(absent)' : formatValue(f.before)} → ${f.after === undefined ? '(absent)' : formatValue(f.after)}`;
}

/** The labels of a reorder change, in order. */
export function orderOf(labels: unknown): string {
  return Array.isArray(labels) ? labels.join(', ') : formatValue(labels);
}

/** A field value on one line: plain scalars as they are, anything else as JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\n"'{}[\],]*$/.test(value) && value.trim() === value && value !== '' ? value : JSON.stringify(value);
  return JSON.stringify(value);
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** `1 file differs`, `3 files differ`. */
export function differ(files: number): string {
  return `${plural(files, 'file')} ${files === 1 ? 'differs' : 'differ'}`;
}

/** `2 added, 1 changed`: the non-zero counts. */
export function counts(row: { added: number; changed: number; removed: number }): string {
  return [row.added && `${row.added} added`, row.changed && `${row.changed} changed`, row.removed && `${row.removed} removed`].filter(Boolean).join(', ') || 'no object changes';
}
