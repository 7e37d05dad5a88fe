import type { MatchExpression } from '../../../model/spec.js';
import type { Rule } from './rule.js';

/** matchExpressions follow Kubernetes' rules: In/NotIn need values, Exists/DoesNotExist take none. */
export const selectors: Rule = ({ spec, sourceMap, diagnostics }) => {
  const expressionLists: MatchExpression[][] = [];
  const collect = (selector?: { matchExpressions?: MatchExpression[] }) => selector?.matchExpressions && expressionLists.push(selector.matchExpressions);
  for (const rule of spec.placement) {
    collect(rule.apps);
    collect(rule.clusters);
    rule.fallback?.forEach((f) => collect(f.clusters));
    rule.replicas?.weights?.forEach((w) => collect(w.clusters));
  }
  for (const override of spec.overrides) {
    collect(override.apps);
    collect(override.clusters);
  }
  for (const gateway of spec.gateways) collect(gateway.clusters);
  for (const rule of spec.traffic) for (const source of rule.from) if (typeof source === 'object' && 'apps' in source) collect(source.apps);

  for (const expressions of expressionLists) {
    for (const expression of expressions) {
      const hasValues = (expression.values ?? []).length > 0;
      if ((expression.operator === 'In' || expression.operator === 'NotIn') && !hasValues) {
        diagnostics.error('spec_invalid_selector', `operator \`${expression.operator}\` needs at least one value`, sourceMap.valueSpan(expression, 'operator'), ['add `values: [...]`']);
      }
      if ((expression.operator === 'Exists' || expression.operator === 'DoesNotExist') && expression.values !== undefined) {
        diagnostics.error('spec_invalid_selector', `operator \`${expression.operator}\` takes no values`, sourceMap.valueSpan(expression, 'values'), ['remove `values`']);
      }
    }
  }
};
