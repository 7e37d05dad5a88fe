import { hash } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { compile, compileLoaded, renderFiles, resolveLoaded, type CompileOptions, type CompileResult, type Resolved } from '../compiler.js';
import { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { placementOf, type Placement, type PlacementPlan } from '../model/plan.js';
import { load, loadParsed, parsedDocuments, type LoadResult, type ParsedDocument, type SpecFile } from '../phases/1-load/index.js';
import type { Shard } from '../phases/5-render/index.js';
import { LOCK_FILE, lockText, type EmittedFile, type OutputTree } from '../phases/6-emit/index.js';
import { fileStamp, forEachLine, Stamps, writeFiles, type Output, type StampLines } from '../phases/6-emit/write-tree.js';

/**
 * compile() on several threads, for large fleets. This thread parses the YAML and sends the
 * documents, as plain data, to the others, which validate and resolve them meanwhile (cheap, and
 * it saves sending the fleet between threads). This thread places the apps and sends the
 * placement (replicas per cluster) on, then runs the checks and reports. Every thread renders and
 * serializes its share of the clusters and keeps the files; this thread makes the lock. When synth
 * writes, each thread writes the files it holds. The bytes are the same as compile() gives on one
 * thread (a cluster's output depends on no other cluster's output); only the time differs.
 *
 * Placement and the checks run on this thread alone: on two cores, two threads running them side
 * by side each took twice as long (neither had a core left for the JIT and the garbage collector).
 */

/** Below this much spec text, one thread: starting another costs more than it saves. */
const PARALLEL_FROM_CHARS = 128 * 1024;
/** More threads than this only add start-up, and memory for the validated spec each one holds. */
const MAX_THREADS = 4;

/** How many threads compile a spec: `FLEET_THREADS` when set, otherwise by its size and the cores. */
export function threadCount(files: readonly SpecFile[], env: NodeJS.ProcessEnv = process.env): number {
  const asked = Number(env.FLEET_THREADS);
  if (Number.isInteger(asked) && asked >= 1) return Math.min(asked, MAX_THREADS);
  const chars = files.reduce((n, f) => n + f.text.length, 0);
  return chars < PARALLEL_FROM_CHARS ? 1 : Math.max(1, Math.min(availableParallelism(), MAX_THREADS));
}

/** The rendered output, held by the threads that rendered it. */
export interface HeldOutput extends Output {
  /** Every file's bytes, gathered from the threads. */
  tree(): Promise<OutputTree>;
  /** Lets the threads go; call when done with the output. */
  close(): void;
}

export type ParallelCompileResult = Omit<CompileResult, 'tree' | 'files'> & { readonly output?: HeldOutput };

export interface ParallelCompileOptions extends CompileOptions {
  /**
   * A folder each thread writes its files into as soon as it has compiled them (a first synth's
   * staging folder: see stagingForFirstWrite), with their stamps when `stamp`; the output's
   * write() into that folder then finds them written.
   */
  readonly writeAhead?: WriteAhead;
}

interface WriteAhead {
  readonly dir: string;
  readonly stamp: boolean;
}

export async function compileInParallel(files: readonly SpecFile[], options: ParallelCompileOptions = {}): Promise<ParallelCompileResult> {
  if (options.renderOutput === false) return compile(files, options);
  const count = threadCount(files);
  // The threads start (loading fleet's code) while this one parses the spec.
  const others = Array.from({ length: count - 1 }, (_, i) => new ShardThread({ shard: { index: i + 1, count }, writeAhead: options.writeAhead }));
  try {
    return await compileOn(others, files, options);
  } catch (error) {
    // A failure here (a write-ahead that cannot write, a bug) must not leave the threads working:
    // they would keep the process from exiting, and could write on after the caller cleans up.
    await Promise.all(others.map((other) => other.stop()));
    throw error;
  }
}

async function compileOn(others: readonly ShardThread[], files: readonly SpecFile[], options: ParallelCompileOptions): Promise<ParallelCompileResult> {
  const { writeAhead, ...compileOptions } = options;
  const count = others.length + 1;
  const diagnostics = new DiagnosticBag();
  const loaded = load(files, diagnostics);
  if (!diagnostics.hasErrors()) {
    const documents = parsedDocuments(loaded);
    others.forEach((other) => other.prepare(documents));
  }
  const onPlaced = (plan: PlacementPlan) => {
    const placement = placementOf(plan);
    others.forEach((other) => other.render(placement));
  };
  const { files: own, tree: _, ...result } = compileLoaded(loaded, diagnostics, { ...compileOptions, shard: { index: 0, count }, onPlaced });
  if (!own || !result.fleet || !result.plan) {
    others.forEach((other) => other.close()); // errors, reported from here: the other threads have nothing to add
    return result;
  }
  const ownSorted = [...own].sort(byPath);
  // Each thread writes every file it rendered into writeAhead.dir, and this one the lock. Their stamps, when the job stamps.
  const ahead = writeAhead?.stamp ? new Stamps() : undefined;
  if (writeAhead) writeFiles(writeAhead.dir, ownSorted.map((f) => [f.path, f.text]), ahead);
  // The other threads send their hashes before writing ahead, so the lock is made while they write.
  const shards = await Promise.all(others.map((other) => other.compiled()));
  const every = mergeByPath([ownSorted, ...shards]);

  // The lock is made here, from every thread's hashes; the files stay where they were rendered.
  const lock = lockText(result.fleet.name, result.plan, every);
  const hashes = hashesWithLock(every, `sha256:${hash('sha256', lock)}`);
  if (writeAhead) {
    writeFiles(writeAhead.dir, [[LOCK_FILE, lock]], ahead);
    ahead?.lines(); // joined now, while the other threads write
  }
  // Made when first needed: a first synth finds every file written ahead.
  const texts = once(() => new Map(own.map((f) => [f.path, f.text])).set(LOCK_FILE, lock));
  // A thread renders whole clusters, so each folder's files are all on one thread.
  const holders = once(() => {
    const byFolder = new Map<string, ShardThread>();
    others.forEach((other, i) => shards[i].forEach((f) => byFolder.set(folderOf(f.path), other)));
    return byFolder;
  });
  if (writeAhead) await Promise.all(others.map((other) => other.writtenAhead(ahead)));
  const aheadStamps = once(() => ahead?.toMap() ?? new Map<string, string>());

  const output: HeldOutput = {
    hashes,
    async write(dir, paths, stamps) {
      if (dir === writeAhead?.dir) {
        // Every file is there already. A first synth asks for them all (paths are distinct paths of `hashes`).
        if (stamps && ahead && paths.length === hashes.size) stamps.addLines(ahead.lines());
        else if (stamps) for (const path of paths) stamps.addStamp(path, aheadStamps().get(path) ?? stampOf(dir, path));
        return;
      }
      const byThread = new Map<ShardThread, string[]>(others.map((other) => [other, []]));
      const here: string[] = [];
      for (const path of paths) {
        const holder = holders().get(folderOf(path));
        if (holder) byThread.get(holder)!.push(path);
        else here.push(path);
      }
      const there = [...byThread].map(([thread, theirs]) => thread.write(dir, theirs, stamps));
      writeFiles(dir, here.map((path) => [path, texts().get(path)!]), stamps);
      await Promise.all(there);
    },
    async tree() {
      const all = new Map(texts());
      for (const theirs of await Promise.all(others.map((other) => other.texts()))) for (const [path, text] of theirs) all.set(path, text);
      return new Map([...hashes.keys()].map((path) => [path, all.get(path)!]));
    },
    close: () => others.forEach((other) => other.close()),
  };
  return { ...result, output };
}

type Request = { kind: 'prepare'; documents: ParsedDocument[] } | { kind: 'render'; placement: Placement } | { kind: 'write'; dir: string; paths: string[]; stamp: boolean } | { kind: 'texts' };
type FileHash = Pick<EmittedFile, 'path' | 'hash'>;
/**
 * `compiled`: the thread's files sorted by path, one `path \t hash` line each (one string passes
 * between threads far quicker than an object per file). `written`: their stamps, when asked for.
 */
type Reply = { kind: 'compiled'; files: string } | { kind: 'written'; stamps?: StampLines } | { kind: 'texts'; texts: [string, string][] } | { kind: 'failed'; error: string; system?: SystemErrorFields };

/** What identifies a failure of the operating system's (disk full, no permission), kept across threads: guard.ts reports it as such. */
type SystemErrorFields = Pick<NodeJS.ErrnoException, 'code' | 'syscall' | 'path'>;

interface ShardJob {
  readonly shard: Shard;
  readonly writeAhead?: WriteAhead;
}

/**
 * One shard compiled on a worker thread, which keeps its files until asked to write or send them.
 * When no worker can start (e.g. under a test runner that cannot load this module in a worker),
 * the shard is compiled on this thread instead.
 */
class ShardThread {
  private readonly worker: Worker | undefined;
  private readonly replies: ((reply: Reply | undefined) => void)[] = [];
  /** Whether the thread has replied: a thread that fails before then could not run at all. */
  private started = false;
  /** The thread's first reply (its files, once it has compiled them); undefined when it could not run. */
  private readonly first: Promise<Reply | undefined>;
  /** With a writeAhead, its second: the stamps of the files it wrote ahead. */
  private readonly second: Promise<Reply | undefined> | undefined;
  private documents?: ParsedDocument[];
  private placement?: Placement;
  private local?: Map<string, string>;

  constructor(private readonly job: ShardJob) {
    try {
      this.worker = new Worker(new URL(import.meta.url), { workerData: { compileShard: this.job } });
    } catch {
      this.worker = undefined;
    }
    this.first = this.nextReply();
    this.second = job.writeAhead ? this.nextReply() : undefined;
    this.worker?.on('message', (reply: Reply) => {
      this.started = true;
      this.replies.shift()?.(reply);
    });
    // A thread that dies fails whatever was asked of it, rather than leaving it waiting.
    const fail = (error: string) => this.replies.splice(0).forEach((answer) => answer(this.started ? { kind: 'failed', error } : undefined));
    this.worker?.on('error', (error) => fail(String(error)));
    this.worker?.on('exit', (code) => fail(`the thread exited with ${code}`));
  }

  /** Has the thread validate and resolve the spec `documents` (from this thread's load), ready to render. */
  prepare(documents: ParsedDocument[]): void {
    this.documents = documents;
    this.worker?.postMessage({ kind: 'prepare', documents } satisfies Request);
  }

  /** Has the thread render its shard of the clusters, by this placement. */
  render(placement: Placement): void {
    this.placement = placement;
    this.worker?.postMessage({ kind: 'render', placement } satisfies Request);
  }

  /** The shard's files, sorted by path. */
  async compiled(): Promise<FileHash[]> {
    const reply = (await this.first) ?? this.compileHere();
    if (reply.kind !== 'compiled') throw this.failure(reply);
    if (!this.job.writeAhead) this.worker?.unref(); // idle until asked: never what keeps the process alive
    const files: FileHash[] = [];
    forEachLine(reply.files, (path, hash) => files.push({ path, hash }));
    return files;
  }

  /** Once the shard's files are written into writeAhead.dir: adds their stamps (if the job stamps) to `stamps`. */
  async writtenAhead(stamps: Stamps | undefined): Promise<void> {
    const reply = this.local ? this.writeHere(this.job.writeAhead!.dir, [...this.local.keys()], this.job.writeAhead!.stamp) : await this.second;
    if (reply?.kind !== 'written') throw this.failure(reply);
    this.worker?.unref(); // idle until asked: never what keeps the process alive
    if (reply.stamps) stamps?.addLines(reply.stamps);
  }

  /** The thread did not run: compile the shard on this one. */
  private compileHere(): Reply {
    const loaded = loadParsed(this.documents!);
    const files = renderFiles(loaded, resolveLoaded(loaded, new DiagnosticBag())!, this.placement!, this.job.shard).sort(byPath);
    this.local = new Map(files.map((f) => [f.path, f.text]));
    return compiledReply(files);
  }

  /** Writes these of its files under `dir`; with `stamps`, adds their stamps there. */
  async write(dir: string, paths: string[], stamps?: Stamps): Promise<void> {
    if (paths.length === 0) return;
    const reply = this.local ? this.writeHere(dir, paths, stamps !== undefined) : await this.ask({ kind: 'write', dir, paths, stamp: stamps !== undefined });
    if (reply.kind !== 'written') throw this.failure(reply);
    if (reply.stamps) stamps?.addLines(reply.stamps);
  }

  /** The thread did not run: write the shard's files from this one. */
  private writeHere(dir: string, paths: string[], stamp: boolean): Reply {
    return writeAndStamp(dir, paths.map((path) => [path, this.local!.get(path)!]), stamp);
  }

  async texts(): Promise<[string, string][]> {
    if (this.local) return [...this.local];
    const reply = await this.ask({ kind: 'texts' });
    if (reply.kind !== 'texts') throw this.failure(reply);
    return reply.texts;
  }

  close(): void {
    void this.stop();
  }

  /** Stops the thread, done when it has. */
  async stop(): Promise<void> {
    await this.worker?.terminate();
  }

  private ask(request: Request): Promise<Reply> {
    this.worker!.ref();
    const reply = this.nextReply();
    this.worker!.postMessage(request);
    return reply.then((answer): Reply => answer ?? { kind: 'failed', error: 'the thread did not start' }).finally(() => this.worker!.unref());
  }

  private nextReply(): Promise<Reply | undefined> {
    if (!this.worker) return Promise.resolve(undefined);
    return new Promise((answer) => this.replies.push(answer));
  }

  private failure(reply: Reply | undefined): Error {
    const what = reply === undefined ? 'the thread did not start' : reply.kind === 'failed' ? reply.error : `unexpected ${reply.kind}`;
    const error = new Error(`on compile thread ${this.job.shard.index + 1} of ${this.job.shard.count}: ${what}`);
    return reply?.kind === 'failed' && reply.system ? Object.assign(error, reply.system) : error;
  }
}

/** The reply to `render`: the hashes of the shard's files, sorted by path. */
function compiledReply(sorted: readonly EmittedFile[]): Reply {
  return { kind: 'compiled', files: joinLines(sorted.map(({ path, hash }) => [path, hash])) };
}

/** Writes files under `dir`: the reply to `write`, or the one that follows `compiled` when the job writes ahead. */
function writeAndStamp(dir: string, files: Iterable<readonly [string, string]>, stamp: boolean): Reply {
  const stamps = stamp ? new Stamps() : undefined;
  writeFiles(dir, files, stamps);
  return { kind: 'written', stamps: stamps?.lines() };
}

/**
 * Pairs of strings as one `a \t b` line each: one string passes between threads far quicker than
 * an object per file. (Paths hold no tab or line break.)
 */
function joinLines(pairs: Iterable<readonly [string, string]>): string {
  return [...pairs].map(([a, b]) => `${a}\t${b}`).join('\n');
}

const byPath = (a: FileHash, b: FileHash) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** Lists each sorted by path, merged into one sorted list. */
function mergeByPath(lists: readonly (readonly FileHash[])[]): FileHash[] {
  const merged: FileHash[] = [];
  const next = lists.map(() => 0);
  for (;;) {
    let from = -1;
    for (let i = 0; i < lists.length; i++) {
      if (next[i] < lists[i].length && (from === -1 || lists[i][next[i]].path < lists[from][next[from]].path)) from = i;
    }
    if (from === -1) return merged;
    merged.push(lists[from][next[from]++]);
  }
}

const folderOf = (path: string) => path.slice(0, path.lastIndexOf('/') + 1);

/** The stamp of a file written ahead without one (the job did not ask for stamps). */
const stampOf = (dir: string, path: string) => fileStamp(lstatSync(join(dir, path)));

/** Files sorted by path -> their hashes, with the lock's in its place: the Output's hashes, in the output's order. */
function hashesWithLock(sorted: readonly FileHash[], lockHash: string): Map<string, string> {
  const hashes = new Map<string, string>();
  let i = 0;
  for (; i < sorted.length && sorted[i].path < LOCK_FILE; i++) hashes.set(sorted[i].path, sorted[i].hash);
  hashes.set(LOCK_FILE, lockHash);
  for (; i < sorted.length; i++) hashes.set(sorted[i].path, sorted[i].hash);
  return hashes;
}

/** `make()`, called the first time it is asked for. */
function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

/**
 * The worker's side: validate and resolve the spec when sent it, render the shard when sent the
 * placement and report the hashes (then write the files ahead, if the job says so), then write or
 * send files when asked.
 */
if (!isMainThread && workerData?.compileShard) {
  const port = parentPort!;
  const reply = (message: Reply) => port.postMessage(message);
  const guard = (work: () => void) => {
    try {
      work();
    } catch (error) {
      const { code, syscall, path } = (error ?? {}) as NodeJS.ErrnoException;
      const system = typeof code === 'string' ? { code, syscall, path } : undefined;
      reply({ kind: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error), ...(system ? { system } : {}) });
    }
  };
  const { shard, writeAhead } = workerData.compileShard as ShardJob;
  let prepared: { loaded: LoadResult; resolved: Resolved } | undefined;
  let texts = new Map<string, string>();
  port.on('message', (request: Request) =>
    guard(() => {
      if (request.kind === 'prepare') {
        const loaded = loadParsed(request.documents);
        // Validation cannot fail here: the main thread found no error in the same documents before sending the placement.
        prepared = { loaded, resolved: resolveLoaded(loaded, new DiagnosticBag())! };
      } else if (request.kind === 'render') {
        // In path order, for the main thread's merge of every thread's hashes.
        const files = renderFiles(prepared!.loaded, prepared!.resolved, request.placement, shard).sort(byPath);
        texts = new Map(files.map((f) => [f.path, f.text]));
        reply(compiledReply(files));
        if (writeAhead) reply(writeAndStamp(writeAhead.dir, files.map((f) => [f.path, f.text]), writeAhead.stamp));
      } else if (request.kind === 'write') {
        reply(writeAndStamp(request.dir, request.paths.map((path) => [path, texts.get(path)!]), request.stamp));
      } else reply({ kind: 'texts', texts: [...texts] });
    }),
  );
}
