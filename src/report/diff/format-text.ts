import { textTable } from '../table.js';
import { foldAttention, foldChanges } from './fold.js';
import { hasChanges, objectLabel, type DiffReportContext, type FleetDiff, type ObjectChange } from './model.js';
import { clusterRows, describeField, describeMoves, differ, placementMatrix, plural, where } from './present.js';

const SIGN: Record<ObjectChange['action'], string> = { add: '+', change: '~', remove: '-' };

/** `fleet diff` for a terminal: the same sections as the Markdown report, every change in full. */
export function formatText(diff: FleetDiff, context: DiffReportContext): string {
  const out = [`fleet diff: ${context.base} → ${context.head} (spec ${context.spec})`];
  const check = context.outputCheck;
  if (check) {
    out.push(check.upToDate ? `committed ${check.outDir}/ matches the spec` : `committed ${check.outDir}/ does not match the spec (${differ(check.differing)}): run \`fleet synth\``);
  }
  for (const path of diff.unreadable) out.push(`not compared (not readable as YAML): ${path}`);
  if (!hasChanges(diff)) return `${out.join('\n')}\nno changes\n`;

  const { rows, unchanged } = clusterRows(diff);
  out.push(
    '',
    textTable(
      ['CLUSTER', 'ADDED', 'CHANGED', 'REMOVED', 'PLACEMENT'],
      rows.map((r) => [r.cluster, String(r.added), String(r.changed), String(r.removed), describeMoves(r.moves) || '-']),
      (i) => i >= 1 && i <= 3,
    ).trimEnd(),
  );
  if (unchanged.length > 0) out.push(`${plural(unchanged.length, 'cluster')} unchanged: ${unchanged.join(', ')}`);

  if (diff.placement.length > 0) {
    const matrix = placementMatrix(diff.placement);
    out.push('', 'placement:', textTable(['APP', ...matrix.header.slice(1, -1), 'TOTAL'], matrix.rows, (i) => i > 0).trimEnd());
  }
  if (diff.attention.length > 0) {
    out.push('', 'needs attention:');
    for (const { item, clusters } of foldAttention(diff.attention)) {
      out.push(`  ! ${item.kind}: ${item.subject}${clusters.length ? ` ${where(clusters)}` : ''}: ${item.message}${item.specPath ? ` (${item.specPath})` : ''}`);
    }
  }
  out.push('', 'changes:');
  for (const { item, clusters } of foldChanges(diff.changes)) {
    out.push(`  ${SIGN[item.action]} ${objectLabel(item)} ${where(clusters, Infinity)}${item.specPath ? ` (${item.specPath})` : ''}`);
    for (const f of item.fields) out.push(`      ${describeField(f)}`);
  }
  return `${out.join('\n')}\n`;
}
