import { closeSync, existsSync, lstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, parse, relative, resolve, sep } from 'node:path';
import { GENERATED_MARK, LOCK_FILE } from '../phases/6-emit/index.js';
import { OutputFolderError } from './output-errors.js';

/**
 * Why `out` cannot be an output folder at all, whatever the spec: fleet replaces what it owns
 * there and hashes everything else, so it must be a folder of its own. Refused: an empty path;
 * the file system's root or the home folder; the working directory or a folder above it
 * (`--out .`, `--out ..`); a folder holding `.git` (a repository's root: fleet would write
 * cluster folders among the project's files); and, when given, a folder inside the spec folder
 * that holds the spec's own YAML (it would stop being read as spec). The output folder holding
 * the spec itself is refused by output-location.ts.
 */
export function outOptionProblem(out: string, spec?: string, cwd: string = process.cwd()): OutputFolderError | undefined {
  const fix = 'pass a folder of its own, e.g. `--out out` (the default is out/ beside the spec)';
  if (out.trim() === '') return new OutputFolderError('the output folder is empty (`--out ""`)', [fix], 'usage');
  const absolute = resolve(cwd, out);
  if (absolute === parse(absolute).root) return new OutputFolderError(`the output folder \`${out}\` is the root of the file system`, [fix], 'usage');
  if (absolute === resolve(homedir())) return new OutputFolderError(`the output folder \`${out}\` is your home folder`, [fix], 'usage');
  const up = relative(absolute, resolve(cwd));
  if (up === '' || (!up.startsWith(`..${sep}`) && up !== '..' && !isAbsolute(up))) {
    return new OutputFolderError(`the output folder \`${out}\` ${up === '' ? 'is' : 'holds'} the working directory`, [fix], 'usage');
  }
  if (existsSync(join(absolute, '.git'))) return new OutputFolderError(`the output folder \`${out}\` is the root of a git repository (it holds .git)`, [fix], 'usage');
  const kind = outputFolderKindProblem(out, absolute);
  if (kind) return kind;
  const specFile = spec === undefined ? undefined : specFileInside(spec, absolute, cwd);
  if (specFile) {
    return new OutputFolderError(`the output folder \`${out}\` is inside the spec folder and holds spec files (${specFile}): they would no longer be read as spec`, [fix], 'usage');
  }
  return undefined;
}

/**
 * A spec file (YAML without fleet's header) in `out` when `out` is a folder inside the spec folder
 * that is not already fleet's output (no lock): the first found, at most a few hundred entries looked at.
 */
function specFileInside(spec: string, out: string, cwd: string): string | undefined {
  const specFolder = resolve(cwd, spec);
  const below = relative(specFolder, out);
  if (below === '' || below.startsWith('..') || isAbsolute(below)) return undefined;
  if (!lstatSync(specFolder, { throwIfNoEntry: false })?.isDirectory() || existsSync(join(out, LOCK_FILE))) return undefined;
  let budget = 500;
  const find = (folder: string): string | undefined => {
    let entries;
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return undefined;
    }
    for (const entry of entries) {
      if (--budget < 0 || entry.name.startsWith('.')) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        const found = find(path);
        if (found) return found;
      } else if (entry.isFile() && /\.ya?ml$/.test(entry.name) && !startsWithMark(path)) return relative(cwd, path);
    }
    return undefined;
  };
  return find(out);
}

function startsWithMark(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(GENERATED_MARK.length);
    return readSync(fd, head, 0, head.length, 0) === head.length && head.toString('utf8') === GENERATED_MARK;
  } finally {
    closeSync(fd);
  }
}

/**
 * Why `out` (at `path`, resolved) is not a folder fleet can write into: something other than a
 * folder there (a file, a link even to a folder, which fleet would write through). Undefined when
 * it is a folder or absent.
 */
export function outputFolderKindProblem(out: string, path: string = out): OutputFolderError | undefined {
  let stats;
  try {
    stats = lstatSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') return new OutputFolderError(`the output folder \`${out}\` is below a file`, [`pass a folder path for --out`], 'usage');
    throw error;
  }
  if (stats.isDirectory()) return undefined;
  const what = stats.isSymbolicLink() ? (existsSync(path) ? 'a symbolic link' : 'a symbolic link to nothing') : stats.isFile() ? 'a file' : 'not a folder';
  return new OutputFolderError(
    `the output folder \`${out}\` is ${what}: fleet writes only into a real folder, and never follows a link it did not make`,
    [stats.isSymbolicLink() ? 'pass the folder the link points to with `--out`, or remove the link' : `move ${out} away, or pass another folder with \`--out\``],
    'usage',
  );
}
