import type { FluxSettings } from '../../model/fleet.js';
import type { KubeObject, Manifest, ManifestSource, RenderedCluster } from '../../model/manifest.js';
import { inPlatformStage, PLATFORM_DIR } from './layout.js';

/**
 * The top-level output folder for Flux entrypoints, one subfolder per cluster. The leading `_`
 * keeps it apart from cluster folders: cluster names are DNS labels and never start with one.
 */
export const FLUX_DIR = '_flux';

/** The cluster an output file belongs to: `<cluster>/…`, or its Flux entrypoint `_flux/<cluster>/…`; '' for the lock. */
export function clusterOfOutputPath(path: string): string {
  const slash = path.indexOf('/');
  if (slash === -1) return '';
  if (slash !== FLUX_DIR.length || !path.startsWith(FLUX_DIR)) return path.slice(0, slash);
  const next = path.indexOf('/', slash + 1);
  return path.slice(slash + 1, next === -1 ? path.length : next);
}

/** API groups whose objects need Istio's CRDs, and Calico's. */
const ISTIO_GROUPS = ['networking.istio.io', 'security.istio.io', 'telemetry.istio.io', 'extensions.istio.io'];
const CALICO_GROUPS = ['projectcalico.org'];

/**
 * Flux entrypoints (the spec's `flux:` section): for each cluster with output, one Flux
 * Kustomization (kustomize.toolkit.fluxcd.io/v1) that applies `<path>/<cluster>` with pruning.
 * Its name is the same on every cluster and never derived from anything that changes, because
 * renaming a Kustomization makes Flux delete and re-create everything it applied (flux2#3316).
 * It depends on the cluster's Istio and Calico infrastructure Kustomizations only when the
 * cluster's output holds objects of those APIs, so Flux never applies a VirtualService before
 * its CRD exists ("no matches for kind", flux2#1966) and a cluster without Calico is not blocked.
 *
 * Returned as folders shaped like clusters (`_flux/<cluster>`), so emit serializes them the same
 * way: one file per object under its namespace plus a kustomization.yaml, owned by the lock.
 */
export function fluxEntrypoints(settings: FluxSettings, fleetName: string, clusters: readonly RenderedCluster[], source: ManifestSource): RenderedCluster[] {
  return clusters.map((cluster) => fluxEntrypoint(settings, fleetName, cluster, source));
}

/**
 * The Flux entrypoint of one cluster's output (see fluxEntrypoints). When the output has a platform
 * stage (`<cluster>/_platform`, see inPlatformStage), a second Kustomization `<name>-platform`
 * applies it, and `<name>` depends on it: kustomize-controller dry-runs and applies one
 * Kustomization's objects as one batch, so a Calico policy would be refused in the batch that
 * creates its Tier; `dependsOn` makes `<name>` wait until `<name>-platform` is Ready.
 */
export function fluxEntrypoint(settings: FluxSettings, fleetName: string, { cluster, manifests }: RenderedCluster, source: ManifestSource): RenderedCluster {
  const stages = { platform: manifests.filter((m) => inPlatformStage(m.object)), rest: manifests.filter((m) => !inPlatformStage(m.object)) };
  const platformName = `${settings.name}-platform`;
  const folder = `${settings.path.replace(/\/+$/, '')}/${cluster}`;
  const kustomizations: KubeObject[] = [];
  if (stages.platform.length > 0) kustomizations.push(kustomization(settings, fleetName, platformName, `${folder}/${PLATFORM_DIR}`, infrastructureOf(settings, stages.platform)));
  const platform = stages.platform.length > 0 ? [platformName] : [];
  kustomizations.push(kustomization(settings, fleetName, settings.name, folder, [...platform, ...infrastructureOf(settings, stages.rest)]));
  return { cluster: `${FLUX_DIR}/${cluster}`, manifests: kustomizations.map((object) => ({ object, source })) };
}

/** The infrastructure Kustomizations that objects need: Istio's where they use Istio APIs, Calico's where they use Calico's. */
function infrastructureOf(settings: FluxSettings, manifests: readonly Manifest[]): string[] {
  const groups = new Set(manifests.map((m) => m.object.apiVersion.split('/')[0]));
  const uses = (apiGroups: readonly string[]) => apiGroups.some((g) => groups.has(g));
  return [...(uses(ISTIO_GROUPS) ? settings.dependsOn.istio : []), ...(uses(CALICO_GROUPS) ? settings.dependsOn.calico : [])];
}

function kustomization(settings: FluxSettings, fleetName: string, name: string, path: string, dependsOn: readonly string[]): KubeObject {
  const unique = [...new Set(dependsOn)];
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: {
      labels: { 'app.kubernetes.io/managed-by': 'fleet', 'app.kubernetes.io/part-of': fleetName },
      name,
      namespace: 'flux-system',
    },
    spec: {
      ...(unique.length > 0 ? { dependsOn: unique.map((n) => ({ name: n })) } : {}),
      interval: settings.interval,
      path,
      prune: true,
      sourceRef: { kind: settings.sourceRef.kind, name: settings.sourceRef.name },
    },
  };
}
