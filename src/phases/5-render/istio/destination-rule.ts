import type { Construct } from 'constructs';
import type { App } from '../../../model/fleet.js';
import type { ManifestSource } from '../../../model/manifest.js';
import type { DestinationPolicy } from '../../../model/traffic.js';
import { FleetObject } from '../fleet-object.js';
import { hostOf } from './identity.js';

/**
 * The DestinationRule of a destination (R5): rendered where its callers run, because in a
 * multi-primary mesh each istiod only applies its own cluster's client-side config; in the
 * destination's namespace, so it applies to callers in every namespace. One subset per version,
 * selecting the pods' `version` label; mTLS, connection pool, outlier detection and locality failover
 * from the rules to it.
 */
export function renderDestinationRule(scope: Construct, app: App, policy: DestinationPolicy, labels: Record<string, string>, source: ManifestSource): void {
  new FleetObject(
    scope,
    `DestinationRule/${app.namespace}/${app.name}`,
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: app.name, namespace: app.namespace, labels },
      spec: {
        host: hostOf(app),
        trafficPolicy: trafficPolicy(policy),
        subsets: app.versions.length > 0 ? app.versions.map((v) => ({ name: v.name, labels: { version: v.name } })) : undefined,
      },
    },
    source,
  );
}

function trafficPolicy(policy: DestinationPolicy): Record<string, unknown> {
  const pool = policy.connectionPool;
  const http = pool && (pool.maxPendingRequests !== undefined || pool.maxRequestsPerConnection !== undefined) ? { http1MaxPendingRequests: pool.maxPendingRequests, maxRequestsPerConnection: pool.maxRequestsPerConnection } : undefined;
  const tcp = pool?.maxConnections !== undefined ? { maxConnections: pool.maxConnections } : undefined;
  return {
    tls: { mode: policy.tls },
    connectionPool: tcp || http ? { tcp, http } : undefined,
    outlierDetection: policy.outlierDetection,
    // Locality load balancing is on by default mesh-wide; `enabled` keeps failover working even where a mesh turned it off.
    loadBalancer: policy.failover ? { localityLbSetting: { enabled: true, failover: policy.failover.map(({ from, to }) => ({ from, to })) } } : undefined,
  };
}
