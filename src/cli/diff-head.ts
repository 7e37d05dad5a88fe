import { hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PlacementPlan } from '../model/plan.js';
import { LOCK_FILE, lockText, lockWithoutFiles, type OutputTree, parseLock } from '../phases/6-emit/index.js';
import { type Output, outputOfCompiled } from './output-folder.js';

/** What the spec renders now, as `fleet diff` compares it: every file with its hash, and any file's text on demand. */
export interface HeadOutput {
  /** Path -> `sha256:<hex>` of every file, the lock included (as Output.hashes). */
  readonly hashes: ReadonlyMap<string, string>;
  text(path: string): string;
}

/**
 * A head compiled in memory: compile()'s tree and hashes, and its lock's text without the list of
 * files (lockOfCompiled), as the folder's head holds it.
 */
export function headOfCompiled(compiled: { readonly tree: OutputTree; readonly hashes: ReadonlyMap<string, string>; readonly lock: string }): HeadOutput & { output(): Output } {
  const output = outputOfCompiled(compiled);
  return { hashes: output.hashes, text: (path) => (path === LOCK_FILE ? compiled.lock : compiled.tree.get(path)!), output: () => output };
}

/**
 * The lock of a compile without its list of files, made from the fleet's name and plan: the tree's
 * lock is tens of megabytes at fleet scale, held as pieces (assembleOutput), which reading it would
 * copy whole; and the plan, which records every decision, is garbage once this is made.
 */
export function lockOfCompiled(fleetName: string, plan: PlacementPlan): string {
  return lockText(fleetName, plan, []);
}

/**
 * The output folder as the head, when it is known to be exactly what the spec renders (the synth
 * cache's hit: the last synth, by this very build of fleet, rendered this very spec into it, and
 * no file under it changed since): its lock lists every file with its hash, and a file is read
 * only when the diff asks for it. Undefined when the lock cannot be read.
 */
export function headOfOutputFolder(outDir: string): HeadOutput | undefined {
  let lockText: string;
  try {
    lockText = readFileSync(join(outDir, LOCK_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const files = parseLock(lockText)?.files;
  if (!files) return undefined;
  const hashes = new Map<string, string>();
  for (const path in files) hashes.set(path, files[path]);
  hashes.set(LOCK_FILE, `sha256:${hash('sha256', lockText)}`);
  // The diff reads the lock for its placement only (lockPlacement): the rest of its text is not kept.
  const lock = lockWithoutFiles(lockText);
  return { hashes, text: (path) => (path === LOCK_FILE ? lock : readFileSync(join(outDir, path), 'utf8')) };
}
