/** A plain-text table with left-aligned text and right-aligned numbers, two spaces between columns. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[], numeric: (column: number) => boolean = () => false): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (numeric(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/** A GitHub-flavoured Markdown table; `|` in cells is escaped. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], numeric: (column: number) => boolean = () => false): string {
  const escapeCell = (cell: string) => cell.replace(/\|/g, '\\|');
  const align = header.map((_, i) => (numeric(i) ? '---:' : '---'));
  return `${[header, align, ...rows].map((cells) => `| ${cells.map(escapeCell).join(' | ')} |`).join('\n')}\n`;
}
