import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FLUX_DIR } from '../phases/6-emit/flux.js';
import { LOCK_FILE } from '../phases/6-emit/index.js';
import { writeFileAtomically } from './durable.js';

/**
 * The swap journal: in a complete staging folder, which top-level entries of the output folder to
 * swap in (`replace`) or only remove, and which files to rename into place in entries that are not
 * swapped whole. Written once everything is staged: it is the commit point (see output-folder.ts).
 * It names entries and files, which the next run may rename and delete, so a journal is obeyed
 * only when every entry is a single name fleet itself writes at the top of an output folder (a
 * cluster folder, `_flux`, the lock) and every file a plain path inside such a folder: a journal
 * planted in a committed staging folder cannot reach outside the output folder (the swap never
 * renames a file through a link either, see output-folder.ts).
 */
export const JOURNAL = '.fleet-swap.json';

/** A top-level entry swapped whole, or a file renamed into place in an entry that is not. */
export type SwapEntry = { readonly entry: string; readonly replace: boolean } | { readonly file: string };

/** A path inside a top-level folder fleet writes: its segments plain names, none `.` or `..`. */
export function isFileInEntry(path: string): boolean {
  const [entry, ...rest] = path.split('/');
  return entry !== LOCK_FILE && isTopLevelName(entry) && rest.length > 0 && rest.every((segment) => segment !== '' && segment !== '.' && segment !== '..' && !/[\\\u0000]/.test(segment));
}

/** A cluster's folder (a DNS-1123 label, as the schema requires of cluster names), `_flux`, or the lock. */
export function isTopLevelName(name: string): boolean {
  return name === FLUX_DIR || name === LOCK_FILE || (name.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name));
}

/** Writes the journal whole or not at all (a temporary file, flushed, renamed): a full disk leaves no half journal. */
export function writeJournal(staging: string, entries: readonly SwapEntry[]): void {
  writeFileAtomically(join(staging, JOURNAL), `${JSON.stringify({ fleetSwap: 2, entries })}\n`);
}

/** A journal as read: its entries, or why it cannot be obeyed. */
export type ReadJournal = { readonly entries: readonly SwapEntry[] } | { readonly invalid: string };

/** The journal in `staging`; undefined when there is none (staging cut short before its commit point). */
export function readJournal(staging: string): ReadJournal | undefined {
  const path = join(staging, JOURNAL);
  let text: string;
  try {
    if (!lstatSync(path).isFile()) return { invalid: 'it is not a regular file' };
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { invalid: text === '' ? 'it is empty' : 'it is not valid JSON (cut short?)' };
  }
  // `[...]` is the form fleet wrote before the journal had a version; version 1 had no files.
  const version = (value as { fleetSwap?: unknown })?.fleetSwap;
  const entries = Array.isArray(value) ? value : version === 1 || version === 2 ? (value as { entries: unknown }).entries : undefined;
  if (!Array.isArray(entries)) return { invalid: 'it is not a fleet swap journal' };
  const seen = new Set<string>();
  for (const item of entries as unknown[]) {
    const { entry, replace, file } = (item ?? {}) as { entry?: unknown; replace?: unknown; file?: unknown };
    if (file !== undefined && entry === undefined) {
      if (typeof file !== 'string' || !isFileInEntry(file)) return { invalid: `it names ${JSON.stringify(file)}, which is not a file fleet writes in a top-level folder` };
      if (seen.has(file)) return { invalid: `it names ${JSON.stringify(file)} twice` };
      seen.add(file);
      const staged = stagedKind(join(staging, file));
      if (staged !== 'file' && staged !== 'missing') return { invalid: `its staged ${JSON.stringify(file)} is not a file fleet staged` };
      continue;
    }
    if (typeof entry !== 'string' || !isTopLevelName(entry)) return { invalid: `it names ${JSON.stringify(entry)}, which is not a top-level entry fleet writes` };
    if (typeof replace !== 'boolean') return { invalid: `its entry ${JSON.stringify(entry)} has no \`replace\` flag` };
    if (seen.has(entry)) return { invalid: `it names ${JSON.stringify(entry)} twice` };
    seen.add(entry);
    // What is staged is swapped in: only a real folder or file that this staging folder holds, never a link to elsewhere.
    const staged = stagedKind(join(staging, entry));
    if (staged === 'other' || (staged !== 'missing' && !replace)) return { invalid: `its staged ${JSON.stringify(entry)} is not a folder or file fleet staged` };
  }
  return { entries: entries as SwapEntry[] };
}

function stagedKind(path: string): 'folder' | 'file' | 'missing' | 'other' {
  try {
    const stats = lstatSync(path);
    return stats.isDirectory() ? 'folder' : stats.isFile() ? 'file' : 'other';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
}
