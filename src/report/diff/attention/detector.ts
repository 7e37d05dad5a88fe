import type { KubeObject } from '../../../model/manifest.js';
import type { Attention, ObjectChange, PlacementChange } from '../model.js';
import type { TreeIndex } from '../objects.js';

/** What a detector sees: both trees read back, and what changed between them. */
export interface DiffContext {
  readonly before: TreeIndex;
  readonly after: TreeIndex;
  readonly changes: readonly ObjectChange[];
  readonly placement: readonly PlacementChange[];
  /** Ids (`namespace/name`) of the apps marked `stateful`. */
  readonly stateful: ReadonlySet<string>;
}

/** Finds one kind of thing a reviewer must not miss. Pure; reads only the documented object shapes. */
export type Detector = (context: DiffContext) => Attention[];

/** An object's `spec` as loose data: detectors read rendered YAML, so every field may be absent. */
export function specOf(object: KubeObject | undefined): Record<string, any> {
  const spec = object?.spec;
  return typeof spec === 'object' && spec !== null ? (spec as Record<string, any>) : {};
}

export function isKind(change: { apiVersion: string; kind: string }, group: string, ...kinds: string[]): boolean {
  return change.apiVersion.startsWith(`${group}/`) && kinds.includes(change.kind);
}

const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** Whether `app` still runs pods on `cluster` in `index`: a removed policy for an app that left protects nothing. */
export function runsOn(index: TreeIndex, cluster: string, app: string | undefined): boolean {
  return WORKLOADS.some((kind) => index.objectsOf(cluster, kind).some((o) => o.app === app));
}

/** Istio resolves short names in the rule's namespace: `checkout` -> `checkout.shop.svc.cluster.local`. */
export function qualify(host: string, namespace = 'default'): string {
  const parts = host.split('.');
  if (parts.length === 1) return `${host}.${namespace}.svc.cluster.local`;
  if (parts.length === 2) return `${host}.svc.cluster.local`;
  if (parts.length === 3 && parts[2] === 'svc') return `${host}.cluster.local`;
  return host;
}

/** `a, b, c and 4 more`. */
export function listSome(items: readonly string[], max = 5): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
