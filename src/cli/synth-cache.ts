import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { SpecFile } from '../phases/1-load/index.js';
import type { PreviousRender } from '../compiler.js';
import { clusterOfOutputPath, FLUX_DIR } from '../phases/6-emit/flux.js';
import { type GroupedLock, LOCK_FILE } from '../phases/6-emit/index.js';
import { entryOf, everyLine, fileStamp, forEachLine, linesUnder, type RecordedStamps, type StampCheck, statsUnder } from './file-stamps.js';
import { leftoversOf, type Stamps } from './output-folder.js';
import { BUILD_ID_FILE, SCHEMA_FILE } from '../package-files.js';
import type { Io } from './io.js';
import { startStampCheck, THREAD_WORTH_BYTES } from './stamp-check.js';
import { readSpecFiles, type ReadSpecResult } from './spec-files.js';
import { readText } from './read-text.js';
import { writeText } from './write-text.js';

/**
 * The incremental fast path of `fleet synth` (like `tsc --incremental`): after a successful synth,
 * remember what went in (fleet's build, the spec, the output folder's path), each cluster's render
 * inputs (see src/phases/5-render/render-inputs.ts) and the state of every file and folder under
 * the output folder (size, times, inode). When the next synth finds all of that the same, compiling would
 * write nothing, so it prints what the last run printed and stops. When only the spec changed, the
 * compile renders only the clusters whose render inputs changed and carries the others' files
 * over (previousRender), for the clusters whose files are still as that synth wrote them.
 *
 * The cache lives outside the output folder (which stays byte-identical and deterministic), in
 * `node_modules/.cache/fleet/` as babel, eslint and terser do. It is only ever an optimisation: a
 * cache that cannot be read is a miss, and one that cannot be written is skipped.
 */

const CACHE_FORMAT = 4;

/** What a synth printed and counted, replayed by a hit. */
export interface SynthSummary {
  /** The diagnostics (warnings) the compile printed to stderr, as printed. */
  readonly warnings: string;
  readonly clusters: number;
  readonly files: number;
}

interface CacheRecord extends SynthSummary {
  readonly format: typeof CACHE_FORMAT;
  readonly key: string;
  /** fleet's build that wrote the output: render inputs are only comparable within one build. */
  readonly build: string;
  /** Each cluster's render inputs, as compile() reported them (CompileResult.renderInputs). */
  readonly renderInputs: Readonly<Record<string, string>>;
  /** One `path \t stamp` line per file under the output folder (see Stamps), in no particular order. */
  readonly tree: string;
  /**
   * One `path \t stamp` line per folder under the output folder, itself as `.` (see readTreeState).
   * While every folder keeps its stamp, no entry was added to, removed from or renamed in any of
   * them, so the files under the output folder are exactly those `tree` lists.
   */
  readonly folders: string;
}

export interface CacheLocationOptions {
  /** False for `--no-cache`. */
  readonly enabled: boolean;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * The cache file for the output folder `outDir`, or undefined when there is no cache: disabled
 * (`--no-cache`, `FLEET_CACHE=0`), or no `node_modules` in the working directory and no
 * `FLEET_CACHE_DIR`. One file per output folder, named by the sha256 of its absolute path.
 */
export function cacheFileFor(outDir: string, { enabled, cwd, env }: CacheLocationOptions): string | undefined {
  if (!enabled || env.FLEET_CACHE === '0' || env.FLEET_CACHE === 'false') return undefined;
  const folder = env.FLEET_CACHE_DIR ? resolve(cwd, env.FLEET_CACHE_DIR) : existsSync(join(cwd, 'node_modules')) ? join(cwd, 'node_modules', '.cache', 'fleet') : undefined;
  if (folder === undefined) return undefined;
  const out = resolve(cwd, outDir);
  const file = join(folder, `${sha256(out)}.json`);
  // A cache inside the output folder would change the very state it records (and land in out/).
  const inside = relative(out, file);
  return inside.startsWith('..') || isAbsolute(inside) ? file : undefined;
}

/**
 * fleet's own part of the key: dist/build-id.json (every file of the build and package-lock.json),
 * the spec schema (read from schema/ at run time, so an edit there counts even before a rebuild)
 * and the Node version. Undefined when there is no build id.
 */
export function fleetBuildId(): string | undefined {
  try {
    const { id } = JSON.parse(readFileSync(BUILD_ID_FILE, 'utf8')) as { id?: unknown };
    if (typeof id !== 'string' || id === '') return undefined;
    return sha256(`${id}\0${sha256(readFileSync(SCHEMA_FILE))}\0${process.version}`);
  } catch {
    return undefined;
  }
}

/**
 * The cache key: fleet's build, every spec file in the order compile reads them (its path, which
 * diagnostics print; its name, which generated files' headers print; its text) and the absolute
 * output folder.
 */
export function cacheKey(buildId: string, spec: readonly SpecFile[], outDir: string): string {
  const key = createHash('sha256').update(`fleet synth cache ${CACHE_FORMAT}\0${buildId}\0${outDir}\0${spec.length}\0`);
  // Lengths first, so no two different specs feed the same bytes.
  for (const file of spec) key.update(`${file.path}\0${file.name}\0${Buffer.byteLength(file.text)}\0`).update(file.text);
  return key.digest('hex');
}

export interface TreeState {
  /** `path \t size \t mtimeMs \t ctimeMs \t ino` per file (anything not a folder, links included), `/`-separated paths; empty when the walk was asked not to stamp files. */
  readonly entries: string[];
  /** One `path \t stamp` line per folder, the root as `.`: the record's `folders`. */
  readonly folders: string;
  /** Folder (as in `folders`) -> how many entries that are not folders (files, links) it holds. */
  readonly fileCounts: ReadonlyMap<string, number>;
  /** The latest ctime of any folder or stamped file: every change sets its ctime to the clock's time, and nothing else can. */
  readonly newestChange: number;
}

/**
 * The state of every folder under `root` and, unless `files` is false, of every file, from lstat,
 * without reading any file: a plain synchronous walk (lstat is a cached metadata lookup; batches
 * through the thread pool cost more in hand-offs than they save). Each folder is stamped before
 * its entries are listed: adding, removing or renaming an entry sets its folder's mtime and ctime,
 * so a folder that still has its stamp still has the entries counted here. `skip`: top-level
 * folders not walked (nor stamped). Throws when `root` is missing.
 */
export function readTreeState(root: string, { files = true, skip }: { files?: boolean; skip?: ReadonlySet<string> } = {}): TreeState {
  const entries: string[] = [];
  const folders: string[] = [];
  const fileCounts = new Map<string, number>();
  let newestChange = 0;
  const stamp = (path: string) => {
    const stats = lstatSync(path);
    if (stats.ctimeMs > newestChange) newestChange = stats.ctimeMs;
    return fileStamp(stats);
  };
  const walk = (folder: string, path: string) => {
    folders.push(`${path}\t${stamp(folder)}`);
    let count = 0;
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const child = path === '.' ? entry.name : `${path}/${entry.name}`;
      if (entry.isDirectory()) {
        if (path !== '.' || !skip?.has(entry.name)) walk(`${folder}/${entry.name}`, child);
        continue;
      }
      count++;
      if (files) entries.push(`${child}\t${stamp(`${folder}/${entry.name}`)}`);
    }
    fileCounts.set(path, count);
  };
  walk(root, '.');
  return { entries, folders: folders.join('\n'), fileCounts, newestChange };
}

/**
 * True when the output folder is as a record saw it: every folder it lists keeps its stamp (so
 * no entry came, went or was renamed anywhere, see readTreeState) and every file it lists keeps
 * its stamp (so none was edited or replaced). One lstat per folder and file; nothing is listed.
 */
export function isUnchanged(root: string, state: Pick<CacheRecord, 'tree' | 'folders'>): boolean {
  const statsOf = statsUnder(root);
  const kept = (path: string, stamp: string) => {
    const stats = statsOf(path);
    return stats !== undefined && fileStamp(stats) === stamp;
  };
  return state.folders !== '' && everyLine(state.folders, kept) && everyLine(state.tree, kept);
}

/**
 * isUnchanged, with the second half of the files checked on a thread of their own (stamp-check.ts)
 * while this one checks the rest: the lstat of every file is most of a cache hit.
 */
export function isUnchangedInParallel(root: string, state: Pick<CacheRecord, 'tree' | 'folders'>): boolean {
  const middle = state.tree.length < 2 * THREAD_WORTH_BYTES ? -1 : state.tree.indexOf('\n', state.tree.length >> 1);
  if (middle === -1) return isUnchanged(root, state);
  const there = startStampCheck(root, { tree: state.tree.slice(middle + 1), folders: '' });
  if (!isUnchanged(root, { tree: state.tree.slice(0, middle), folders: state.folders })) {
    there.stop();
    return false;
  }
  const found = there.result();
  return found.changedFiles.length === 0 && found.changedFolders.length === 0;
}

/**
 * Whether the files of `recorded` (`path \t stamp` lines, distinct paths) are as many in each folder
 * as the folders hold. With every recorded file there (a lookup lstats each one), equal counts are
 * the same files: no file came between the write that stamped them and the folders' stamps. Files
 * under `skipped` top-level folders (not walked) are not counted.
 */
function countsMatch(recorded: string, folders: TreeState, skipped?: ReadonlySet<string>): boolean {
  const counts = new Map<string, number>();
  const fits = everyLine(recorded, (path) => {
    if (skipped?.has(entryOf(path))) return true;
    const slash = path.lastIndexOf('/');
    const folder = slash === -1 ? '.' : path.slice(0, slash);
    counts.set(folder, (counts.get(folder) ?? 0) + 1);
    return true;
  });
  if (!fits) return false;
  for (const [folder, count] of folders.fileCounts) if ((counts.get(folder) ?? 0) !== count) return false;
  for (const folder of counts.keys()) if (!folders.fileCounts.has(folder)) return false;
  return true;
}

/**
 * Writes a cache file: the record but its tree as one line of JSON, then the tree as it is (a JSON
 * string of it would escape every tab and line break: as long as the rest of recording, at 100,000
 * files). Two writes: the two joined would be copied whole first, tens of megabytes at fleet scale.
 */
function writeCacheFile(path: string, { tree, ...rest }: CacheRecord): void {
  writeFileSync(path, `${JSON.stringify({ ...rest, treeLength: tree.length })}\n`);
  writeText(path, tree, { append: true });
}

/** A cache file's record, or undefined when it is not one this version wrote (corrupt, truncated, older format). */
export function parseCacheRecord(text: string): CacheRecord | undefined {
  const newline = text.indexOf('\n');
  let value: Partial<CacheRecord> & { treeLength?: unknown };
  try {
    value = JSON.parse(newline === -1 ? text : text.slice(0, newline)) as typeof value;
  } catch {
    return undefined;
  }
  const tree = text.slice(newline + 1);
  const valid =
    newline !== -1 &&
    typeof value === 'object' &&
    value !== null &&
    value.format === CACHE_FORMAT &&
    typeof value.key === 'string' &&
    typeof value.build === 'string' &&
    typeof value.renderInputs === 'object' &&
    value.renderInputs !== null &&
    Object.values(value.renderInputs).every((digest) => typeof digest === 'string') &&
    typeof value.warnings === 'string' &&
    Number.isInteger(value.clusters) &&
    Number.isInteger(value.files) &&
    typeof value.folders === 'string' &&
    value.treeLength === tree.length;
  if (!valid) return undefined;
  const { format, key, build, renderInputs, warnings, clusters, files, folders } = value as CacheRecord;
  return { format, key, build, renderInputs, warnings, clusters, files, tree, folders };
}

/** One synth's use of the cache: look up before compiling; on a miss, watch what the compile prints and record after writing. */
export class SynthCache {
  private key: string | undefined;
  private previous: CacheRecord | undefined;
  /** The previous record's stamps as a map, made once (readTree and previousRender both read them). */
  private lastStamps: Map<string, string> | undefined;
  /** The spec files the key was made from: a miss compiles these very bytes, so what it records matches its key. */
  spec: ReadSpecResult | undefined;
  private warnings = '';
  private readonly out: string;

  constructor(
    private readonly specPath: string,
    outDir: string,
    private readonly file: string,
    private readonly buildId: string | undefined,
    cwd: string,
  ) {
    this.out = resolve(cwd, outDir);
  }

  /**
   * What the last synth printed, when nothing it depends on changed since: the same key, no
   * interrupted write (staging or old sibling folders), and every file under the output folder
   * as it left them. Undefined on a miss, including any error.
   */
  lookup(): SynthSummary | undefined {
    try {
      if (this.buildId === undefined) return undefined;
      const read = readSpecFiles(this.specPath);
      // A spec that cannot be read is an error: compile reports it, and it is never cached.
      if (read.files.length === 0 || read.diagnostics.length > 0) return undefined;
      this.spec = read;
      // The apps' manifest files are inputs as much as the spec's: a changed ConfigMap must miss.
      this.key = cacheKey(this.buildId, [...read.files, ...(read.manifests ?? []).flatMap((m) => m.files ?? [])], this.out);
      const record = parseCacheRecord(readText(this.file));
      this.previous = record;
      if (record === undefined || record.key !== this.key) return undefined;
      if (leftoversOf(this.out).length > 0) return undefined; // an interrupted write to repair
      return isUnchangedInParallel(this.out, record) ? record : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * On a miss, the stamp (see fileStamp) of every file under the output folder as the last synth
   * left it, whatever its spec was: reading the previous output can skip the files that kept it.
   * `except`: not those under these top-level entries (a fleet's worth of entries is not made for
   * the few that are read).
   */
  stampsOfLastSynth(except?: ReadonlySet<string>): ReadonlyMap<string, string> | undefined {
    if (!this.previous) return undefined;
    if (except?.size) {
      const stamps = new Map<string, string>();
      forEachLine(this.previous.tree, (path, stamp) => {
        if (!except.has(entryOf(path))) stamps.set(path, stamp);
      });
      return stamps;
    }
    if (!this.lastStamps) {
      const stamps = new Map<string, string>();
      forEachLine(this.previous.tree, (path, stamp) => stamps.set(path, stamp));
      this.lastStamps = stamps;
    }
    return this.lastStamps;
  }

  /** On a miss, the stamp the last synth recorded of one file, found without making stampsOfLastSynth's map. */
  recordedStamp(path: string): string | undefined {
    const tree = this.previous?.tree;
    if (tree === undefined) return undefined;
    const key = `${path}\t`;
    const line = tree.startsWith(key) ? 0 : tree.indexOf(`\n${key}`);
    if (line === -1) return undefined;
    const start = line === 0 && tree.startsWith(key) ? key.length : line + 1 + key.length;
    const end = tree.indexOf('\n', start);
    return tree.slice(start, end === -1 ? tree.length : end);
  }

  /** Whether the last synth was this build of fleet: what it wrote is what this build would write from the same inputs. */
  lastSynthWasThisBuild(): boolean {
    return this.previous !== undefined && this.buildId !== undefined && this.previous.build === this.buildId;
  }

  /** On a miss, the stamps the last synth recorded of every file and folder under the output folder, to check (file-stamps.ts). */
  recordedStamps(): RecordedStamps | undefined {
    return this.previous && { tree: this.previous.tree, folders: this.previous.folders };
  }

  /** On a miss, every folder the last synth recorded under the output folder (`.`: the output folder itself). */
  recordedFolders(): string[] {
    const folders: string[] = [];
    if (this.previous) forEachLine(this.previous.folders, (path) => folders.push(path));
    return folders;
  }

  /**
   * On a miss, what the last synth rendered if every file it wrote is still as it left it, before
   * that is checked: each cluster's render inputs, and the files `lock` lists (the lock as it left
   * it, see readLastLock). Undefined when the last synth was another build of fleet's. A compile
   * given this must be confirmed by previousRender once the stamps are checked (see incremental-compile.ts).
   */
  renderIfIntact(lock: GroupedLock): PreviousRender | undefined {
    const record = this.previous;
    if (!record || !this.lastSynthWasThisBuild()) return undefined;
    const inputs = new Map(Object.entries(record.renderInputs));
    return inputs.size === 0 ? undefined : { inputs, files: lock.files };
  }

  /**
   * On a miss, what the last synth rendered, for an incremental compile: each cluster's render
   * inputs, for the clusters none of whose files and folders changed since that synth (`check`,
   * of the stamps it recorded), and the files its lock lists (`lock`: that lock, unchanged and
   * sound, see readLastLock). Undefined when the last synth was another build of fleet's, or its
   * lock changed.
   */
  previousRender(lock: GroupedLock | undefined, check: StampCheck): PreviousRender | undefined {
    const record = this.previous;
    if (!record || !lock || !this.lastSynthWasThisBuild() || check.changedFiles.includes(LOCK_FILE)) return undefined;
    const touched = touchedClusters(check);
    if (touched === 'all') return undefined;
    const inputs = new Map(Object.entries(record.renderInputs).filter(([cluster]) => !touched.has(cluster)));
    return inputs.size === 0 ? undefined : { inputs, files: lock.files };
  }

  /** `io`, also keeping what is printed to stderr: the compile's diagnostics, which a hit prints again. */
  watch(io: Io): Io {
    return {
      out: (text) => io.out(text),
      err: (text) => {
        this.keepPrinted(text);
        io.err(text);
      },
    };
  }

  /** Keeps diagnostics as printed (plain text, no colour), for a hit to print again. */
  keepPrinted(text: string): void {
    this.warnings += text;
  }

  /**
   * Records a successful synth (call after the output folder is written), from `stamps` (every
   * file's stamp, as the write knew them) or else a walk of the folder. Never throws: a cache that
   * cannot be written is skipped.
   */
  record(counts: { clusters: number; files: number }, renderInputs: ReadonlyMap<string, string>, stamps?: Stamps, untouched?: ReadonlySet<string>): void {
    if (this.key === undefined || this.buildId === undefined) return;
    const temp = `${this.file}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const clock = fileClockAfterNow(temp);
      if (clock === undefined) {
        removeQuietly(temp);
        return;
      }
      // The files' stamps as the write took them, else from this walk, which stamps the folders either way.
      // Folders the write left alone, whose stamps the lookup found as the last record has them, keep those stamps.
      const kept = stamps && untouched?.size && this.previous ? untouched : undefined;
      const walked = readTreeState(this.out, { files: !stamps, skip: kept });
      const files = stamps ? stamps.lines() : { text: walked.entries.join('\n'), newestChange: walked.newestChange };
      // Every recorded change time must be before `clock`: any later edit then stamps a ctime at or
      // after it, so it can never look like the recorded entry. A file changed since (an edit while
      // we record) could be edited again within the same tick unseen: keep no cache this time. Nor
      // when a file came or went between the write and the folders' stamps: they would vouch for it.
      if (Math.max(files.newestChange, walked.newestChange) >= clock || !countsMatch(files.text, walked, kept)) {
        removeQuietly(temp);
        return;
      }
      const record: CacheRecord = {
        format: CACHE_FORMAT,
        key: this.key,
        build: this.buildId,
        renderInputs: Object.fromEntries(renderInputs),
        warnings: this.warnings,
        ...counts,
        tree: files.text,
        folders: kept ? `${walked.folders}\n${linesUnder(this.previous!.folders, kept).text}` : walked.folders,
      };
      writeCacheFile(temp, record);
      renameSync(temp, this.file);
    } catch {
      // Not fatal: the next synth compiles.
      removeQuietly(temp);
    }
  }
}

/**
 * The clusters whose files a stamp check found changed (a file of theirs, or a folder in their
 * folder or their Flux entrypoints' folder), or 'all' when `_flux` itself changed (an
 * entrypoint's folder came or went: whose cannot be told from the folder's stamp).
 */
function touchedClusters(check: StampCheck): Set<string> | 'all' {
  const touched = new Set<string>();
  for (const path of check.changedFiles) touched.add(clusterOfOutputPath(path));
  for (const folder of check.changedFolders) {
    if (folder === FLUX_DIR) return 'all';
    if (folder !== '.') touched.add(clusterOfOutputPath(`${folder}/`));
  }
  return touched;
}

/** The cache for one `fleet synth` run, or undefined when there is none (see cacheFileFor). */
export function openSynthCache(specPath: string, outDir: string, { enabled = true, cwd = process.cwd(), env = process.env, buildId }: Partial<CacheLocationOptions> & { buildId?: string } = {}): SynthCache | undefined {
  const file = cacheFileFor(outDir, { enabled, cwd, env });
  return file === undefined ? undefined : new SynthCache(specPath, outDir, file, buildId ?? fleetBuildId(), cwd);
}

/**
 * A time of the file system's clock (the one that stamps ctimes) later than every change made
 * before this call: it writes `probe` until its mtime moves past the first one (one clock tick,
 * a few ms). Undefined when the clock does not move within ~100 ms (a file system with coarse times).
 */
function fileClockAfterNow(probe: string): number | undefined {
  const stamp = () => {
    writeFileSync(probe, 'x');
    return statSync(probe).mtimeMs;
  };
  const start = stamp();
  for (let i = 0; i < 100; i++) {
    Atomics.wait(SLEEPER, 0, 0, 1);
    const now = stamp();
    if (now > start) return now;
  }
  return undefined;
}

const SLEEPER = new Int32Array(new SharedArrayBuffer(4));

function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // Its folder is gone or unusable: nothing to clean up.
  }
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
