import type { Rule } from './rule.js';

/** Placement settings that contradict each other. */
export const placementRules: Rule = ({ spec, sourceMap, diagnostics }) => {
  for (const rule of spec.placement) {
    const replicas = rule.replicas ?? {};
    const strategy = replicas.strategy ?? 'Duplicated';
    if (replicas.min !== undefined && replicas.max !== undefined && replicas.min > replicas.max) {
      diagnostics.error('spec_invalid_range', `placement rule \`${rule.name}\`: \`min\` (${replicas.min}) is greater than \`max\` (${replicas.max})`, sourceMap.valueSpan(replicas, 'min'));
    }
    if (replicas.weights && replicas.dynamic) {
      diagnostics.error('spec_conflicting_fields', `placement rule \`${rule.name}\` gives both static \`weights\` and \`dynamic\``, sourceMap.keySpan(replicas, 'dynamic'), ['keep one: static weights, or weights from capacity']);
    }
    if ((replicas.weights || replicas.dynamic) && strategy !== 'Divided') {
      const field = replicas.weights ? 'weights' : 'dynamic';
      diagnostics.error('spec_conflicting_fields', `placement rule \`${rule.name}\`: \`${field}\` only applies to \`strategy: Divided\` (this rule is ${strategy})`, sourceMap.keySpan(replicas, field), ['set `strategy: Divided`, or remove it']);
    }
    if (replicas.weights && replicas.weights.length > 0 && replicas.weights.every((w) => w.weight === 0)) {
      diagnostics.error('spec_weights_all_zero', `placement rule \`${rule.name}\`: every weight is 0, so no cluster could get a replica`, sourceMap.valueSpan(replicas, 'weights'), ['give at least one entry a positive weight']);
    }
    (rule.spread ?? []).forEach((constraint) => {
      if (constraint.minGroups !== undefined && constraint.maxGroups !== undefined && constraint.minGroups > constraint.maxGroups) {
        diagnostics.error('spec_invalid_range', `placement rule \`${rule.name}\`: spread by ${constraint.by} has \`minGroups\` (${constraint.minGroups}) greater than \`maxGroups\` (${constraint.maxGroups})`, sourceMap.valueSpan(constraint, 'minGroups'));
      }
    });
    // Each group a spread constraint requires needs a cluster of its own, so `by: cluster` must allow that many.
    const clusterSpread = (rule.spread ?? []).find((c) => c.by === 'cluster');
    const widest = (rule.spread ?? []).filter((c) => c.by !== 'cluster' && c.minGroups !== undefined).sort((a, b) => b.minGroups! - a.minGroups!)[0];
    if (clusterSpread?.maxGroups !== undefined && widest && widest.minGroups! > clusterSpread.maxGroups) {
      diagnostics.error(
        'spec_invalid_range',
        `placement rule \`${rule.name}\`: spread by cluster allows at most ${clusterSpread.maxGroups} clusters, fewer than the ${widest.minGroups} groups spread by ${widest.by} requires (each needs a cluster)`,
        sourceMap.valueSpan(clusterSpread, 'maxGroups'),
        [`raise the cluster \`maxGroups\` to at least ${widest.minGroups}, or lower \`minGroups\` of spread by ${widest.by}`],
      );
    }
    const bys = (rule.spread ?? []).map((c) => c.by);
    bys.forEach((by, i) => {
      if (bys.indexOf(by) !== i) diagnostics.error('spec_duplicate_name', `placement rule \`${rule.name}\` has two spread constraints by ${by}`, sourceMap.valueSpan(rule.spread![i], 'by'));
    });
  }
};
