import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic, Position } from '../diagnostics/diagnostic.js';
import { checkLockSummary, isLockProblem, LOCK_FILE, type LockSummary } from '../phases/6-emit/index.js';
import type { PreviousOutput } from './output-owner.js';

/** A lock that exists but cannot be used, as a located diagnostic, with the lock's text for the code frame. */
export interface LockDiagnostic {
  readonly diagnostic: Diagnostic;
  /** The lock's path and text, for the code frame; absent when it could not be read as text. */
  readonly source?: readonly [string, string];
}

/**
 * `<outDir>/fleet.lock.json`, checked: `lock` (all of it but its list of files, see
 * checkLockSummary) when it is sound, `flaw` when it cannot be used as the previous placement,
 * neither when there is none. A lock that is there but flawed (not a regular file, cut short, with
 * merge-conflict markers, values fleet never writes) is an error, never "no previous placement":
 * that would move stateful apps and orphan their files (see checkLock). The way out is named:
 * restore the lock from git, or start afresh with `--ignore-lock`, explicitly.
 *
 * A regular file is checked for before reading, so a FIFO or device planted as the lock cannot
 * hang or flood the command. Errors the machine raises (no permission) are thrown (exit 4).
 */
export function readCheckedLock(outDir: string): { readonly lock?: LockSummary; readonly flaw?: LockDiagnostic } {
  const path = join(outDir, LOCK_FILE);
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // No lock (or no folder, or a file where the folder should be: the write reports that).
    if (code === 'ENOENT' || code === 'ENOTDIR') return {};
    // A symbolic link that loops or points nowhere is as unusable as a flawed lock.
    if (code === 'ELOOP') isFile = false;
    else throw error;
  }
  if (!isFile) return { flaw: { diagnostic: unusable(path, 'it is not a regular file', { line: 1, col: 1 }, [0, 0]) } };
  const text = readFileSync(path, 'utf8');
  const checked = checkLockSummary(text);
  if (!isLockProblem(checked)) return { lock: checked };
  const start = positionAt(text, checked.offset);
  return { flaw: { diagnostic: unusable(path, checked.message, start, [checked.offset, Math.min(checked.offset + 1, text.length)]), source: [path, text] } };
}

/** What a sound lock says of the previous run: whose output it is and where each app ran (see output-owner.ts). */
export function previousOutputOf(lock: Pick<LockSummary, 'fleet' | 'placement'> | undefined): PreviousOutput {
  if (!lock) return { placement: new Map() };
  return { fleet: lock.fleet, placement: new Map(lock.placement.map((p) => [`${p.namespace}/${p.name}`, p.divided ?? p.clusters])) };
}

function unusable(path: string, why: string, start: Position, offset: readonly [number, number]): Diagnostic {
  return {
    code: 'emit_lock_unreadable',
    severity: 'error',
    message: `the lock cannot be read as the previous placement: ${why}`,
    span: { file: path, start, end: { line: start.line, col: start.col + (offset[1] > offset[0] ? 1 : 0) }, offset },
    help: [
      `restore it from git (\`git checkout -- ${path}\`, or resolve the merge by taking one side and running \`fleet synth\` again)`,
      'or pass `--ignore-lock` to place afresh, as if there were no previous run (stateful apps may move)',
    ],
  };
}

/** 1-based line and column of a character offset. */
function positionAt(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, col: offset - lineStart + 1 };
}

/** `--ignore-lock`, as every command that reads the previous placement offers it. */
export const IGNORE_LOCK_HELP = "place afresh, without the output folder's fleet.lock.json as the previous placement (the way past a lock that cannot be read; stateful apps may move)";
