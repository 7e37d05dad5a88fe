import { objectLabel, type Attention, type ObjectChange } from '../model.js';
import { isKind, listSome, type Detector } from './detector.js';

/**
 * Objects Flux deletes: everything that leaves a Kustomization's inventory is pruned. One finding
 * per app and cluster (an app leaving a cluster says so), and one for the cluster's objects that
 * belong to no app. Namespaces and Flux Kustomizations have their own detectors: their deletion
 * means more.
 */
export const prune: Detector = ({ changes, placement }) => {
  const leaving = new Set(placement.filter((p) => p.after === 0).map((p) => `${p.cluster}|${p.app}`));
  const groups = new Map<string, ObjectChange[]>();
  for (const change of changes) {
    if (change.action !== 'remove' || change.kind === 'Namespace' || isKind(change, 'kustomize.toolkit.fluxcd.io', 'Kustomization')) continue;
    const group = `${change.cluster}|${change.app ?? ''}`;
    groups.set(group, [...(groups.get(group) ?? []), change]);
  }
  return [...groups.values()].map((removed): Attention => {
    const { cluster, app } = removed[0];
    const specPaths = new Set(removed.map((c) => c.specPath));
    const common = { kind: 'prune', cluster, specPath: specPaths.size === 1 ? removed[0].specPath : undefined, keys: removed.map((c) => c.key) } as const;
    if (app === undefined) return { ...common, subject: removed.length === 1 ? objectLabel(removed[0]) : 'objects of no app', message: `Flux prunes ${removed.length === 1 ? 'it' : listSome(removed.map(objectLabel))}` };
    if (leaving.has(`${cluster}|${app}`)) return { ...common, subject: app, message: `leaves the cluster: Flux prunes ${counted(removed.map(kindOf))}` };
    // Objects named after the app say only their kind; others (`checkout-canary`) their name too.
    const name = app.slice(app.indexOf('/') + 1);
    return { ...common, subject: app, message: `Flux prunes ${counted(removed.map((c) => (c.name === name ? kindOf(c) : `${kindOf(c)} ${c.name}`)))}` };
  });
};

/** `Deployment`, `Calico NetworkPolicy`. */
function kindOf(change: ObjectChange): string {
  return objectLabel({ ...change, namespace: undefined, name: '' }).trimEnd();
}

/** `Deployment ×2, Service, ServiceAccount`. */
function counted(items: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts].map(([item, n]) => (n > 1 ? `${item} ×${n}` : item)).join(', ');
}
