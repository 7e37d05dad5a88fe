import type { OutputTree } from '../../phases/6-emit/index.js';
import { DETECTORS } from './attention/index.js';
import { changedFields } from './fields.js';
import { ATTENTION_ORDER, type AppPlacementDiff, type Attention, type AttentionKind, type FleetDiff, type ObjectChange, type PlacementChange } from './model.js';
import { type DiffSide, indexSide, type ParseCache, sideOfTree, type TreeIndex, type TreeObject } from './objects.js';

export interface DiffOptions {
  /** Ids (`namespace/name`) of apps the spec marks `stateful`, on either side. */
  readonly stateful?: Iterable<string>;
}

/**
 * `fleet diff`, pure: what changes when the output tree `base` becomes `head`. Objects are matched
 * by identity (cluster, API group, kind, namespace, name), not by file, and compared as data, so
 * header comments and layout never count as changes. Placement comes from each tree's lock.
 */
export function diffTrees(base: OutputTree, head: OutputTree, options: DiffOptions = {}): FleetDiff {
  return diffSides(sideOfTree(base), sideOfTree(head), options);
}

/**
 * diffTrees over two sides that need not be held whole: only the files whose identities differ
 * are read and compared (a file alike on both sides holds the same objects on both), so a one-app
 * change reads a handful of files of a tree of 100,000. `head` must be fleet's output (see indexSide).
 */
export function diffSides(base: DiffSide, head: DiffSide, options: DiffOptions = {}): FleetDiff {
  const cache: ParseCache = new Map();
  const before = indexSide(base, head, cache);
  const after = indexSide(head, base, cache);
  const changes = objectChanges(before, after);
  const placement = placementChanges(before.placement, after.placement);
  const moves = placement.flatMap((p) => p.changes);
  const attention = DETECTORS.flatMap((detect) => detect({ before, after, changes, placement: moves, stateful: new Set(options.stateful) })).sort(bySeverity);

  const risks = new Map<string, Set<AttentionKind>>();
  for (const finding of attention) for (const key of finding.keys) risks.set(key, (risks.get(key) ?? new Set()).add(finding.kind));
  const clusters = new Set([...before.clusters, ...after.clusters]);
  for (const p of [...before.placement.values(), ...after.placement.values()]) for (const cluster of Object.keys(p)) clusters.add(cluster);

  return {
    clusters: [...clusters].sort(),
    changes: changes.map((c) => ({ ...c, risk: ATTENTION_ORDER.filter((kind) => risks.get(c.key)?.has(kind)) })),
    placement,
    attention,
    unreadable: [...before.unreadable.map((p) => `base: ${p}`), ...after.unreadable.map((p) => `head: ${p}`)],
  };
}

function objectChanges(before: TreeIndex, after: TreeIndex): ObjectChange[] {
  const keys = [...new Set([...before.objects.keys(), ...after.objects.keys()])];
  const changes: ObjectChange[] = [];
  for (const key of keys) {
    const [b, a] = [before.objects.get(key), after.objects.get(key)];
    const fields = b && a ? changedFields(b.object, a.object) : [];
    if (b && a && fields.length === 0) continue;
    const current = (a ?? b) as TreeObject;
    changes.push({
      key,
      cluster: current.cluster,
      app: a?.app ?? b?.app,
      apiVersion: current.object.apiVersion,
      kind: current.object.kind,
      namespace: current.object.metadata.namespace,
      name: current.object.metadata.name,
      action: !b ? 'add' : !a ? 'remove' : 'change',
      fields,
      specPath: a?.specPath ?? b?.specPath,
      before: b?.object,
      after: a?.object,
      risk: [],
    });
  }
  const order = (c: ObjectChange) => [c.cluster, c.namespace ?? '', c.kind, c.name, c.apiVersion];
  return changes.sort((x, y) => compareTuples(order(x), order(y)));
}

function placementChanges(before: TreeIndex['placement'], after: TreeIndex['placement']): AppPlacementDiff[] {
  const apps: AppPlacementDiff[] = [];
  for (const app of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const [b, a] = [before.get(app) ?? {}, after.get(app) ?? {}];
    const changes: PlacementChange[] = [];
    for (const cluster of [...new Set([...Object.keys(b), ...Object.keys(a)])].sort()) {
      if ((b[cluster] ?? 0) !== (a[cluster] ?? 0)) changes.push({ app, cluster, before: b[cluster] ?? 0, after: a[cluster] ?? 0 });
    }
    if (changes.length > 0) apps.push({ app, before: b, after: a, changes });
  }
  return apps;
}

function bySeverity(a: Attention, b: Attention): number {
  return ATTENTION_ORDER.indexOf(a.kind) - ATTENTION_ORDER.indexOf(b.kind) || compareTuples([a.cluster ?? '', a.subject], [b.cluster ?? '', b.subject]);
}

export function compareTuples(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}
