import type { App, Cluster } from '../../../model/fleet.js';
import { parseQuantity } from '../../3-resolve/index.js';

/**
 * How many replicas of `app` fit in a cluster's declared free capacity: the minimum over the
 * dimensions the app requests (cpu, memory) and `pods`. Undefined when the cluster declares no
 * capacity that bounds the app (nothing to divide by). The app's requests are parsed once.
 */
export function availableReplicasOf(app: App): (cluster: Cluster) => number | undefined {
  const requests = (['cpu', 'memory'] as const).flatMap((dimension) => {
    const request = app.resources.requests[dimension];
    const perReplica = request === undefined ? undefined : parseQuantity(request);
    return perReplica === undefined || perReplica === 0n ? [] : [{ dimension, perReplica }];
  });
  return (cluster) => {
    let fit: number | undefined = cluster.capacity.pods;
    for (const { dimension, perReplica } of requests) {
      const free = cluster.capacity[dimension];
      if (free === undefined) continue;
      const replicas = Number(free / perReplica);
      fit = fit === undefined ? replicas : Math.min(fit, replicas);
    }
    return fit;
  };
}
