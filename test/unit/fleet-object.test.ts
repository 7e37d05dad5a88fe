import { ApiObject, App, Chart } from 'cdk8s';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { generateFleet } from '../../bench/generate.js';
import type { KubeObject } from '../../src/model/manifest.js';
import { FleetObject } from '../../src/phases/5-render/fleet-object.js';
import { toYaml } from '../../src/phases/6-emit/index.js';
import { compileText } from '../helpers/spec.js';
import { committedFleets, renderFleet } from '../helpers/trees.js';

/**
 * FleetObject serializes without cdk8s's resolution pass; it must give exactly what ApiObject
 * gives (same keys, same order, same dropped values) for everything fleet renders and more.
 */
const source = { file: 'fleet-spec.yaml', entry: 'test' };
const chart = () => new Chart(new App(), 'c', { disableResourceNameHashes: true });
const both = (props: KubeObject) => {
  const c = chart();
  return { cdk8s: new ApiObject(c, 'a', props).toJson(), fleet: new FleetObject(c, 'f', props, source).toJson() };
};
const same = (props: KubeObject) => {
  const { cdk8s, fleet } = both(props);
  expect(JSON.stringify(fleet)).toBe(JSON.stringify(cdk8s));
};

function renderedObjects(): KubeObject[] {
  const objects: KubeObject[] = [];
  const generated = compileText(toYaml(generateFleet({ clusters: 8, apps: 60 })));
  for (const tree of [...committedFleets().map((f) => renderFleet(f).tree!), generated.tree!]) {
    for (const [path, text] of tree) if (path.endsWith('.yaml') && !path.endsWith('kustomization.yaml')) objects.push(parseYaml(text) as KubeObject);
  }
  return objects;
}

describe('FleetObject.toJson', () => {
  it('matches ApiObject.toJson on every object fleet renders', () => {
    const objects = renderedObjects();
    expect(objects.length).toBeGreaterThan(500);
    for (const object of objects) same(object);
  });

  it('matches it on awkward values: unsorted keys, null, undefined, empty arrays and objects, nesting', () => {
    same({
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { name: 'x', labels: {}, annotations: { b: '1', a: '2' }, finalizers: [] },
      data: { z: '1', a: undefined as unknown as string, m: null as unknown as string },
      spec: { list: [{ b: 1, a: [] }, {}, [3, 2]], empty: {}, nothing: [] },
    } as KubeObject);
    same({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } });
  });

  it('matches it on any plain data: keys in and out of order (numeric ones too), nulls and empties at any depth', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'z', 'aa', 'a-b', '10', '9', 'spec', 'name');
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.constant(undefined), fc.string({ maxLength: 3 }), fc.integer(), fc.boolean(), tie('array'), tie('object')),
      array: fc.array(tie('value'), { maxLength: 4 }),
      object: fc.dictionary(key, tie('value'), { maxKeys: 5, noNullPrototype: true }),
    }));
    const labels = fc.dictionary(key, fc.constantFrom('x', 'y'), { maxKeys: 3, noNullPrototype: true });
    fc.assert(
      fc.property(value, value, fc.option(labels, { nil: undefined }), (spec, data, objectLabels) => {
        same({ apiVersion: 'v1', kind: 'Thing', metadata: { name: 'n', ...(objectLabels ? { labels: objectLabels } : {}) }, spec, data } as KubeObject);
      }),
      { numRuns: 500 },
    );
  });

  it('honours metadata changed after construction and JSON patches', async () => {
    const { JsonPatch } = await import('cdk8s');
    const c = chart();
    const object = new FleetObject(c, 'f', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', labels: { a: '1' } } }, source);
    object.metadata.addLabel('b', '2');
    object.metadata.addAnnotation('note', 'x');
    object.addJsonPatch(JsonPatch.add('/spec', { finalizers: ['kubernetes'] }));
    expect(object.toJson()).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', labels: { a: '1', b: '2' }, annotations: { note: 'x' } }, spec: { finalizers: ['kubernetes'] } });
  });

  it('keeps every field of a patched object, as ApiObject does', async () => {
    const { JsonPatch } = await import('cdk8s');
    const props = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } }, spec: { replicas: 2 } };
    const c = chart();
    const [cdk8s, fleet] = [new ApiObject(c, 'a', props), new FleetObject(c, 'f', props, source)];
    for (const object of [cdk8s, fleet]) object.addJsonPatch(JsonPatch.add('/spec/paused', true));
    expect(fleet.toJson()).toEqual(cdk8s.toJson());
    expect(fleet.toJson().spec).toEqual({ paused: true, replicas: 2 });
  });

  it('refuses values that are not plain data', () => {
    const c = chart();
    class Token {}
    const object = new FleetObject(c, 'f', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { token: new Token() } } as unknown as KubeObject, source);
    expect(() => object.toJson()).toThrow(/non-simple object of type 'Token'/);
  });
});
