import { toYaml } from '../../phases/6-emit/index.js';
import { markdownTable } from '../table.js';
import { foldAttention, foldChanges, type Folded } from './fold.js';
import { hasChanges, objectLabel, type Attention, type DiffReportContext, type FieldChange, type FleetDiff, type ObjectChange } from './model.js';
import { ACTION_SYMBOL, ATTENTION_TITLE, clusterRows, counts, describeMoves, differ, formatValue, orderOf, placementMatrix, plural, where } from './present.js';

/**
 * GitHub refuses comments over 65,536 characters. The default leaves room for a marker or a line
 * the CI job adds; `0` means no limit (the job summary takes up to 1 MiB).
 */
export const COMMENT_BUDGET = 65_000;

/** The hidden first line CI finds its sticky comment by. */
export const COMMENT_MARKER = '<!-- fleet-diff -->';

/** How much a report shows; each level is smaller than the one before. */
interface Level {
  /** Per-object bodies: field values and YAML, field names only, or nothing. */
  readonly bodies: 'values' | 'paths' | 'none';
  /** The per-cluster `<details>` sections. */
  readonly details: boolean;
  /** Rows per table and entries per list. */
  readonly limit: number;
  /** What this level leaves out, said in the report. */
  readonly cut?: string;
}

const LEVELS: readonly Level[] = [
  { bodies: 'values', details: true, limit: Infinity },
  { bodies: 'paths', details: true, limit: Infinity, cut: 'per-object diffs are cut down to the names of the changed fields' },
  { bodies: 'none', details: false, limit: Infinity, cut: 'per-cluster details and per-object diffs are cut' },
  ...[100, 30, 10].map((n) => ({ bodies: 'none' as const, details: false, limit: n, cut: `per-cluster details are cut, and each table and list shows its first ${n} entries` })),
];

/**
 * The pull-request comment: header (base → head, spec, whether the committed output is current),
 * clusters table, placement matrix, what needs attention (with a traffic graph when small), the
 * changes that are the same on several clusters, then one folded section per cluster. When it
 * would not fit `maxLength`, it drops detail level by level and says what it cut.
 */
export function formatMarkdown(diff: FleetDiff, context: DiffReportContext, options: { maxLength?: number } = {}): string {
  const maxLength = options.maxLength ?? COMMENT_BUDGET;
  let text = '';
  for (const level of LEVELS) {
    text = render(diff, context, level, maxLength);
    if (maxLength <= 0 || text.length <= maxLength) return text;
  }
  const notice = `\n\n✂️ **Cut at ${maxLength.toLocaleString('en-US')} characters.** Run \`fleet diff --format markdown --max-length 0\` for the whole report.\n`;
  const cut = text.slice(0, Math.max(0, maxLength - notice.length - 4));
  // Close a code fence the cut left open, so the notice is not swallowed by it.
  return `${cut}${(cut.match(/^```/gm) ?? []).length % 2 === 1 ? '\n```' : ''}${notice}`;
}

function render(diff: FleetDiff, context: DiffReportContext, level: Level, maxLength: number): string {
  const out: string[] = [COMMENT_MARKER, '## fleet diff', '', header(context)];
  if (level.cut) {
    out.push(
      '',
      `> ✂️ **Shortened** to fit a GitHub comment (${maxLength.toLocaleString('en-US')} characters): ${level.cut}. The whole report: \`fleet diff --format markdown --max-length 0\` (the CI job summary has it).`,
    );
  }
  if (diff.unreadable.length > 0) out.push('', `> ⚠️ Not compared, not readable as YAML: ${diff.unreadable.map((p) => `\`${p}\``).join(', ')}`);
  if (!hasChanges(diff)) {
    out.push('', `**No changes**: the spec renders the same objects and placement as \`${context.base}\`.`);
    return `${out.join('\n')}\n`;
  }
  out.push('', ...clustersSection(diff, level));
  if (diff.placement.length > 0) out.push('', ...placementSection(diff, level));
  if (diff.attention.length > 0) out.push('', ...attentionSection(diff.attention, level));
  const folded = foldChanges(diff.changes);
  const shared = folded.filter((f) => f.clusters.length > 1);
  if (shared.length > 0) out.push('', ...sharedSection(shared, level));
  if (level.details)
    out.push(
      '',
      ...detailsSection(
        folded.filter((f) => f.clusters.length === 1),
        level,
      ),
    );
  // Sections end with a blank line where Markdown needs one; one is enough.
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

function header(context: DiffReportContext): string {
  const line = `\`${context.base}\` → \`${context.head}\` · spec \`${context.spec}\` · fleet ${context.version}`;
  const check = context.outputCheck;
  if (!check) return line;
  const status = check.upToDate
    ? `✅ committed \`${check.outDir}/\` matches the spec`
    : `❌ committed \`${check.outDir}/\` does not match the spec (${differ(check.differing)}): \`fleet synth --check\` fails; run \`fleet synth\` and commit`;
  return `${line}<br>${status}`;
}

function clustersSection(diff: FleetDiff, level: Level): string[] {
  const { rows, unchanged } = clusterRows(diff);
  const total = (action: ObjectChange['action']) => diff.changes.filter((c) => c.action === action).length;
  const moved = diff.placement.length > 0 ? ` · placement of ${plural(diff.placement.length, 'app')} changed` : '';
  const summary = `**${plural(rows.length, 'cluster')} changed** · ${total('add')} added, ${total('change')} changed, ${total('remove')} removed${moved}`;
  const shown = rows.slice(0, level.limit);
  const table = markdownTable(
    ['Cluster', '➕ Added', '✎ Changed', '➖ Removed', 'Placement'],
    shown.map((r) => [r.cluster, String(r.added), String(r.changed), String(r.removed), describeMoves(r.moves, 5) || '—']),
    (i) => i >= 1 && i <= 3,
  );
  // A line right under a table would become one of its rows: notes go after a blank line.
  const notes = [
    rows.length > shown.length ? `_… and ${plural(rows.length - shown.length, 'more changed cluster')} (cut)._` : '',
    unchanged.length > 0 ? `_${plural(unchanged.length, 'cluster')} unchanged${unchanged.length <= 20 ? `: ${unchanged.join(', ')}` : ''}._` : '',
  ].filter(Boolean);
  return [summary, '', table.trimEnd(), ...(notes.length ? ['', notes.join(' ')] : [])];
}

function placementSection(diff: FleetDiff, level: Level): string[] {
  const matrix = placementMatrix(diff.placement.slice(0, level.limit), 12);
  const notes = [
    diff.placement.length > level.limit ? `_… and ${plural(diff.placement.length - level.limit, 'more app')} (cut)._` : '',
    matrix.hiddenClusters > 0 ? `_${plural(matrix.hiddenClusters, 'more cluster')} with moves not shown as columns; the clusters table lists them._` : '',
  ].filter(Boolean);
  return ['### Placement', '', markdownTable(matrix.header, matrix.rows, (i) => i > 0).trimEnd(), ...(notes.length ? ['', notes.join(' ')] : [])];
}

function attentionSection(attention: readonly Attention[], level: Level): string[] {
  const folded = foldAttention(attention);
  const lines = ['### ⚠️ Needs attention', ''];
  for (const { item, clusters } of folded.slice(0, level.limit)) {
    const { icon, title } = ATTENTION_TITLE[item.kind];
    const place = clusters.length ? ` ${where(clusters)}` : '';
    lines.push(`- ${icon} **${title}** \`${item.subject}\`${place} — ${item.message}${item.specPath ? ` · \`${item.specPath}\`` : ''}`);
  }
  if (folded.length > level.limit) lines.push(`- … and ${folded.length - level.limit} more (cut)`);
  const graph = trafficGraph(folded.filter((f) => f.item.kind === 'traffic-shift'));
  if (graph.length > 0) lines.push('', ...graph);
  return lines;
}

/** A small Mermaid graph of weight shifts: only when there are a few (it degrades with many nodes). */
function trafficGraph(shifts: readonly Folded<Attention>[]): string[] {
  if (shifts.length === 0 || shifts.length > 6) return [];
  const lines = ['```mermaid', 'flowchart LR'];
  shifts.forEach(({ item, clusters }, i) => {
    const scope = clusters.length > 3 ? `${clusters.length} clusters` : clusters.join(', ');
    const weights = item.weights ?? [];
    const routes = new Set(weights.map((w) => w.route));
    lines.push(`  vs${i}["${item.subject.replace(/^VirtualService /, '')}${routes.size === 1 ? ` · ${[...routes][0]}` : ''}<br/>${scope}"]`);
    weights.forEach((w, j) => {
      const target = routes.size === 1 ? w.destination : `${w.route}: ${w.destination}`;
      lines.push(`  vs${i} -->|"${w.before ?? '–'} → ${w.after ?? '–'}"| d${i}_${j}["${target}"]`);
    });
  });
  lines.push('```');
  return lines;
}

function sharedSection(shared: readonly Folded<ObjectChange>[], level: Level): string[] {
  const lines = ['### Same change on several clusters', ''];
  for (const { item, clusters } of shared.slice(0, level.limit)) {
    lines.push(`- ${ACTION_SYMBOL[item.action]} \`${objectLabel(item)}\`${item.specPath ? ` · \`${item.specPath}\`` : ''} — same change ${where(clusters, 20)}`);
    const text = body(item, level);
    if (text.length > 0) lines.push('', ...text.map((l) => `  ${l}`), '');
  }
  if (shared.length > level.limit) lines.push(`- … and ${shared.length - level.limit} more (cut)`);
  return lines;
}

function detailsSection(single: readonly Folded<ObjectChange>[], level: Level): string[] {
  const byCluster = new Map<string, ObjectChange[]>();
  for (const { item } of single) byCluster.set(item.cluster, [...(byCluster.get(item.cluster) ?? []), item]);
  if (byCluster.size === 0) return [];
  const lines = ['### Details by cluster'];
  for (const [cluster, changes] of byCluster) {
    const count = (action: ObjectChange['action']) => changes.filter((c) => c.action === action).length;
    lines.push('', `<details><summary><b>${cluster}</b>: ${counts({ added: count('add'), changed: count('change'), removed: count('remove') })}</summary>`, '');
    for (const change of changes) {
      const risk = change.risk.map((k) => ATTENTION_TITLE[k].icon).join(' ');
      const text = body(change, level);
      lines.push(`#### ${ACTION_SYMBOL[change.action]} ${objectLabel(change)}${change.specPath ? ` · \`${change.specPath}\`` : ''}${risk ? ` ${risk}` : ''}`, ...(text.length ? ['', ...text] : []), '');
    }
    lines.push('</details>');
  }
  return lines;
}

/** What changed in one object, at the level's detail. */
function body(change: ObjectChange, level: Level): string[] {
  if (level.bodies === 'none') return [];
  if (level.bodies === 'paths') return change.action === 'change' ? [`Fields: ${change.fields.map((f) => `\`${f.path}\`${f.entry ? ` (${ENTRY_WORD[f.entry]})` : ''}`).join(', ')}`] : [];
  const lines =
    change.action === 'change'
      ? change.fields.flatMap(fieldLines)
      : toYaml(change.action === 'add' ? change.after : change.before)
          .trimEnd()
          .split('\n')
          .map((l) => `${change.action === 'add' ? '+' : '-'} ${l}`);
  const fence = '`'.repeat(Math.max(3, ...lines.map((l) => longestBacktickRun(l) + 1)));
  return [`${fence}diff`, ...lines, fence];
}

const ENTRY_WORD = { add: 'added', remove: 'removed', reorder: 'reordered' } as const;

/**
 * A field change as `diff` lines: `- path: before` / `+ path: after`; a list entry added or removed
 * as the whole entry in YAML under its path, so a new Calico rule reads as one block of `+` lines;
 * a reorder as the order before and after.
 */
function fieldLines(f: FieldChange): string[] {
  if (f.entry === 'add' || f.entry === 'remove') {
    const [sign, value] = f.entry === 'add' ? ['+', f.after] : ['-', f.before];
    const yaml = toYaml(value).trimEnd().split('\n');
    return yaml.length === 1 && typeof value !== 'object' ? [`${sign} ${f.path}: ${formatValue(value)}`] : [`${sign} ${f.path}:`, ...yaml.map((l) => `${sign}   ${l}`)];
  }
  if (f.entry === 'reorder') return [`- ${f.path} order: ${orderOf(f.before)}`, `+ ${f.path} order: ${orderOf(f.after)}`];
  return [...(f.before !== undefined ? [`- ${f.path}: ${formatValue(f.before)}`] : []), ...(f.after !== undefined ? [`+ ${f.path}: ${formatValue(f.after)}`] : [])];
}

function longestBacktickRun(text: string): number {
  return Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
}
