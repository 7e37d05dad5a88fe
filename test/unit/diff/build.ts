import type { KubeObject } from '../../../src/model/manifest.js';
import { LOCK_FILE, manifestPath, toYaml, type OutputTree } from '../../../src/phases/6-emit/index.js';
import { header } from '../../../src/phases/6-emit/layout.js';

/**
 * Hand-built output trees in fleet's layout (one file per object with the generated header, and
 * a lock holding the placement), so the diff is tested on the documented object shapes without
 * the renderer.
 */
export interface TreeSpec {
  /** Objects per cluster, each with the spec entry for its header (default `apps.<app label>`). */
  readonly objects?: Record<string, readonly (KubeObject | [KubeObject, string])[]>;
  /** Replicas per app id per cluster. */
  readonly placement?: Record<string, Record<string, number>>;
}

export function tree({ objects = {}, placement = {} }: TreeSpec): OutputTree {
  const files = new Map<string, string>();
  for (const [cluster, list] of Object.entries(objects)) {
    for (const item of list) {
      const [object, entry] = Array.isArray(item) ? item : [item, `apps.${(item.metadata.labels as Record<string, string> | undefined)?.['app.kubernetes.io/name'] ?? item.metadata.name}`];
      files.set(manifestPath(cluster, object), header({ file: 'fleet-spec.yaml', entry }) + toYaml(object));
    }
  }
  const lock = {
    generator: 'fleet',
    lockVersion: 1,
    fleet: 'test',
    placement: Object.entries(placement).map(([id, clusters]) => ({ namespace: id.split('/')[0], name: id.split('/')[1], clusters })),
    files: {},
  };
  files.set(LOCK_FILE, JSON.stringify(lock));
  return files;
}

const labels = (app: string) => ({ 'app.kubernetes.io/managed-by': 'fleet', 'app.kubernetes.io/name': app });

export function deployment(app: string, replicas: number, options: { namespace?: string; name?: string; image?: string; kind?: string } = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: options.kind ?? 'Deployment',
    metadata: { labels: labels(app), name: options.name ?? app, namespace: options.namespace ?? 'shop' },
    spec: { replicas, template: { spec: { containers: [{ image: options.image ?? `example.com/${app}:1.0.0`, name: app }] } } },
  };
}

export function service(app: string, namespace = 'shop'): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { labels: labels(app), name: app, namespace }, spec: { ports: [{ name: 'http', port: 8080 }], selector: { app } } };
}

export function namespace(name: string, pruneDisabled = true): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { labels: pruneDisabled ? { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' } : {}, name } };
}

/** A VirtualService for `app` routing to subsets with the given weights (in order), as networking.istio.io/v1 documents it. */
export function virtualService(app: string, weights: Record<string, number | undefined>, options: { host?: string; route?: string; namespace?: string } = {}): KubeObject {
  const host = options.host ?? `${app}.${options.namespace ?? 'shop'}.svc.cluster.local`;
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { labels: labels(app), name: app, namespace: options.namespace ?? 'shop' },
    spec: {
      hosts: [host],
      http: [{ name: options.route ?? 'default', route: Object.entries(weights).map(([subset, weight]) => ({ destination: { host, subset }, ...(weight === undefined ? {} : { weight }) })) }],
    },
  };
}

/** A DestinationRule for `app` with one subset per version (selecting `version: <name>`). */
export function destinationRule(app: string, subsets: readonly string[], options: { host?: string; namespace?: string } = {}): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { labels: labels(app), name: app, namespace: options.namespace ?? 'shop' },
    spec: { host: options.host ?? `${app}.${options.namespace ?? 'shop'}.svc.cluster.local`, subsets: subsets.map((name) => ({ labels: { version: name }, name })) },
  };
}

export function calicoPolicy(name: string, spec: Record<string, unknown>, options: { global?: boolean; app?: string } = {}): KubeObject {
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: options.global ? 'GlobalNetworkPolicy' : 'NetworkPolicy',
    metadata: { ...(options.app ? { labels: labels(options.app) } : {}), name, ...(options.global ? {} : { namespace: 'shop' }) },
    spec,
  };
}

export function authorizationPolicy(name: string, spec: Record<string, unknown>, namespace = 'shop'): KubeObject {
  return { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { labels: labels(name), name, namespace }, spec };
}

export function fluxKustomization(name: string, path: string): KubeObject {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace: 'flux-system' },
    spec: { interval: '10m', path, prune: true, sourceRef: { kind: 'GitRepository', name: 'flux-system' } },
  };
}
