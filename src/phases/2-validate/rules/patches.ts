import type { Rule } from './rule.js';

/**
 * Each override patch has exactly the members its operation takes (RFC 6902 §4): `value` for
 * `add`, `replace` and `test`; `from` for `move` and `copy`; neither for `remove`. A missing one
 * is an error at the operation; an extra one too, as it is ignored and likely a mistake (`value`
 * on a `move`).
 */
export const patches: Rule = ({ spec, sourceMap, diagnostics }) => {
  for (const override of spec.overrides) {
    for (const patch of override.patches ?? []) {
      const wants = patch.op === 'add' || patch.op === 'replace' || patch.op === 'test' ? 'value' : patch.op === 'move' || patch.op === 'copy' ? 'from' : undefined;
      if (wants !== undefined && !(wants in patch)) {
        diagnostics.error('spec_patch_fields', `a \`${patch.op}\` patch needs \`${wants}\``, sourceMap.valueSpan(patch, 'op'), [
          wants === 'value' ? `add \`value: ...\`, the value to ${patch.op === 'test' ? 'compare with' : 'write'}` : 'add `from: /json/pointer`, where the value comes from',
        ]);
      }
      for (const extra of (['value', 'from'] as const).filter((field) => field !== wants && field in patch)) {
        diagnostics.error('spec_patch_fields', `a \`${patch.op}\` patch takes no \`${extra}\``, sourceMap.keySpan(patch, extra), [`remove \`${extra}\`${wants ? `; \`${patch.op}\` takes \`${wants}\`` : ''}`]);
      }
    }
  }
};
