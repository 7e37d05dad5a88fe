import { describe, expect, it } from 'vitest';
import { applyPlan, ssaCompare, stageOf } from '../../../src/mesh/flux-order.js';
import { type AppliedObject, ClusterView } from '../../../src/mesh/model.js';
import type { KubeObject, RenderedCluster } from '../../../src/model/manifest.js';
import { calico, folder, model, ns } from './helpers.js';

const obj = (kind: string, group: string, name: string, namespace?: string): AppliedObject => ({ kind, group, apiVersion: group ? `${group}/v1` : 'v1', name, namespace });
const tier = calico('Tier', 'fleet-platform', { order: 100, defaultAction: 'Pass' });
const tieredPolicy = calico('GlobalNetworkPolicy', 'fleet-platform.dns', { tier: 'fleet-platform', namespaceSelector: 'all()', types: ['Egress'] });
const kustomization = (name: string, path: string, dependsOn: string[] = []): KubeObject => ({
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: { name, namespace: 'flux-system' },
  spec: { path, ...(dependsOn.length ? { dependsOn: dependsOn.map((n) => ({ name: n })) } : {}) },
});

describe('Flux apply order (fluxcd/pkg ssa/sort.go, ssa/manager_apply.go ApplyAllStaged)', () => {
  it('sorts the ReconcileOrder kinds first, the rest by group and kind, then namespace and name', () => {
    const objects = [
      obj('Tier', 'projectcalico.org', 't'),
      obj('GlobalNetworkPolicy', 'projectcalico.org', 'p'),
      obj('VirtualService', 'networking.istio.io', 'v', 'shop'),
      obj('DestinationRule', 'networking.istio.io', 'd', 'shop'),
      obj('Deployment', 'apps', 'x', 'shop'),
      obj('Service', '', 'x', 'shop'),
      obj('Namespace', '', 'shop'),
    ];
    expect([...objects].sort(ssaCompare).map((o) => o.kind)).toEqual(['Namespace', 'Service', 'Deployment', 'DestinationRule', 'VirtualService', 'GlobalNetworkPolicy', 'Tier']);
  });

  it('stages: CRDs, Namespaces and ClusterRoles first (utils/is.go IsClusterDefinition), then *Class kinds, then the rest', () => {
    expect(stageOf(obj('Namespace', '', 'shop'))).toBe('definitions');
    expect(stageOf(obj('StorageClass', 'storage.k8s.io', 's'))).toBe('classes');
    expect(stageOf(obj('Tier', 'projectcalico.org', 't'))).toBe('resources');
  });

  it('a Tier and a policy in it in one Kustomization: every retry fails (dry-runs run before any apply; Calico webhooks/pkg/rbac checkTierExists)', () => {
    const view = new ClusterView({ name: 'a', network: '', podCIDRs: [] });
    view.folders.set('a', [obj('Namespace', '', 'shop'), { ...obj('Tier', 'projectcalico.org', 'fleet-platform') }, { ...obj('GlobalNetworkPolicy', 'projectcalico.org', 'fleet-platform.dns'), tier: 'fleet-platform' }]);
    const problems = applyPlan(view).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ kind: 'refused' });
    expect(problems[0].message).toMatch(/tier fleet-platform, which does not exist yet/);
  });

  it('the Tier in a Kustomization the other dependsOn: both apply', () => {
    const flux: RenderedCluster = folder('_flux/a', [kustomization('fleet-platform', 'out/a/_platform'), kustomization('fleet', 'out/a', ['fleet-platform'])]);
    const m = model([flux, folder('a', [ns('shop'), tier, tieredPolicy])], { clusters: [{ name: 'a', network: '', podCIDRs: [] }], fluxPath: 'out' });
    const plan = applyPlan(m.cluster('a'));
    expect(plan.problems).toEqual([]);
    expect(plan.kustomizations.map((k) => k.name)).toEqual(['fleet-platform', 'fleet']);
  });

  it('a dependency that never gets Ready blocks its dependants; a cycle is reported', () => {
    const flux = folder('_flux/a', [kustomization('one', 'out/a', ['two']), kustomization('two', 'out/a/_platform', ['one'])]);
    const m = model([flux, folder('a', [ns('shop'), tier])], { clusters: [{ name: 'a', network: '', podCIDRs: [] }], fluxPath: 'out' });
    expect(applyPlan(m.cluster('a')).problems.map((p) => p.kind)).toContain('cycle');
  });

  it('without flux: each folder on its own; retries converge when another folder creates what is missing', () => {
    const m = model([folder('a', [ns('shop'), tier, tieredPolicy])], { clusters: [{ name: 'a', network: '', podCIDRs: [] }] });
    // The model puts the Tier in its own folder (a/_platform) exactly when emit does: then both apply.
    const view = m.cluster('a');
    if (view.folders.size > 1) expect(applyPlan(view).problems).toEqual([]);
  });
});
