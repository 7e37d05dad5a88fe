import { Construct } from 'constructs';
import type { App, Port } from '../../model/fleet.js';
import type { ManifestSource } from '../../model/manifest.js';
import type { ClusterWorkload } from '../../model/plan.js';
import { FleetObject } from './fleet-object.js';
import { appLabels, selectorLabels, workloadLabel, workloadSelector } from './labels.js';

/**
 * An app's ServiceAccount, where it runs: the identity Istio and Calico policies name. Made from
 * the app and its labels as it runs there (`labels`, after overrides).
 */
export function renderServiceAccount(scope: Construct, app: App, fleetName: string, labels: Record<string, string>, source: ManifestSource): void {
  const metadata = { name: app.name, namespace: app.namespace, labels: appLabels(app, fleetName, labels) };
  new FleetObject(scope, `${app.namespace}/${app.name}/ServiceAccount`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata }, source);
}

/**
 * The Deployments that run an app in one cluster, exactly as placement decided them (one per
 * version, or one for the app). Each selects its pods by the app and its own name
 * (`workloadLabels`): never by version, so the first version's Deployment, named after the app,
 * keeps the selector the app's Deployment had before it had versions (selectors are immutable).
 */
export function renderDeployments(scope: Construct, app: App, fleetName: string, workload: ClusterWorkload, source: ManifestSource): void {
  for (const deployment of workload.deployments) {
    const labels = { ...appLabels(app, fleetName, workload.labels, deployment.version), ...workloadLabel(deployment.name) };
    const container: Record<string, unknown> = {
      name: app.name,
      image: deployment.image,
      ...(app.command ? { command: app.command } : {}),
      ...(app.args ? { args: app.args } : {}),
      ...(deployment.env.length ? { env: deployment.env } : {}),
      ...(app.ports.length ? { ports: app.ports.map(containerPort) } : {}),
      ...(hasResources(app) ? { resources: resources(app) } : {}),
    };
    new FleetObject(
      scope,
      `${app.namespace}/Deployment/${deployment.name}`,
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: deployment.name, namespace: app.namespace, labels },
        spec: {
          replicas: deployment.replicas,
          selector: { matchLabels: workloadSelector(app, deployment.name) },
          template: {
            metadata: { labels, ...(Object.keys(workload.podAnnotations).length ? { annotations: workload.podAnnotations } : {}) },
            spec: { serviceAccountName: app.name, containers: [container] },
          },
        },
      },
      source,
    );
  }
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
