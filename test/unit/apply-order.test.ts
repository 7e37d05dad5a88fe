import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KubeObject, Manifest } from '../../src/model/manifest.js';
import { inApplyOrder, KIND_ORDER } from '../../src/phases/5-render/index.js';

/** The order as KIND_ORDER's documentation states it, compared field by field. */
function reference(a: KubeObject, b: KubeObject): number {
  const rank = (o: KubeObject) => (KIND_ORDER.includes(o.kind) ? KIND_ORDER.indexOf(o.kind) : KIND_ORDER.length);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  const fields = (o: KubeObject) => [o.kind, o.apiVersion, o.metadata.namespace ?? '', o.metadata.name];
  const [fa, fb] = [fields(a), fields(b)];
  for (let i = 0; i < fa.length; i++) if (fa[i] !== fb[i]) return fa[i] < fb[i] ? -1 : 1;
  return 0;
}

describe('apply order', () => {
  it('sorts as comparing kind rank, kind, apiVersion, namespace and name one after the other; ties keep their order', () => {
    // Fields that are the start of one another (Service, ServiceAccount; a, a-b), and kinds fleet does not rank.
    const kind = fc.constantFrom('Service', 'ServiceAccount', 'Deployment', 'NetworkPolicy', 'GlobalNetworkPolicy', 'ConfigMap', 'Config', 'Secret');
    const word = fc.constantFrom('', 'a', 'a-b', 'ab', 'b', 'a0');
    const object = fc.record({ kind, apiVersion: fc.constantFrom('v1', 'v1beta1', 'apps/v1', 'projectcalico.org/v3'), namespace: fc.option(word, { nil: undefined }), name: word });
    fc.assert(
      fc.property(fc.array(object, { maxLength: 30 }), (objects) => {
        const manifests: Manifest[] = objects.map(({ kind, apiVersion, namespace, name }) => ({
          object: { apiVersion, kind, metadata: { name, ...(namespace === undefined ? {} : { namespace }) } },
          source: { file: 'f', entry: 'e' },
        }));
        expect(inApplyOrder(manifests)).toEqual([...manifests].sort((a, b) => reference(a.object, b.object)));
      }),
      { numRuns: 300 },
    );
  });
});
