import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/model/manifest.js';
import { calicoSelectorProblem, verifyOutput } from '../../src/phases/6-emit/verify.js';

const source = { file: 'fleet-spec.yaml', entry: 'test' };
const cluster = (...objects: KubeObject[]) => [{ cluster: 'na-1', manifests: objects.map((object) => ({ object, source })) }];
const host = 'checkout.shop.svc.cluster.local';
const destinationRule: KubeObject = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name: 'checkout', namespace: 'shop' },
  spec: { host, subsets: [{ name: 'stable', labels: { version: 'stable' } }] },
};
const virtualService = (subset: string): KubeObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'checkout', namespace: 'shop' },
  spec: { hosts: [host], http: [{ route: [{ destination: { host, subset } }] }] },
});

describe('verifying rendered output', () => {
  it('accepts consistent output', () => {
    expect(() => verifyOutput(cluster(destinationRule, virtualService('stable')))).not.toThrow();
  });

  it('treats a route to an undefined subset as a bug', () => {
    expect(() => verifyOutput(cluster(destinationRule, virtualService('canary')))).toThrow(/routes to subset `canary` of checkout.shop.svc.cluster.local, which no DestinationRule here defines/);
  });

  it('treats an invalid label as a bug', () => {
    const bad: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { env: '-prod-' } } };
    expect(() => verifyOutput(cluster(bad))).toThrow(/invalid label value "-prod-" for env/);
  });

  it('treats a malformed Calico selector as a bug', () => {
    const bad: KubeObject = {
      apiVersion: 'projectcalico.org/v3',
      kind: 'NetworkPolicy',
      metadata: { name: 'x', namespace: 'shop' },
      spec: { selector: "app == 'web' &&", ingress: [{ action: 'Allow', source: { selector: "(app == 'cart'" } }] },
    };
    expect(() => verifyOutput(cluster(bad))).toThrow(/ends with an operator[\s\S]*unclosed \(/);
  });

  it.each([
    ["app == 'web'", undefined],
    ["fleet.io/role == 'pods' && fleet.io/cluster == 'na-2'", undefined],
    ['global()', undefined],
    ['all()', undefined],
    ['has(app) && !has(version)', undefined],
    ["app in {'a', 'b'} || projectcalico.org/name not in {'kube-system'}", undefined],
    ["app == 'web", "unexpected text at 6:  'web"],
    ['has()', 'has() needs one label key'],
    ["(app == 'a'))", 'unbalanced )'],
    ["app == 'a' ||", 'ends with an operator'],
  ])('selector %s', (selector, problem) => expect(calicoSelectorProblem(selector)).toBe(problem));
});
