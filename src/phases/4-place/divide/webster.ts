/** One party (cluster) in an apportionment. */
export interface Party {
  readonly name: string;
  /** A non-negative integer. Parties with weight 0 never gain seats. */
  readonly weight: number;
  /** Seats already held, if the apportionment continues an earlier one. */
  readonly seats?: number;
  /** The most seats this party may hold. */
  readonly max?: number;
}

/**
 * Webster / Sainte-Laguë apportionment of `seats` among `parties`, as Karmada's scheduler does it
 * since v1.16 (pkg/util/helper/webstermethod.go): each next seat goes to the party with the highest
 * `weight / (2·seats + 1)`; ties go to the party with fewer seats, then to the name that sorts first.
 *
 * Priorities are compared exactly, as cross products of integers, never as floats. The method is
 * house-monotone: giving out more seats never takes one from any party.
 *
 * Returns the seats per party (every party listed, sorted by name) and the seats that could not be
 * given because every party was at its `max` or had weight 0.
 */
export function apportion(seats: number, parties: readonly Party[]): { seats: Map<string, number>; unassigned: number } {
  const state = [...parties]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((p) => ({ name: p.name, weight: BigInt(p.weight), seats: p.seats ?? 0, max: p.max ?? Infinity }));
  let remaining = seats;
  for (; remaining > 0; remaining--) {
    let best: (typeof state)[number] | undefined;
    for (const party of state) {
      if (party.weight === 0n || party.seats >= party.max) continue;
      if (best === undefined || outranks(party, best)) best = party;
    }
    if (best === undefined) break;
    best.seats++;
  }
  return { seats: new Map(state.map((p) => [p.name, p.seats])), unassigned: remaining };
}

/** a before b: higher weight/(2s+1), then fewer seats; on a full tie the earlier name (state is sorted) stays best. */
function outranks(a: { weight: bigint; seats: number }, b: { weight: bigint; seats: number }): boolean {
  const left = a.weight * BigInt(2 * b.seats + 1);
  const right = b.weight * BigInt(2 * a.seats + 1);
  if (left !== right) return left > right;
  return a.seats < b.seats;
}
