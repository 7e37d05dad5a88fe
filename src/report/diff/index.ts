/** `fleet diff`: compare two output trees (diff.ts), then print (format-*.ts). */
export { diffSides, diffTrees, type DiffOptions } from './diff.js';
export { sideOfTree, type DiffSide } from './objects.js';
export { formatJson } from './format-json.js';
export { COMMENT_BUDGET, COMMENT_MARKER, formatMarkdown } from './format-markdown.js';
export { formatText } from './format-text.js';
export { hasChanges, type Attention, type AttentionKind, type DiffReportContext, type FleetDiff, type ObjectChange } from './model.js';

import { formatJson } from './format-json.js';
import { formatMarkdown } from './format-markdown.js';
import { formatText } from './format-text.js';
import type { DiffReportContext, FleetDiff } from './model.js';

export type DiffFormat = 'text' | 'json' | 'markdown';

export function formatDiff(diff: FleetDiff, context: DiffReportContext, format: DiffFormat, options: { maxLength?: number } = {}): string {
  if (format === 'json') return formatJson(diff, context);
  if (format === 'markdown') return formatMarkdown(diff, context, options);
  return formatText(diff, context);
}
