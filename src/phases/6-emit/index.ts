import { hash } from 'node:crypto';
import type { RenderedCluster } from '../../model/manifest.js';
import type { PlacementPlan } from '../../model/plan.js';
import { header, manifestPath } from './layout.js';
import { LOCK_FILE, makeLock } from './lock.js';
import { toYaml } from './yaml.js';

export { CLUSTER_SCOPED_DIR, GENERATED_MARK, manifestPath } from './layout.js';
export { LOCK_FILE, parseLock, type Lock } from './lock.js';
export { toYaml } from './yaml.js';

/** The output tree as data: path relative to the output folder -> file bytes (UTF-8 text). Sorted by path. */
export type OutputTree = ReadonlyMap<string, string>;

/**
 * Phase 6 (pure half): serialize every cluster's manifests, one file each, plus a kustomization.yaml
 * per cluster listing them in apply order, plus the lock. The CLI writes the tree (write-tree.ts).
 */
export function emit(fleetName: string, clusters: readonly RenderedCluster[], plan: PlacementPlan): OutputTree {
  const texts = new Map<string, string>();
  const hashes = new Map<string, string>();
  const add = (path: string, text: string) => {
    if (texts.has(path)) throw new Error(`two objects render to ${path}`); // names are validated unique upstream
    texts.set(path, text);
    // Hashed at once: hashing flattens the writer's string, whose pieces then die young instead of
    // piling up (several times the text's size) until every file is written.
    hashes.set(path, `sha256:${sha256(text)}`);
  };
  for (const { cluster, manifests } of clusters) {
    const resources: string[] = [];
    for (const { object, source } of manifests) {
      const path = manifestPath(cluster, object);
      add(path, header(source) + toYaml(object));
      resources.push(path.slice(cluster.length + 1));
    }
    const kustomization = {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources,
      // Keep fleet's apply order (namespaces first, DestinationRules before VirtualServices) in `kustomize build`.
      sortOptions: { order: 'fifo' },
    };
    add(`${cluster}/kustomization.yaml`, header() + toYaml(kustomization));
  }
  const lock = makeLock(fleetName, plan, Object.fromEntries([...hashes.keys()].sort().map((path) => [path, hashes.get(path)!])));
  texts.set(LOCK_FILE, `${JSON.stringify(lock, null, 2)}\n`);
  return new Map([...texts.keys()].sort().map((path) => [path, texts.get(path)!]));
}

export function sha256(text: string): string {
  return hash('sha256', text);
}
