import type { Attention, ObjectChange } from './model.js';

/** One item that happens identically on one or more clusters. */
export interface Folded<T> {
  readonly item: T;
  /** Sorted. */
  readonly clusters: readonly string[];
}

/**
 * Groups items that are the same apart from their cluster, in first-seen order, so a one-line spec
 * edit that touches 12 clusters reads as one entry ("same change on 12 clusters").
 */
export function foldByCluster<T>(items: readonly T[], clusterOf: (item: T) => string | undefined, signature: (item: T) => string): Folded<T>[] {
  const groups = new Map<string, { item: T; clusters: string[] }>();
  for (const item of items) {
    const key = signature(item);
    const group = groups.get(key) ?? groups.set(key, { item, clusters: [] }).get(key)!;
    const cluster = clusterOf(item);
    if (cluster !== undefined) group.clusters.push(cluster);
  }
  return [...groups.values()].map((g) => ({ item: g.item, clusters: [...new Set(g.clusters)].sort() }));
}

/**
 * Changes are the same when they do the same thing to the same object: the same field edits, or
 * (added and removed objects) the same object.
 */
export function foldChanges(changes: readonly ObjectChange[]): Folded<ObjectChange>[] {
  return foldByCluster(
    changes,
    (c) => c.cluster,
    (c) => JSON.stringify([c.action, c.apiVersion, c.kind, c.namespace, c.name, c.action === 'change' ? c.fields : c.action === 'add' ? c.after : c.before]),
  );
}

export function foldAttention(attention: readonly Attention[]): Folded<Attention>[] {
  return foldByCluster(
    attention,
    (a) => a.cluster,
    (a) => JSON.stringify([a.kind, a.subject, a.message, a.specPath]),
  );
}
