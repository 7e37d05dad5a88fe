import { App as Cdk8sApp, Chart } from 'cdk8s';
import type { ResolvedFleet } from '../../model/fleet.js';
import type { KubeObject, Manifest, ManifestSource, RenderedCluster } from '../../model/manifest.js';
import type { PlacementPlan } from '../../model/plan.js';
import { effectiveWorkload } from '../3-resolve/index.js';
import { FleetObject } from './fleet-object.js';
import { MANAGER } from './labels.js';
import { splitReplicasByVersion } from './versions.js';
import { AppWorkload, renderService } from './workload.js';

export { MANAGER } from './labels.js';

/**
 * Phase 5: one cdk8s App and Chart per cluster (so cdk8s work stays linear in the fleet's size),
 * rendered to plain JSON with toJson(); nothing is written to disk here.
 */
export function render(fleet: ResolvedFleet, plan: PlacementPlan, fileOf: (specObject: object) => string): RenderedCluster[] {
  const placementByApp = new Map(plan.apps.map((p) => [`${p.namespace}/${p.name}`, p]));
  const rendered: RenderedCluster[] = [];
  for (const cluster of fleet.clusters) {
    const placed = fleet.apps.filter((app) => (placementByApp.get(app.id)?.clusters[cluster.name] ?? 0) > 0);
    if (placed.length === 0) continue;

    const chart = new Chart(new Cdk8sApp(), cluster.name, { disableResourceNameHashes: true });
    const namespaces = new Map<string, ManifestSource>();
    for (const app of placed) if (!namespaces.has(app.namespace)) namespaces.set(app.namespace, { file: fileOf(app.spec), entry: `apps.${app.name}.namespace` });
    for (const [namespace, source] of namespaces) {
      const labels: Record<string, string> = {
        'app.kubernetes.io/managed-by': MANAGER,
        'istio-injection': 'enabled',
        // Flux never deletes a namespace (and everything in it) because an app moved away.
        'kustomize.toolkit.fluxcd.io/prune': 'disabled',
        ...(cluster.network ? { 'topology.istio.io/network': cluster.network } : {}),
      };
      new FleetObject(chart, `Namespace/${namespace}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels } }, source);
    }
    for (const app of placed) {
      const source = { file: fileOf(app.spec), entry: `apps.${app.name}` };
      const workload = effectiveWorkload(app, cluster, placementByApp.get(app.id)!.clusters[cluster.name], fleet.overrides);
      const versionReplicas = splitReplicasByVersion(app, workload.replicas, fleet.traffic);
      new AppWorkload(chart, { app, fleetName: fleet.name, workload, versionReplicas, source });
      renderService(chart, app, fleet.name, source);
    }
    rendered.push({ cluster: cluster.name, manifests: collect(chart) });
  }
  return rendered;
}

/** Apply order: what others depend on first (namespaces, identities, services), then by namespace and name. */
const KIND_ORDER = ['Namespace', 'ServiceAccount', 'Service', 'Deployment', 'DestinationRule', 'VirtualService', 'Gateway', 'AuthorizationPolicy', 'GlobalNetworkSet', 'GlobalNetworkPolicy', 'NetworkPolicy'];

function collect(chart: Chart): Manifest[] {
  const manifests = chart.node
    .findAll()
    .filter(FleetObject.is)
    .map((o) => ({ object: o.toJson() as KubeObject, source: o.source }));
  return manifests.sort((a, b) => compareObjects(a.object, b.object));
}

function compareObjects(a: KubeObject, b: KubeObject): number {
  const rank = (o: KubeObject) => {
    const i = KIND_ORDER.indexOf(o.kind);
    return i === -1 ? KIND_ORDER.length : i;
  };
  const keys = (o: KubeObject) => [o.kind, o.apiVersion, o.metadata.namespace ?? '', o.metadata.name];
  const ka = keys(a);
  const kb = keys(b);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1;
  return 0;
}
