import { expect, it } from 'vitest';
import { codesAt, compileText } from '../../helpers/spec.js';

/**
 * A destination that is placed but that overrides scale to zero wherever it runs answers no call
 * (Istio: "no healthy upstream", 503): a warning at the rule's `to`, and the output is still
 * rendered (scaling down is a thing people mean to do). Found by test/fuzz/incremental.test.ts,
 * where the mesh check took such a fleet for a renderer defect.
 */
function spec(overrideClusters: string): string {
  return `apiVersion: fleet/v1alpha1
kind: Fleet
metadata: { name: shop }
clusters:
  - { name: a-1, labels: { tier: gold }, podCIDRs: [10.1.0.0/16] }
  - { name: b-1, labels: { tier: silver }, podCIDRs: [10.2.0.0/16] }
apps:
  - { name: web, namespace: shop, image: example.com/web:1, replicas: 2, callers: none }
  - { name: api, namespace: shop, image: example.com/api:1, replicas: 2, ports: [{ name: http, port: 8080 }] }
placement:
  - { name: all, apps: {}, replicas: { strategy: Duplicated } }
overrides:
  - { name: down, apps: { names: [api] }, clusters: ${overrideClusters}, replicas: 0 }
traffic:
  - { name: web-to-api, from: [web], to: api }
`;
}

it('warns at the rule when overrides scale the destination to zero in every cluster it runs in', () => {
  const result = compileText(spec('{}'));
  expect(codesAt(result.diagnostics)).toEqual(['traffic_destination_scaled_to_zero@15:42']);
  expect(result.diagnostics[0].message).toContain('overrides scale it to 0 in every cluster it is placed in (a-1, b-1)');
  expect(result.tree).toBeDefined();
});

it('says nothing while some cluster still runs it', () => {
  const result = compileText(spec('{ matchLabels: { tier: gold } }'));
  expect(codesAt(result.diagnostics)).toEqual([]);
  expect(result.plan!.apps.find((a) => a.name === 'api')!.clusters).toEqual({ 'b-1': 2 });
});
