import { didYouMean } from '../../../diagnostics/suggest.js';
import type { AppSelectorSpec, ClusterAffinitySpec } from '../../../model/spec.js';
import type { Rule, RuleContext } from './rule.js';

/** Every cluster and app named anywhere must exist. */
export const references: Rule = (context) => {
  const { spec } = context;
  for (const rule of spec.placement) {
    checkAppSelector(context, rule.apps);
    if (rule.clusters) checkAffinity(context, rule.clusters);
    for (const group of rule.fallback ?? []) checkAffinity(context, group.clusters);
    for (const weight of rule.replicas?.weights ?? []) checkAffinity(context, weight.clusters);
  }
  for (const override of spec.overrides) {
    checkAppSelector(context, override.apps);
    checkAffinity(context, override.clusters);
  }
  for (const gateway of spec.gateways) if (gateway.clusters) checkAffinity(context, gateway.clusters);
  for (const app of spec.apps) checkNames(context, app, 'allowMoveFrom', 'cluster');
};

function checkAffinity(context: RuleContext, affinity: ClusterAffinitySpec): void {
  checkNames(context, affinity, 'names', 'cluster');
  checkNames(context, affinity, 'exclude', 'cluster');
}

function checkAppSelector(context: RuleContext, selector: AppSelectorSpec): void {
  checkNames(context, selector, 'names', 'app');
}

/** Reports each entry of `owner[field]` that names no known cluster (or app). */
export function checkNames(context: RuleContext, owner: object, field: string, kind: 'cluster' | 'app'): void {
  const list = (owner as Record<string, unknown>)[field];
  if (!Array.isArray(list)) return;
  const known = kind === 'cluster' ? context.spec.clusters.map((c) => c.name) : context.spec.apps.map((a) => a.name);
  const broken = kind === 'cluster' ? context.broken.clusters : context.broken.apps;
  list.forEach((name: unknown, index) => {
    // Lists may mix names with other entries (traffic `from` holds `{ ingress: … }` too).
    if (typeof name !== 'string' || known.includes(name) || broken.has(name)) return;
    context.diagnostics.error(kind === 'cluster' ? 'spec_unknown_cluster' : 'spec_unknown_app', `unknown ${kind} \`${name}\``, context.sourceMap.valueSpan(list, index), [
      ...didYouMean(name, known),
      ...(known.length > 0 && known.length <= 8 ? [`known ${kind}s: ${[...known].sort().join(', ')}`] : []),
    ]);
  });
}
