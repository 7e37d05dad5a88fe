import { isIP } from 'node:net';
import type { Construct } from 'constructs';
import type { Cluster } from '../../../model/fleet.js';
import type { ManifestSource } from '../../../model/manifest.js';
import { FleetObject } from '../fleet-object.js';
import type { Topology } from '../../4-place/topology.js';
import type { NetworkSetsNeeded } from './app-policies.js';
import { CLUSTER_LABEL, NETWORK_LABEL, ROLE_LABEL } from './selectors.js';

/**
 * The GlobalNetworkSets a cluster's policies name (R10), and only those: Calico OSS cannot select
 * pods of another cluster, so remote peers are matched by address. `fleet-pods-<cluster>` holds a
 * remote cluster's pod CIDRs (same network: pod IPs are routable); `fleet-eastwest-<cluster>` the
 * addresses of a remote cluster's east-west gateway (other networks), one per gateway named. Host-name addresses cannot be listed (see renderEgressPolicy). Each set depends
 * only on the cluster it describes: `render` is called once per set, with what that set needs.
 */
export function networkSetsNamed(needed: NetworkSetsNeeded, topology: Topology): NetworkSet[] {
  return [
    ...[...needed.pods].sort().map((name): NetworkSet => ({ kind: 'pods', of: topology.clusters.get(name)! })),
    ...[...needed.eastWestGateways].sort().map((name): NetworkSet => ({ kind: 'eastwest', of: topology.clusters.get(name)!, network: topology.network(name) })),
  ];
}

/** One GlobalNetworkSet: the pods of a cluster, or its east-west gateway on a network. */
export type NetworkSet = { readonly kind: 'pods'; readonly of: Cluster } | { readonly kind: 'eastwest'; readonly of: Cluster; readonly network: string };

export function renderNetworkSet(scope: Construct, kind: NetworkSet['kind'], cluster: Cluster, network: string | undefined, labels: Record<string, string>, source: ManifestSource): void {
  const name = `fleet-${kind}-${cluster.name}`;
  const extraLabels: Record<string, string> = kind === 'pods' ? { [ROLE_LABEL]: 'pods', [CLUSTER_LABEL]: cluster.name } : { [ROLE_LABEL]: 'eastwest-gateway', [CLUSTER_LABEL]: cluster.name, [NETWORK_LABEL]: network! };
  const nets = kind === 'pods' ? [...cluster.podCIDRs] : cluster.eastWestGateway!.addresses.map((a) => `${a}/${isIP(a) === 6 ? 128 : 32}`);
  new FleetObject(scope, `GlobalNetworkSet/${name}`, { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkSet', metadata: { name, labels: { ...labels, ...extraLabels } }, spec: { nets } }, source);
}
