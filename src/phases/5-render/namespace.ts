import type { Construct } from 'constructs';
import type { ManifestSource } from '../../model/manifest.js';
import { FleetObject } from './fleet-object.js';
import { MANAGED_NAMESPACE_LABEL, MANAGER } from './labels.js';

/**
 * A namespace fleet manages (R1), in every cluster where one of its apps runs or is called from.
 * Labelled as managed so the network policy baseline isolates it and, in a cluster that runs Istio
 * (`mesh` given), for sidecar injection and with the cluster's Istio network. A cluster outside the
 * mesh gets neither Istio label: its pods run without sidecars.
 *
 * Injection: `istio.io/rev: <revision>` when the mesh names a revision, else `istio-injection:
 * enabled`, never both. Istio's injection webhooks give the legacy label precedence (the revision
 * webhook's namespaceSelector requires `istio-injection` DoesNotExist: istio/istio
 * manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml), so a namespace
 * that kept `istio-injection` would stay on the default revision through a revision-based upgrade.
 */
export function renderNamespace(scope: Construct, name: string, mesh: { network?: string; revision?: string } | undefined, source: ManifestSource): void {
  const labels: Record<string, string> = {
    'app.kubernetes.io/managed-by': MANAGER,
    [MANAGED_NAMESPACE_LABEL]: 'true',
    ...(mesh === undefined ? {} : mesh.revision === undefined ? { 'istio-injection': 'enabled' } : { 'istio.io/rev': mesh.revision }),
    // Flux never deletes a namespace (and everything in it) because an app moved away.
    'kustomize.toolkit.fluxcd.io/prune': 'disabled',
    ...(mesh?.network ? { 'topology.istio.io/network': mesh.network } : {}),
  };
  new FleetObject(scope, `Namespace/${name}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }, source);
}
