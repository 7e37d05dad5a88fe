import type { App } from '../../model/fleet.js';

/** A cluster a stateful app would lose replicas on while they go elsewhere. */
export interface Move {
  readonly cluster: string;
  readonly from: number;
  readonly to: number;
}

/**
 * Where a stateful app would be moved off without permission. A move is a cluster losing replicas
 * while another gains: shrinking in place (a lower `replicas`) is not a move, and clusters listed
 * in `allowMoveFrom` may be moved off in this change. Clusters no longer in the fleet are returned
 * apart (`gone`): they cannot be listed in `allowMoveFrom`, so they are reported as warnings.
 */
export function statefulMoves(
  app: App,
  previous: Readonly<Record<string, number>> | undefined,
  next: Readonly<Record<string, number>>,
  inFleet: (cluster: string) => boolean,
): { readonly forbidden: readonly Move[]; readonly gone: readonly Move[] } {
  if (!app.stateful || previous === undefined) return { forbidden: [], gone: [] };
  const gained = Object.entries(next).some(([cluster, n]) => n > (previous[cluster] ?? 0));
  if (!gained) return { forbidden: [], gone: [] };
  const moves = Object.entries(previous)
    .filter(([cluster, n]) => n > 0 && (next[cluster] ?? 0) < n && !app.allowMoveFrom.includes(cluster))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([cluster, from]) => ({ cluster, from, to: next[cluster] ?? 0 }));
  return { forbidden: moves.filter((m) => inFleet(m.cluster)), gone: moves.filter((m) => !inFleet(m.cluster)) };
}

export function formatMoves(moves: readonly Move[]): string {
  return moves.map((m) => `${m.cluster} (${m.from} → ${m.to})`).join(', ');
}
