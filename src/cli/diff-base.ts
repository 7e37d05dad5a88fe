import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, posix, relative, resolve, sep } from 'node:path';
import { compile } from '../compiler.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import type { SourceTexts } from '../diagnostics/format.js';
import { LIMITS } from '../phases/1-load/limits.js';
import type { SpecFile } from '../phases/1-load/index.js';
import { GENERATED_MARK, LOCK_FILE, parseLock, type OutputTree } from '../phases/6-emit/index.js';
import type { PreviousOutput } from './output-owner.js';
import { decodeSpecFile, isGenerated, tooLarge } from './spec-files.js';

/** The "before" side of `fleet diff`. */
export interface Base {
  /** How the report names it: `origin/main@1a2b3c4`, or the folder. */
  readonly label: string;
  readonly tree: OutputTree;
  /** Apps the base spec marks stateful (none for a folder: it holds no spec). */
  readonly stateful: readonly string[];
}

/** Why there is no base: diagnostics to print (with the texts their spans point into). */
export interface BaseProblem {
  readonly diagnostics: readonly Diagnostic[];
  readonly sources: SourceTexts;
}

/**
 * `--base`: a folder holding rendered output (e.g. a checkout of the base branch's `out/`), or,
 * when no such folder exists, a git ref whose spec is rendered in memory, with the placement in
 * that ref's own lock file as the previous placement (as `fleet synth` would have run there).
 */
export function readBase(base: string, specPath: string, outDir: string): Base | BaseProblem {
  if (isDirectory(base)) return readOutputFolder(base);
  return readGitRef(base, specPath, outDir);
}

/** The files fleet owns in an output folder: those its lock lists or that carry fleet's header, and the lock. */
export function readOutputFolder(dir: string): Base | BaseProblem {
  const owned = new Set(Object.keys(parseLock(readText(join(dir, LOCK_FILE)))?.files ?? {}));
  const tree = new Map<string, string>();
  for (const path of listFiles(dir)) {
    const text = readText(join(dir, path));
    if (text !== undefined && (path === LOCK_FILE || owned.has(path) || text.startsWith(GENERATED_MARK))) tree.set(path, text);
  }
  if (tree.size === 0) {
    return problem('diff_base_empty', `\`${dir}\` holds no fleet output (no ${LOCK_FILE}, no file fleet generated)`, [
      'pass the output folder of the base, e.g. `--base ../main/out`, or a git ref such as `--base origin/main`',
    ]);
  }
  return { label: dir, tree: new Map([...tree].sort(([a], [b]) => (a < b ? -1 : 1))), stateful: [] };
}

function readGitRef(ref: string, specPath: string, outDir: string): Base | BaseProblem {
  // The repository is the one holding the spec, wherever fleet runs from.
  const git = gitIn(isDirectory(specPath) ? specPath : dirname(resolve(specPath)));
  let commit: string;
  let root: string;
  try {
    commit = git('rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`).toString().trim();
    root = git('rev-parse', '--show-toplevel').toString().trim();
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
  const entries = specEntries(git, commit, spec);
  if (entries.length > LIMITS.maxFiles) return problem('spec_too_many_files', `\`${specPath}\` holds ${entries.length} YAML files at ${label}, more than ${LIMITS.maxFiles}`);
  for (const entry of entries) {
    const display = `${ref}:${relative(process.cwd(), join(root, entry.path)).split(sep).join(posix.sep)}`;
    const name = entry.path === spec ? posix.basename(spec) : posix.relative(spec, entry.path);
    const decoded = entry.size > LIMITS.maxFileBytes ? tooLarge(display) : decodeSpecFile(display, name, git('cat-file', 'blob', entry.object));
    // A file fleet generated (an output folder kept in the spec folder) is not spec, as readSpecFiles decides.
    if ('text' in decoded && entry.path !== spec && isGenerated(decoded.text)) continue;
    if ('text' in decoded) files.push(decoded);
    else diagnostics.push(decoded);
  }
  if (files.length === 0 && diagnostics.length === 0) return { label: `${label} (no spec at ${spec})`, tree: new Map(), stateful: [] };

  const sources = new Map(files.map((f) => [f.path, f.text]));
  // That ref's lock is the previous placement only if it is this fleet's (see output-owner.ts): compiled again without it otherwise.
  const previous = previousOutputAt(git, commit, `${inRepo(outDir)}/${LOCK_FILE}`);
  const first = compile(files, { previous: previous.placement });
  const result = first.fleet && previous.fleet !== undefined && previous.fleet !== first.fleet.name ? compile(files) : first;
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
          help: ['compare with the base\'s committed output instead: `--base <folder>` (e.g. a `git worktree` of the base)'],
        },
      ],
      sources,
    };
  }
  return { label, tree: result.tree, stateful: result.fleet!.apps.filter((a) => a.stateful).map((a) => a.id) };
}

interface TreeEntry {
  readonly object: string;
  readonly size: number;
  /** From the repository root. */
  readonly path: string;
}

/**
 * The spec's YAML files at `commit`, read the way readSpecFiles reads a folder: hidden entries
 * skipped, and in the same order (each folder's entries sorted by name), so both sides merge alike.
 */
function specEntries(git: Git, commit: string, spec: string): TreeEntry[] {
  const listing = git('ls-tree', '-r', '-l', '-z', '--full-tree', commit, '--', spec).toString();
  const entries: TreeEntry[] = [];
  for (const line of listing.split('\0')) {
    const match = /^\d+ blob ([0-9a-f]+)\s+(\d+)\t(.*)$/s.exec(line);
    if (!match) continue;
    const [, object, size, path] = match;
    const below = path === spec ? posix.basename(path) : posix.relative(spec, path);
    if (below.startsWith('..') || below.split('/').some((segment) => segment.startsWith('.')) || !/\.ya?ml$/.test(path)) continue;
    entries.push({ object, size: Number(size), path });
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

/** The fleet and placement of the lock committed at `commit`; no fleet and an empty placement when there is none. */
function previousOutputAt(git: Git, commit: string, lockPath: string): PreviousOutput {
  let text: string | undefined;
  try {
    text = git('cat-file', 'blob', `${commit}:${lockPath}`).toString('utf8');
  } catch {
    return { placement: new Map() };
  }
  const lock = parseLock(text);
  return { fleet: lock?.fleet, placement: new Map((lock?.placement ?? []).map((p) => [`${p.namespace}/${p.name}`, { ...p.clusters }])) };
}

type Git = (...args: string[]) => Buffer;

function gitIn(cwd: string): Git {
  return (...args) => execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 2 * LIMITS.maxFileBytes });
}

/** `: fatal: not a git repository` from a failed git call, or nothing. */
function gitMessage(error: unknown): string {
  const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim().split('\n')[0];
  if ((error as { code?: string }).code === 'ENOENT') return ' (git is not installed)';
  return stderr ? ` (git: ${stderr})` : '';
}

function problem(code: string, message: string, help: string[] = []): BaseProblem {
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

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
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
