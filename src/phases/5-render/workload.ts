import { Construct } from 'constructs';
import type { App, Port } from '../../model/fleet.js';
import type { ManifestSource } from '../../model/manifest.js';
import type { Workload } from '../3-resolve/overrides.js';
import { FleetObject } from './fleet-object.js';
import { appLabels, selectorLabels } from './labels.js';

export interface AppWorkloadProps {
  readonly app: App;
  readonly fleetName: string;
  /** The app as it runs in this cluster (after overrides). */
  readonly workload: Workload;
  /** Replicas per version, when the app has versions. */
  readonly versionReplicas: ReadonlyMap<string, number>;
  readonly source: ManifestSource;
}

/**
 * An app's ServiceAccount, where it runs: the identity Istio and Calico policies name. Made from
 * the app and its labels as it runs there (`labels`, after overrides).
 */
export function renderServiceAccount(scope: Construct, app: App, fleetName: string, labels: Record<string, string>, source: ManifestSource): void {
  const metadata = { name: app.name, namespace: app.namespace, labels: appLabels(app, fleetName, labels) };
  new FleetObject(scope, `${app.namespace}/${app.name}/ServiceAccount`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata }, source);
}

/** The Deployments that run an app in one cluster: one per version (or one for the app). */
export class AppWorkload extends Construct {
  constructor(scope: Construct, props: AppWorkloadProps) {
    super(scope, `${props.app.namespace}/${props.app.name}`);
    const { app, workload } = props;
    if (app.versions.length === 0) {
      this.deployment(props, app.name, workload.replicas, workload.image, workload.env, undefined);
    } else {
      for (const version of app.versions) {
        const env = mergeEnv(workload.env, version.env);
        const image = workload.image === app.image ? version.image : workload.image;
        this.deployment(props, `${app.name}-${version.name}`, props.versionReplicas.get(version.name) ?? 0, image, env, version.name);
      }
    }
  }

  private deployment(props: AppWorkloadProps, name: string, replicas: number, image: string, env: readonly (readonly [string, string])[], version: string | undefined): void {
    const { app, workload, fleetName, source } = props;
    const labels = appLabels(app, fleetName, workload.labels, version);
    const container: Record<string, unknown> = {
      name: app.name,
      image,
      ...(app.command ? { command: app.command } : {}),
      ...(app.args ? { args: app.args } : {}),
      ...(env.length ? { env: env.map(([n, value]) => ({ name: n, value })) } : {}),
      ...(app.ports.length ? { ports: app.ports.map(containerPort) } : {}),
      ...(hasResources(app) ? { resources: resources(app) } : {}),
    };
    new FleetObject(
      this,
      `Deployment-${name}`,
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: app.namespace, labels },
        spec: {
          replicas,
          selector: { matchLabels: selectorLabels(app, version) },
          template: {
            metadata: { labels, ...(Object.keys(workload.annotations).length ? { annotations: workload.annotations } : {}) },
            spec: { serviceAccountName: app.name, containers: [container] },
          },
        },
      },
      source,
    );
  }
}

/**
 * Everything an AppWorkload is made from besides the app (and the fleet's name and the app's
 * source, the same in every cluster): equal keys make the very same Deployments, so they are made
 * once for every cluster where the app runs alike.
 */
export function workloadKey(app: App, workload: Workload, versionReplicas: ReadonlyMap<string, number>): string {
  const replicas = app.versions.length === 0 ? workload.replicas : [...versionReplicas];
  return JSON.stringify([workload.image, workload.env, workload.labels, workload.annotations, replicas]);
}

/** A Service for an app: identical in every cluster, so Istio merges endpoints across the mesh. */
export function renderService(scope: Construct, app: App, fleetName: string, source: ManifestSource): void {
  if (app.ports.length === 0) return;
  new FleetObject(
    scope,
    `${app.namespace}/${app.name}/Service`,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: app.name, namespace: app.namespace, labels: appLabels(app, fleetName, app.labels) },
      spec: {
        type: 'ClusterIP',
        selector: selectorLabels(app),
        ports: app.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: transport(p), appProtocol: p.protocol.toLowerCase() })),
      },
    },
    source,
  );
}

function containerPort(port: Port): Record<string, unknown> {
  return { name: port.name, containerPort: port.targetPort, protocol: transport(port) };
}

/** Kubernetes speaks transports; Istio's protocols above TCP go in `appProtocol`. */
function transport(port: Port): 'TCP' | 'UDP' {
  return port.protocol === 'UDP' ? 'UDP' : 'TCP';
}

function hasResources(app: App): boolean {
  return Object.keys(app.resources.requests).length > 0 || Object.keys(app.resources.limits).length > 0;
}

function resources(app: App): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (Object.keys(app.resources.requests).length) out.requests = app.resources.requests;
  if (Object.keys(app.resources.limits).length) out.limits = app.resources.limits;
  return out;
}

/** The version's variables override the app's of the same name, keeping the app's order. */
function mergeEnv(base: readonly (readonly [string, string])[], extra: readonly (readonly [string, string])[]): [string, string][] {
  const merged = new Map<string, string>(base as [string, string][]);
  for (const [k, v] of extra) merged.set(k, v);
  return [...merged];
}
