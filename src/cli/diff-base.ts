import { hash } from 'node:crypto';
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, posix, relative, resolve, sep } from 'node:path';
import { compile } from '../compiler.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import type { SourceTexts } from '../diagnostics/format.js';
import { LIMITS } from '../phases/1-load/limits.js';
import type { SpecFile } from '../phases/1-load/index.js';
import { type ManifestFolder, manifestFileName } from '../phases/3-resolve/app-manifests.js';
import { GENERATED_MARK, LOCK_FILE, lockSummary, lockWithoutFiles, parseLock, specInputsHash } from '../phases/6-emit/index.js';
import { type DiffSide, sideOfTree } from '../report/diff/index.js';
import { committedOutputSides, type Sides } from './committed-output.js';
import type { HeadOutput } from './diff-head.js';
import { type Git, gitIn } from './git.js';
import { previousOutputOf } from './lock-check.js';
import { namedFolders } from './manifest-folders.js';
import { decodeSpecFile, isGenerated, tooLarge } from './spec-files.js';
import { readRegularFile } from './regular-file.js';
import { symlinkRefused } from './spec-links.js';
import type { ErrorCode } from '../diagnostics/catalog.js';

/** The "before" side of `fleet diff`. */
export interface Base {
  /** How the report names it: `origin/main@1a2b3c4`, or the folder. */
  readonly label: string;
  /** The base and the head, as the diff reads them. */
  readonly sides: Sides;
  /** What the base is: the output committed at the ref, the ref's spec rendered in memory, or a folder's files. */
  readonly source: BaseSource;
  /**
   * Apps the base spec marks stateful. None for a folder or a committed output, which hold no
   * spec: a stateful app renders a StatefulSet, which the diff finds where the app moves.
   */
  readonly stateful: readonly string[];
}

export type BaseSource = 'committed' | 'rendered' | 'folder';

/** Why there is no base: diagnostics to print (with the texts their spans point into). */
export interface BaseProblem {
  readonly diagnostics: readonly Diagnostic[];
  readonly sources: SourceTexts;
}

/**
 * `--base`: a folder holding rendered output (e.g. a checkout of the base branch's `out/`), or,
 * when no such folder exists, a git ref: its committed output when that is current (its lock
 * records the very spec committed with it), else its spec rendered in memory, with the placement
 * in that ref's own lock file as the previous placement (as `fleet synth` would have run there).
 * Compared with `head`, so that only the files that differ from the head's are held.
 */
export function readBase(base: string, specPath: string, outDir: string, head: HeadOutput): Base | BaseProblem {
  if (isDirectory(base)) return readOutputFolder(base, head);
  return readGitRef(base, specPath, outDir, head);
}

/**
 * The files fleet owns in an output folder: those its lock lists or that carry fleet's header, and
 * the lock. Every one is read and hashed, but only the texts that differ from the head's are kept.
 */
export function readOutputFolder(dir: string, head: HeadOutput): Base | BaseProblem {
  // An output folder has its lock at the top; a folder above one (`--base .` at a repository root)
  // would read the output's files as a cluster named after its folder.
  if (readText(join(dir, LOCK_FILE)) === undefined) {
    const below = readdirSync(dir, { withFileTypes: true }).find((e) => e.isDirectory() && readText(join(dir, e.name, LOCK_FILE)) !== undefined);
    return problem('diff_base_empty', `\`${dir}\` holds no fleet output (no ${LOCK_FILE} at its top)`, [
      below ? `did you mean its output folder: \`--base ${join(dir, below.name)}\`?` : 'pass the output folder of the base, e.g. `--base ../main/out`, or a git ref such as `--base origin/main`',
    ]);
  }
  const owned = new Set(Object.keys(parseLock(readText(join(dir, LOCK_FILE)))?.files ?? {}));
  const hashes = new Map<string, string>();
  const texts = new Map<string, string>();
  for (const path of listFiles(dir).sort()) {
    const text = readText(join(dir, path));
    if (text === undefined || !(path === LOCK_FILE || owned.has(path) || text.startsWith(GENERATED_MARK))) continue;
    const fileHash = `sha256:${hash('sha256', text)}`;
    hashes.set(path, fileHash);
    // The lock is read for its placement only (lockPlacement).
    if (head.hashes.get(path) !== fileHash) texts.set(path, path === LOCK_FILE ? lockWithoutFiles(text) : text);
  }
  if (hashes.size === 0) {
    return problem('diff_base_empty', `\`${dir}\` holds no fleet output (no ${LOCK_FILE}, no file fleet generated)`, [
      'pass the output folder of the base, e.g. `--base ../main/out`, or a git ref such as `--base origin/main`',
    ]);
  }
  return {
    label: dir,
    sides: {
      base: { files: hashes, text: (path) => texts.get(path) ?? head.text(path) },
      head: headSide(head),
    },
    source: 'folder',
    stateful: [],
  };
}

function readGitRef(ref: string, specPath: string, outDir: string, head: HeadOutput): Base | BaseProblem {
  // The repository is the one holding the spec, wherever fleet runs from.
  const git = gitIn(isDirectory(specPath) ? specPath : dirname(resolve(specPath)));
  let commit: string;
  let root: string;
  try {
    // One git: the work tree's top, then the commit (a bad ref fails the whole call).
    const answer = git('rev-parse', '--show-toplevel', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`).toString().trimEnd();
    const lastLine = answer.lastIndexOf('\n');
    if (lastLine < 0) throw new Error(`git rev-parse answered \`${answer}\``);
    root = answer.slice(0, lastLine);
    commit = answer.slice(lastLine + 1);
  } catch (error) {
    return problem('diff_bad_base', `\`${ref}\` is neither a folder nor a commit in the git repository of \`${specPath}\`${gitMessage(error)}`, [
      'pass a git ref (`origin/main`, a tag, a commit) or a folder holding rendered output',
      ...(ref.startsWith('origin/') ? ['in CI, fetch the base branch first (actions/checkout with `fetch-depth: 0`)'] : []),
    ]);
  }
  const short = commit.slice(0, 7);
  const label = /^[0-9a-f]{7,40}$/.test(ref) && commit.startsWith(ref) ? short : `${ref}@${short}`;
  const inRepo = (path: string) => relative(root, canonical(path)).split(sep).join(posix.sep);

  const spec = inRepo(specPath) || '.';
  if (spec.startsWith('..')) return problem('diff_bad_base', `the spec \`${specPath}\` is outside the git repository at ${root}`);
  const files: SpecFile[] = [];
  const diagnostics: Diagnostic[] = [];
  const repoPathOf = new Map<string, string>();
  const entries = specEntries(git, commit, spec);
  if (entries.length > LIMITS.maxFiles) return problem('spec_too_many_files', `\`${specPath}\` holds ${entries.length} YAML files at ${label}, more than ${LIMITS.maxFiles}`);
  for (const entry of entries) {
    const display = `${ref}:${relative(process.cwd(), join(root, entry.path)).split(sep).join(posix.sep)}`;
    const name = entry.path === spec ? posix.basename(spec) : posix.relative(spec, entry.path);
    let { object, size } = entry;
    if (entry.link) {
      // The same rule as in the working tree (spec-links.ts): followed to a regular file inside the repository, or refused at the link.
      const followed = followCommittedLink(git, commit, entry, display);
      const yaml = /\.ya?ml$/.test(entry.path);
      if ('refused' in followed) {
        if (yaml || followed.folder) diagnostics.push(followed.refused);
        continue;
      }
      if (!yaml) continue;
      ({ object, size } = followed);
    }
    const decoded = size > LIMITS.maxFileBytes ? tooLarge(display) : decodeSpecFile(display, name, git('cat-file', 'blob', object));
    // A file fleet generated (an output folder kept in the spec folder) is not spec, as readSpecFiles decides.
    if ('text' in decoded && entry.path !== spec && isGenerated(decoded.text)) continue;
    if ('text' in decoded) {
      files.push(decoded);
      repoPathOf.set(decoded.path, entry.path);
    } else diagnostics.push(decoded);
  }
  if (files.length === 0 && diagnostics.length === 0) return { label: `${label} (no spec at ${spec})`, sides: { base: sideOfTree(new Map()), head: headSide(head) }, source: 'rendered', stateful: [] };

  const sources = new Map(files.map((f) => [f.path, f.text]));
  const out = inRepo(outDir);
  const lockText = committedText(git, commit, `${out}/${LOCK_FILE}`);
  const { folders: manifests, read } = manifestFoldersAt(git, commit, ref, root, files, repoPathOf, diagnostics);
  // As readSpecFiles does: a manifests folder inside the spec folder is not spec.
  const specOnly = files.filter((f) => !read.some((at) => !posix.relative(at, repoPathOf.get(f.path)!).startsWith('..')));
  files.splice(0, files.length, ...specOnly);

  // The committed output is the base when its lock says it was rendered from the spec committed with it: no need to render that
  // again. Such a lock is fleet's (nothing else could hold that hash), so it is read without checkLock's scrutiny.
  const lock = out === '' || out.startsWith('..') ? undefined : lockSummary(lockText);
  if (lock && diagnostics.length === 0 && lock.inputs !== undefined && lock.inputs === specInputsHash(files, manifests)) {
    const sides = committedOutputSides(git, commit, out, lockText!, head);
    if (sides) return { label, sides, source: 'committed', stateful: [] };
  }

  // That ref's lock is the previous placement only if it is this fleet's (see output-owner.ts): compiled again without it otherwise.
  // Read as synth reads its own (the division where an override changed it), so the spec renders as synth rendered it there.
  const previous = previousOutputOf(lock ?? parseLock(lockText));
  const first = compile(files, { previous: previous.placement, manifests, meshCheck: false });
  const result = first.fleet && previous.fleet !== undefined && previous.fleet !== first.fleet.name ? compile(files, { manifests, meshCheck: false }) : first;
  const all = [...diagnostics, ...result.diagnostics];
  if (hasErrors(all) || !result.tree) {
    const errors = all.filter((d) => d.severity === 'error');
    return {
      diagnostics: [
        ...errors,
        {
          code: 'diff_base_invalid',
          severity: 'error',
          message: `the spec at ${label} has errors, so there is nothing to compare with`,
          help: ["compare with the base's committed output instead: `--base <folder>` (e.g. a `git worktree` of the base)"],
        },
      ],
      sources,
    };
  }
  const tree = result.tree;
  const base = { files: result.hashes!, text: (path: string) => tree.get(path)! };
  return { label, sides: { base, head: headSide(head) }, source: 'rendered', stateful: result.fleet!.apps.filter((a) => a.stateful).map((a) => a.id) };
}

/** The head as a side identified by sha256, as a folder or a rendered base is. */
function headSide(head: HeadOutput): DiffSide {
  return { files: head.hashes, text: (path) => head.text(path) };
}

interface TreeEntry {
  readonly object: string;
  readonly size: number;
  /** From the repository root. */
  readonly path: string;
  /** A symbolic link (mode 120000): its blob holds the target's path, not YAML. */
  readonly link: boolean;
}

/**
 * The spec's YAML files at `commit`, read the way readSpecFiles reads a folder: hidden entries
 * skipped, and in the same order (each folder's entries sorted by name), so both sides merge alike.
 */
/** The `apps[].manifests` folders the spec files name, as committed at `commit` (as readManifestFolders reads them from the working tree). */
function manifestFoldersAt(
  git: Git,
  commit: string,
  ref: string,
  root: string,
  files: readonly SpecFile[],
  repoPathOf: ReadonlyMap<string, string>,
  diagnostics: Diagnostic[],
): { folders: ManifestFolder[]; read: string[] } {
  const folders: ManifestFolder[] = [];
  const read: string[] = [];
  for (const file of files) {
    if (!file.text.includes('manifests')) continue;
    for (const folder of namedFolders(file.text)) {
      if (folders.some((f) => f.specFile === file.path && f.folder === folder)) continue;
      const at = posix.normalize(posix.join(posix.dirname(repoPathOf.get(file.path)!), folder));
      const entries = at.startsWith('..') ? [] : specEntries(git, commit, at).filter((e) => !e.link && e.path !== at);
      if (entries.length === 0) {
        folders.push({ specFile: file.path, folder, unreadable: `holds no YAML files at ${ref}` });
        continue;
      }
      const inFolder: SpecFile[] = [];
      read.push(at);
      for (const entry of entries) {
        const display = `${ref}:${relative(process.cwd(), join(root, entry.path)).split(sep).join(posix.sep)}`;
        const decoded = entry.size > LIMITS.maxFileBytes ? tooLarge(display) : decodeSpecFile(display, manifestFileName(file.name, folder, posix.relative(at, entry.path)), git('cat-file', 'blob', entry.object));
        if ('text' in decoded) inFolder.push(decoded);
        else diagnostics.push(decoded);
      }
      folders.push({ specFile: file.path, folder, files: inFolder });
    }
  }
  return { folders, read };
}

function specEntries(git: Git, commit: string, spec: string): TreeEntry[] {
  const listing = git('ls-tree', '-r', '-l', '-z', '--full-tree', commit, '--', spec).toString();
  const entries: TreeEntry[] = [];
  for (const line of listing.split('\0')) {
    const match = /^(\d+) blob ([0-9a-f]+)\s+(\d+)\t(.*)$/s.exec(line);
    if (!match) continue;
    const [, mode, object, size, path] = match;
    const link = mode === '120000';
    const below = path === spec ? posix.basename(path) : posix.relative(spec, path);
    // Links of any name are kept: one to a folder is refused, as in the working tree.
    if (below.startsWith('..') || below.split('/').some((segment) => segment.startsWith('.')) || (!link && !/\.ya?ml$/.test(path))) continue;
    entries.push({ object, size: Number(size), path, link });
  }
  // Output folders inside the spec folder (they hold fleet's lock) are not spec, as readSpecFiles decides.
  const outputFolders = listing
    .split('\0')
    .map((line) => /\t(.*)$/s.exec(line)?.[1])
    .filter((path): path is string => path !== undefined && posix.basename(path) === LOCK_FILE && posix.dirname(path) !== spec)
    .map((path) => `${posix.dirname(path)}/`);
  const outside = (e: TreeEntry) => !outputFolders.some((folder) => e.path.startsWith(folder));
  const segments = (e: TreeEntry) => e.path.split('/');
  return entries.filter(outside).sort((a, b) => {
    const [x, y] = [segments(a), segments(b)];
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
    return x.length - y.length;
  });
}

/** The text of the file committed at `path` (from the repository root) in `commit`; undefined when there is none. */
function committedText(git: Git, commit: string, path: string): string | undefined {
  try {
    return git.large(MAX_OUTPUT_FILE_BYTES, undefined, 'cat-file', 'blob', `${commit}:${path}`).toString('utf8');
  } catch {
    return undefined;
  }
}

/**
 * The blob a committed link leads to, under the working tree's rule (spec-links.ts): its target,
 * relative to the link's folder, must stay inside the repository and out of hidden folders, and end,
 * through any further links (git's `cat-file --follow-symlinks`, which stays inside the tree), at a
 * regular file. Anything else is refused at the link.
 */
function followCommittedLink(git: Git, commit: string, link: TreeEntry, display: string): { object: string; size: number } | { refused: Diagnostic; folder: boolean } {
  const refuse = (why: string, folder = false) => ({ refused: symlinkRefused(display, why), folder });
  const target = git('cat-file', 'blob', link.object).toString('utf8');
  const resolved = posix.normalize(posix.join(posix.dirname(link.path), target));
  if (posix.isAbsolute(target) || resolved === '..' || resolved.startsWith('../')) return refuse(`is a symbolic link to \`${target}\`, outside the repository`);
  if (resolved === '.') return refuse('is a symbolic link to a folder', true);
  if (resolved.split('/').some((segment) => segment.startsWith('.'))) return refuse(`is a symbolic link to \`${target}\`, a hidden path`);
  const answer = git.withInput(`${commit}:${resolved}\n`, 'cat-file', '--batch-check', '--follow-symlinks').toString('utf8');
  const [first, second] = answer.split('\n');
  const found = /^([0-9a-f]+) (blob|tree|commit) (\d+)$/.exec(first);
  if (found?.[2] === 'blob') return { object: found[1], size: Number(found[3]) };
  if (found) return refuse(found[2] === 'tree' ? 'is a symbolic link to a folder' : 'is a symbolic link to a submodule', found[2] === 'tree');
  // git's answers for links it cannot follow (git-cat-file(1), --follow-symlinks).
  if (first.startsWith('symlink ')) return refuse(`is a symbolic link to \`${second}\`, outside the repository`);
  if (first.startsWith('loop ')) return refuse('is a symbolic link that loops back on itself');
  return refuse('is a symbolic link to nothing (its target does not exist)');
}

/** `: fatal: not a git repository` from a failed git call, or nothing. */
function gitMessage(error: unknown): string {
  const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim().split('\n')[0];
  if ((error as { code?: string }).code === 'ENOENT') return ' (git is not installed)';
  return stderr ? ` (git: ${stderr})` : '';
}

function problem(code: ErrorCode, message: string, help: string[] = []): BaseProblem {
  return { diagnostics: [{ code, severity: 'error', message, help }], sources: new Map() };
}

/** The absolute path with symlinks resolved (as git reports the repository root), also for paths that do not exist yet. */
function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(resolve(path));
    return parent === resolve(path) ? parent : join(canonical(parent), basename(path));
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Far beyond any file fleet writes (a lock of thousands of apps is a few MiB); a larger one is not fleet's. */
const MAX_OUTPUT_FILE_BYTES = 256 * 1024 * 1024;

/** A file of the base folder as text; undefined when it is missing, unreadable, or not a regular file (a FIFO there must not hang diff). */
function readText(path: string): string | undefined {
  try {
    const read = readRegularFile(path, MAX_OUTPUT_FILE_BYTES);
    return 'bytes' in read ? read.bytes.toString('utf8') : undefined;
  } catch {
    return undefined;
  }
}

function listFiles(root: string, prefix = ''): string[] {
  return readdirSync(join(root, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? listFiles(root, path) : entry.isFile() ? [path] : [];
  });
}
