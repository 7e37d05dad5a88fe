import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateFleet } from '../../bench/generate.js';
import { previousPlacement } from '../../src/cli/load-spec.js';
import { readSpecFiles } from '../../src/cli/spec-files.js';
import { DiagnosticBag } from '../../src/diagnostics/diagnostic.js';
import { load, type SpecFile } from '../../src/phases/1-load/index.js';
import { validate } from '../../src/phases/2-validate/index.js';
import { buildTrafficGraph, resolve } from '../../src/phases/3-resolve/index.js';
import { place } from '../../src/phases/4-place/index.js';
import { Topology } from '../../src/phases/4-place/topology.js';
import { render, type RenderOptions } from '../../src/phases/5-render/index.js';
import { emitClusters, toYaml } from '../../src/phases/6-emit/index.js';
import { committedFleets, ROOT } from '../helpers/trees.js';

/**
 * Objects that name no cluster (an app's Service, DestinationRule, VirtualService and
 * AuthorizationPolicy, a gateway's objects, a cluster's network sets) are made once and listed in
 * every cluster that holds them. That is only right while what they are made from names no
 * cluster: making every object afresh in every cluster must give the very same files.
 */
const fleets: { name: string; files: SpecFile[]; outDir?: string }[] = [
  ...committedFleets().map((fleet) => ({ name: fleet.name, files: readSpecFiles(join(ROOT, fleet.spec)).files, outDir: join(ROOT, fleet.out) })),
  { name: 'generated 12 clusters x 120 apps', files: [{ path: 'fleet-spec.yaml', name: 'fleet-spec.yaml', text: toYaml(generateFleet({ clusters: 12, apps: 120 })) }] },
  // Apps that run alike in some clusters and not in others: each thing a workload or a namespace is
  // made from (replicas, image, env, labels, annotations; the network) differs between two clusters
  // that are otherwise alike.
  {
    name: 'apps that run differently per cluster',
    files: [
      {
        path: 'fleet-spec.yaml',
        name: 'fleet-spec.yaml',
        text: `apiVersion: fleet/v1alpha1
kind: Fleet
metadata: { name: per-cluster }
clusters:
  - { name: a-1, network: net-a, podCIDRs: [10.1.0.0/16], labels: { geo: a } }
  - { name: a-2, network: net-a, podCIDRs: [10.2.0.0/16], labels: { geo: a, tweak: labels } }
  - { name: a-3, network: net-a, podCIDRs: [10.3.0.0/16], labels: { geo: a, tweak: annotations } }
  - { name: b-1, network: net-b, podCIDRs: [10.4.0.0/16], labels: { geo: b } }
  - { name: b-2, network: net-b, podCIDRs: [10.5.0.0/16], labels: { geo: b, tweak: env } }
  - { name: b-3, network: net-b, podCIDRs: [10.6.0.0/16], labels: { geo: b, tweak: image } }
  - { name: c-1, podCIDRs: [10.7.0.0/16], labels: { geo: c } }
apps:
  - { name: web, namespace: shop, image: registry.example.com/web:1.0.0, replicas: 7, ports: [{ name: http, port: 80 }] }
  - { name: extra, namespace: shop, image: registry.example.com/extra:1.0.0, replicas: 8 }
  - name: api
    namespace: shop
    image: registry.example.com/api:2.0.0
    replicas: 14
    ports: [{ name: http, port: 8080 }]
    versions: [{ name: stable }, { name: canary, image: registry.example.com/api:2.1.0 }]
placement:
  - { name: everywhere, apps: { names: [web, api] }, clusters: {}, replicas: { strategy: Divided } }
  - { name: extra, apps: { names: [extra] }, clusters: { matchLabels: { geo: a } }, replicas: { strategy: Divided } }
overrides:
  - { name: labels, apps: {}, clusters: { matchLabels: { tweak: labels } }, labels: { team: blue } }
  - { name: annotations, apps: {}, clusters: { matchLabels: { tweak: annotations } }, annotations: { note: tweaked } }
  - { name: env, apps: {}, clusters: { matchLabels: { tweak: env } }, env: { MODE: tweaked } }
  - { name: image, apps: {}, clusters: { matchLabels: { tweak: image } }, image: { registry: mirror.example.com } }
traffic:
  - { name: web-to-api, from: [web], to: api, split: { stable: 80, canary: 20 } }
`,
      },
    ],
  },
];

function renderWith(files: SpecFile[], outDir: string | undefined, options: RenderOptions) {
  const diagnostics = new DiagnosticBag();
  const loaded = load(files, diagnostics);
  const { spec } = validate(loaded, diagnostics);
  const fleet = resolve(spec, loaded.sourceMap, diagnostics);
  const traffic = buildTrafficGraph(fleet, loaded.sourceMap, diagnostics);
  const plan = place(fleet, loaded.sourceMap, diagnostics, outDir ? previousPlacement(outDir) : new Map());
  expect(diagnostics.sorted().filter((d) => d.severity === 'error')).toEqual([]);
  return render(fleet, new Topology(fleet, plan, traffic), (object: object) => loaded.sourceMap.originOf(object)?.source.name ?? '', options);
}

describe('objects shared across clusters', () => {
  for (const fleet of fleets) {
    it(`are the files each cluster would make itself: ${fleet.name}`, () => {
      const shared = renderWith(fleet.files, fleet.outDir, {});
      const afresh = renderWith(fleet.files, fleet.outDir, { shareAcrossClusters: false });
      expect(emitClusters(shared)).toEqual(emitClusters(afresh));
    });
  }

  it('are made once: the same manifest in every cluster that lists it', () => {
    const clusters = renderWith(fleets.find((f) => f.name.startsWith('generated'))!.files, undefined, {});
    const services = clusters.flatMap((c) => c.manifests.filter((m) => m.object.kind === 'Service'));
    const distinct = new Set(services.map((m) => m.object));
    expect(distinct.size).toBeLessThan(services.length / 2);
    expect(distinct.size).toBe(new Set(services.map((m) => `${m.object.metadata.namespace}/${m.object.metadata.name}`)).size);
  });

  it('include workloads and namespaces wherever they come out alike: made once per distinct file', () => {
    const clusters = renderWith(fleets.find((f) => f.name.startsWith('generated'))!.files, undefined, {});
    for (const kind of ['Deployment', 'ServiceAccount', 'Namespace']) {
      const manifests = clusters.flatMap((c) => c.manifests.filter((m) => m.object.kind === kind));
      const made = new Set(manifests.map((m) => m.object));
      expect(made.size, kind).toBeLessThan(manifests.length);
      expect(made.size, kind).toBe(new Set(manifests.map((m) => JSON.stringify(m))).size);
    }
  });
});
