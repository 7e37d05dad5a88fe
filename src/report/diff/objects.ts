import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../model/manifest.js';
import { FLUX_DIR } from '../../phases/6-emit/flux.js';
import { GENERATED_MARK, LOCK_FILE, lockPlacement, type OutputTree } from '../../phases/6-emit/index.js';

/** An object of an output tree, with where it lives and where in the spec it came from. */
export interface TreeObject {
  readonly key: string;
  readonly cluster: string;
  readonly object: KubeObject;
  readonly specPath?: string;
  readonly app?: string;
}

/**
 * One side of a diff: which files it has, each with an identity of its bytes, and the text of any
 * of them. Identities are compared across the two sides, so both must be of one kind (the text
 * itself, a sha256, a git blob id): equal identities mean equal bytes.
 */
export interface DiffSide {
  /** Path relative to the output folder -> the identity of the file's bytes. */
  readonly files: ReadonlyMap<string, string>;
  /**
   * The text of one of `files`. A side may hold only the texts of the files the other side lacks
   * or has otherwise, and read the rest from there. The lock's text need not list the files
   * (lockWithoutFiles): the diff reads only its placement.
   */
  text(path: string): string;
}

/** A tree in memory as a side: every text is its own identity. */
export function sideOfTree(tree: OutputTree): DiffSide {
  return { files: tree, text: (path) => tree.get(path)! };
}

/**
 * One side read back. Only the files that differ from the other side are read at once: every
 * change is among their objects. A finding that needs to know what else is on a cluster (is the
 * app still running there, which DestinationRules define subsets) asks objectsOf, which reads the
 * cluster's files of that kind when first asked.
 */
export interface TreeIndex {
  /** The objects of the files that differ from the other side's, by key. */
  readonly objects: ReadonlyMap<string, TreeObject>;
  /** Every object of `kind` (of any API group) on `cluster`, from every file of the side. */
  objectsOf(cluster: string, kind: string): readonly TreeObject[];
  /** Every cluster with objects on this side. */
  readonly clusters: ReadonlySet<string>;
  readonly placement: ReadonlyMap<string, Readonly<Record<string, number>>>;
  readonly unreadable: readonly string[];
}

/** Parsed documents by file identity, or undefined when the text is not YAML. */
export type ParseCache = Map<string, unknown[] | undefined>;

/**
 * Reads `side` against `other`. `kustomization.yaml` files and the lock are bookkeeping derived
 * from the objects and are not objects themselves; the file header supplies the spec entry.
 * Files with the same identity are parsed once through `cache` (parsing is the slow part): many
 * files are the same on every cluster.
 *
 * A file both sides have alike is fleet's output (the head is always what fleet renders), so it
 * holds one object, in a file named after its kind (layout.ts manifestPath): it counts for its
 * cluster without being read, and objectsOf reads it only when asked for its kind.
 */
export function indexSide(side: DiffSide, other: DiffSide, cache: ParseCache = new Map()): TreeIndex {
  const objects = new Map<string, TreeObject>();
  const unreadable: string[] = [];
  const clusters = new Set<string>();
  /** Cluster -> the manifest files this side shares with the other. */
  const shared = new Map<string, string[]>();
  for (const [path, identity] of side.files) {
    const cluster = manifestCluster(path);
    if (!cluster) continue;
    if (other.files.get(path) === identity) {
      clusters.add(cluster);
      const list = shared.get(cluster);
      if (list) list.push(path);
      else shared.set(cluster, [path]);
      continue;
    }
    const read = readFile(side, path, cluster, cache);
    if (!read) {
      unreadable.push(path);
      continue;
    }
    for (const object of read) {
      objects.set(object.key, object);
      clusters.add(cluster);
    }
  }
  const kinds = new Map<string, TreeObject[]>();
  const objectsOf = (cluster: string, kind: string): readonly TreeObject[] => {
    const at = `${cluster}|${kind}`;
    let found = kinds.get(at);
    if (!found) {
      found = [...objects.values()].filter((o) => o.cluster === cluster && o.object.kind === kind);
      for (const path of shared.get(cluster) ?? []) {
        if (namesKind(path, kind)) found.push(...(readFile(side, path, cluster, cache) ?? []).filter((o) => o.object.kind === kind));
      }
      kinds.set(at, found);
    }
    return found;
  };
  const locked = lockPlacement(side.files.has(LOCK_FILE) ? side.text(LOCK_FILE) : undefined);
  const placement = new Map((locked ?? []).map((p) => [`${p.namespace}/${p.name}`, p.clusters]));
  return { objects, objectsOf, clusters, placement, unreadable };
}

/** The cluster of a manifest file (not a kustomization.yaml, not a top-level file); undefined for any other file. */
function manifestCluster(path: string): string | undefined {
  const cluster = clusterOf(path);
  return cluster && /\.ya?ml$/.test(path) && !/(^|\/)kustomization\.ya?ml$/.test(path) ? cluster : undefined;
}

/** The objects of one file of `side`, or undefined when it is not YAML. */
function readFile(side: DiffSide, path: string, cluster: string, cache: ParseCache): TreeObject[] | undefined {
  const identity = side.files.get(path)!;
  if (!cache.has(identity)) cache.set(identity, parseDocuments(side.text(path)));
  const documents = cache.get(identity);
  if (!documents) return undefined;
  const specPath = specPathOf(side.text(path));
  return documents.filter(isKubeObject).map((object) => {
    const key = objectKey(cluster, object);
    const name = object.metadata.labels?.['app.kubernetes.io/name'];
    const app = object.metadata.namespace && typeof name === 'string' ? `${object.metadata.namespace}/${name}` : undefined;
    return { key, cluster, object, specPath, app };
  });
}

/**
 * Whether a file of fleet's layout may hold an object of `kind`: manifestPath names each file
 * `<kind>.<name>.yaml`, lower-case, with `calico-` before Calico's kinds.
 */
function namesKind(path: string, kind: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const lower = kind.toLowerCase();
  return name.startsWith(`${lower}.`) || name.startsWith(`calico-${lower}.`);
}

/** `na-1/shop/deployment.web.yaml` and `_flux/na-1/...` belong to cluster `na-1`; top-level files to none. */
export function clusterOf(path: string): string | undefined {
  const segments = path.split('/');
  if (segments.length < 2) return undefined;
  return segments[0] === FLUX_DIR ? (segments.length > 2 ? segments[1] : undefined) : segments[0];
}

export function objectKey(cluster: string, object: KubeObject): string {
  return [cluster, groupOf(object.apiVersion), object.kind, object.metadata.namespace ?? '', object.metadata.name].join('|');
}

/** `networking.istio.io/v1` -> `networking.istio.io`; core `v1` -> ``. */
export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
}

const HEADER = new RegExp(`^${GENERATED_MARK} from .* \\(([^()]+)\\)\\. DO NOT EDIT\\.`);

/** The spec entry named in a generated file's first line: `(apps.checkout)` -> `apps.checkout`. */
export function specPathOf(text: string): string | undefined {
  return HEADER.exec(text.split('\n', 1)[0])?.[1];
}

function parseDocuments(text: string): unknown[] | undefined {
  const documents = parseAllDocuments(text);
  return documents.some((d) => d.errors.length > 0) ? undefined : documents.map((d) => d.toJS());
}

function isKubeObject(value: unknown): value is KubeObject & { metadata: { labels?: Record<string, unknown> } } {
  const object = value as KubeObject | null;
  return typeof object?.apiVersion === 'string' && typeof object.kind === 'string' && typeof object.metadata?.name === 'string';
}
