import type { DiagnosticBag } from '../../../diagnostics/diagnostic.js';
import type { App, ResolvedFleet } from '../../../model/fleet.js';
import type { KubeObject, Manifest, RenderedCluster } from '../../../model/manifest.js';
import type { OverrideSpec, PatchSpec } from '../../../model/spec.js';
import type { SourceMap } from '../../1-load/index.js';
import { canonicalObject } from '../canonical.js';
import type { Topology } from '../../4-place/topology.js';
import { applyOperation, PatchError, type PatchOperation } from './json-patch.js';
import type { ErrorCode } from '../../../diagnostics/catalog.js';

/** What became of one patch (an override's `patches[i]`) over every cluster. */
interface PatchStatus {
  readonly override: OverrideSpec;
  readonly index: number;
  /** Objects it was applied to, over every cluster. */
  applied: number;
  /** The first failure: the field to point at, what failed, and where. */
  failure?: { readonly field: 'path' | 'from' | 'value'; readonly message: string; readonly code: ErrorCode };
}

/**
 * Overrides' `patches`, applied after fleet's own rendering (and after the app's own manifests are
 * added), in the clusters where placement recorded them (ClusterWorkload.patches): each to the
 * selected app's objects there that its `target` names. An app's objects are those in its
 * namespace labelled `app.kubernetes.io/name: <app>`: its workloads, Services, ServiceAccount,
 * budget, autoscalers, Istio and network policies, and its own manifests (not the Namespace nor the
 * PeerAuthentication, which its namespace's apps share).
 *
 * Objects are never changed: a patched object is a copy (rendering lists one object in every
 * cluster where it comes out alike), and a copy is made once for each object and list of patches,
 * so clusters that patch alike still share it. Keys are sorted again afterwards.
 *
 * What fleet can check without the upstream schemas: a patch must apply to some object (its
 * target matches nothing anywhere: `render_patch_no_target`), each operation must apply (a path
 * that is not there, a failed `test`: `render_patch_failed`), and a patched object keeps its
 * apiVersion, kind, name and namespace (`render_patch_identity`: they are how fleet files,
 * orders and prunes it). Validity against the Kubernetes schemas is for kubeconform in CI
 * (docs/gitops.md); the tests validate patched output against them.
 */
export class PatchApplier {
  private readonly status = new Map<string, PatchStatus>();
  private readonly overrides: ReadonlyMap<string, OverrideSpec>;
  private readonly copies = new WeakMap<KubeObject, Map<string, KubeObject>>();

  constructor(
    fleet: ResolvedFleet,
    private readonly topology: Topology,
  ) {
    this.overrides = new Map(fleet.overrides.map((o) => [o.name, o]));
    for (const override of fleet.overrides) (override.patches ?? []).forEach((_, index) => this.status.set(key(override.name, index), { override, index, applied: 0 }));
  }

  /** The cluster with its apps' patches applied (the same object when none applies here). */
  apply(rendered: RenderedCluster): RenderedCluster {
    const contents = this.topology.contentsOf(rendered.cluster);
    const patched = new Map<number, Manifest>();
    for (const app of contents?.placed ?? []) {
      const plans = this.topology.workloadOf(app.id, rendered.cluster).patches ?? [];
      if (plans.length === 0) continue;
      const patches = plans.map((p) => ({ id: key(p.override, p.index), spec: this.overrides.get(p.override)!.patches![p.index] }));
      rendered.manifests.forEach((manifest, i) => {
        const current = patched.get(i) ?? manifest;
        if (!belongsTo(current.object, app)) return;
        const mine = patches.filter((p) => targets(p.spec, current.object));
        if (mine.length === 0) return;
        const object = this.patchedCopy(current.object, mine, rendered.cluster);
        if (object !== current.object) patched.set(i, { object, source: current.source });
      });
    }
    if (patched.size === 0) return rendered;
    return { cluster: rendered.cluster, manifests: rendered.manifests.map((m, i) => patched.get(i) ?? m) };
  }

  /**
   * Whether placement gave the cluster's apps a patch that has applied to nothing so far and has
   * not failed: rendering the cluster may show that it applies after all (compile() renders a
   * cluster it would carry over for that, before report).
   */
  plansUnappliedPatch(cluster: string): boolean {
    for (const app of this.topology.contentsOf(cluster)?.placed ?? []) {
      for (const plan of this.topology.workloadOf(app.id, cluster).patches ?? []) {
        const status = this.status.get(key(plan.override, plan.index))!;
        if (status.applied === 0 && !status.failure) return true;
      }
    }
    return false;
  }

  /** Reports every patch that applied nowhere or failed somewhere, at its line. */
  report(sourceMap: SourceMap, diagnostics: DiagnosticBag): void {
    for (const { override, index, applied, failure } of this.status.values()) {
      const patch = override.patches![index];
      const where = `override \`${override.name}\`, patches[${index}]`;
      if (failure) {
        diagnostics.error(failure.code, `${where}: ${failure.message}`, sourceMap.valueSpan(patch, failure.field) ?? sourceMap.valueSpan(patch, 'path'), helpFor(failure.code));
      } else if (applied === 0) {
        const { kind, name } = patch.target;
        diagnostics.error(
          'render_patch_no_target',
          `${where}: no object it selects is ${name === undefined ? `a ${kind}` : `${kind} \`${name}\``}${patch.target.apiVersion ? ` of ${patch.target.apiVersion}` : ''}, in any cluster where the override applies`,
          sourceMap.valueSpan(patch, 'target'),
          [
            "a patch applies to the selected apps' own objects in the clusters where they run (`fleet explain APP` lists them per cluster)",
            'check `target.kind` and `target.name` against the files under out/<cluster>/<namespace>/',
          ],
        );
      }
    }
  }

  private patchedCopy(object: KubeObject, patches: readonly { id: string; spec: PatchSpec }[], cluster: string): KubeObject {
    const cacheKey = patches.map((p) => p.id).join('\n');
    let copies = this.copies.get(object);
    const cached = copies?.get(cacheKey);
    if (cached) {
      for (const p of patches) this.status.get(p.id)!.applied++;
      return cached;
    }
    let result: unknown = structuredClone(object);
    for (const { id, spec } of patches) {
      const status = this.status.get(id)!;
      status.applied++;
      try {
        result = applyOperation(result, operationOf(spec));
      } catch (error) {
        if (!(error instanceof PatchError)) throw error;
        status.failure ??= { field: error.field, message: `${error.message} (in ${object.kind} \`${object.metadata.name}\` in cluster ${cluster})`, code: 'render_patch_failed' };
        return object;
      }
      const changed = identityChange(object, result);
      if (changed) {
        status.failure ??= { field: 'path', message: `it changes the ${changed} of ${object.kind} \`${object.metadata.name}\` (in cluster ${cluster})`, code: 'render_patch_identity' };
        return object;
      }
    }
    const copy = canonicalObject(result as KubeObject);
    if (!copies) this.copies.set(object, (copies = new Map()));
    copies.set(cacheKey, copy);
    return copy;
  }
}

function key(override: string, index: number): string {
  return `${override}\0${index}`;
}

/** Whether an object is one of the app's (see PatchApplier). */
function belongsTo(object: KubeObject, app: App): boolean {
  const labels = object.metadata.labels as Record<string, string> | undefined;
  return object.metadata.namespace === app.namespace && labels?.['app.kubernetes.io/name'] === app.name;
}

function targets(patch: PatchSpec, object: KubeObject): boolean {
  const { kind, name, apiVersion } = patch.target;
  return object.kind === kind && (name === undefined || object.metadata.name === name) && (apiVersion === undefined || object.apiVersion === apiVersion);
}

function operationOf(patch: PatchSpec): PatchOperation {
  switch (patch.op) {
    case 'remove':
      return { op: 'remove', path: patch.path };
    case 'move':
    case 'copy':
      return { op: patch.op, path: patch.path, from: patch.from! };
    default:
      return { op: patch.op, path: patch.path, value: patch.value };
  }
}

/** What identifies an object to fleet and to Kubernetes; a patch must leave it as it was. */
function identityChange(before: KubeObject, after: unknown): string | undefined {
  const object = after as Partial<KubeObject> | null;
  if (typeof object !== 'object' || object === null) return 'whole object';
  if (object.apiVersion !== before.apiVersion) return 'apiVersion';
  if (object.kind !== before.kind) return 'kind';
  if (object.metadata?.name !== before.metadata.name) return 'name';
  if (object.metadata?.namespace !== before.metadata.namespace) return 'namespace';
  return undefined;
}

function helpFor(code: ErrorCode): string[] {
  if (code === 'render_patch_identity') return ['fleet files, orders and prunes objects by apiVersion, kind, namespace and name: change the spec (the app, its namespace) instead'];
  return [
    'paths are JSON Pointers into the rendered object as written under out/<cluster>/ (e.g. `/spec/template/spec/containers/0/image`); `~1` stands for `/` in a key',
    '`add` creates a member or inserts into an array (`/-` appends) but needs the parent to exist; `remove`, `replace`, `move`, `copy` and `test` need the path to exist',
  ];
}
