import type { App } from '../../model/fleet.js';

/** The value of `app.kubernetes.io/managed-by` on everything fleet renders. */
export const MANAGER = 'fleet';

/**
 * On every Namespace fleet renders (value `'true'`): the default-deny GlobalNetworkPolicy and the
 * platform baseline select namespaces by it, so system namespaces are never isolated.
 */
export const MANAGED_NAMESPACE_LABEL = 'fleet.io/managed';

/**
 * Labels that select an app's pods: Istio's conventional `app` and `version` labels, which its
 * telemetry reads and DestinationRule subsets select on. Selectors are immutable in Kubernetes, so
 * these never include anything the user might change later.
 */
export function selectorLabels(app: App, version?: string): Record<string, string> {
  return version === undefined ? { app: app.name } : { app: app.name, version };
}

/**
 * On an app's pods: the Deployment that runs them. Deployments select their pods by it (with
 * `app`), and DestinationRule subsets too, so each subset is exactly one Deployment's pods.
 */
export const WORKLOAD_LABEL = 'fleet.io/workload';

export function workloadLabel(deployment: string): Record<string, string> {
  return { [WORKLOAD_LABEL]: deployment };
}

/**
 * A Deployment's selector: the app and the Deployment's own name. Never the version: the first
 * version's Deployment is the app's Deployment from before it had versions (src/model/names.ts),
 * and a selector cannot change.
 */
export function workloadSelector(app: App, deployment: string): Record<string, string> {
  return { app: app.name, ...workloadLabel(deployment) };
}

/** Labels on every object rendered for an app: the user's, then the recommended ones (which win). */
export function appLabels(app: App, fleetName: string, userLabels: Record<string, string>, version?: string): Record<string, string> {
  return {
    ...userLabels,
    'app.kubernetes.io/managed-by': MANAGER,
    'app.kubernetes.io/name': app.name,
    'app.kubernetes.io/part-of': fleetName,
    ...selectorLabels(app, version),
  };
}

/** Labels on objects that belong to the fleet rather than to one app (gateways, cluster-wide policy). */
export function fleetLabels(fleetName: string): Record<string, string> {
  return { 'app.kubernetes.io/managed-by': MANAGER, 'app.kubernetes.io/part-of': fleetName };
}
