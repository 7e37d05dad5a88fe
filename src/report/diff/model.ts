import type { KubeObject } from '../../model/manifest.js';

/**
 * What `fleet diff` found between two output trees: the object changes per cluster, the placement
 * moves (from each tree's lock), and the findings a reviewer must not miss. Plain data, formatted
 * by format-{text,json,markdown}.ts.
 */
export interface FleetDiff {
  /** Every cluster that has output (or placement) on either side, sorted. */
  readonly clusters: readonly string[];
  /** Sorted by cluster, namespace, kind, name. */
  readonly changes: readonly ObjectChange[];
  /** Apps whose replicas changed on some cluster, sorted by id. */
  readonly placement: readonly AppPlacementDiff[];
  /** Most severe kind first (ATTENTION_ORDER), then cluster. */
  readonly attention: readonly Attention[];
  /** Files of the trees that could not be read as YAML; they take no part in the diff. */
  readonly unreadable: readonly string[];
}

export type Action = 'add' | 'change' | 'remove';

export interface ObjectChange {
  /** `cluster|group|kind|namespace|name`: an object's identity, independent of file layout. */
  readonly key: string;
  readonly cluster: string;
  /** The app the object belongs to (`namespace/name`), when it belongs to one. */
  readonly app?: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly action: Action;
  /** For `change`: every leaf that differs. Empty for `add` and `remove`. */
  readonly fields: readonly FieldChange[];
  /** The spec entry from the file header, e.g. `apps.checkout`. */
  readonly specPath?: string;
  readonly before?: KubeObject;
  readonly after?: KubeObject;
  /** The attention kinds that concern this change. */
  readonly risk: readonly AttentionKind[];
}

/**
 * One difference: a leaf (`spec.replicas` 4 -> 3; `undefined` means absent on that side), or, in a
 * list matched by identity (list-identity.ts), a whole entry added or removed
 * (`spec.egress[2]`, `spec.template.spec.containers[name=istio-proxy]`) or the list reordered where
 * order matters (`spec.http`; `before` and `after` are then the entries' labels in order).
 */
export interface FieldChange {
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
  /** Set when the change is to a list entry as a whole, or to the list's order. */
  readonly entry?: EntryChange;
}

export type EntryChange = 'add' | 'remove' | 'reorder';

/** An app's replicas per cluster before and after (clusters without replicas left out), and the moves. */
export interface AppPlacementDiff {
  readonly app: string;
  readonly before: Readonly<Record<string, number>>;
  readonly after: Readonly<Record<string, number>>;
  /** The clusters whose count changed, sorted. */
  readonly changes: readonly PlacementChange[];
}

/** An app's replicas on one cluster before and after (0 = not placed there). */
export interface PlacementChange {
  readonly app: string;
  readonly cluster: string;
  readonly before: number;
  readonly after: number;
}

export type AttentionKind = 'flux-prune' | 'stateful-move' | 'prune' | 'namespace' | 'policy-widening' | 'subset-ordering' | 'traffic-shift';

/** Severity order, most severe first: how the report lists findings. */
export const ATTENTION_ORDER: readonly AttentionKind[] = ['flux-prune', 'stateful-move', 'prune', 'namespace', 'policy-widening', 'subset-ordering', 'traffic-shift'];

/**
 * A finding for the reviewer. `message` never names the cluster, so the same finding on many
 * clusters folds into one line ("on 12 clusters").
 */
export interface Attention {
  readonly kind: AttentionKind;
  /** Absent when the finding spans clusters (a stateful app moving). */
  readonly cluster?: string;
  /** What it is about: an app id, or an object such as `VirtualService shop/checkout`. */
  readonly subject: string;
  readonly message: string;
  readonly specPath?: string;
  /** Keys of the object changes it is about. */
  readonly keys: readonly string[];
  /** For traffic shifts: the weights that moved, for the report's graph. */
  readonly weights?: readonly WeightShift[];
}

export interface WeightShift {
  /** The route's name, or its position (`http[0]`). */
  readonly route: string;
  /** The destination subset, or host when it has none. */
  readonly destination: string;
  readonly before?: number;
  readonly after?: number;
}

export function hasChanges(diff: FleetDiff): boolean {
  return diff.changes.length > 0 || diff.placement.length > 0;
}

/** `Deployment shop/web`, `Namespace shop`, `Calico NetworkPolicy shop/web-ingress` (not Kubernetes' own kind). */
export function objectLabel(change: { apiVersion?: string; kind: string; namespace?: string; name: string }): string {
  const calico = change.apiVersion?.startsWith('projectcalico.org/') ? 'Calico ' : '';
  return `${calico}${change.kind} ${change.namespace ? `${change.namespace}/` : ''}${change.name}`;
}

/** What the report says about where the two sides came from. */
export interface DiffReportContext {
  /** e.g. `origin/main@1a2b3c4`, or the base folder. */
  readonly base: string;
  /** What the base is: the output committed at a git ref, the ref's spec rendered by this fleet, or a folder's files. */
  readonly baseSource?: 'committed' | 'rendered' | 'folder';
  /** e.g. `working tree`. */
  readonly head: string;
  /** The spec file or folder. */
  readonly spec: string;
  /** fleet's version. */
  readonly version: string;
  /** What `fleet synth --check` says about the committed output folder. */
  readonly outputCheck?: { readonly outDir: string; readonly upToDate: boolean; readonly differing: number };
}
