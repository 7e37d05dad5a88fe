import type { Span } from '../../../diagnostics/diagnostic.js';
import { deploymentNames, headlessServiceName } from '../../../model/names.js';
import type { AppSpec, VersionSpec } from '../../../model/spec.js';
import { DEFAULTS } from '../../3-resolve/defaults.js';
import type { Rule } from './rule.js';

/**
 * Deployment names are label values too: the renderer labels each Deployment's pods with its name
 * (src/phases/5-render/labels.ts, `workloadLabel`), and label values have at most 63 characters
 * (apimachinery's IsValidLabelValue).
 */
const LABEL_VALUE_MAX = 63;

/** One rendered object name and what in the spec makes it. */
interface NameSource {
  readonly app: AppSpec;
  /** The version whose Deployment it is; undefined for the app's own name (no versions, or the first version). */
  readonly version?: VersionSpec;
}

/**
 * The names fleet will render are valid and distinct, checked on the spec so `fleet validate`
 * reports them at the names that make them. Deployment names fit a label value (LABEL_VALUE_MAX).
 * No two objects share a kind, namespace and name: they would be one file in `out/` and one object
 * in the cluster, so one app would silently replace another's workload.
 *
 * Of the objects in an app's namespace only Deployments can collide, and only across apps:
 * - Deployments are `<app>` and `<app>-<version>` (src/model/names.ts, which the renderer uses
 *   too), so app `api` with version `v2` and app `api-v2` both make Deployment `api-v2`;
 * - ServiceAccount, Service, VirtualService, DestinationRule and AuthorizationPolicy are named
 *   after the app, and app names are unique (uniqueNames); but a stateful app's headless Service
 *   `<app>-headless` may be another app's Service;
 * - PodDisruptionBudgets are named after the app, HorizontalPodAutoscalers after the workload they
 *   scale, StatefulSets like Deployments (one kind or the other per app);
 * - Calico's `<app>-ingress` and `<app>-egress` are equal only for equal apps (neither suffix ends
 *   the other);
 * - gateways run in namespaces that hold no app (traffic_gateway_in_app_namespace); cluster-scoped
 *   objects are named after clusters, which are unique.
 */
export const renderedNames: Rule = ({ spec, sourceMap, diagnostics }) => {
  const first = new Map<string, NameSource>();
  for (const app of spec.apps) {
    const namespace = app.namespace ?? DEFAULTS.namespace(app.name);
    const versions = app.versions ?? [];
    deploymentNames({ name: app.name, versions }).forEach((name, i) => {
      // Named after the app (no versions, or the first version), or after the app and version i.
      const source: NameSource = name === app.name ? { app } : { app, version: versions[i] };
      if (name.length > LABEL_VALUE_MAX) {
        diagnostics.error(
          'spec_name_too_long',
          `${describe(source)} renders Deployment \`${name}\` (${name.length} characters); its pods carry that name as a label value, and Kubernetes allows at most ${LABEL_VALUE_MAX}`,
          spanOf(source),
          [`shorten the app or the version name: together at most ${LABEL_VALUE_MAX - 1} characters`],
        );
      }
      const key = `${namespace}/${name}`;
      const earlier = first.get(key);
      if (!earlier) {
        first.set(key, source);
        return;
      }
      // One app twice, or one version twice, is reported already (spec_duplicate_name).
      if (earlier.app.name === app.name) return;
      diagnostics.error(
        'spec_name_collision',
        `${describe(source)} and ${describe(earlier)} both render Deployment \`${name}\` in namespace \`${namespace}\``,
        spanOf(source),
        ['Deployments are named `<app>` (the first version) and `<app>-<version>` (every other version)', 'rename the app or the version, or give one of the apps another `namespace`'],
        relatedOf(earlier),
      );
    });
  }

  // A stateful app's headless Service `<app>-headless` against the Services named after apps (those with ports).
  const services = new Map<string, AppSpec>();
  for (const app of spec.apps) if ((app.ports ?? []).length > 0) services.set(`${app.namespace ?? DEFAULTS.namespace(app.name)}/${app.name}`, app);
  for (const app of spec.apps) {
    if (!app.stateful) continue;
    const namespace = app.namespace ?? DEFAULTS.namespace(app.name);
    const name = headlessServiceName(app);
    const other = services.get(`${namespace}/${name}`);
    if (!other) continue;
    const span = sourceMap.valueSpan(other, 'name');
    diagnostics.error(
      'spec_name_collision',
      `stateful app \`${app.name}\` renders the headless Service \`${name}\`, and app \`${other.name}\` renders a Service of that name in namespace \`${namespace}\``,
      sourceMap.valueSpan(app, 'name'),
      ["a stateful app's headless Service is `<app>-headless`", 'rename one of the apps, or give one another `namespace`'],
      span ? [{ span, label: `app \`${other.name}\` renders it here` }] : [],
    );
  }

  function spanOf(source: NameSource): Span | undefined {
    return source.version ? sourceMap.valueSpan(source.version, 'name') : sourceMap.valueSpan(source.app, 'name');
  }
  function relatedOf(source: NameSource): { span: Span; label: string }[] {
    const span = spanOf(source);
    return span ? [{ span, label: `${describe(source)} renders it here` }] : [];
  }
};

function describe({ app, version }: NameSource): string {
  return version ? `version \`${version.name}\` of app \`${app.name}\`` : `app \`${app.name}\``;
}
