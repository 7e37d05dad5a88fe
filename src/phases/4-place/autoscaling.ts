import type { AutoscalingPlan } from '../../model/plan.js';
import type { AutoscalingSettings } from '../../model/workload.js';
import { apportion } from './divide/webster.js';

/** A cluster (or a workload in one) that gets a share of autoscaler bounds. */
export interface BoundsParty {
  readonly name: string;
  /** Its division weight: a non-negative integer. */
  readonly weight: number;
}

export interface DividedBounds {
  /** Per party, sorted by name: its share of `min` and of `max`, each at least 1, min never above max. */
  readonly shares: ReadonlyMap<string, { readonly min: number; readonly max: number }>;
  /** The sums of the shares: above the bounds divided when there are more parties than the bound. */
  readonly min: number;
  readonly max: number;
}

/**
 * Divides autoscaler bounds over parties by weight, with Webster as placement divides replicas
 * (divide/webster.ts). Every party gets at least 1 of each: an autoscaler's `minReplicas` is at
 * least 1 (0 needs the alpha HPAScaleToZero gate) and `maxReplicas` at least `minReplicas`. `min`
 * and `max` are divided from the same floors with the same weights, and Webster is house-monotone
 * (one seat at a time, in an order that does not depend on the house size), so no party's min
 * share is above its max share. Parties of weight 0 get the floor; when every weight is 0 the
 * bounds are divided equally.
 */
export function divideBounds(min: number, max: number, parties: readonly BoundsParty[]): DividedBounds {
  const weighted = parties.some((p) => p.weight > 0) ? parties : parties.map((p) => ({ name: p.name, weight: 1 }));
  const seated = weighted.map((p) => ({ name: p.name, weight: p.weight, seats: 1 }));
  const mins = apportion(Math.max(0, min - parties.length), seated).seats;
  const maxes = apportion(Math.max(0, max - parties.length), seated).seats;
  const shares = new Map([...mins.keys()].map((name) => [name, { min: mins.get(name)!, max: maxes.get(name)! }]));
  const sum = (pick: 'min' | 'max') => [...shares.values()].reduce((total, s) => total + s[pick], 0);
  return { shares, min: sum('min'), max: sum('max') };
}

/**
 * Each cluster's autoscaler bounds, where the app runs (`replicas` > 0 there). `min` and `max` count
 * like the app's `replicas`: per cluster when Duplicated (each cluster's autoscaler gets them, as
 * Karmada propagates a Duplicated HPA unchanged), otherwise across the fleet, divided over the
 * clusters with the weights placement divided the replicas by (static weights, or available
 * replicas), so a cluster with twice the weight gets twice the bounds (karmada#4258 asks for this
 * split of `minReplicas`). A cluster without a weight (none recorded) is weighed by its replicas.
 */
export function decideAutoscaling(autoscaling: AutoscalingSettings, duplicated: boolean, replicas: ReadonlyMap<string, number>, weights: ReadonlyMap<string, number | undefined>): Map<string, AutoscalingPlan> {
  const running = [...replicas].filter(([, n]) => n > 0).map(([name]) => name);
  if (duplicated) {
    const why = `Duplicated: every cluster's autoscaler has the app's bounds (min ${autoscaling.min}, max ${autoscaling.max})`;
    return new Map(running.map((name) => [name, { min: autoscaling.min, max: autoscaling.max, why }]));
  }
  const parties = running.map((name) => ({ name, weight: weights.get(name) ?? replicas.get(name)! }));
  const divided = divideBounds(autoscaling.min, autoscaling.max, parties);
  const by = parties.map((p) => `${p.name} ${p.weight}`).join(', ');
  const raised = [
    divided.min > autoscaling.min ? `min ${autoscaling.min} is below 1 per cluster, so ${divided.min} in all` : '',
    divided.max > autoscaling.max ? `max ${autoscaling.max} is below 1 per cluster, so ${divided.max} in all` : '',
  ].filter(Boolean);
  const plans = new Map<string, AutoscalingPlan>();
  for (const [name, share] of divided.shares) {
    const why = `fleet-wide min ${autoscaling.min}, max ${autoscaling.max} divided by placement's weights (${by}), Webster, at least 1 per cluster: ${share.min} of ${divided.min} and ${share.max} of ${divided.max} here${raised.length ? `; ${raised.join('; ')}` : ''}`;
    plans.set(name, { min: share.min, max: share.max, why });
  }
  return plans;
}

/**
 * A cluster's bounds over its workloads (one per version), weighted by the replicas each got there:
 * a version with none gets no autoscaler (it keeps its 0 replicas), so a version that takes no
 * traffic is not started by its autoscaler's minimum.
 */
export function autoscalersOf(
  bounds: { readonly min: number; readonly max: number },
  workloads: readonly { readonly name: string; readonly replicas: number }[],
): Map<string, { minReplicas: number; maxReplicas: number }> {
  const running = workloads.filter((w) => w.replicas > 0);
  if (running.length === 0) return new Map();
  const { shares } = divideBounds(
    bounds.min,
    bounds.max,
    running.map((w) => ({ name: w.name, weight: w.replicas })),
  );
  return new Map([...shares].map(([name, s]) => [name, { minReplicas: s.min, maxReplicas: s.max }]));
}
