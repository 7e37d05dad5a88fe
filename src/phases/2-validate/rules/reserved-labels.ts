import type { Rule } from './rule.js';

/**
 * Labels fleet owns on what it renders: the pod selectors (`app`, `version`, `fleet.io/workload`),
 * the recommended `app.kubernetes.io/*` labels it sets itself, and its own `fleet.io/*`. A user label
 * of the same key would be silently replaced (or, on a selector, break the workload), so it is an
 * error at the key, on an app and on an override.
 */
const OWNED = ['app', 'version'];
const OWNED_PREFIXES = ['app.kubernetes.io/', 'fleet.io/'];

export function isOwnedLabel(key: string): boolean {
  return OWNED.includes(key) || OWNED_PREFIXES.some((prefix) => key.startsWith(prefix));
}

export const reservedLabels: Rule = ({ spec, sourceMap, diagnostics }) => {
  const owners = [...spec.apps.map((app) => ({ labels: app.labels, where: `app \`${app.name}\`` })), ...spec.overrides.map((o) => ({ labels: o.labels, where: `override \`${o.name}\`` }))];
  for (const { labels, where } of owners) {
    for (const key of Object.keys(labels ?? {})) {
      if (!isOwnedLabel(key)) continue;
      diagnostics.error(
        'spec_reserved_label',
        `${where} sets label \`${key}\`, which fleet sets itself on what it renders (it selects pods by \`app\`, \`version\` and \`fleet.io/workload\`)`,
        sourceMap.keySpan(labels!, key),
        ['choose another key, e.g. `team`, `tier` or a key under your own domain (`example.com/owner`)'],
      );
    }
  }
};
