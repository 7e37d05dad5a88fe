import type { App } from '../../../model/fleet.js';
import { naturalCompare } from '../../../model/natural-order.js';
import type { SteadyState } from '../../../model/plan.js';
import type { AssignmentStrategy, Candidate } from '../candidate.js';
import { apportion, type Party } from './webster.js';

export interface DivideInput {
  readonly app: App;
  readonly strategy: AssignmentStrategy;
  /** The chosen clusters, best first (score, capacity, tie order, name). */
  readonly chosen: readonly Candidate[];
  /** Chosen clusters that must get at least one replica, so the spread holds. */
  readonly anchors: ReadonlySet<string>;
  /**
   * The app's previous placement; undefined when it has none. DynamicWeight and Aggregated continue
   * from it (Steady mode); static weights use it only to break exact ties its way (webster.ts).
   */
  readonly previous?: Readonly<Record<string, number>>;
}

/** The outcome of dividing an app's replicas over its chosen clusters: replicas per cluster, and how they came about. */
export interface ReplicaDivision {
  readonly replicas: ReadonlyMap<string, number>;
  /** Chosen clusters that got nothing for a reason other than the apportionment itself. */
  readonly idle: ReadonlyMap<string, string>;
  readonly steps: readonly string[];
  /** Which Steady-mode case applied; absent when the division did not use the previous placement. */
  readonly steady?: SteadyState['mode'];
  /** Set when the replicas cannot be placed at all. */
  readonly error?: { readonly message: string; readonly help: readonly string[] };
}

/**
 * Divides `app.replicas` over the chosen clusters, as Karmada's assignment strategies do
 * (pkg/scheduler/core/assignment.go), with Webster everywhere, per-cluster `min`/`max`, spread
 * anchors as floors of one, and Karmada's Steady mode for DynamicWeight and Aggregated.
 */
export function divide(input: DivideInput): ReplicaDivision {
  const { app, strategy, chosen } = input;
  if (strategy === 'Duplicated') {
    return { replicas: new Map(chosen.map((c) => [c.name, app.replicas])), idle: new Map(), steps: [`Duplicated: each chosen cluster runs all ${app.replicas} replica(s)`] };
  }
  if (strategy === 'StaticWeight') return fresh(input, chosen, 'Divided by static weight (house-monotone: a larger total never lowers a cluster)', new Map(), input.previous);
  if (strategy === 'DynamicWeight') return input.previous ? steady(input, false) : fresh(input, chosen, 'Divided by available replicas');
  return input.previous ? steady(input, true) : freshAggregated(input);
}

/** A cluster's floor: its `min` (its weight entry's or the rule's), and one replica for a spread anchor. Nothing when the app has no replicas. */
function floorOf({ app, anchors }: DivideInput, c: Candidate): number {
  if (app.replicas === 0) return 0;
  return Math.max(c.bounds.min, anchors.has(c.name) ? 1 : 0);
}

/** Why a cluster starts at its floor, for the trace: `min 4, weights[0]`, `min 2, the rule`, or `spread anchor`. */
function floorReason({ anchors }: DivideInput, c: Candidate): string {
  const anchor = anchors.has(c.name) && c.bounds.min < 1;
  return anchor ? 'spread anchor' : `min ${c.bounds.min}, ${c.bounds.minFrom === 'rule' ? 'the rule' : c.bounds.minFrom}`;
}

/**
 * Plain (bounded) Webster over `parties`: floors first, then one replica at a time. `previous`
 * (static weights) only breaks exact ties, towards the previous division.
 */
function fresh(input: DivideInput, parties: readonly Candidate[], how: string, idle: ReadonlyMap<string, string> = new Map(), previous?: Readonly<Record<string, number>>): ReplicaDivision {
  const { app } = input;
  const seats = parties.map((c): Party => ({ name: c.name, weight: c.weight, seats: floorOf(input, c), max: c.cap, tie: c.tie, ...(previous?.[c.name] ? { previous: previous[c.name] } : {}) }));
  const floors = sum(seats.map((p) => p.seats ?? 0));
  if (floors > app.replicas) return minError(input, parties);
  const result = apportion(app.replicas - floors, seats);
  if (result.unassigned > 0) return roomError(app, app.replicas - result.unassigned);
  return { replicas: result.seats, idle, steps: describe(how, app.replicas, seats, result.seats, result.order, false, boundsOf(input, parties)) };
}

/** For the trace: why each party's floor and cap are what they are. */
function boundsOf(input: DivideInput, parties: readonly Candidate[]): Bounds {
  return new Map(
    parties.map((c) => [
      c.name,
      {
        floor: floorOf(input, c) > 0 ? floorReason(input, c) : undefined,
        cap: c.bounds.maxFrom !== undefined && c.cap === c.bounds.max ? `max ${c.bounds.max}, ${c.bounds.maxFrom === 'rule' ? 'the rule' : c.bounds.maxFrom}` : undefined,
      },
    ]),
  );
}

/** Per party: why it has a floor (absent without one) and what its cap is (absent when not a `max`). */
type Bounds = ReadonlyMap<string, { readonly floor?: string; readonly cap?: string }>;

/**
 * Aggregated, fresh: the fewest clusters. Anchors first, then the rest best first (score, available
 * replicas, name); keep the shortest prefix that can hold every replica; Webster over it.
 */
function freshAggregated(input: DivideInput): ReplicaDivision {
  const { app, chosen, anchors } = input;
  const ordered = [...chosen.filter((c) => anchors.has(c.name)), ...chosen.filter((c) => !anchors.has(c.name))];
  const prefix: Candidate[] = [];
  let room = 0;
  for (const c of ordered) {
    if (room >= app.replicas && !anchors.has(c.name)) break;
    prefix.push(c);
    room += c.cap;
  }
  const inPrefix = new Set(prefix.map((c) => c.name));
  const idle = new Map(chosen.filter((c) => !inPrefix.has(c.name)).map((c) => [c.name, 'was not needed: fewer clusters already hold every replica']));
  return fresh(input, prefix, `Aggregated into the fewest clusters that hold ${app.replicas} replica(s) (${prefix.map((c) => c.name).join(', ')}), weighted by available replicas`, idle);
}

/**
 * Karmada's Steady mode (division_algorithm.go): the previous replicas on clusters still chosen
 * stay (up to `max`), floors are topped up, then
 * - scale-up: only the difference is divided, by Webster from zero replicas over the room each
 *   cluster has left (its available replicas minus what stays: Karmada's estimator reports free
 *   room after the running replicas, fleet's capacity is declared in total), and added to what
 *   stays; Aggregated first keeps the shortest prefix (clusters already used first) with room for it;
 * - scale-down: the total is divided by Webster with the previous replicas as weights (shrinking in
 *   proportion); Aggregated first keeps the clusters holding the most, until they hold the total;
 * - equal: nothing moves.
 * Replicas on clusters that are no longer chosen are released into the difference.
 */
function steady(input: DivideInput, aggregated: boolean): ReplicaDivision {
  const { app, chosen, anchors } = input;
  const previous = input.previous!;
  const kept = new Map(chosen.map((c) => [c.name, Math.min(previous[c.name] ?? 0, c.cap)]));
  const keptTotal = sum([...kept.values()]);
  // Aggregated gives a cluster it does not use yet its floor only if it joins (below).
  const inUse = (c: Candidate) => !aggregated || kept.get(c.name)! > 0 || anchors.has(c.name);
  const base = new Map(chosen.map((c) => [c.name, inUse(c) ? Math.max(kept.get(c.name)!, floorOf(input, c)) : 0]));
  const total = sum([...base.values()]);
  const floors = sum(chosen.filter(inUse).map((c) => floorOf(input, c)));
  if (floors > app.replicas) return minError(input, chosen.filter(inUse));
  const keptNote = `steady: ${keptTotal} previous replica(s) stay where they run${
    keptTotal
      ? ` (${[...kept]
          .filter(([, n]) => n > 0)
          .map(([name, n]) => `${name} ${n}`)
          .join(', ')})`
      : ''
  }`;
  const idleIfUnused = (replicas: ReadonlyMap<string, number>) =>
    new Map(aggregated ? chosen.filter((c) => (replicas.get(c.name) ?? 0) === 0).map((c) => [c.name, 'was not needed: the clusters already used hold every replica']) : []);

  if (total === app.replicas) {
    const topped = total > keptTotal ? `; floors add ${total - keptTotal}` : '';
    return { replicas: base, idle: idleIfUnused(base), steps: [`${keptNote}${topped}; they add up to ${app.replicas}, so nothing moves`], steady: 'unchanged' };
  }

  if (total > app.replicas) {
    let shrinking = chosen.filter((c) => base.get(c.name)! > 0);
    if (aggregated) {
      // Aggregated packs on the way down too: the clusters holding the most (anchors always), until they hold the total.
      const byHeld = [...shrinking].sort((a, b) => Number(anchors.has(b.name)) - Number(anchors.has(a.name)) || base.get(b.name)! - base.get(a.name)!);
      let held = 0;
      shrinking = byHeld.filter((c) => {
        if (held >= app.replicas && !anchors.has(c.name)) return false;
        held += base.get(c.name)!;
        return true;
      });
    }
    const parties = shrinking.map((c): Party => ({ name: c.name, weight: base.get(c.name)!, seats: floorOf(input, c), max: base.get(c.name)!, tie: c.tie }));
    const result = apportion(app.replicas - sum(parties.map((p) => p.seats ?? 0)), parties);
    const replicas = new Map([...base.keys()].map((name) => [name, result.seats.get(name) ?? 0]));
    const how = `scale-down from ${total} to ${app.replicas}: Webster with the previous replicas as weights${aggregated ? `, over the fewest clusters that held them (${shrinking.map((c) => c.name).join(', ')})` : ''}`;
    const steps = [keptNote, ...describe(how, app.replicas, parties, result.seats, result.order)];
    return { replicas, idle: idleIfUnused(replicas), steps, steady: 'scale-down' };
  }

  const delta = app.replicas - total;
  let receivers = chosen.filter((c) => c.cap - base.get(c.name)! > 0);
  if (aggregated) {
    // The shortest prefix, best first: clusters already used rank first (ClusterLocality), as in Karmada's resortAvailableClusters.
    const prefix: Candidate[] = [];
    let room = 0;
    for (const c of receivers) {
      if (room >= delta) break;
      prefix.push(c);
      room += c.cap - base.get(c.name)!;
    }
    receivers = prefix;
  }
  const joining = (c: Candidate) => (base.get(c.name)! === 0 ? floorOf(input, c) : 0);
  const roomOf = (c: Candidate) => c.cap - base.get(c.name)!;
  const parties = receivers.map((c): Party => ({ name: c.name, weight: roomOf(c), seats: joining(c), max: roomOf(c), tie: c.tie }));
  const joinFloors = sum(parties.map((p) => p.seats ?? 0));
  if (joinFloors > delta) return minError(input, [...chosen.filter(inUse), ...receivers.filter((c) => joining(c) > 0)]);
  const result = apportion(delta - joinFloors, parties);
  if (result.unassigned > 0) return roomError(app, app.replicas - result.unassigned);
  const replicas = new Map([...base].map(([name, n]) => [name, n + (result.seats.get(name) ?? 0)]));
  const how = `scale-up by ${delta}: Webster over the room left (available replicas minus what stays) from zero${aggregated ? `, over the fewest clusters with room (${receivers.map((c) => c.name).join(', ')})` : ''}, added to what stays`;
  return { replicas, idle: idleIfUnused(replicas), steps: [keptNote, ...describe(how, delta, parties, result.seats, result.order, true)], steady: 'scale-up' };
}

/**
 * The apportionment trace `fleet explain` prints: the method, the floors and why, each cluster's
 * exact share and result (and the `max` that capped it), the replica order. Clusters in natural order.
 */
function describe(how: string, seats: number, parties: readonly Party[], result: ReadonlyMap<string, number>, order: readonly string[], added = false, bounds: Bounds = new Map()): string[] {
  const totalWeight = sum(parties.map((p) => p.weight));
  const byName = [...parties].sort((a, b) => naturalCompare(a.name, b.name));
  const floors = byName.filter((p) => (p.seats ?? 0) > 0);
  const steps = [
    `${how}: ${seats} replica(s) over ${parties.length} cluster(s) by Webster/Sainte-Laguë (each next replica to the highest weight/(2·replicas+1); ties: a cluster below its previous replicas, then fewer replicas, then the app's hash order)`,
  ];
  if (floors.length) steps.push(`floors first: ${floors.map((p) => `${p.name} ${p.seats}${bounds.get(p.name)?.floor ? ` (${bounds.get(p.name)!.floor})` : ''}`).join(', ')}`);
  for (const p of byName) {
    const share = totalWeight > 0 ? Number(((seats * p.weight) / totalWeight).toFixed(3)) : 0;
    const got = result.get(p.name) ?? 0;
    const cap = bounds.get(p.name)?.cap;
    const capped = p.max !== undefined && Number.isFinite(p.max) && got >= p.max ? ` (capped at ${cap ?? p.max})` : '';
    steps.push(`${p.name}: weight ${p.weight}/${totalWeight}, exact share ${share}, ${added ? 'adds' : 'gets'} ${got}${capped}`);
  }
  const shown = 40;
  if (order.length) steps.push(`${floors.length ? 'then, one at a time' : 'replica order'}: ${order.slice(0, shown).join(', ')}${order.length > shown ? `, … (${order.length - shown} more)` : ''}`);
  return steps;
}

/** Too few replicas for the floors: says each floor and where it came from. */
function minError(input: DivideInput, clusters: readonly Candidate[]): ReplicaDivision {
  const { app } = input;
  const floors = clusters.filter((c) => floorOf(input, c) > 0).sort((a, b) => naturalCompare(a.name, b.name));
  const total = sum(floors.map((c) => floorOf(input, c)));
  const each = floors.map((c) => `${c.name} ${floorOf(input, c)} (${floorReason(input, c)})`).join(', ');
  return failed(`app \`${app.name}\` has ${app.replicas} replica(s), fewer than its floors need: ${total} over ${floors.length} cluster(s): ${each}`, ['lower `min`, or raise `replicas`']);
}

function roomError(app: App, placed: number): ReplicaDivision {
  return failed(`app \`${app.name}\` has ${app.replicas} replicas, but its clusters can hold only ${placed} (their \`max\` and available capacity)`, ["raise `max`, free capacity, or widen the rule's cluster affinity"]);
}

function failed(message: string, help: string[]): ReplicaDivision {
  return { replicas: new Map(), idle: new Map(), steps: [], error: { message, help } };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
