import type { Construct } from 'constructs';
import type { App } from '../../../model/fleet.js';
import type { ManifestSource } from '../../../model/manifest.js';
import type { DestinationPolicy } from '../../../model/traffic.js';
import { deploymentName } from '../../../model/names.js';
import { FleetObject } from '../fleet-object.js';
import { workloadLabel } from '../labels.js';
import { hostOf } from './identity.js';
import { localityTrafficPolicy } from './locality.js';

/**
 * The DestinationRule of a destination (R5): rendered where its callers run, because in a
 * multi-primary mesh each istiod only applies its own cluster's client-side config, and where the
 * destination runs, because an east-west gateway there builds its per-subset SNI clusters from the
 * DestinationRules its own istiod sees (research/mesh-behaviour.md, Istio 2); in the destination's
 * namespace, so it applies to callers in every namespace. One subset per version, selecting the
 * pods of that version's Deployment; mTLS and connection pool from the rules to it; outlier
 * detection and locality load balancing from them and `placedIn`, the clusters where the
 * destination runs (locality.ts). Depends on nothing but its arguments.
 */
export function renderDestinationRule(scope: Construct, app: App, policy: DestinationPolicy, placedIn: readonly string[], labels: Record<string, string>, source: ManifestSource): void {
  new FleetObject(
    scope,
    `DestinationRule/${app.namespace}/${app.name}`,
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: app.name, namespace: app.namespace, labels },
      spec: {
        host: hostOf(app),
        trafficPolicy: trafficPolicy(policy, placedIn),
        // Each subset is one Deployment's pods, by the label that Deployment selects on (labels.ts):
        // the app's pods from before it had versions are already the first subset's.
        subsets: app.versions.length > 0 ? app.versions.map((v) => ({ name: v.name, labels: workloadLabel(deploymentName(app, v.name)) })) : undefined,
      },
    },
    source,
  );
}

function trafficPolicy(policy: DestinationPolicy, placedIn: readonly string[]): Record<string, unknown> {
  const pool = policy.connectionPool;
  const http =
    pool && (pool.maxPendingRequests !== undefined || pool.maxRequestsPerConnection !== undefined)
      ? { http1MaxPendingRequests: pool.maxPendingRequests, maxRequestsPerConnection: pool.maxRequestsPerConnection }
      : undefined;
  const tcp = pool?.maxConnections !== undefined ? { maxConnections: pool.maxConnections } : undefined;
  const { outlierDetection, loadBalancer } = localityTrafficPolicy(policy, placedIn);
  return {
    tls: { mode: policy.tls },
    connectionPool: tcp || http ? { tcp, http } : undefined,
    outlierDetection,
    loadBalancer,
  };
}
