import type { App, Cluster } from '../../../model/fleet.js';
import { affinityMismatch } from '../../3-resolve/index.js';
import { availableReplicas } from './available.js';
import { apportion } from './webster.js';

/** The outcome of dividing an app's replicas over its feasible clusters. */
export interface Division {
  readonly replicas: Map<string, number>;
  /** Per-cluster weight used (static weight or available replicas), when the strategy weighs. */
  readonly weights: Map<string, number>;
  /** Why a feasible cluster got nothing, by cluster. */
  readonly idle: Map<string, string>;
  readonly steps: string[];
  /** Set when the replicas cannot be placed at all. */
  readonly error?: { message: string; help: string[] };
}

/** Divides `app.replicas` over `feasible` (sorted by name) per the rule's strategy. */
export function divide(app: App, feasible: readonly Cluster[]): Division {
  const replicas = app.placement.replicas ?? {};
  const strategy = replicas.strategy ?? 'Duplicated';
  if (strategy === 'Duplicated') {
    return { replicas: new Map(feasible.map((c) => [c.name, app.replicas])), weights: new Map(), idle: new Map(), steps: [`Duplicated: each chosen cluster runs ${app.replicas}`] };
  }
  if (strategy === 'Divided' && !replicas.dynamic) return byStaticWeight(app, feasible);
  return byCapacity(app, feasible, strategy === 'Aggregated');
}

function byStaticWeight(app: App, feasible: readonly Cluster[]): Division {
  const entries = app.placement.replicas?.weights;
  const weights = new Map<string, number>();
  const idle = new Map<string, string>();
  for (const cluster of feasible) {
    // A cluster's weight is the largest among the entries that match it; no entries means equal weights.
    const matching = entries?.filter((e) => affinityMismatch(cluster, e.clusters) === undefined).map((e) => e.weight) ?? [1];
    const weight = matching.length ? Math.max(...matching) : 0;
    if (weight > 0) weights.set(cluster.name, weight);
    else idle.set(cluster.name, matching.length ? 'had weight 0' : 'matched no weight entry');
  }
  return finish(app, weights, idle, `Divided by static weight`);
}

function byCapacity(app: App, feasible: readonly Cluster[], aggregated: boolean): Division {
  const idle = new Map<string, string>();
  let available = feasible.map((c) => ({ name: c.name, available: availableReplicas(app, c) }));
  for (const a of available) if (a.available === undefined) idle.set(a.name, 'declared no capacity for what the app requests');
  else if (a.available === 0) idle.set(a.name, 'had no room for one more replica');
  available = available.filter((a) => (a.available ?? 0) > 0);
  const total = available.reduce((sum, a) => sum + (a.available ?? 0), 0);
  if (total < app.replicas) {
    return {
      replicas: new Map(),
      weights: new Map(available.map((a) => [a.name, a.available!])),
      idle,
      steps: [],
      error: {
        message: `app \`${app.name}\` needs ${app.replicas} replicas but its clusters have room for ${total}`,
        help: ['lower `replicas`, free capacity, or widen the rule\'s cluster affinity'],
      },
    };
  }
  if (aggregated) {
    // Fewest clusters: most room first (then name), the shortest prefix that fits every replica.
    available.sort((a, b) => b.available! - a.available! || (a.name < b.name ? -1 : 1));
    let sum = 0;
    const prefix = available.filter((a) => (sum < app.replicas ? ((sum += a.available!), true) : false));
    for (const a of available) if (!prefix.includes(a)) idle.set(a.name, 'was not needed: fewer clusters already fit every replica');
    available = prefix;
  }
  const weights = new Map(available.map((a) => [a.name, a.available!]));
  return finish(app, weights, idle, aggregated ? 'Aggregated over the fewest clusters that fit, weighted by available replicas' : 'Divided by available replicas');
}

function finish(app: App, weights: Map<string, number>, idle: Map<string, string>, how: string): Division {
  const { min, max } = app.placement.replicas ?? {};
  const parties = [...weights].map(([name, weight]) => ({ name, weight, max }));
  const floor = min ?? 0;
  const floorTotal = floor * parties.length;
  if (floorTotal > app.replicas) {
    return { replicas: new Map(), weights, idle, steps: [], error: { message: `app \`${app.name}\` has ${app.replicas} replicas, fewer than min ${floor} × ${parties.length} clusters`, help: ['lower `min`, or raise `replicas`'] } };
  }
  const result = apportion(app.replicas - floorTotal, parties.map((p) => ({ ...p, seats: floor })));
  if (result.unassigned > 0) {
    return { replicas: new Map(), weights, idle, steps: [], error: { message: `app \`${app.name}\` has ${app.replicas} replicas, more than max ${max} × ${parties.length} clusters can hold`, help: ['raise `max`, or widen the rule\'s cluster affinity'] } };
  }
  const total = [...weights.values()].reduce((a, b) => a + b, 0);
  const steps = [`${how}: ${app.replicas} replicas by Webster/Sainte-Laguë (ties: fewer replicas, then name)`];
  for (const [name, weight] of weights) {
    const exact = (app.replicas * weight) / total;
    steps.push(`${name}: weight ${weight}/${total}, exact share ${Number(exact.toFixed(3))}, assigned ${result.seats.get(name)}`);
  }
  return { replicas: result.seats, weights, idle, steps };
}
