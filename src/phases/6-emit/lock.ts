import type { PlacementPlan } from '../../model/plan.js';
import { FLUX_DIR } from './flux.js';

/** `out/fleet.lock.json`: what fleet placed and which files it owns. No timestamps, ever. */
export const LOCK_FILE = 'fleet.lock.json';

export interface Lock {
  readonly generator: 'fleet';
  readonly lockVersion: 1;
  readonly fleet: string;
  /**
   * What the output was rendered from: specInputsHash of the spec files and the apps' manifest
   * files (inputs.ts). A committed lock whose `inputs` is the hash of the spec committed with it
   * says that the committed output is that spec's, so `fleet diff --base REF` can read it instead
   * of rendering the spec again. Absent in locks written before fleet recorded it.
   */
  readonly inputs?: string;
  /**
   * The placement, so the next run can keep it stable and `fleet diff` can explain moves: replicas
   * per cluster as rendered, and placement's own division where an override changed it (the next
   * run continues from the division).
   */
  readonly placement: readonly LockedPlacement[];
  /** Every file fleet wrote, relative to the output folder, with the sha256 of its bytes. */
  readonly files: Readonly<Record<string, string>>;
}

export interface LockedPlacement {
  readonly namespace: string;
  readonly name: string;
  readonly clusters: Readonly<Record<string, number>>;
  readonly divided?: Readonly<Record<string, number>>;
}

export function makeLock(fleet: string, plan: PlacementPlan, files: Readonly<Record<string, string>>, inputs?: string): Lock {
  return {
    generator: 'fleet',
    lockVersion: 1,
    fleet,
    ...(inputs === undefined ? {} : { inputs }),
    placement: plan.apps.map((a) => ({ namespace: a.namespace, name: a.name, clusters: a.clusters, ...(a.divided ? { divided: a.divided } : {}) })),
    files,
  };
}

/** Reads a lock file's text; undefined when it is missing or not a fleet lock (then nothing counts as owned). */
export function parseLock(text: string | undefined): Lock | undefined {
  if (text === undefined) return undefined;
  try {
    const lock = JSON.parse(text) as Lock;
    return lock?.generator === 'fleet' && typeof lock.files === 'object' ? lock : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Gives `each` path a lock lists, in the list's order (by path), as parseLock reads them; false,
 * giving none, when it is not a fleet lock. In the layout fleet writes (lockPieces: one
 * `"path": "<hash>"` line per file, FILE_LINE, whose paths need no escape), the lines are checked,
 * then each path is taken from its line and nothing is made of the hashes: at fleet scale the
 * parsed list is an object of 400,000 keys and as many hashes, and a command that asks which files
 * the lock owns needs the paths. A lock laid out otherwise is parsed.
 */
export function forEachLockedPath(text: string, each: (path: string) => void): boolean {
  const layout = fleetLayout(text);
  if (layout && layout.rest.generator === 'fleet' && fileLinesAreFleets(text, layout.lines)) {
    fileLinesAreFleets(text, layout.lines, each);
    return true;
  }
  const files = parseLock(text)?.files;
  if (!files) return false;
  for (const path of Object.keys(files).sort()) each(path);
  return true;
}

/**
 * Path -> hash of every file a lock's text lists, as parseLock reads them; undefined when it is not
 * a fleet lock. In the layout fleet writes, the lines are checked and read where they are (no
 * object of 400,000 keys and values made on the way); a lock laid out otherwise is parsed.
 */
export function lockedHashes(text: string | undefined): Map<string, string> | undefined {
  if (text === undefined) return undefined;
  const layout = fleetLayout(text);
  const grouped = layout && layout.rest.generator === 'fleet' && fileLinesAreFleets(text, layout.lines) ? LockedFiles.of(text, layout) : undefined;
  if (grouped) return grouped.hashes();
  const files = parseLock(text)?.files;
  return files && new Map(Object.entries(files));
}

/**
 * The lines of a lock's list of files (`    "<path>": "sha256:<hex>"`, joined by `,\n` as the lock
 * holds them), for one group of files: see lockGroupOf.
 */
export interface LockLines {
  readonly text: string;
  /** How many lines (files). */
  readonly count: number;
}

/**
 * The group a path of the output belongs to in the lock's list: the folder of its cluster
 * (`eu-1/`) or of its cluster's Flux entrypoints (`_flux/eu-1/`), with the slash; a path outside
 * any (a file at the top) is a group of its own. No group's name starts another's, and every path
 * of a group starts with its name, so groups sort as their paths do: the list, sorted by path,
 * holds each group's lines together, and in the order of the groups' names.
 */
export function lockGroupOf(path: string): string {
  const slash = path.indexOf('/');
  if (slash === -1) return path;
  if (slash !== FLUX_DIR.length || !path.startsWith(FLUX_DIR)) return path.slice(0, slash + 1);
  const next = path.indexOf('/', slash + 1);
  return next === -1 ? path : path.slice(0, next + 1);
}

/** The groups of a cluster's files (lockGroupOf): its folder, and its Flux entrypoints' folder. */
export function lockGroupsOfCluster(cluster: string): readonly [string, string] {
  return [`${cluster}/`, `${FLUX_DIR}/${cluster}/`];
}

/**
 * A lock's list of files by group (lockGroupOf), as lines of text: an incremental compile carries
 * the lines of the clusters it does not render again into the new lock as they are, and a command
 * parses only the groups it looks into (hashes). At fleet scale the list is 100,000 lines, and a
 * one-app change renders a dozen clusters of a hundred.
 */
export class LockedFiles {
  private constructor(private readonly groups: ReadonlyMap<string, LockLines>) {}

  /**
   * The list of a lock's text in the layout fleet writes (see fleetLayout), cut into its groups'
   * lines without reading the hashes; undefined for a text laid out otherwise, or whose groups'
   * lines are not each together (fleet writes the list sorted by path). Takes the list's lines to
   * be FILE_LINEs: for a lock this build did not write, checkLockSummary says so first.
   */
  static of(text: string, layout: FleetLayout | undefined = fleetLayout(text)): LockedFiles | undefined {
    if (!layout) return text.endsWith(EMPTY_LIST) && beforeFileList(text) ? new LockedFiles(new Map()) : undefined;
    if (!text.endsWith(LIST_END)) return undefined;
    const groups = new Map<string, LockLines>();
    const end = text.length - LIST_END.length;
    let group = '';
    // What every line of `group` starts with after its indent: a folder's name, or a file's path and its closing quote.
    let lineStart = '';
    let start = layout.lines;
    let count = 0;
    for (let at = layout.lines; at < end; at = text.indexOf('\n', at) + 1) {
      if (count > 0 && text.startsWith(lineStart, at + PATH_AT)) {
        count++;
        continue;
      }
      if (count > 0) groups.set(group, { text: text.slice(start, at - LINE_SEPARATOR.length), count });
      group = lockGroupOf(text.slice(at + PATH_AT, text.indexOf('"', at + PATH_AT)));
      // A group's lines apart (a list not sorted by path, which fleet never writes): read as parsed instead.
      if (groups.has(group)) return undefined;
      lineStart = group.endsWith('/') ? group : `${group}"`;
      start = at;
      count = 1;
    }
    if (count > 0) groups.set(group, { text: text.slice(start, end), count });
    return new LockedFiles(groups);
  }

  /** The same from a list parsed (a lock laid out otherwise). */
  static fromList(files: Readonly<Record<string, string>>): LockedFiles {
    const lines = new Map<string, string[]>();
    for (const path of Object.keys(files).sort()) {
      const group = lockGroupOf(path);
      let groupLines = lines.get(group);
      if (!groupLines) lines.set(group, (groupLines = []));
      groupLines.push(lockLine(path, files[path]));
    }
    return new LockedFiles(new Map([...lines].map(([group, list]) => [group, { text: list.join(LINE_SEPARATOR), count: list.length }])));
  }

  /** A group's lines (lockGroupOf: `eu-1/`, `_flux/eu-1/`), undefined when the list has none. */
  lines(group: string): LockLines | undefined {
    return this.groups.get(group);
  }

  /** Path -> hash of every file the list holds but those of the groups `except` names, parsed now. */
  hashes(except: (group: string) => boolean = () => false): Map<string, string> {
    const hashes = new Map<string, string>();
    for (const [group, lines] of this.groups) {
      if (except(group)) continue;
      for (const line of lines.text.split(LINE_SEPARATOR)) {
        // A line of FILE_LINE, or one lockLine escaped (a path with a quote, a backslash or a control character).
        const entry = line.includes('\\') ? (Object.entries(JSON.parse(`{${line}}`))[0] as [string, string]) : [line.slice(PATH_AT, line.indexOf('"', PATH_AT)), line.slice(-HASH_LENGTH - 1, -1)];
        hashes.set(entry[0], entry[1]);
      }
    }
    return hashes;
  }
}

/**
 * A group's lines (see LockedFiles.lines) with some of its files' hashes replaced, each line in its
 * place, and those of `files` whose hash changed; undefined when one of `files` is not in the lines
 * (a file whose line to replace is not there: the group's list of files is not the same).
 */
export function withReplacedHashes<F extends { readonly path: string; readonly hash: string }>(lines: LockLines, files: readonly F[]): { lines: LockLines; changed: F[] } | undefined {
  const replaced: { at: number; hash: string }[] = [];
  const changed: F[] = [];
  for (const file of files) {
    const before = lockLine(file.path, '').slice(0, -2); // the line before its hash's opening quote
    const line = lines.text.startsWith(before) ? 0 : lines.text.indexOf(`\n${before}`) + 1;
    if (line === 0 && !lines.text.startsWith(before)) return undefined;
    const at = line + before.length + 1;
    if (lines.text.charAt(at + HASH_LENGTH) !== '"') return undefined;
    if (lines.text.slice(at, at + HASH_LENGTH) === file.hash) continue;
    replaced.push({ at, hash: file.hash });
    changed.push(file);
  }
  if (replaced.length === 0) return { lines, changed };
  replaced.sort((a, b) => a.at - b.at);
  let text = '';
  let from = 0;
  for (const { at, hash } of replaced) {
    text += lines.text.slice(from, at) + hash;
    from = at + HASH_LENGTH;
  }
  return { lines: { text: text + lines.text.slice(from), count: lines.count }, changed };
}

/** One line of a lock's list of files, as lockPieces writes it. */
export function lockLine(path: string, fileHash: string): string {
  return `    ${quoted(path)}: ${quoted(fileHash)}`;
}

/** JSON.stringify(text), without its call for the plain strings paths and hashes are. */
function quoted(text: string): string {
  return /["\\\u0000-\u001f\ud800-\udfff]/.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/** What separates the lines of a lock's list, and what follows the last one. */
export const LINE_SEPARATOR = ',\n';
const LIST_END = '\n  }\n}\n';
/** `sha256:` and 64 hex digits. */
const HASH_LENGTH = 71;

/** A lock without its list of files: what it says of the run that wrote it. */
export type LockSummary = Omit<Lock, 'files'>;

/**
 * A lock's text as parseLock reads it, but for the list of files, which is not parsed: it is
 * nearly all of a lock at fleet scale (100,000 lines). Fleet writes it last, as a top-level key at
 * two spaces' indent (lockText), so the text before it is the rest of the lock; a lock laid out
 * otherwise is parsed whole. Undefined when it is not a fleet lock.
 */
export function lockSummary(text: string | undefined): LockSummary | undefined {
  if (text === undefined) return undefined;
  const rest = beforeFileList(text)?.rest as Partial<Lock> | null | undefined;
  if (rest?.generator === 'fleet') return { ...rest, placement: Array.isArray(rest.placement) ? rest.placement : [] } as LockSummary;
  const lock = parseLock(text);
  if (!lock) return undefined;
  const { files: _, ...summary } = lock;
  return { ...summary, placement: summary.placement ?? [] };
}

/** The placement of a lock's text (see lockSummary). */
export function lockPlacement(text: string | undefined): readonly LockedPlacement[] | undefined {
  return lockSummary(text)?.placement;
}

/**
 * A lock's text with an empty list of files, for what reads only the rest of it (lockSummary,
 * lockPlacement): a few kilobytes where the whole lock of a large fleet is tens of megabytes.
 */
export function lockWithoutFiles(text: string): string {
  const summary = lockSummary(text);
  return summary ? `${JSON.stringify({ ...summary, files: {} }, null, 2)}\n` : text;
}

/** Where a lock's text is wrong: a message, and the 0-based offset it points at (for `file:line:col`). */
export interface LockProblem {
  readonly message: string;
  readonly offset: number;
}

/**
 * Checks a lock's text as fleet wrote it: JSON with the shape of Lock, replica counts whole numbers
 * from 0, file hashes and `inputs` (when there) `sha256:<64 hex>`. A lock is fleet's memory of the
 * last placement: read loosely, a truncated or merge-conflicted one would silently mean "no
 * previous placement" (a stateful app moves, its old files are left unlisted and Flux prunes them),
 * and a replica count of 2.5 would be rendered. So any flaw is reported, where it is, and nothing
 * of the lock is used.
 */
export function checkLock(text: string): Lock | LockProblem {
  const conflict = CONFLICT_MARKER.exec(text);
  if (conflict) return { message: 'it holds merge-conflict markers (`<<<<<<<`, `=======`, `>>>>>>>`)', offset: conflict.index };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { message: `it is not valid JSON${text.trim() === '' ? ' (it is empty)' : ''}: ${(error as Error).message}`, offset: jsonErrorOffset(error, text) };
  }
  const problem = lockShapeProblem(value);
  return problem ? { message: problem.message, offset: offsetOfPath(text, problem.path) } : (value as Lock);
}

/**
 * checkLock's verdict on everything but the list of files, which is not made into an object
 * (nearly all of a lock at fleet scale: 400,000 entries a command reading the previous placement
 * never looks at). In the layout fleet writes (lockPieces: the list last, one `"path": "<hash>"`
 * line per file), the list's lines are tested where they lie and the rest is parsed and checked as
 * checkLock does; a lock laid out otherwise, or flawed, gets checkLock's verdict, message and place.
 */
export function checkLockSummary(text: string): LockSummary | LockProblem {
  const layout = fleetLayout(text);
  if (layout && fileLinesAreFleets(text, layout.lines) && !lockShapeProblem({ ...layout.rest, files: {} })) return layout.rest as unknown as LockSummary;
  const checked = checkLock(text);
  if (isLockProblem(checked)) return checked;
  const { files: _, ...summary } = checked;
  return summary;
}

/** A lock, checked, with its list of files by group (LockedFiles) rather than parsed. */
export interface GroupedLock extends LockSummary {
  readonly files: LockedFiles;
}

/**
 * A lock's text as checkLockSummary checks it, its list read by group (LockedFiles). `written`:
 * this very build wrote it, so it is a lock by construction: only what comes before the list is
 * parsed, unchecked (a text not laid out as fleet writes is checked after all).
 */
export function readGroupedLock(text: string, { written = false } = {}): GroupedLock | LockProblem {
  if (written) {
    const layout = fleetLayout(text);
    const files = layout && LockedFiles.of(text, layout);
    if (layout && files && layout.rest.generator === 'fleet') return { ...(layout.rest as unknown as LockSummary), files };
  }
  const checked = checkLockSummary(text);
  if (isLockProblem(checked)) return checked;
  return { ...checked, files: LockedFiles.of(text) ?? LockedFiles.fromList(parseLock(text)?.files ?? {}) };
}

/**
 * Everything of a lock's text but its list of files, parsed (`rest`), and where the list's value
 * starts (`list`), when the list is where lockPieces writes it: the last top-level key, at two
 * spaces' indent (JSON strings hold no raw line break, so this is that key). Undefined for a text
 * laid out otherwise.
 */
function beforeFileList(text: string): { rest: unknown; list: number } | undefined {
  const files = text.indexOf(FILES_KEY);
  if (files === -1) return undefined;
  try {
    return { rest: JSON.parse(`${text.slice(0, files).replace(/,\s*$/, '')}\n}`), list: files + FILES_KEY.length };
  } catch {
    return undefined;
  }
}

interface FleetLayout {
  readonly rest: Record<string, unknown>;
  readonly lines: number;
}

/**
 * A lock's text in the layout lockPieces writes, up to its list of files: no merge-conflict marker,
 * everything before the list parsed (`rest`, without a `files` key of its own), and where the
 * list's lines start (`lines`). Whether those lines are fleet's is fileLinesAreFleets' to say.
 */
function fleetLayout(text: string): FleetLayout | undefined {
  const before = CONFLICT_MARKER.test(text) ? undefined : beforeFileList(text);
  if (!before || !text.startsWith('{\n', before.list) || !isRecord(before.rest) || Object.hasOwn(before.rest, 'files')) return undefined;
  return { rest: before.rest, lines: before.list + 2 };
}

const FILES_KEY = '\n  "files": ';
/** How a lock with no files ends. */
const EMPTY_LIST = `${FILES_KEY}{}\n}\n`;
const CONFLICT_MARKER = /^(<{7}|={7}|>{7})(?: |$)/m;
/** One line of the list as lockPieces writes it, and after the last one the end of the lock. */
const FILE_LINE = /    "[^"\\\u0000-\u001f]*": "sha256:[0-9a-f]{64}"(?:,\n|\n  \}\n\}\n)/y;

/** Whether the text from `start` is lines of FILE_LINE up to the lock's end; `each` is given each line's path (which needs no escape there). */
function fileLinesAreFleets(text: string, start: number, each?: (path: string) => void): boolean {
  for (let at = start; at < text.length; at = FILE_LINE.lastIndex) {
    FILE_LINE.lastIndex = at;
    if (!FILE_LINE.test(text)) return false;
    if (each) each(text.slice(at + PATH_AT, text.indexOf('"', at + PATH_AT)));
  }
  return text.endsWith('\n  }\n}\n');
}

/** Where a FILE_LINE's path starts: after its indent and opening quote. */
const PATH_AT = '    "'.length;

/** True for what checkLock returns when the lock is flawed. */
export function isLockProblem(checked: Lock | LockSummary | GroupedLock | LockProblem): checked is LockProblem {
  return 'offset' in checked && 'message' in checked;
}

const HASH = /^sha256:[0-9a-f]{64}$/;

/** The first field of `value` that a lock fleet wrote could not hold, with its JSON path; undefined when it is a well-formed lock. */
function lockShapeProblem(value: unknown): { message: string; path: (string | number)[] } | undefined {
  if (!isRecord(value)) return { message: 'it is not a JSON object', path: [] };
  if (value.generator !== 'fleet') return { message: '`generator` is not "fleet": this is not a fleet lock', path: ['generator'] };
  if (value.lockVersion !== 1) return { message: `\`lockVersion\` ${JSON.stringify(value.lockVersion)} is not one this fleet reads (1)`, path: ['lockVersion'] };
  if (typeof value.fleet !== 'string' || value.fleet === '') return { message: '`fleet` is not a fleet name', path: ['fleet'] };
  if (Object.hasOwn(value, 'inputs') && (typeof value.inputs !== 'string' || !HASH.test(value.inputs))) {
    return { message: `\`inputs\` is ${JSON.stringify(value.inputs)}, not a \`sha256:<hex>\` hash`, path: ['inputs'] };
  }
  if (!Array.isArray(value.placement)) return { message: '`placement` is not a list', path: ['placement'] };
  for (const [i, entry] of value.placement.entries()) {
    if (!isRecord(entry)) return { message: `\`placement[${i}]\` is not an object`, path: ['placement', i] };
    for (const key of ['namespace', 'name'] as const) {
      if (typeof entry[key] !== 'string' || entry[key] === '') return { message: `\`placement[${i}].${key}\` is not a name`, path: ['placement', i, key] };
    }
    for (const key of ['clusters', 'divided'] as const) {
      if (key === 'divided' && !Object.hasOwn(entry, key)) continue;
      const replicas = entry[key];
      if (!isRecord(replicas)) return { message: `\`placement[${i}].${key}\` is not an object of cluster -> replicas`, path: ['placement', i, key] };
      for (const [cluster, count] of Object.entries(replicas)) {
        if (!Number.isSafeInteger(count) || (count as number) < 0) {
          return { message: `\`placement[${i}].${key}.${cluster}\` is ${JSON.stringify(count)}, not a whole number of replicas from 0`, path: ['placement', i, key, cluster] };
        }
      }
    }
  }
  if (!isRecord(value.files)) return { message: '`files` is not an object of path -> hash', path: ['files'] };
  for (const [path, fileHash] of Object.entries(value.files)) {
    if (typeof fileHash !== 'string' || !HASH.test(fileHash)) return { message: `\`files\` has ${JSON.stringify(fileHash)} for \`${path}\`, not a \`sha256:<hex>\` hash`, path: ['files', path] };
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Where JSON.parse stopped: V8 says `at position N`, newer V8 also `(line L column C)`; a text cut
 * short ("Unexpected end of JSON input") is wrong at its end.
 */
function jsonErrorOffset(error: unknown, text: string): number {
  const message = (error as Error).message;
  const position = /at position (\d+)/.exec(message);
  if (position) return Math.min(Number(position[1]), text.length);
  const lineColumn = /\(line (\d+) column (\d+)\)/.exec(message);
  if (lineColumn) {
    let offset = 0;
    for (let line = 1; line < Number(lineColumn[1]); line++) offset = text.indexOf('\n', offset) + 1;
    return Math.min(offset + Number(lineColumn[2]) - 1, text.length);
  }
  return text.length;
}

/**
 * The offset of the value at `path` in JSON `text`, found by scanning keys in order (fleet writes
 * its lock with JSON.stringify, one key per line): good enough to point at the flaw, and 0 when
 * the path cannot be followed.
 */
function offsetOfPath(text: string, path: readonly (string | number)[]): number {
  let offset = 0;
  for (const step of path) {
    if (typeof step === 'number') {
      // The step-th element of the list that opens at or after `offset`.
      let depth = 0;
      let seen = -1;
      let expecting = true;
      let found = false;
      for (let i = text.indexOf('[', offset) + 1; i > 0 && i < text.length && depth >= 0 && !found; i++) {
        const c = text[i];
        if (depth === 0 && expecting && !/\s/.test(c) && c !== ']') {
          expecting = false;
          if (++seen === step) {
            offset = i;
            found = true;
            continue;
          }
        }
        if (c === '"') i = endOfString(text, i);
        else if (c === '{' || c === '[') depth++;
        else if (c === '}' || c === ']') depth--;
        else if (c === ',' && depth === 0) expecting = true;
      }
      if (!found) return 0;
    } else {
      const at = text.indexOf(JSON.stringify(step), offset);
      if (at === -1) return 0;
      offset = at;
    }
  }
  return offset;
}

/** The index of the quote that closes the JSON string opening at `start`. */
function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return text.length;
}
