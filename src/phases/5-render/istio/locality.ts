import type { DestinationPolicy } from '../../../model/traffic.js';
import { DEFAULTS } from '../../3-resolve/index.js';

type OutlierDetection = NonNullable<DestinationPolicy['outlierDetection']>;

/** The part of a DestinationRule's `trafficPolicy` that decides which locality a call goes to. */
export interface LocalityTrafficPolicy {
  readonly outlierDetection?: OutlierDetection;
  readonly loadBalancer?: { readonly localityLbSetting: { readonly enabled: boolean; readonly failover?: readonly { from: string; to: string }[] } };
}

/**
 * Locality load balancing for a destination, from its merged policy and `placedIn`, the clusters
 * where it runs (docs/traffic.md, "Keeping traffic near"). A pure function of its arguments.
 *
 * Istio turns locality into Envoy priorities (same zone, then region, then `failover`'s target,
 * then the rest) only when the DestinationRule has outlier detection (istio/istio pilot
 * `loadbalancer.go`, `LocalityLBSettings.ApplyToCluster`: `enableFailover := l.Force ||
 * c.OutlierDetection != nil`); without it every endpoint shares priority 0 and calls spread over
 * every region. The mesh-wide `localityLbSetting.enabled` is true by default (pkg/config/mesh).
 *
 * - `Nearest`, the destination in more than one cluster or with `failover`: outlier detection as
 *   written, else fleet's default; `maxEjectionPercent` 100 unless written (Istio's 10% can keep a
 *   failed locality's hosts in rotation and stall failover, istio/istio#34605); `enabled: true`, so
 *   it holds even where the mesh turned locality load balancing off.
 * - `Nearest`, in one cluster without `failover`: nothing added; there is no other locality.
 * - `Any`: `enabled: false`, so outlier detection, if written, does not turn locality priorities on
 *   (istio/api#3693). `failover` is refused with `Any` (traffic-graph.ts).
 */
export function localityTrafficPolicy(policy: DestinationPolicy, placedIn: readonly string[]): LocalityTrafficPolicy {
  if (policy.locality === 'Any') return { outlierDetection: policy.outlierDetection, loadBalancer: { localityLbSetting: { enabled: false } } };
  if (policy.failover === undefined && placedIn.length <= 1) return { outlierDetection: policy.outlierDetection };
  const written = policy.outlierDetection ?? DEFAULTS.failoverOutlierDetection;
  return {
    outlierDetection: written.maxEjectionPercent === undefined ? { ...written, maxEjectionPercent: DEFAULTS.maxEjectionPercent } : written,
    loadBalancer: { localityLbSetting: { enabled: true, failover: policy.failover?.map(({ from, to }) => ({ from, to })) } },
  };
}
