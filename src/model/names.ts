/**
 * The names fleet gives the objects it renders for an app, in one place: the renderer names its
 * objects with these and validation checks them for collisions, so the two cannot disagree.
 */

/** What an app's object names are made of: a resolved App, or an app as the spec writes it (validation checks names before resolving). */
export interface AppNaming {
  readonly name: string;
  readonly versions: readonly { readonly name: string }[];
}

/**
 * The Deployment that runs one version of an app (or the app, without versions). The first
 * version's Deployment is named after the app, exactly as the app's Deployment is before it has
 * versions, so adding a canary updates the running Deployment in place instead of pruning it and
 * creating another (which would leave no pod serving until the new ones start). Every other
 * version runs as `<app>-<version>`.
 */
export function deploymentName(app: AppNaming, version?: string): string {
  return version === undefined || version === app.versions[0]?.name ? app.name : `${app.name}-${version}`;
}

/** Every Deployment an app renders, in the app's version order. */
export function deploymentNames(app: AppNaming): string[] {
  return app.versions.length === 0 ? [app.name] : app.versions.map((v) => deploymentName(app, v.name));
}

/**
 * The headless Service that governs a stateful app's StatefulSets (their `serviceName`): it gives
 * each pod a stable DNS name, `<app>-<ordinal>.<app>-headless.<namespace>.svc`, while the app's own
 * Service (named after the app) keeps its cluster IP for clients. A suffix rather than the app's
 * own name, because one Service cannot both be headless and have a cluster IP.
 */
export function headlessServiceName(app: { readonly name: string }): string {
  return `${app.name}-headless`;
}
