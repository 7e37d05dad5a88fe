import type { App } from '../../model/fleet.js';

/** The value of `app.kubernetes.io/managed-by` on everything fleet renders. */
export const MANAGER = 'fleet';

/**
 * Labels that select an app's pods: Istio's conventional `app` and `version` labels, which its
 * telemetry reads and DestinationRule subsets select on. Selectors are immutable in Kubernetes, so
 * these never include anything the user might change later.
 */
export function selectorLabels(app: App, version?: string): Record<string, string> {
  return version === undefined ? { app: app.name } : { app: app.name, version };
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
