import type { App, Cluster } from '../../model/fleet.js';
import { deploymentName } from '../../model/names.js';
import type { ContainerOverrides, AutoscalingPlan, ClusterWorkload, DeploymentPlan, DisruptionBudgetPlan, PatchPlan } from '../../model/plan.js';
import type { OverrideSpec, PatchSpec, TrafficRuleSpec } from '../../model/spec.js';
import { affinityMatches, appMatches } from '../3-resolve/selectors.js';
import { DEFAULTS } from '../3-resolve/defaults.js';
import { autoscalersOf, decideAutoscaling } from './autoscaling.js';
import { decideDisruption } from './disruption.js';
import { versionReplicas } from './versions.js';

/**
 * The last decisions of placement: what runs in each cluster where an app has replicas. Overrides
 * are applied (in the order written, a later one winning for the same field), then the cluster's
 * replicas are split among the app's versions. Then its `autoscaling` bounds are divided over the
 * clusters (by `weights`, placement's division weights) and over each cluster's workloads, and its
 * `disruption` budget is computed per cluster (autoscaling.ts, disruption.ts). Rendering reads only
 * the result, so `fleet plan`, `fleet explain`, the lock and the rendered objects all show the same
 * numbers.
 */
export function decideWorkloads(
  app: App,
  divided: Readonly<Record<string, number>>,
  clusters: ReadonlyMap<string, Cluster>,
  overrides: readonly OverrideSpec[],
  rulesToApp: readonly TrafficRuleSpec[],
  weights: ReadonlyMap<string, number | undefined> = new Map(),
): Decided {
  const here = new Map(Object.keys(divided).map((name) => [name, applyOverrides(app, clusters.get(name)!, divided[name], overrides)]));
  const split = versionReplicas(app, new Map([...here].map(([name, w]) => [name, w.replicas])), rulesToApp);
  const replicasFrom = new Map<string, string>();
  const planned = new Map<string, DeploymentPlan[]>();
  for (const [name, w] of here) {
    const byVersion = split.get(name)!;
    planned.set(
      name,
      app.versions.length === 0
        ? [{ name: deploymentName(app), image: w.image(app.image), replicas: w.replicas, env: envList(app.env, w.env) }]
        : app.versions.map((v) => ({ name: deploymentName(app, v.name), version: v.name, image: w.image(v.image), replicas: byVersion.get(v.name) ?? 0, env: envList(app.env, v.env, w.env) })),
    );
    if (w.replicasFrom !== undefined) replicasFrom.set(name, w.replicasFrom);
  }

  // Autoscaling, then the disruption budgets, which count the fewest pods each cluster may run.
  const duplicated = (app.placementRule.replicas?.strategy ?? DEFAULTS.strategy) === 'Duplicated';
  const totals = new Map([...planned].map(([name, deployments]) => [name, sum(deployments.map((d) => d.replicas))]));
  const { autoscaling: autoscalingSpec, disruption } = app.workload;
  const autoscaling = autoscalingSpec ? decideAutoscaling(autoscalingSpec, duplicated, totals, weights) : new Map<string, AutoscalingPlan>();
  for (const [name, bounds] of autoscaling) {
    const autoscalers = autoscalersOf(bounds, planned.get(name)!);
    planned.set(
      name,
      planned.get(name)!.map((d) => (autoscalers.has(d.name) ? { ...d, autoscaler: autoscalers.get(d.name)! } : d)),
    );
  }
  const fewest = new Map([...planned].map(([name, deployments]) => [name, sum(deployments.map((d) => d.autoscaler?.minReplicas ?? d.replicas))]));
  const budgets = disruption ? decideDisruption(disruption, duplicated, fewest, new Set(autoscaling.keys())) : new Map<string, DisruptionBudgetPlan>();

  const workloads = new Map<string, ClusterWorkload>();
  for (const [name, w] of here) {
    workloads.set(name, {
      replicas: totals.get(name)!,
      ...(w.applied.length ? { overrides: w.applied } : {}),
      labels: w.labels,
      podAnnotations: w.annotations,
      ...(w.workloadAnnotations ? { workloadAnnotations: w.workloadAnnotations } : {}),
      ...(w.container ? { container: w.container } : {}),
      deployments: planned.get(name)!,
      ...(budgets.has(name) ? { disruptionBudget: budgets.get(name)! } : {}),
      ...(autoscaling.has(name) ? { autoscaling: autoscaling.get(name)! } : {}),
      ...(w.patches.length ? { patches: w.patches } : {}),
    });
  }
  return { workloads, replicasFrom };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

export interface Decided {
  /** By cluster, every cluster the app was placed in (an override may have set its replicas to 0). */
  readonly workloads: ReadonlyMap<string, ClusterWorkload>;
  /** Clusters whose count an override's `replicas` set, with the override that set it last. */
  readonly replicasFrom: ReadonlyMap<string, string>;
}

/** What the overrides that select (app, cluster) change there. */
interface Overridden {
  readonly replicas: number;
  /** The override whose `replicas` set the count, if any. */
  readonly replicasFrom?: string;
  /** Rewrites one of the app's images as the overrides say. */
  readonly image: (image: string) => string;
  readonly env: readonly (readonly [string, string])[];
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly applied: readonly string[];
  /** The overrides' JSON patches, in the order they apply. */
  readonly patches: readonly PatchPlan[];
  readonly workloadAnnotations?: Record<string, string>;
  readonly container?: ContainerOverrides;
}

/**
 * Every override that selects (app, cluster), in the order written. An image override rewrites each
 * version's image on its own: `registry` every image of the app; `tag` the images that are the app's
 * own (`image`), so a version pinned to an image of its own (a canary) keeps it.
 */
export function applyOverrides(app: App, cluster: Cluster, placedReplicas: number, overrides: readonly OverrideSpec[]): Overridden {
  let replicas = placedReplicas;
  let replicasFrom: string | undefined;
  const rewrites: { registry?: string; repository?: string; tag?: string }[] = [];
  const workloadAnnotations: Record<string, string> = {};
  let command: readonly string[] | undefined;
  let args: readonly string[] | undefined;
  let resources: { requests: Record<string, string>; limits: Record<string, string> } | undefined;
  const env = new Map<string, string>();
  const labels = { ...app.labels };
  const annotations = { ...app.annotations };
  const applied: string[] = [];
  const patches: PatchPlan[] = [];
  for (const override of overrides) {
    if (!appMatches(app, override.apps) || !affinityMatches(cluster, override.clusters)) continue;
    applied.push(override.name);
    (override.patches ?? []).forEach((patch, index) => patches.push({ override: override.name, index, summary: patchSummary(patch) }));
    if (override.image) rewrites.push(override.image);
    for (const [key, value] of Object.entries(override.env ?? {})) env.set(key, String(value));
    Object.assign(labels, override.labels);
    Object.assign(annotations, override.annotations);
    Object.assign(workloadAnnotations, override.workloadAnnotations);
    if (override.command) command = override.command;
    if (override.args) args = override.args;
    if (override.resources) {
      resources ??= { requests: { ...app.resources.requests }, limits: { ...app.resources.limits } };
      for (const [name, value] of Object.entries(override.resources.requests ?? {})) resources.requests[name] = String(value);
      for (const [name, value] of Object.entries(override.resources.limits ?? {})) resources.limits[name] = String(value);
    }
    if (override.replicas !== undefined) {
      replicas = override.replicas;
      replicasFrom = override.name;
    }
  }
  const image = (original: string) => rewrites.reduce((current, change) => rewriteImage(current, original === app.image ? change : { registry: change.registry, repository: change.repository }), original);
  const container = { ...(command ? { command } : {}), ...(args ? { args } : {}), ...(resources ? { resources } : {}) };
  return {
    replicas,
    replicasFrom,
    image,
    env: [...env],
    labels,
    annotations,
    applied,
    patches,
    ...(Object.keys(workloadAnnotations).length ? { workloadAnnotations } : {}),
    ...(Object.keys(container).length ? { container } : {}),
  };
}

/** `replace /spec/type on Service nginx`, `add /metadata/annotations/x on every Deployment`. */
export function patchSummary(patch: PatchSpec): string {
  const { kind, name, apiVersion } = patch.target;
  const target = `${name === undefined ? 'every ' : ''}${apiVersion ? `${apiVersion} ` : ''}${kind}${name === undefined ? '' : ` ${name}`}`;
  return `${patch.op} ${patch.path}${patch.from !== undefined ? ` from ${patch.from}` : ''} on ${target}`;
}

/** The app's variables, then each later list's over them (a variable keeps its first position). */
function envList(...layers: readonly (readonly (readonly [string, string])[])[]): { name: string; value: string }[] {
  const merged = new Map<string, string>();
  for (const layer of layers) for (const [name, value] of layer) merged.set(name, value);
  return [...merged].map(([name, value]) => ({ name, value }));
}

/**
 * Replaces the registry and/or tag of an image reference.
 * `ghcr.io/acme/checkout:1.8.0` with registry `europe-docker.pkg.dev/acme` gives
 * `europe-docker.pkg.dev/acme/checkout:1.8.0`: the registry is everything before the last path
 * segment. A digest (`@sha256:…`) is kept; a tag replaces it.
 */
export function rewriteImage(image: string, change: { registry?: string; repository?: string; tag?: string }): string {
  if (change.registry === undefined && change.repository === undefined && change.tag === undefined) return image;
  const digestAt = image.indexOf('@');
  const withoutDigest = digestAt === -1 ? image : image.slice(0, digestAt);
  const digest = digestAt === -1 ? '' : image.slice(digestAt);
  const lastSlash = withoutDigest.lastIndexOf('/');
  const tagAt = withoutDigest.indexOf(':', lastSlash + 1);
  const repository = tagAt === -1 ? withoutDigest : withoutDigest.slice(0, tagAt);
  const tag = tagAt === -1 ? '' : withoutDigest.slice(tagAt);
  const name = change.repository ?? repository.slice(repository.lastIndexOf('/') + 1);
  const registry = change.registry !== undefined ? change.registry.replace(/\/+$/, '') : repository.slice(0, Math.max(0, repository.lastIndexOf('/')));
  if (change.tag !== undefined) return `${registry ? `${registry}/` : ''}${name}:${change.tag}`;
  return `${registry ? `${registry}/` : ''}${name}${tag}${digest}`;
}
