import type { App, Cluster } from '../../model/fleet.js';
import type { OverrideSpec } from '../../model/spec.js';
import { affinityMismatch, appMatches } from './selectors.js';

/** An app as it runs in one cluster, after overrides. */
export interface Workload {
  readonly image: string;
  readonly replicas: number;
  readonly env: readonly (readonly [string, string])[];
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  /** Names of the overrides applied, in order. */
  readonly overrides: readonly string[];
}

/**
 * Applies every override that selects (app, cluster), in the order written; a later override wins
 * for the same field. Within one override: image, then env, labels, annotations, replicas.
 * `replicas` replaces the count placement gave this cluster.
 */
export function effectiveWorkload(app: App, cluster: Cluster, placedReplicas: number, overrides: readonly OverrideSpec[]): Workload {
  let image = app.image;
  let replicas = placedReplicas;
  const env = new Map(app.env);
  const labels = { ...app.labels };
  const annotations = { ...app.annotations };
  const applied: string[] = [];
  for (const override of overrides) {
    if (!appMatches(app, override.apps) || affinityMismatch(cluster, override.clusters) !== undefined) continue;
    applied.push(override.name);
    if (override.image) image = rewriteImage(image, override.image);
    for (const [key, value] of Object.entries(override.env ?? {})) env.set(key, String(value));
    Object.assign(labels, override.labels);
    Object.assign(annotations, override.annotations);
    if (override.replicas !== undefined) replicas = override.replicas;
  }
  return { image, replicas, env: [...env], labels, annotations, overrides: applied };
}

/**
 * Replaces the registry and/or tag of an image reference.
 * `ghcr.io/acme/checkout:1.8.0` with registry `europe-docker.pkg.dev/acme` gives
 * `europe-docker.pkg.dev/acme/checkout:1.8.0`: the registry is everything before the last path
 * segment. A digest (`@sha256:…`) is kept; a tag replaces it.
 */
export function rewriteImage(image: string, change: { registry?: string; tag?: string }): string {
  const digestAt = image.indexOf('@');
  const withoutDigest = digestAt === -1 ? image : image.slice(0, digestAt);
  const digest = digestAt === -1 ? '' : image.slice(digestAt);
  const lastSlash = withoutDigest.lastIndexOf('/');
  const tagAt = withoutDigest.indexOf(':', lastSlash + 1);
  const repository = tagAt === -1 ? withoutDigest : withoutDigest.slice(0, tagAt);
  const tag = tagAt === -1 ? '' : withoutDigest.slice(tagAt);
  const name = repository.slice(repository.lastIndexOf('/') + 1);
  const registry = change.registry !== undefined ? change.registry.replace(/\/+$/, '') : repository.slice(0, Math.max(0, repository.lastIndexOf('/')));
  if (change.tag !== undefined) return `${registry ? `${registry}/` : ''}${name}:${change.tag}`;
  return `${registry ? `${registry}/` : ''}${name}${tag}${digest}`;
}
