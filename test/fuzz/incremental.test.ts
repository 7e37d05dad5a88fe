import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { parse } from 'yaml';
import type { CompileOptions, CompileResult, PreviousRender } from '../../src/compiler.js';
import type { PreviousPlacement } from '../../src/model/plan.js';
import { clusterOfOutputPath } from '../../src/phases/6-emit/flux.js';
import { LOCK_FILE, LockedFiles, lockGroupOf, parseLock } from '../../src/phases/6-emit/index.js';
import { toYaml } from '../../src/phases/6-emit/yaml.js';
import { codesAt, compileText } from '../helpers/spec.js';
import { fleetSpecs } from './arbitraries.js';

/**
 * Incremental synth is invisible: compiling an edited spec with the previous compile's render
 * (`previousRender`: clusters whose render inputs are unchanged are carried over, not rendered;
 * those where only some apps' workloads changed have only those rendered) gives exactly the output
 * of a clean compile of the edited spec. Every file kept is one the previous output held with the
 * very bytes a clean compile renders now.
 */

type Spec = Record<string, any>;

/** One-field edits a user makes between two synths. */
const EDITS: readonly { readonly name: string; readonly apply: (spec: Spec, pick: number) => boolean }[] = [
  { name: 'image tag', apply: (spec, pick) => edit(spec.apps, pick, (app) => (app.image = app.image.replace(/:.*/, ':7.7.7'))) },
  { name: 'replicas', apply: (spec, pick) => edit(spec.apps, pick, (app) => (app.replicas = (app.replicas + 3) % 14)) },
  { name: 'env', apply: (spec, pick) => edit(spec.apps, pick, (app) => (app.env = { ...(app.env ?? {}), FEATURE: 'on' })) },
  { name: 'app label', apply: (spec, pick) => edit(spec.apps, pick, (app) => (app.labels = { ...app.labels, tier: app.labels.tier === 'web' ? 'api' : 'web' })) },
  { name: 'second port', apply: (spec, pick) => edit(spec.apps, pick, (app) => (app.ports = [...(app.ports ?? []), { name: 'admin', port: 9901 }])) },
  { name: 'cluster label', apply: (spec, pick) => edit(spec.clusters, pick, (cluster) => (cluster.labels = { ...cluster.labels, env: cluster.labels.env === 'prod' ? 'dev' : 'prod' })) },
  { name: 'cluster network', apply: (spec, pick) => edit(spec.clusters, pick, (cluster) => (cluster.network = cluster.network === 'net-a' ? 'net-b' : 'net-a')) },
  {
    name: 'new caller',
    apply: (spec, pick) => {
      const served = spec.apps.filter((a: Spec) => a.ports);
      if (served.length === 0) return false;
      const to = served[pick % served.length];
      const from = spec.apps[(pick >> 3) % spec.apps.length];
      spec.traffic = [...(spec.traffic ?? []), { name: 'added-rule', from: [from.name], to: to.name }];
      return true;
    },
  },
  {
    name: 'rule removed',
    apply: (spec, pick) => {
      if (!spec.traffic?.length) return false;
      spec.traffic.splice(pick % spec.traffic.length, 1);
      return true;
    },
  },
  {
    name: 'disruption budget toggled',
    apply: (spec, pick) =>
      edit(spec.apps, pick, (app) => {
        if (app.disruption) delete app.disruption;
        else app.disruption = { maxUnavailable: 1 };
      }),
  },
  {
    name: 'autoscaling toggled',
    apply: (spec, pick) =>
      edit(spec.apps, pick, (app) => {
        if (app.autoscaling) delete app.autoscaling;
        else app.autoscaling = { min: 1, max: 10, cpu: 70 };
        app.resources ??= { requests: { cpu: '100m', memory: '128Mi' } };
      }),
  },
  { name: 'app annotation', apply: (spec, pick) => edit(spec.apps, pick, (app) => (app.annotations = { 'example.com/owner': 'team-b' })) },
  { name: 'version added', apply: (spec, pick) => edit(spec.apps, pick, (app) => (app.versions = [...(app.versions ?? [{ name: 'stable' }]), { name: 'next', image: 'registry.example.com/next:1.0.0' }])) },
  { name: 'override replicas', apply: (spec, pick) => edit(spec.overrides ?? [], pick, (override) => (override.replicas = 2)) },
  { name: 'rule timeout', apply: (spec, pick) => edit(spec.traffic ?? [], pick, (rule) => (rule.timeout = '42s')) },
];

function edit(list: Spec[], pick: number, change: (item: Spec) => void): boolean {
  if (list.length === 0) return false;
  change(list[pick % list.length]);
  return true;
}

/**
 * The random fleets, made to compile more often: every cluster has pod CIDRs (callers on a flat
 * network need them), runs the mesh, and the first cluster of each network an east-west gateway;
 * nothing stateful.
 */
function compilable(text: string): string {
  const spec = parse(text) as Spec;
  const gatewayed = new Set<string>();
  spec.clusters.forEach((cluster: Spec, i: number) => {
    cluster.podCIDRs ??= [`10.${i}.0.0/16`];
    // A cluster outside the mesh cuts calls across it (traffic_across_mesh_boundary): most fleets would not compile.
    delete cluster.mesh;
    if (cluster.network && !gatewayed.has(cluster.network)) {
      gatewayed.add(cluster.network);
      cluster.eastWestGateway = { addresses: [`192.0.2.${i + 1}`] };
    }
  });
  for (const app of spec.apps) {
    delete app.stateful;
    delete app.storage;
    delete app.replication;
  }
  return toYaml(spec);
}

const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** What synth passes on: the lock's placement, and the render (inputs, and the lock's list of files as synth reads it). */
function previousOf(result: CompileResult): { placement: PreviousPlacement; render: PreviousRender } {
  const text = result.tree!.get(LOCK_FILE)!;
  const lock = parseLock(text)!;
  return {
    placement: new Map(lock.placement.map((p) => [`${p.namespace}/${p.name}`, p.divided ?? p.clusters])),
    render: { inputs: result.renderInputs!, files: LockedFiles.of(text)! },
  };
}

it('an incremental compile gives the output of a clean compile, keeping only unchanged files', () => {
  const seen = { compared: 0, carried: 0, rendered: 0, partly: 0, reused: 0 };
  fc.assert(
    fc.property(fleetSpecs.map(compilable), fc.nat({ max: EDITS.length - 1 }), fc.nat({ max: 1023 }), (text, which, pick) => {
      const before = compileText(text);
      if (!before.tree) return;
      const spec = parse(text) as Spec;
      if (!EDITS[which].apply(spec, pick)) return;
      const edited = toYaml(spec);
      const previous = previousOf(before);
      const clean = compileText(edited, { previous: previous.placement });
      const incremental = compileText(edited, { previous: previous.placement, previousRender: previous.render });
      expect(incremental.tree === undefined, EDITS[which].name).toBe(clean.tree === undefined);
      if (!clean.tree || !incremental.tree) return;
      seen.compared++;

      expect(incremental.tree.get(LOCK_FILE), 'the lock lists every file, kept or rendered').toBe(clean.tree.get(LOCK_FILE));
      const partly = incremental.partlyRendered!;
      const inCarriedGroup = (path: string) => incremental.carried!.has(lockGroupOf(path));
      expect([...incremental.hashes!], 'the hashes are those of the files rendered, and of the lock').toEqual([...clean.hashes!].filter(([path]) => incremental.tree!.has(path)));
      for (const path of incremental.tree.keys()) expect(clean.tree.has(path), `${path} is rendered`).toBe(true);
      const carried = new Map<string, number>();
      for (const [path, text] of clean.tree) {
        if (inCarriedGroup(path)) carried.set(lockGroupOf(path), (carried.get(lockGroupOf(path)) ?? 0) + 1);
        if (incremental.tree.has(path)) {
          expect(incremental.tree.get(path), path).toBe(text);
          // A file of a carried group in the tree: a workload of a cluster partly rendered, whose bytes changed.
          if (inCarriedGroup(path)) {
            expect(partly.has(clusterOfOutputPath(path)), `${path} is of a cluster partly rendered`).toBe(true);
            expect(before.tree.get(path), `${path} changed`).not.toBe(text);
          }
          seen.rendered++;
          continue;
        }
        // Kept: the previous output held exactly these bytes, and the lock lists them so.
        expect(before.tree.get(path), `${path} is kept unchanged`).toBe(text);
        expect(parseLock(incremental.tree.get(LOCK_FILE))!.files[path], `${path} is listed`).toBe(sha256(text));
        expect(inCarriedGroup(path), `${path} is in a carried group`).toBe(true);
        if (partly.has(clusterOfOutputPath(path))) seen.reused++;
        else seen.carried++;
      }
      expect([...incremental.carried!].sort(), 'the groups carried, with all their files').toEqual([...carried].sort());
      // A cluster partly rendered has only workloads rendered: its kustomization.yaml and Flux entrypoints are kept.
      for (const cluster of partly) {
        expect(incremental.carried!.has(`${cluster}/`), `${cluster} is carried`).toBe(true);
        const rendered = [...incremental.tree.keys()].filter((path) => clusterOfOutputPath(path) === cluster);
        for (const path of rendered) expect(path, 'a workload').toMatch(/\/(serviceaccount|deployment|statefulset|service|poddisruptionbudget|horizontalpodautoscaler)\.[^/]+\.yaml$/);
        seen.partly++;
      }
      expect([...incremental.renderInputs!]).toEqual([...clean.renderInputs!]);
    }),
    { seed: 7, numRuns: 60 },
  );
  // The property is about both kinds of file: enough edits carried some clusters and rendered others.
  expect(seen.compared).toBeGreaterThan(20);
  expect(seen.carried).toBeGreaterThan(40);
  expect(seen.rendered).toBeGreaterThan(400);
  // And clusters where only an app's workloads were rendered again, the rest of their files kept.
  expect(seen.partly).toBeGreaterThan(5);
  expect(seen.reused).toBeGreaterThan(100);
});

it('a spec compiled again without change carries every cluster over', () => {
  const text = fc.sample(fleetSpecs.map(compilable), { seed: 7, numRuns: 40 }).find((t) => compileText(t).tree)!;
  const first = compileText(text);
  const previous = previousOf(first);
  const again = compileText(text, { previous: previous.placement, previousRender: previous.render });
  expect([...again.tree!.keys()]).toEqual([LOCK_FILE]);
  expect(again.tree!.get(LOCK_FILE)).toBe(first.tree!.get(LOCK_FILE));
  const clusters = new Set([...first.tree!.keys()].filter((path) => path !== LOCK_FILE).map(lockGroupOf));
  expect([...again.carried!.keys()].sort()).toEqual([...clusters].sort());
  expect([...again.carried!.values()].reduce((sum, count) => sum + count, 0)).toBe(first.tree!.size - 1);
});

/** A spec with apps' own manifests and overrides' patches, and the manifests folders compile() is given. */
interface WithExtras {
  readonly spec: Spec;
  readonly folders: Map<string, string>;
}

/**
 * Two apps get a manifests folder (a ConfigMap each), every Deployment in the first cluster gets a
 * label by patch, and the first app's ConfigMap a value by patch: clusters that are carried over
 * hold patched objects and apps' manifests, and a patch may apply only in clusters carried over.
 */
function withExtras(text: string): WithExtras {
  const spec = parse(text) as Spec;
  const folders = new Map<string, string>();
  for (const app of spec.apps.slice(0, 2)) {
    app.manifests = `m-${app.name}`;
    folders.set(app.manifests, `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: cfg-${app.name} }\ndata: { k: v1 }\n`);
  }
  spec.overrides = [
    ...(spec.overrides ?? []),
    { name: 'label-deployments', apps: {}, clusters: { names: [spec.clusters[0].name] }, patches: [{ target: { kind: 'Deployment' }, op: 'add', path: '/metadata/labels/patched', value: 'yes' }] },
    { name: 'config-value', apps: { names: [spec.apps[0].name] }, clusters: {}, patches: [{ target: { kind: 'ConfigMap' }, op: 'replace', path: '/data/k', value: 'patched' }] },
  ];
  return { spec, folders };
}

/** An edit that sets a field of an override's first patch. */
function setPatch(override: string, field: string, value: unknown): (extras: WithExtras) => boolean {
  return ({ spec }) => {
    spec.overrides.find((o: Spec) => o.name === override).patches[0][field] = value;
    return true;
  };
}

/** Edits of what the extras add, and some of the spec's that leave the patched cluster alone. */
const EXTRA_EDITS: readonly { readonly name: string; readonly apply: (extras: WithExtras, pick: number) => boolean }[] = [
  {
    name: 'manifest data',
    apply: ({ folders }) => {
      const [folder, text] = [...folders][0];
      folders.set(folder, text.replace('k: v1', 'k: v2'));
      return true;
    },
  },
  { name: 'patch value', apply: setPatch('label-deployments', 'value', 'no') },
  { name: 'patch value, every cluster', apply: setPatch('config-value', 'value', 'again') },
  { name: 'patch targets nothing', apply: setPatch('label-deployments', 'target', { kind: 'CronJob' }) },
  { name: 'patch path fails', apply: setPatch('config-value', 'path', '/data/missing/k') },
  {
    name: 'patch moves cluster',
    apply: ({ spec }, pick) => {
      spec.overrides.find((o: Spec) => o.name === 'label-deployments').clusters = { names: [spec.clusters[pick % spec.clusters.length].name] };
      return true;
    },
  },
  ...EDITS.filter((e) => ['image tag', 'replicas', 'cluster label', 'new caller'].includes(e.name)).map((e) => ({ name: e.name, apply: ({ spec }: WithExtras, pick: number) => e.apply(spec, pick) })),
];

function compileWithExtras({ spec, folders }: WithExtras, options: CompileOptions = {}): CompileResult {
  const manifests = [...folders].map(([folder, text]) => ({ specFile: 'fleet-spec.yaml', folder, files: [{ path: `${folder}/cm.yaml`, name: `${folder}/cm.yaml`, text }] }));
  return compileText(toYaml(spec), { ...options, manifests });
}

it("with apps' own manifests and overrides' patches, an incremental compile gives the output and the diagnostics of a clean compile", () => {
  const seen = { compared: 0, carried: 0, failed: 0 };
  fc.assert(
    fc.property(fleetSpecs.map(compilable), fc.nat({ max: EXTRA_EDITS.length - 1 }), fc.nat({ max: 1023 }), (text, which, pick) => {
      const extras = withExtras(text);
      const before = compileWithExtras(extras);
      if (!before.tree) return;
      const edited = { spec: structuredClone(extras.spec), folders: new Map(extras.folders) };
      if (!EXTRA_EDITS[which].apply(edited, pick)) return;
      const previous = previousOf(before);
      const clean = compileWithExtras(edited, { previous: previous.placement });
      const incremental = compileWithExtras(edited, { previous: previous.placement, previousRender: previous.render });
      const name = EXTRA_EDITS[which].name;
      expect(codesAt(incremental.diagnostics), name).toEqual(codesAt(clean.diagnostics));
      if (!clean.tree || !incremental.tree) {
        expect(incremental.tree, name).toBe(clean.tree);
        seen.failed++;
        return;
      }
      seen.compared++;
      expect(incremental.tree.get(LOCK_FILE), name).toBe(clean.tree.get(LOCK_FILE));
      for (const [path, text] of clean.tree) {
        if (incremental.tree.has(path)) expect(incremental.tree.get(path), path).toBe(text);
        else {
          expect(before.tree.get(path), `${path} is carried unchanged (${name})`).toBe(text);
          seen.carried++;
        }
      }
    }),
    { seed: 2028, numRuns: 70 },
  );
  // Both outcomes, and clusters carried over with patched objects and manifests in them.
  expect(seen.compared).toBeGreaterThan(15);
  expect(seen.failed).toBeGreaterThan(3);
  expect(seen.carried).toBeGreaterThan(40);
});
