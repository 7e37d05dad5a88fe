import type { Rule } from './rule.js';

/** Clusters, apps (by namespace/name) and every rule list need unique names. */
export const uniqueNames: Rule = ({ spec, sourceMap, diagnostics }) => {
  const check = <T extends { name: string }>(items: T[], what: string, identity: (item: T) => string = (i) => i.name) => {
    const first = new Map<string, T>();
    for (const item of items) {
      const id = identity(item);
      const earlier = first.get(id);
      if (!earlier) {
        first.set(id, item);
        continue;
      }
      const firstSpan = sourceMap.valueSpan(earlier, 'name');
      diagnostics.error(
        'spec_duplicate_name',
        `${what} \`${id}\` is defined twice`,
        sourceMap.valueSpan(item, 'name'),
        [`rename one of them, or merge the two`],
        firstSpan ? [{ span: firstSpan, label: 'first defined here' }] : [],
      );
    }
  };
  check(spec.clusters, 'cluster');
  check(spec.apps, 'app', (app) => `${app.namespace ?? app.name}/${app.name}`);
  check(spec.placement, 'placement rule');
  check(spec.overrides, 'override');
  check(spec.gateways, 'gateway');
  check(spec.traffic, 'traffic rule');

  // App names alone must be unique too: traffic rules and selectors refer to apps by name.
  const byName = new Map<string, (typeof spec.apps)[number]>();
  for (const app of spec.apps) {
    const earlier = byName.get(app.name);
    if (earlier && (earlier.namespace ?? earlier.name) !== (app.namespace ?? app.name)) {
      diagnostics.error(
        'spec_duplicate_name',
        `app name \`${app.name}\` is used in two namespaces; traffic rules and selectors could not tell them apart`,
        sourceMap.valueSpan(app, 'name'),
        ['give each app a distinct name'],
        [{ span: sourceMap.valueSpan(earlier, 'name')!, label: 'first defined here' }],
      );
    }
    byName.set(app.name, earlier ?? app);
  }
};
