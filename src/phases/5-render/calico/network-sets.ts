import { isIP } from 'node:net';
import type { Construct } from 'constructs';
import type { Cluster } from '../../../model/fleet.js';
import type { ManifestSource } from '../../../model/manifest.js';
import { FleetObject } from '../fleet-object.js';
import type { Topology } from '../topology.js';
import type { NetworkSetsNeeded } from './app-policies.js';
import { CLUSTER_LABEL, NETWORK_LABEL, ROLE_LABEL } from './selectors.js';

/**
 * The GlobalNetworkSets one cluster's policies name (R10), and only those: Calico OSS cannot select
 * pods of another cluster, so remote peers are matched by address. `fleet-pods-<cluster>` holds a
 * remote cluster's pod CIDRs (same network: pod IPs are routable); `fleet-eastwest-<cluster>` the
 * addresses of a remote cluster's east-west gateway (other networks), one per gateway of each
 * network named. Host-name addresses cannot be listed (see renderEgressPolicy).
 */
export function renderNetworkSets(
  scope: Construct,
  needed: NetworkSetsNeeded,
  topology: Topology,
  labels: Record<string, string>,
  sourceOf: (cluster: Cluster, field: string) => ManifestSource,
): void {
  const set = (name: string, extraLabels: Record<string, string>, nets: string[], source: ManifestSource) =>
    new FleetObject(scope, `GlobalNetworkSet/${name}`, { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkSet', metadata: { name, labels: { ...labels, ...extraLabels } }, spec: { nets } }, source);
  for (const name of [...needed.pods].sort()) {
    const cluster = topology.clusters.get(name)!;
    set(`fleet-pods-${name}`, { [ROLE_LABEL]: 'pods', [CLUSTER_LABEL]: name }, [...cluster.podCIDRs], sourceOf(cluster, 'podCIDRs'));
  }
  for (const network of [...needed.eastWestNetworks].sort()) {
    for (const cluster of topology.eastWestGateways(network)) {
      const nets = cluster.eastWestGateway!.addresses.map((a) => `${a}/${isIP(a) === 6 ? 128 : 32}`);
      set(`fleet-eastwest-${cluster.name}`, { [ROLE_LABEL]: 'eastwest-gateway', [NETWORK_LABEL]: network }, nets, sourceOf(cluster, 'eastWestGateway'));
    }
  }
}
