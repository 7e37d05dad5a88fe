import type { Construct } from 'constructs';
import type { ManifestSource } from '../../model/manifest.js';
import { FleetObject } from './fleet-object.js';
import { MANAGED_NAMESPACE_LABEL, MANAGER } from './labels.js';

/**
 * A namespace fleet manages (R1), in every cluster where one of its apps runs or is called from.
 * Labelled for sidecar injection, with the cluster's Istio network (`network`), and as managed so
 * the Calico baseline isolates it.
 *
 * Injection: `istio.io/rev: <revision>` when the mesh names a revision, else `istio-injection:
 * enabled`, never both. Istio's injection webhooks give the legacy label precedence (the revision
 * webhook's namespaceSelector requires `istio-injection` DoesNotExist: istio/istio
 * manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml), so a namespace
 * that kept `istio-injection` would stay on the default revision through a revision-based upgrade.
 */
export function renderNamespace(scope: Construct, name: string, network: string | undefined, revision: string | undefined, source: ManifestSource): void {
  const labels: Record<string, string> = {
    'app.kubernetes.io/managed-by': MANAGER,
    [MANAGED_NAMESPACE_LABEL]: 'true',
    ...(revision === undefined ? { 'istio-injection': 'enabled' } : { 'istio.io/rev': revision }),
    // Flux never deletes a namespace (and everything in it) because an app moved away.
    'kustomize.toolkit.fluxcd.io/prune': 'disabled',
    ...(network ? { 'topology.istio.io/network': network } : {}),
  };
  new FleetObject(scope, `Namespace/${name}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }, source);
}
