import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/compiler.js';
import type { App, Cluster } from '../../../src/model/fleet.js';
import type { MatchExpression } from '../../../src/model/spec.js';
import { affinityMismatch, appMatches, clusterAttribute } from '../../../src/phases/3-resolve/index.js';
import { groupOf } from '../../../src/phases/4-place/groups.js';

/**
 * Selectors read a label only when the labels hold it themselves (issue 18.4): labels are plain
 * objects, and `labels.valueOf` is Object.prototype's function, so `{ key: valueOf, operator: Exists }`
 * used to match every app. Keys here are the names every object inherits, mixed with ordinary ones.
 */
const BUILT_IN = ['constructor', 'toString', 'valueOf', '__proto__', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__defineGetter__', '__lookupGetter__'];
const RUNS = { seed: 18, numRuns: 500 };

const keyArb = fc.constantFrom(...BUILT_IN, 'tier', 'env');
const valueArb = fc.constantFrom('a', 'b');
/** As YAML (and JSON.parse) make them: plain objects, `__proto__` an own key when written. */
const labelsArb = fc.uniqueArray(fc.tuple(keyArb, valueArb), { selector: ([k]) => k, maxLength: 4 }).map((entries) => Object.fromEntries(entries) as Record<string, string>);
const expressionArb: fc.Arbitrary<MatchExpression> = fc.oneof(
  fc.record({ key: keyArb, operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const) }),
  fc.record({ key: keyArb, operator: fc.constantFrom('In' as const, 'NotIn' as const), values: fc.uniqueArray(valueArb, { minLength: 1 }) }),
);

/** The Kubernetes meaning of an expression, written from the own keys alone. */
function expected(labels: Record<string, string>, e: MatchExpression): boolean {
  const has = Object.keys(labels).includes(e.key);
  const value = has ? labels[e.key] : undefined;
  switch (e.operator) {
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'In':
      return has && e.values!.includes(value!);
    case 'NotIn':
      return !has || !e.values!.includes(value!);
  }
}

const appWith = (labels: Record<string, string>) => ({ name: 'web', namespace: 'web', labels }) as Pick<App, 'name' | 'namespace' | 'labels'>;
const clusterWith = (labels: Record<string, string>) => ({ name: 'na-1', labels }) as unknown as Cluster;

describe('selectors read own label keys only', () => {
  it('match expressions on apps and clusters', () => {
    fc.assert(
      fc.property(labelsArb, expressionArb, (labels, expression) => {
        expect(appMatches(appWith(labels), { matchExpressions: [expression] })).toBe(expected(labels, expression));
        expect(affinityMismatch(clusterWith(labels), { matchExpressions: [expression] }) === undefined).toBe(expected(labels, expression));
      }),
      RUNS,
    );
  });

  it('matchLabels on apps and clusters', () => {
    fc.assert(
      fc.property(labelsArb, labelsArb, (labels, wanted) => {
        const matches = Object.keys(wanted).every((k) => Object.keys(labels).includes(k) && labels[k] === wanted[k]);
        expect(appMatches(appWith(labels), { matchLabels: wanted })).toBe(matches);
        expect(affinityMismatch(clusterWith(labels), { matchLabels: wanted }) === undefined).toBe(matches);
      }),
      RUNS,
    );
  });

  it('cluster attributes and spread groups', () => {
    fc.assert(
      fc.property(labelsArb, keyArb, (labels, key) => {
        const own = Object.keys(labels).includes(key) ? labels[key] : undefined;
        expect(clusterAttribute(clusterWith(labels), key)).toBe(own);
        expect(groupOf(clusterWith(labels), `label:${key}`)).toBe(own);
      }),
      RUNS,
    );
  });

  it('a spec selecting on `valueOf` or `constructor` places only what carries the label', () => {
    const text = `apiVersion: fleet/v1alpha1
kind: Fleet
metadata: { name: shop }
clusters:
  - { name: na-1, labels: { constructor: yes } }
  - { name: eu-1 }
apps:
  - { name: web, image: x/web:1, labels: { valueOf: "1" } }
  - { name: api, image: x/api:1 }
placement:
  - { name: value-of, apps: { matchExpressions: [{ key: valueOf, operator: Exists }] }, clusters: { matchExpressions: [{ key: constructor, operator: DoesNotExist }] } }
  - { name: to-string, apps: { matchExpressions: [{ key: toString, operator: DoesNotExist }, { key: valueOf, operator: DoesNotExist }] }, clusters: { matchLabels: { constructor: "yes" } } }
`;
    const result = compile([{ path: 'f.yaml', name: 'f.yaml', text }], { renderOutput: false });
    expect(result.diagnostics.map((d) => d.code)).toEqual([]);
    const placed = Object.fromEntries(result.plan!.apps.map((a) => [a.name, [a.rule, a.clusters]]));
    expect(placed).toEqual({ web: ['value-of', { 'eu-1': 1 }], api: ['to-string', { 'na-1': 1 }] });
  });
});
