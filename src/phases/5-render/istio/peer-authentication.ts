import type { Construct } from 'constructs';
import type { MeshSettings } from '../../../model/fleet.js';
import type { ManifestSource } from '../../../model/manifest.js';
import { FleetObject } from '../fleet-object.js';

/**
 * The namespace-wide PeerAuthentication of a namespace fleet manages (R1), rendered with the
 * Namespace, in every cluster that gets it: `mtls.mode` from `mesh.mtls` (default STRICT, so the
 * sidecars refuse plaintext and every request carries the caller's identity that the
 * AuthorizationPolicies check). Named `default`, as Istio names a namespace's policy; without a
 * selector it applies to every workload in the namespace (istio/api
 * security/v1beta1/peer_authentication.proto). Istio's own default, with no policy, is PERMISSIVE.
 */
export function renderPeerAuthentication(scope: Construct, namespace: string, mtls: MeshSettings['mtls'], labels: Record<string, string>, source: ManifestSource): void {
  new FleetObject(
    scope,
    `PeerAuthentication/${namespace}/default`,
    {
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name: 'default', namespace, labels },
      spec: { mtls: { mode: mtls } },
    },
    source,
  );
}
