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
      diagnostics.error('spec_conflicting_fields', `placement rule \`${rule.name}\` gives both static \`weights\` and \`dynamic\``, sourceMap.keySpan(replicas, 'dynamic'), [
        'keep one: static weights, or weights from capacity',
      ]);
    }
    if ((replicas.weights || replicas.dynamic) && strategy !== 'Divided') {
      const field = replicas.weights ? 'weights' : 'dynamic';
      diagnostics.error('spec_conflicting_fields', `placement rule \`${rule.name}\`: \`${field}\` only applies to \`strategy: Divided\` (this rule is ${strategy})`, sourceMap.keySpan(replicas, field), [
        'set `strategy: Divided`, or remove it',
      ]);
    }
    // A weight entry's own bound replaces the rule's for the clusters it weighs; the pair that applies must be in order.
    (replicas.weights ?? []).forEach((entry, i) => {
      if (entry.min === undefined && entry.max === undefined) return;
      const min = entry.min ?? replicas.min;
      const max = entry.max ?? replicas.max;
      if (min !== undefined && max !== undefined && min > max) {
        const own = (bound: 'min' | 'max') => (entry[bound] !== undefined ? `its \`${bound}\`` : `the rule's \`${bound}\``);
        diagnostics.error(
          'spec_invalid_range',
          `placement rule \`${rule.name}\`: weights[${i}] has a floor above its cap: ${own('min')} (${min}) is greater than ${own('max')} (${max})`,
          sourceMap.valueSpan(entry, entry.min !== undefined ? 'min' : 'max'),
          [
            entry.min !== undefined && entry.max !== undefined
              ? 'lower `min` or raise `max`'
              : entry.min !== undefined
                ? `give weights[${i}] its own \`max\` (at least ${min}), or lower its \`min\``
                : `give weights[${i}] its own \`min\` (at most ${max}), or raise its \`max\``,
          ],
        );
      }
    });
    if (replicas.weights && replicas.weights.length > 0 && replicas.weights.every((w) => w.weight === 0)) {
      diagnostics.error('spec_weights_all_zero', `placement rule \`${rule.name}\`: every weight is 0, so no cluster could get a replica`, sourceMap.valueSpan(replicas, 'weights'), [
        'give at least one entry a positive weight',
      ]);
    }
    (rule.spread ?? []).forEach((constraint) => {
      if (constraint.minGroups !== undefined && constraint.maxGroups !== undefined && constraint.minGroups > constraint.maxGroups) {
        diagnostics.error(
          'spec_invalid_range',
          `placement rule \`${rule.name}\`: spread by ${constraint.by} has \`minGroups\` (${constraint.minGroups}) greater than \`maxGroups\` (${constraint.maxGroups})`,
          sourceMap.valueSpan(constraint, 'minGroups'),
        );
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
