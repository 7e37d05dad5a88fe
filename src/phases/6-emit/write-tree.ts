import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { OutputTree } from './index.js';
import { GENERATED_MARK } from './layout.js';
import { LOCK_FILE, parseLock } from './lock.js';

/**
 * The only code that writes to the output folder.
 *
 * Atomic: the new tree is assembled in a sibling staging folder (unchanged and hand-written files
 * hard-linked, changed files written), then swapped in with two renames. A crash or kill leaves
 * the previous folder intact; the rare crash between the two renames is repaired on the next run.
 * Only files listed in the previous lock are ever deleted; a file fleet did not write is never
 * overwritten.
 */

export interface TreeDifference {
  /** Files whose bytes would change. */
  readonly changed: string[];
  /** Files fleet would create. */
  readonly added: string[];
  /** Files fleet owns (per the lock) that it no longer renders. */
  readonly stale: string[];
  /** Files in the way that fleet did not write. */
  readonly conflicts: string[];
}

/** How `outDir` differs from `tree`. Reads only: `fleet synth --check` uses it. */
export function compareTree(outDir: string, tree: OutputTree): TreeDifference {
  const owned = new Set(Object.keys(parseLock(readIfExists(join(outDir, LOCK_FILE)))?.files ?? {}));
  owned.add(LOCK_FILE);
  const difference: TreeDifference = { changed: [], added: [], stale: [], conflicts: [] };
  for (const [path, content] of tree) {
    const current = readIfExists(join(outDir, path));
    if (current === undefined) difference.added.push(path);
    else if (current !== content) {
      if (!owned.has(path) && !current.startsWith(GENERATED_MARK)) difference.conflicts.push(path);
      else difference.changed.push(path);
    }
  }
  for (const path of [...owned].sort()) if (!tree.has(path) && existsSync(join(outDir, path))) difference.stale.push(path);
  return difference;
}

export function isClean(difference: TreeDifference): boolean {
  return difference.changed.length + difference.added.length + difference.stale.length + difference.conflicts.length === 0;
}

/** Writes `tree` into `outDir` (see above). Refuses, writing nothing, when there are conflicts. */
export function writeTree(outDir: string, tree: OutputTree): TreeDifference {
  recover(outDir);
  const difference = compareTree(outDir, tree);
  if (difference.conflicts.length > 0 || isClean(difference)) return difference;

  const staging = `${outDir}.fleet-staging`;
  const old = `${outDir}.fleet-old`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const stale = new Set(difference.stale);
  const rewrite = new Set([...difference.changed, ...difference.added]);

  // Everything that stays: hand-written files and unchanged owned files, linked (not copied).
  if (existsSync(outDir)) {
    for (const path of listFiles(outDir)) {
      if (stale.has(path) || rewrite.has(path)) continue;
      const target = join(staging, path);
      mkdirSync(dirname(target), { recursive: true });
      try {
        linkSync(join(outDir, path), target);
      } catch {
        copyFileSync(join(outDir, path), target);
      }
    }
  }
  for (const path of rewrite) {
    const target = join(staging, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, tree.get(path)!);
  }

  if (existsSync(outDir)) renameSync(outDir, old);
  renameSync(staging, outDir);
  rmSync(old, { recursive: true, force: true });
  return difference;
}

/** Repairs what an interrupted run left behind: a swapped-out folder is put back, staging discarded. */
function recover(outDir: string): void {
  const old = `${outDir}.fleet-old`;
  if (!existsSync(outDir) && existsSync(old)) renameSync(old, outDir);
  else rmSync(old, { recursive: true, force: true });
  rmSync(`${outDir}.fleet-staging`, { recursive: true, force: true });
}

function listFiles(root: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(root, path));
    else out.push(path);
  }
  return out;
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
