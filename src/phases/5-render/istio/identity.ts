import type { App } from '../../../model/fleet.js';
import { DEFAULTS } from '../../3-resolve/index.js';
import type { Identity } from '../../4-place/topology.js';

/**
 * An app's mesh host name, always fully qualified: a short name would resolve against the namespace
 * of the rule, not of the service (Istio traffic-management best practices).
 */
export function hostOf(app: App): string {
  return `${app.name}.${app.namespace}.svc.cluster.local`;
}

/** The SPIFFE principal Istio's mTLS proves for an identity, as AuthorizationPolicy `principals` name it. */
export function principalOf(identity: Identity): string {
  return `${DEFAULTS.trustDomain}/ns/${identity.namespace}/sa/${identity.serviceAccount}`;
}
