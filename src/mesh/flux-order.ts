import { type AppliedObject, type ClusterView, cmp, type FluxKustomization } from './model.js';

/**
 * How Flux applies a cluster's folders, and whether the API accepts each object in that order.
 *
 * - Kustomizations wait for those they `dependsOn` to be Ready (fluxcd/kustomize-controller
 *   internal/controller/kustomization_controller.go checkDependencies); one that failed its apply is
 *   not Ready, so its dependants never run. A dependency fleet did not render (the platform's Istio
 *   and Calico Kustomizations) is outside the model and taken to be Ready.
 * - One Kustomization applies in stages (fluxcd/pkg ssa/manager_apply.go ApplyAllStaged): cluster
 *   definitions (CustomResourceDefinition, Namespace, ClusterRole: utils/is.go IsClusterDefinition)
 *   and waits for them; then kinds ending in `Class`; then everything else.
 * - Within a stage, ApplyAll sorts the objects (ssa/sort.go: the ReconcileOrder kinds first, in its
 *   order, then by group and kind, namespace, name), server-side dry-runs every one of them, and
 *   applies only when every dry-run passed. So an object whose admission needs another object of the
 *   same stage is refused whatever the order, the stage applies nothing, and the next retry fails
 *   the same way.
 * - Admission: a Calico policy naming a tier that does not exist is refused, by the tiered-RBAC
 *   webhook in the v3.32 native-CRD mode (projectcalico/calico v3.32.0 webhooks/pkg/rbac/rbac.go
 *   checkTierExists, registered with `sideEffects: None`, so it also judges dry-runs:
 *   manifests/calico-v3-crds.yaml) and by the API server mode's client (libcalico-go clientv3
 *   networkpolicy.go / globalnetworkpolicy.go Create: "check that the tier exists"). The built-in
 *   tiers always exist. A namespaced object needs its namespace. Istio validates each object alone
 *   (a VirtualService naming a subset no DestinationRule defines yet is accepted and fails at run
 *   time with 503s, which is why DestinationRules should land first: they do, `DestinationRule` <
 *   `VirtualService` in one stage).
 */

/** The kinds ssa/sort.go orders first (ReconcileOrder.First) and last (ReconcileOrder.Last). */
const FIRST = [
  'CustomResourceDefinition',
  'Namespace',
  'ClusterRole',
  'ClusterClass',
  'RuntimeClass',
  'PriorityClass',
  'StorageClass',
  'VolumeSnapshotClass',
  'IngressClass',
  'GatewayClass',
  'ClusterRoleBinding',
  'ResourceQuota',
  'ServiceAccount',
  'Role',
  'RoleBinding',
  'ConfigMap',
  'Secret',
  'Service',
  'LimitRange',
  'Deployment',
  'StatefulSet',
  'CronJob',
  'PodDisruptionBudget',
];
const LAST = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

/** ssa/sort.go getIndexByKind: First kinds negative, Last positive, every other kind 0. */
function kindIndex(kind: string): number {
  const first = FIRST.indexOf(kind);
  if (first >= 0) return first - FIRST.length;
  const last = LAST.indexOf(kind);
  return last >= 0 ? 1 + last : 0;
}

/** ssa/sort.go `less`: kind index, then group, then kind (IsLessThan), then namespace, then name. */
export function ssaCompare(a: AppliedObject, b: AppliedObject): number {
  if (a.group !== b.group || a.kind !== b.kind) {
    return kindIndex(a.kind) - kindIndex(b.kind) || cmp(a.group, b.group) || cmp(a.kind, b.kind);
  }
  return cmp(a.namespace ?? '', b.namespace ?? '') || cmp(a.name, b.name);
}

export type Stage = 'definitions' | 'classes' | 'resources';

/** ApplyAllStaged's stage of an object. */
export function stageOf(object: AppliedObject): Stage {
  if (
    (object.kind === 'CustomResourceDefinition' && object.group === 'apiextensions.k8s.io') ||
    (object.kind === 'Namespace' && object.apiVersion === 'v1') ||
    (object.kind === 'ClusterRole' && object.group === 'rbac.authorization.k8s.io')
  )
    return 'definitions';
  if (object.kind.endsWith('Class')) return 'classes';
  return 'resources';
}

export interface ApplyStep {
  readonly kustomization: string;
  readonly folder: string;
  readonly stage: Stage;
  /** In apply order. */
  readonly objects: readonly AppliedObject[];
  /** Objects the API refuses at this step, and why. */
  readonly refused: readonly { readonly object: AppliedObject; readonly reason: string }[];
}

export interface ApplyProblem {
  readonly cluster: string;
  readonly kustomization: string;
  /** `refused`: a dry-run fails, nothing of the stage is applied, every retry fails alike. `blocked`: waits for a Kustomization that never gets Ready. `unapplied`/`cycle`/`missing`: the Kustomizations do not apply the folder. */
  readonly kind: 'refused' | 'blocked' | 'unapplied' | 'cycle';
  readonly message: string;
}

export interface ApplyPlan {
  readonly cluster: string;
  /** Kustomizations in the order they get Ready (dependencies first). */
  readonly kustomizations: readonly FluxKustomization[];
  readonly steps: readonly ApplyStep[];
  readonly problems: readonly ApplyProblem[];
}

/** Namespaces every cluster has before fleet's output is applied. */
const PLATFORM_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease', 'istio-system', 'flux-system', 'calico-system', 'tigera-operator']);
/** Calico's built-in tiers. */
const BUILT_IN_TIERS = ['default', 'kube-admin', 'kube-baseline'];

/**
 * How Flux applies one cluster's output on a cluster that holds none of it yet (the hard case: a
 * re-apply finds the objects of earlier runs). Without `flux:` each folder is applied by a
 * Kustomization of its own that depends on nothing. Flux retries a failed Kustomization every
 * interval, so one refused for an object another, independent Kustomization creates succeeds on a
 * later try (rounds below); one refused for an object of its own stage, or of a Kustomization that
 * waits for it, never does. `platformNamespaces`: namespaces the platform creates (gateways').
 */
export function applyPlan(view: ClusterView, platformNamespaces: Iterable<string> = []): ApplyPlan {
  const problems: ApplyProblem[] = [];
  const kustomizations: FluxKustomization[] =
    view.kustomizations.length > 0 ? [...view.kustomizations] : [...view.folders.keys()].sort().map((folder) => ({ kind: 'Kustomization', namespace: 'flux-system', name: folder, folder, dependsOn: [] }));
  const applied = new Set(kustomizations.map((k) => k.folder));
  for (const folder of [...view.folders.keys()].sort()) {
    if (!applied.has(folder)) problems.push({ cluster: view.name, kustomization: '-', kind: 'unapplied', message: `no Flux Kustomization of ${view.name} applies the folder ${folder}` });
  }
  const ordered = dependencyOrder(view.name, kustomizations, problems);
  const tiers = new Set(BUILT_IN_TIERS);
  const namespaces = new Set([...PLATFORM_NAMESPACES, ...platformNamespaces]);
  const keyOf = (k: { name: string; namespace: string }) => `${k.namespace}/${k.name}`;
  const ready = new Set<string>();
  const lastFailure = new Map<string, ApplyProblem>();
  const steps: ApplyStep[] = [];
  // Rounds of Flux's retries: each Kustomization whose dependencies are Ready tries again, until a round changes nothing.
  for (let progress = true; progress; ) {
    progress = false;
    for (const kustomization of ordered) {
      const key = keyOf(kustomization);
      if (ready.has(key) || !kustomization.dependsOn.every((d) => ready.has(keyOf(d)) || !kustomizations.some((k) => keyOf(k) === keyOf(d)))) continue;
      const attempt = applyOnce(view, kustomization, tiers, namespaces);
      if (attempt.refused) {
        lastFailure.set(key, attempt.refused);
        continue;
      }
      steps.push(...attempt.steps);
      ready.add(key);
      lastFailure.delete(key);
      progress = true;
    }
  }
  for (const kustomization of ordered) {
    const key = keyOf(kustomization);
    if (ready.has(key)) continue;
    const failure = lastFailure.get(key);
    if (failure) problems.push(failure);
    else {
      const waits = kustomization.dependsOn.filter((d) => !ready.has(keyOf(d))).map((d) => d.name);
      problems.push({
        cluster: view.name,
        kustomization: kustomization.name,
        kind: 'blocked',
        message: `Kustomization ${kustomization.name} of ${view.name} waits for ${waits.join(', ')}, which never gets Ready ("dependency not ready")`,
      });
    }
  }
  return { cluster: view.name, kustomizations: ordered, steps, problems };
}

/** One apply of a Kustomization, stage by stage; what the cluster holds grows with each stage applied. */
function applyOnce(view: ClusterView, kustomization: FluxKustomization, tiers: Set<string>, namespaces: Set<string>): { steps: ApplyStep[]; refused?: ApplyProblem } {
  const objects = (kustomization.folder && view.folders.get(kustomization.folder)) || [];
  const steps: ApplyStep[] = [];
  for (const stage of ['definitions', 'classes', 'resources'] as const) {
    const batch = objects.filter((o) => stageOf(o) === stage).sort(ssaCompare);
    if (batch.length === 0) continue;
    // Every dry-run sees the cluster as it was before the stage.
    const refused = batch.flatMap((object) => {
      const reason = refusal(object, tiers, namespaces);
      return reason ? [{ object, reason }] : [];
    });
    if (refused.length > 0) {
      const first = refused[0];
      const message = `Flux cannot apply Kustomization ${kustomization.name} of ${view.name} (folder ${kustomization.folder}): the dry-run of ${describe(first.object)} fails (${first.reason})${refused.length > 1 ? ` and ${refused.length - 1} more` : ''}; the stage applies nothing, so every retry fails the same way`;
      return { steps, refused: { cluster: view.name, kustomization: kustomization.name, kind: 'refused', message } };
    }
    steps.push({ kustomization: kustomization.name, folder: kustomization.folder ?? '', stage, objects: batch, refused: [] });
    for (const object of batch) {
      if (object.kind === 'Tier' && object.group === 'projectcalico.org') tiers.add(object.name);
      if (object.kind === 'Namespace' && object.group === '') namespaces.add(object.name);
    }
  }
  return { steps };
}

function refusal(object: AppliedObject, tiers: ReadonlySet<string>, namespaces: ReadonlySet<string>): string | undefined {
  if (object.namespace !== undefined && !namespaces.has(object.namespace)) return `namespace ${object.namespace} does not exist yet`;
  if (object.tier !== undefined && !tiers.has(object.tier)) return `Calico refuses a policy in tier ${object.tier}, which does not exist yet`;
  return undefined;
}

function describe(object: AppliedObject): string {
  return `${object.kind} ${object.namespace ? `${object.namespace}/` : ''}${object.name}`;
}

/** Kahn's order over dependsOn within the cluster (ties by name); a cycle is a problem, its members never Ready. */
function dependencyOrder(cluster: string, kustomizations: readonly FluxKustomization[], problems: ApplyProblem[]): FluxKustomization[] {
  const keyOf = (k: { name: string; namespace: string }) => `${k.namespace}/${k.name}`;
  const byKey = new Map(kustomizations.map((k) => [keyOf(k), k]));
  const pending = new Map(kustomizations.map((k) => [keyOf(k), k.dependsOn.filter((d) => byKey.has(keyOf(d))).map(keyOf)]));
  const order: FluxKustomization[] = [];
  const done = new Set<string>();
  while (pending.size > 0) {
    const ready = [...pending]
      .filter(([, deps]) => deps.every((d) => done.has(d)))
      .map(([key]) => key)
      .sort();
    if (ready.length === 0) {
      const stuck = [...pending.keys()].sort();
      problems.push({ cluster, kustomization: stuck.join(', '), kind: 'cycle', message: `Kustomizations ${stuck.join(', ')} of ${cluster} depend on each other: none ever gets Ready` });
      break;
    }
    for (const key of ready) {
      pending.delete(key);
      done.add(key);
      order.push(byKey.get(key)!);
    }
  }
  return order;
}
