import type { App, Cluster } from '../../../model/fleet.js';
import { parseQuantity } from '../../3-resolve/index.js';

/**
 * How many replicas of `app` fit in `cluster`'s declared free capacity: the minimum over the
 * dimensions the app requests (cpu, memory) and `pods`. Undefined when the cluster declares no
 * capacity that bounds the app (nothing to divide by).
 */
export function availableReplicas(app: App, cluster: Cluster): number | undefined {
  const bounds: number[] = [];
  for (const dimension of ['cpu', 'memory'] as const) {
    const request = app.resources.requests[dimension];
    const free = cluster.capacity[dimension];
    if (request === undefined || free === undefined) continue;
    const perReplica = parseQuantity(request);
    if (perReplica === undefined || perReplica === 0n) continue;
    bounds.push(Number(free / perReplica));
  }
  if (cluster.capacity.pods !== undefined) bounds.push(cluster.capacity.pods);
  return bounds.length === 0 ? undefined : Math.min(...bounds);
}
