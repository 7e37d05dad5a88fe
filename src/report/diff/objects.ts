import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../model/manifest.js';
import { FLUX_DIR } from '../../phases/6-emit/flux.js';
import { GENERATED_MARK, LOCK_FILE, parseLock, type OutputTree } from '../../phases/6-emit/index.js';

/** An object of an output tree, with where it lives and where in the spec it came from. */
export interface TreeObject {
  readonly key: string;
  readonly cluster: string;
  readonly object: KubeObject;
  readonly specPath?: string;
  readonly app?: string;
}

/** An output tree read back: its objects by key and its placement (from the lock) by app id. */
export interface TreeIndex {
  readonly objects: ReadonlyMap<string, TreeObject>;
  readonly placement: ReadonlyMap<string, Readonly<Record<string, number>>>;
  readonly unreadable: readonly string[];
}

/** Parsed documents by file text, or undefined when the text is not YAML. */
export type ParseCache = Map<string, unknown[] | undefined>;

/**
 * Reads every manifest of a tree. `kustomization.yaml` files and the lock are bookkeeping derived
 * from the objects and are not objects themselves; the file header supplies the spec entry.
 * Files with the same bytes are parsed once through `cache` (parsing is the slow part): most files
 * are the same on both sides of a diff, and many are the same on every cluster.
 */
export function indexTree(tree: OutputTree, cache: ParseCache = new Map()): TreeIndex {
  const objects = new Map<string, TreeObject>();
  const unreadable: string[] = [];
  for (const [path, text] of tree) {
    const cluster = clusterOf(path);
    if (!cluster || !/\.ya?ml$/.test(path) || /(^|\/)kustomization\.ya?ml$/.test(path)) continue;
    const specPath = specPathOf(text);
    if (!cache.has(text)) cache.set(text, parseDocuments(text));
    const documents = cache.get(text);
    if (!documents) {
      unreadable.push(path);
      continue;
    }
    for (const object of documents.filter(isKubeObject)) {
      const key = objectKey(cluster, object);
      const name = object.metadata.labels?.['app.kubernetes.io/name'];
      const app = object.metadata.namespace && typeof name === 'string' ? `${object.metadata.namespace}/${name}` : undefined;
      objects.set(key, { key, cluster, object, specPath, app });
    }
  }
  const lock = parseLock(tree.get(LOCK_FILE));
  const placement = new Map((lock?.placement ?? []).map((p) => [`${p.namespace}/${p.name}`, p.clusters]));
  return { objects, placement, unreadable };
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
