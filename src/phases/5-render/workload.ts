import type { Construct } from 'constructs';
import type { App, Port } from '../../model/fleet.js';
import type { ManifestSource } from '../../model/manifest.js';
import type { ClusterWorkload } from '../../model/plan.js';
import { FleetObject } from './fleet-object.js';
import { appLabels, selectorLabels, workloadLabel, workloadSelector } from './labels.js';
import { containerFields, podFields } from './workloads/pod.js';
import { statefulSetFields } from './workloads/stateful-set.js';

/**
 * An app's ServiceAccount, where it runs: the identity Istio and Calico policies name. Made from
 * the app and its labels as it runs there (`labels`, after overrides), with the annotations of its
 * `serviceAccount` (a cloud identity, such as GKE's `iam.gke.io/gcp-service-account`).
 */
export function renderServiceAccount(scope: Construct, app: App, fleetName: string, labels: Record<string, string>, source: ManifestSource): void {
  const annotations = app.workload.serviceAccountAnnotations;
  const metadata = { name: app.name, namespace: app.namespace, labels: appLabels(app, fleetName, labels), ...(Object.keys(annotations).length ? { annotations: { ...annotations } } : {}) };
  new FleetObject(scope, `${app.namespace}/${app.name}/ServiceAccount`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata }, source);
}

/**
 * The workloads that run an app in one cluster, exactly as placement decided them (one per
 * version, or one for the app): Deployments, or StatefulSets for a stateful app. Each selects its
 * pods by the app and its own name (`workloadLabels`): never by version, so the first version's
 * workload, named after the app, keeps the selector the app's workload had before it had versions
 * (selectors are immutable). A workload an autoscaler owns has no `replicas` (see autoscaler.ts);
 * when it is first created Kubernetes starts it at 1 and the autoscaler raises it to its minimum.
 */
export function renderDeployments(scope: Construct, app: App, fleetName: string, workload: ClusterWorkload, source: ManifestSource): void {
  const kind = app.stateful ? 'StatefulSet' : 'Deployment';
  // What overrides decided for the container here (src/phases/4-place/workloads.ts), else the app's own.
  const command = workload.container?.command ?? app.command;
  const args = workload.container?.args ?? app.args;
  const requestsAndLimits = workload.container?.resources ?? app.resources;
  for (const deployment of workload.deployments) {
    const labels = { ...appLabels(app, fleetName, workload.labels, deployment.version), ...workloadLabel(deployment.name) };
    const selector = workloadSelector(app, deployment.name);
    const container: Record<string, unknown> = {
      name: app.name,
      image: deployment.image,
      ...(command ? { command } : {}),
      ...(args ? { args } : {}),
      ...(deployment.env.length ? { env: deployment.env } : {}),
      ...(app.ports.length ? { ports: app.ports.map(containerPort) } : {}),
      ...(hasResources(requestsAndLimits) ? { resources: resources(requestsAndLimits) } : {}),
      ...containerFields(app),
    };
    new FleetObject(
      scope,
      `${app.namespace}/${kind}/${deployment.name}`,
      {
        apiVersion: 'apps/v1',
        kind,
        metadata: { name: deployment.name, namespace: app.namespace, labels, ...(workload.workloadAnnotations ? { annotations: workload.workloadAnnotations } : {}) },
        spec: {
          ...(deployment.autoscaler ? {} : { replicas: deployment.replicas }),
          selector: { matchLabels: selector },
          template: {
            metadata: { labels, ...(Object.keys(workload.podAnnotations).length ? { annotations: workload.podAnnotations } : {}) },
            spec: { serviceAccountName: app.name, containers: [container], ...podFields(app, selector) },
          },
          ...(app.stateful ? statefulSetFields(app) : {}),
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

function hasResources(resources: App['resources']): boolean {
  return Object.keys(resources.requests).length > 0 || Object.keys(resources.limits).length > 0;
}

function resources({ requests, limits }: App['resources']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (Object.keys(requests).length) out.requests = requests;
  if (Object.keys(limits).length) out.limits = limits;
  return out;
}
