import { createHash, hash } from 'node:crypto';
import type { KubeObject, Manifest, RenderedCluster } from '../../model/manifest.js';
import type { PlacementPlan } from '../../model/plan.js';
import { header, inPlatformStage, manifestPath, PLATFORM_DIR } from './layout.js';
import { LINE_SEPARATOR, LOCK_FILE, lockGroupOf, lockLine, type LockLines, makeLock } from './lock.js';
import { toYaml } from './yaml.js';

export { CLUSTER_SCOPED_DIR, GENERATED_MARK, inPlatformStage, manifestPath, PLATFORM_DIR } from './layout.js';
export { specInputsHash } from './inputs.js';
export {
  checkLock,
  checkLockSummary,
  type GroupedLock,
  isLockProblem,
  LOCK_FILE,
  LockedFiles,
  forEachLockedPath,
  lockedHashes,
  lockGroupOf,
  lockGroupsOfCluster,
  type LockLines,
  readGroupedLock,
  withReplacedHashes,
  lockPlacement,
  lockSummary,
  lockWithoutFiles,
  parseLock,
  type Lock,
  type LockProblem,
  type LockSummary,
} from './lock.js';
export { toYaml } from './yaml.js';

/** The output tree as data: path relative to the output folder -> file bytes (UTF-8 text). Sorted by path. */
export type OutputTree = ReadonlyMap<string, string>;

/** One serialized file, with the sha256 of its bytes as the lock records it (`sha256:<hex>`). */
export interface EmittedFile {
  readonly path: string;
  readonly text: string;
  readonly hash: string;
}

/**
 * Phase 6 (pure half): serialize every cluster's manifests, one file each, plus a kustomization.yaml
 * per cluster listing them in apply order, plus the lock. The CLI writes the tree (write-tree.ts).
 */
export function emit(fleetName: string, clusters: readonly RenderedCluster[], plan: PlacementPlan): OutputTree {
  return assembleTree(fleetName, plan, emitClusters(clusters));
}

/**
 * The files of some clusters. Each cluster's files depend on that cluster alone, so clusters can
 * be serialized one at a time and their files put together with assembleOutput.
 */
export function emitClusters(clusters: readonly RenderedCluster[]): EmittedFile[] {
  return new ClusterEmitter().emit(clusters);
}

/**
 * emitClusters() over several calls. Rendering makes an object once for every cluster where it
 * comes out alike, and lists the very same object in each: it is serialized and hashed once.
 */
export class ClusterEmitter {
  private readonly serialized = new WeakMap<KubeObject, Omit<EmittedFile, 'path'>>();

  emit(clusters: readonly RenderedCluster[]): EmittedFile[] {
    const files: EmittedFile[] = [];
    // Hashed at once: hashing flattens the writer's string, whose pieces then die young instead of
    // piling up (several times the text's size) until every file is written.
    const add = (path: string, text: string) => files.push({ path, text, hash: `sha256:${sha256(text)}` });
    for (const { cluster, manifests } of clusters) {
      const resources: string[] = [];
      const platform: string[] = [];
      for (const manifest of manifests) {
        const path = manifestPath(cluster, manifest.object);
        files.push({ path, ...this.file(manifest) });
        if (inPlatformStage(manifest.object)) platform.push(path.slice(cluster.length + PLATFORM_DIR.length + 2));
        else resources.push(path.slice(cluster.length + 1));
      }
      // Two kustomize folders: the platform stage, applied first, and the rest (see inPlatformStage).
      if (platform.length > 0) add(`${cluster}/${PLATFORM_DIR}/kustomization.yaml`, kustomizationText(platform));
      add(`${cluster}/kustomization.yaml`, kustomizationText(resources));
    }
    return files;
  }

  /** The files of some of a cluster's objects alone, without its kustomization.yaml files (an incremental compile's, see compile()). */
  emitObjects({ cluster, manifests }: RenderedCluster): EmittedFile[] {
    return manifests.map((manifest) => ({ path: manifestPath(cluster, manifest.object), ...this.file(manifest) }));
  }

  private file(manifest: Manifest): Omit<EmittedFile, 'path'> {
    let file = this.serialized.get(manifest.object);
    if (!file) {
      const text = serialize(manifest);
      this.serialized.set(manifest.object, (file = { text, hash: `sha256:${sha256(text)}` }));
    }
    return file;
  }
}

const serialize = ({ object, source }: Manifest): string => header(source) + toYaml(object);

/**
 * A kustomization.yaml listing files in fleet's apply order, which `kustomize build` and `kubectl
 * apply -k` keep (`sortOptions: fifo`). Flux ignores it and sorts by kind (see inPlatformStage).
 */
function kustomizationText(resources: readonly string[]): string {
  return header() + toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources, sortOptions: { order: 'fifo' } });
}

/** The output in memory: the tree, and the hash of every file in it. */
export interface AssembledOutput {
  /** Path -> text, sorted by path; the lock lists these files and those carried (see assembleOutput). */
  readonly tree: OutputTree;
  /** Path -> `sha256:<hex>` of every file of `tree`, the lock included, sorted by path: the lock's list but the carried groups, without parsing it back. */
  readonly hashes: ReadonlyMap<string, string>;
}

/**
 * Every cluster's files (from emitClusters, in any order) and the lock that owns them, sorted by
 * path. `carried`: the groups of files (lockGroupOf: a cluster's folder, its Flux entrypoints) that
 * an incremental compile kept from the previous output, with their lines in the previous lock (the
 * hashes of the files of `files` in them replaced: see withReplacedHashes): the new lock lists
 * them as those lines, and the tree and the hashes hold only those files of them. `inputs`: what
 * the output was rendered from (specInputsHash), recorded in the lock.
 */
export function assembleOutput(fleetName: string, plan: PlacementPlan, files: readonly EmittedFile[], carried: ReadonlyMap<string, LockLines> = new Map(), inputs?: string): AssembledOutput {
  const sorted = [...files].sort(byPath);
  const listed = carried.size === 0 ? sorted : sorted.filter((file) => !carried.has(lockGroupOf(file.path)));
  // The lock as a string of its pieces, hashed piece by piece: not copied whole until it is written.
  const pieces = lockPieces(fleetName, plan, listed, inputs, carried);
  const lock = pieces.reduce((text, piece) => text + piece, '');
  const lockHash = pieces.reduce((digest, piece) => digest.update(piece), createHash('sha256')).digest('hex');
  return { tree: withLock(sorted, (f) => f.text, lock), hashes: withLock(sorted, (f) => f.hash, `sha256:${lockHash}`) };
}

/** assembleOutput's tree. */
export function assembleTree(...args: Parameters<typeof assembleOutput>): OutputTree {
  return assembleOutput(...args).tree;
}

/**
 * A Map in the output's order (by path) of each file's `value`, with the lock's entry in its place.
 * Filled entry by entry: at fleet scale an array of pairs to build it from would be 400,000 more objects.
 */
function withLock<F extends { readonly path: string }, T>(sorted: readonly F[], value: (file: F) => T, lock: T): Map<string, T> {
  const map = new Map<string, T>();
  let locked = false;
  for (const file of sorted) {
    if (!locked && file.path > LOCK_FILE) {
      map.set(LOCK_FILE, lock);
      locked = true;
    }
    map.set(file.path, value(file));
  }
  if (!locked) map.set(LOCK_FILE, lock);
  return map;
}

/** The lock's text: what the output was rendered from, the placement, and every file (from emitClusters, in any order) with its hash. */
export function lockText(fleetName: string, plan: PlacementPlan, files: readonly Pick<EmittedFile, 'path' | 'hash'>[], inputs?: string): string {
  return lockPieces(fleetName, plan, files, inputs).join('');
}

/**
 * lockText in pieces, in order: at fleet scale the lock is tens of megabytes, and made of pieces it
 * is neither one array of a line per file (400,000 more strings alive at once) nor copied whole to
 * be hashed (see assembleOutput). The lines of `carried` groups (see assembleOutput) are pieces as
 * they are, in their place: no path of `files` is in a carried group, so a group goes before the
 * first path that sorts after its name.
 */
function lockPieces(fleetName: string, plan: PlacementPlan, files: readonly Pick<EmittedFile, 'path' | 'hash'>[], inputs?: string, carried: ReadonlyMap<string, LockLines> = new Map()): string[] {
  const sorted = isSortedByPath(files) ? files : [...files].sort(byPath);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].path === sorted[i - 1].path) throw new Error(`two objects render to ${sorted[i].path}`); // names are validated unique upstream
  }
  // JSON.stringify(lock, null, 2), with the file list (one line per file: 100,000 at fleet scale)
  // written directly, which is several times quicker than stringifying it as an object.
  const text = JSON.stringify(makeLock(fleetName, plan, {}, inputs), null, 2);
  if (sorted.length === 0 && carried.size === 0) return [`${text}\n`];
  const pieces = [`${text.slice(0, -'{}\n}'.length)}{\n`];
  const add = (lines: string) => pieces.push(pieces.length === 1 ? lines : `${LINE_SEPARATOR}${lines}`);
  const groups = [...carried.keys()].sort();
  let group = 0;
  for (let start = 0; start < sorted.length; ) {
    for (; group < groups.length && groups[group] < sorted[start].path; group++) add(carried.get(groups[group])!.text);
    const next = groups[group];
    let end = start + 1;
    while (end < sorted.length && end - start < LOCK_PIECE && (next === undefined || sorted[end].path < next)) end++;
    add(
      sorted
        .slice(start, end)
        .map((f) => lockLine(f.path, f.hash))
        .join(LINE_SEPARATOR),
    );
    start = end;
  }
  for (; group < groups.length; group++) add(carried.get(groups[group])!.text);
  pieces.push('\n  }\n}\n');
  return pieces;
}

/** Files per piece of the lock's list (see lockPieces). */
const LOCK_PIECE = 4096;

const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

function isSortedByPath(files: readonly { path: string }[]): boolean {
  for (let i = 1; i < files.length; i++) if (files[i - 1].path > files[i].path) return false;
  return true;
}

export function sha256(text: string): string {
  return hash('sha256', text);
}
