import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { kindOf } from './regular-file.js';

/**
 * Symbolic links in a spec folder, and the rule for them (docs/spec.md, "Spec files"): a link to a
 * regular file inside the repository that holds the spec is read as if the file were there (shared
 * files, `ln -s ../shared/apps.yaml policies/apps.yaml`); any other link is refused with an error at
 * the link, never skipped: a dangling link, a loop, a link to a folder, to a FIFO or device, or to
 * anything outside the repository. `fleet diff --base REF` applies the same rule to the links
 * committed at REF (diff-base.ts, through git's own `--follow-symlinks`), so both sides read alike.
 *
 * The repository is the nearest folder above the spec holding `.git`; a spec outside any git
 * repository may link only within its own folder.
 */
export function containingRoot(specFolder: string): string {
  const real = realpathSync(specFolder);
  for (let folder = real; ; folder = dirname(folder)) {
    if (existsSync(join(folder, '.git'))) return folder;
    if (dirname(folder) === folder) return real;
  }
}

/** What a link in a spec folder leads to: the real path of its regular file, or the error that refuses it (and whether it leads to a folder). */
export type FollowedLink = { readonly target: string } | { readonly refused: Diagnostic; readonly folder: boolean };

export function followSpecLink(link: string, root: string): FollowedLink {
  let target: string;
  try {
    target = realpathSync(link);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return refused(link, 'is a symbolic link that loops back on itself');
    if (code === 'ENOENT' || code === 'ENOTDIR') return refused(link, 'is a symbolic link to nothing (its target does not exist)');
    throw error;
  }
  const below = relative(root, target);
  if (below === '' || below.startsWith(`..${sep}`) || below === '..' || resolve(root, below) !== target) {
    return refused(link, `is a symbolic link to \`${target}\`, outside the repository at \`${root}\``);
  }
  // Hidden entries (`.git/config`) are never spec, as in the folder itself; git does not track `.git`.
  if (below.split(sep).some((segment) => segment.startsWith('.'))) return refused(link, `is a symbolic link to \`${target}\`, a hidden path`);
  const stats = statSync(target);
  if (!stats.isFile()) return { ...refused(link, `is a symbolic link to ${kindOf(stats)}`), folder: stats.isDirectory() };
  return { target };
}

/** `spec_symlink_refused` at the link. */
export function refused(link: string, why: string): { readonly refused: Diagnostic; readonly folder: boolean } {
  return { refused: symlinkRefused(link, why), folder: false };
}

export function symlinkRefused(link: string, why: string): Diagnostic {
  return {
    code: 'spec_symlink_refused',
    severity: 'error',
    message: `\`${link}\` ${why}; fleet follows a symbolic link in a spec folder only to a regular file inside the repository`,
    span: { file: link, start: { line: 1, col: 1 }, end: { line: 1, col: 1 }, offset: [0, 0] },
    help: ['link to a YAML file inside the repository, or copy the file into the spec folder'],
  };
}

/** `spec_not_a_file`: a FIFO, socket or device where a spec file is expected; nothing is read from it. */
export function notAFile(path: string, kind: string): Diagnostic {
  return {
    code: 'spec_not_a_file',
    severity: 'error',
    message: `\`${path}\` is ${kind}, not a regular file: fleet reads spec files only from regular files`,
    span: { file: path, start: { line: 1, col: 1 }, end: { line: 1, col: 1 }, offset: [0, 0] },
    help: ['replace it with a regular YAML file, or remove it'],
  };
}
